"""rseqdbg gdb bridge (standard library only)."""
