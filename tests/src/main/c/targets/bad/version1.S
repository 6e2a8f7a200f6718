/* Defect: the descriptor says version 1; the kernel only accepts version 0. */
#define CS_VERSION 1
#include "bad-cs.h"
