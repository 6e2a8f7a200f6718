/*
 * Inline-asm helpers that emit rseq critical sections and their tables the way librseq does.
 * Every address a test checks is also a symbol (LABEL), so the expected values come from the
 * file's own symbol table (readelf -s), never from the reader under test.
 */
#define LABEL(n) ".globl " n "\n.hidden " n "\n" n ":\n"

#if defined(__x86_64__) || defined(__aarch64__)
#define FIELD(x) ".quad " x "\n"
#elif defined(__i386__)
/* 32-bit files store each 64-bit field as a 32-bit value and a zero word (little endian). */
#define FIELD(x) ".long " x ", 0\n"
#endif

#if defined(__x86_64__) || defined(__i386__)
#define SIGNATURE ".byte 0x0f, 0xb9, 0x3d\n.long 0x53053053\n" /* ud1 0x53053053(%rip),%edi */
#define NOT_SIGNATURE ".byte 0x90, 0x90, 0x90, 0x90\n"
#define BODY(exit) "mov $1, %eax\n" "test %eax, %eax\n" "jz " exit "\n" "add $2, %eax\n"
#define RET "ret\n"
#define FUNC_TYPE(n) ".type " n ", @function\n"
#elif defined(__aarch64__)
#define SIGNATURE ".inst 0xd428bc00\n"
#define NOT_SIGNATURE "nop\n"
#define BODY(exit) "mov w0, #1\n" "cbz w0, " exit "\n" "add w0, w0, #2\n"
#define RET "ret\n"
#define FUNC_TYPE(n) ".type " n ", %function\n"
#endif

/* A function holding one critical section: NAME_start .. NAME_post, exit NAME_exit, abort NAME_abort. */
#define CS_FUNCTION(n)                                                    \
    ".text\n.balign 16\n" LABEL(n) FUNC_TYPE(n)                           \
    "nop\n"                                                               \
    LABEL(n "_start") BODY(n "_exit")                                     \
    LABEL(n "_post") RET                                                  \
    LABEL(n "_exit") RET                                                  \
    SIGNATURE LABEL(n "_abort") RET                                       \
    ".size " n ", .-" n "\n"

#define DESCRIPTOR(section, n, version, flags, start, offset, abort)      \
    ".pushsection " section ", \"aw\"\n.balign 32\n" LABEL(n)             \
    ".long " version ", " flags "\n" FIELD(start) FIELD(offset) FIELD(abort) \
    ".popsection\n"

#define POINTER(n) ".pushsection __rseq_cs_ptr_array, \"aw\"\n" FIELD(n) ".popsection\n"

#define EXIT_POINT(start, exit) \
    ".pushsection __rseq_exit_point_array, \"aw\"\n" FIELD(start) FIELD(exit) ".popsection\n"

/* The usual librseq shape: descriptor in __rseq_cs, a pointer to it, its exit point. */
#define CRITICAL_SECTION(n)                                                              \
    CS_FUNCTION(n)                                                                       \
    DESCRIPTOR("__rseq_cs", n "_cs", "0", "0", n "_start", n "_post - " n "_start", n "_abort") \
    POINTER(n "_cs")                                                                     \
    EXIT_POINT(n "_start", n "_exit")
