/*
 * Defect: start_ip + post_commit_offset wraps around the address space. The abort handler is
 * placed before the c.s. so that abort_ip is outside the c.s. however the end is computed.
 */
#define CS_POST_COMMIT_OFFSET 0xfffffffffffffff0
#define ABORT_HANDLER
	.text
	.byte 0x0f, 0xb9, 0x3d
	.long 0x53053053
4:	jmp bad_cs
#include "bad-cs.h"
