/*
 * pushf-probe [N]
 *
 * Reads its own flags with pushf N times (default 3) and exits 1 if any read shows the trap flag
 * (TF, bit 8). A tracer that single-steps pushf without clearing the pushed TF makes this fail,
 * and the program would later trap on its own after a popf.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned long read_flags(void)
{
	unsigned long flags;
	__asm__ volatile("pushf\n\tpop %0" : "=r"(flags));
	return flags;
}

/* pushf; popf round trip: a leaked TF would make the CPU trap after the popf. */
__attribute__((noinline)) static void flags_round_trip(void)
{
	__asm__ volatile("pushf\n\tpopf" ::: "cc", "memory");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int leaked = 0;
	for (int i = 0; i < n; i++) {
		if (read_flags() & 0x100)
			leaked++;
		flags_round_trip();
	}
	printf("pushf-probe reads=%d trap-flag-seen=%d\n", n, leaked);
	return leaked ? 1 : 0;
}
