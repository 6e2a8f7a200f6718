/* Code no symbol names: an abort handler alone in __rseq_failure (as the runtime emits them),
 * after a sized function and an untyped label in .text. */
__asm__(".text\n.globl before\n.type before, @function\nbefore:\nret\n.size before, .-before\n"
        ".globl label\nlabel:\nnop\nnop\n"
        ".pushsection __rseq_failure, \"ax\"\n"
        ".byte 0x0f, 0xb9, 0x3d\n.long 0x53053053\n" /* the signature, then the handler */
        "jmp before\n"
        ".popsection\n");

int main(void) {
    return 0;
}
