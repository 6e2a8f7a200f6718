# The rseq/cpu_opv runtime (runtime/) and the programs built on it (targets/), see TARGETS.md.

RT_SRCS := runtime/rseq-thread.c runtime/cpu-opv.c runtime/percpu.c
RT_DEPS := $(wildcard runtime/*.c runtime/*.h runtime/arch/*.h targets/*.c targets/*.h) mk/runtime.mk
RT_CFLAGS := -O2 -g -Wall -Wextra -D_GNU_SOURCE -Iruntime -Itargets -pthread
AARCH64_CC ?= aarch64-linux-gnu-gcc
# gcc -m32 without the gcc-multilib package finds no asm/ headers: the x86 ones serve both.
I386_INC := $(OUT)/.i386-include

# Programs = a main file + the runtime, compiled together, with per-program flags.
RT_PROGRAMS := counter demo-counter counter-nopie counter-static counter-legacy counter-noexit \
	counter-notable counter-lld counter-relr counter-i386 counter-aarch64 \
	list buffer memcpy signal-storm exclusion cpu-opv-errors bench-percpu \
	counter-c2 counter-c2-i386 counter-c2-aarch64 list-c2 memcpy-c2 buffer-c2 spin-c2 c2-tamper \
	list-undeclared signal-storm-static exec-midway-static thread-exits-static self-change-static \
	seccomp-counter-static leader-exits-static entropy-static list-static counter-noexit-static counter-notable-static \
	list-undeclared-static \
	counter-c2-static list-c2-static memcpy-c2-static buffer-c2-static spin-c2-static
BAD_PROGRAMS := abort-inside version1 no-signature overflow exit-inside

$(OUT)/counter $(OUT)/demo-counter $(OUT)/counter-%: MAIN := targets/counter.c
$(OUT)/list $(OUT)/buffer $(OUT)/memcpy $(OUT)/signal-storm $(OUT)/exclusion $(OUT)/cpu-opv-errors \
	$(OUT)/bench-percpu: MAIN = targets/$(notdir $@).c
$(OUT)/demo-counter: XFLAGS := -DCOUNTER_DEFAULT_OPS=200 -DCOUNTER_NAME='"demo-counter"'
$(OUT)/counter-nopie: XFLAGS := -fno-pie -no-pie
$(OUT)/counter-static: XFLAGS := -static
$(OUT)/counter-legacy: XFLAGS := -DRSEQ_LEGACY_TABLE
$(OUT)/counter-noexit: XFLAGS := -DRSEQ_NO_EXIT_POINTS
$(OUT)/counter-notable: XFLAGS := -DRSEQ_NO_TABLES
$(OUT)/counter-noexit-static: XFLAGS := -DRSEQ_NO_EXIT_POINTS -static
$(OUT)/counter-notable-static: XFLAGS := -DRSEQ_NO_TABLES -static
$(OUT)/counter-lld: XFLAGS := -fuse-ld=lld
$(OUT)/counter-relr: XFLAGS := -Wl,-z,pack-relative-relocs
$(OUT)/counter-i386: XFLAGS := -m32 -I$(I386_INC)
$(OUT)/counter-aarch64: RT_CC := $(AARCH64_CC)
$(OUT)/signal-storm-static: MAIN := targets/signal-storm.c
$(OUT)/signal-storm-static: XFLAGS := -static
$(OUT)/entropy-static: MAIN := targets/entropy.c
$(OUT)/entropy-static: XFLAGS := -static
$(OUT)/list-undeclared: MAIN := targets/list.c
# Static twins for the default suite's launched runs (no dynamic loader to single-step, about
# 4x faster); the dynamic builds keep the claims about dynamic linking and run in -Pstress.
$(OUT)/list-static: MAIN := targets/list.c
$(OUT)/list-static: XFLAGS := -static
# Fault-matrix programs (README, "Reliability"): static, so that stepping has no ld.so to go through.
$(OUT)/exec-midway-static $(OUT)/thread-exits-static $(OUT)/self-change-static $(OUT)/seccomp-counter-static \
	$(OUT)/leader-exits-static: \
	MAIN = targets/$(patsubst %-static,%,$(notdir $@)).c
$(OUT)/exec-midway-static $(OUT)/thread-exits-static $(OUT)/self-change-static $(OUT)/seccomp-counter-static \
	$(OUT)/leader-exits-static: \
	XFLAGS := -static
$(OUT)/list-undeclared: XFLAGS := -DRSEQ_UNDECLARED_POP_EXIT
$(OUT)/list-undeclared-static: MAIN := targets/list.c
$(OUT)/list-undeclared-static: XFLAGS := -DRSEQ_UNDECLARED_POP_EXIT -static

# Compare-twice builds (RSEQ_COMPARE_TWICE, runtime/rseq-cs.h): the same programs, whose c.s.
# check cpu and compared word again before committing and abort() on a difference.
C2 := -DRSEQ_COMPARE_TWICE
$(OUT)/list-c2 $(OUT)/memcpy-c2 $(OUT)/buffer-c2: MAIN = targets/$(patsubst %-c2,%,$(notdir $@)).c
$(OUT)/spin-c2: MAIN := targets/spin.c
$(OUT)/c2-tamper: MAIN := targets/c2-tamper.c
$(OUT)/counter-c2: XFLAGS := $(C2) -DCOUNTER_NAME='"counter-c2"'
$(OUT)/counter-c2-i386: XFLAGS := $(C2) -DCOUNTER_NAME='"counter-c2-i386"' -m32 -I$(I386_INC)
$(OUT)/counter-c2-aarch64: XFLAGS := $(C2) -DCOUNTER_NAME='"counter-c2-aarch64"'
$(OUT)/counter-c2-aarch64: RT_CC := $(AARCH64_CC)
$(OUT)/list-c2 $(OUT)/memcpy-c2 $(OUT)/buffer-c2 $(OUT)/c2-tamper: XFLAGS := $(C2)
$(OUT)/spin-c2: XFLAGS := $(C2) -DSPIN_NAME='"spin-c2"'
$(OUT)/list-c2-static $(OUT)/memcpy-c2-static $(OUT)/buffer-c2-static: \
	MAIN = targets/$(patsubst %-c2-static,%,$(notdir $@)).c
$(OUT)/list-c2-static $(OUT)/memcpy-c2-static $(OUT)/buffer-c2-static: XFLAGS := $(C2) -static
$(OUT)/counter-c2-static: XFLAGS := $(C2) -DCOUNTER_NAME='"counter-c2-static"' -static
$(OUT)/spin-c2-static: MAIN := targets/spin.c
$(OUT)/spin-c2-static: XFLAGS := $(C2) -DSPIN_NAME='"spin-c2-static"' -static
RT_CC ?= $(CC)

$(OUT)/counter-i386 $(OUT)/counter-c2-i386: $(I386_INC)/asm

$(addprefix $(OUT)/,$(RT_PROGRAMS)): $(RT_DEPS)
	@mkdir -p $(OUT)
	$(RT_CC) $(RT_CFLAGS) $(XFLAGS) -o $@ $(MAIN) $(RT_SRCS)

# The same counter, with the runtime in a shared library it dlopens from its own directory.
$(OUT)/libpercpu.so: $(RT_DEPS)
	@mkdir -p $(OUT)
	$(CC) $(RT_CFLAGS) -fPIC -shared -o $@ $(RT_SRCS)

$(OUT)/counter-dlopen: $(RT_DEPS) $(OUT)/libpercpu.so
	$(CC) $(RT_CFLAGS) -DCOUNTER_DLOPEN -DCOUNTER_NAME='"counter-dlopen"' -o $@ targets/counter.c -ldl

$(I386_INC)/asm:
	@mkdir -p $(I386_INC)
	ln -sfn /usr/include/x86_64-linux-gnu/asm $@

# ELF files with one bad descriptor each: built for the checker, never run.
$(OUT)/bad/%: targets/bad/%.S targets/bad/bad-cs.h
	@mkdir -p $(OUT)/bad
	$(CC) -o $@ $<

ALL_EXTRA += $(addprefix $(OUT)/,$(RT_PROGRAMS) libpercpu.so counter-dlopen) \
	$(addprefix $(OUT)/bad/,$(BAD_PROGRAMS))
