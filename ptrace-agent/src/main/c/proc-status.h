/* One number from a /proc status file, shared by the launcher and the tracer process. */
#ifndef RSEQDBG_PROC_STATUS_H
#define RSEQDBG_PROC_STATUS_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value of line NAME ("TracerPid:", "Tgid:", "SigPnd:") of the status file at PATH, read in BASE; 0 when it cannot be read. */
static unsigned long long status_field(const char *path, const char *name, int base)
{
	char buf[4096], key[32];
	snprintf(key, sizeof key, "\n%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strstr(buf, key);
	return p ? strtoull(p + strlen(key), NULL, base) : 0;
}

#endif
