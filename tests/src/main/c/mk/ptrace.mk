# ptrace-agent tests: i386 builds of some plain targets. gcc-multilib proper is not installed (it
# conflicts with the aarch64 cross compiler), so -m32 gets an include dir with asm -> the x86-64 one.
PTRACE_I386 := $(patsubst %,$(OUT)/%-i386,plain-loop breakpoint-loop)
PTRACE_I386_INCLUDE := $(OUT)/ptrace-i386-include
ALL_EXTRA += $(PTRACE_I386)

$(PTRACE_I386_INCLUDE)/asm:
	@mkdir -p $(PTRACE_I386_INCLUDE)
	ln -sfn /usr/include/x86_64-linux-gnu/asm $@

$(PTRACE_I386): $(OUT)/%-i386: plain/%.c | $(PTRACE_I386_INCLUDE)/asm
	@mkdir -p $(OUT)
	$(CC) -m32 -I$(PTRACE_I386_INCLUDE) $(CFLAGS) -pthread -o $@ $<
