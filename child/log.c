/* SPDX-License-Identifier: MIT */
/* log.c - one line per diagnostic on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

int log_verbosity;

void log_line(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (level > log_verbosity)
		return;

	n = snprintf(buf, sizeof(buf), "sandbox[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);

	/* One write per line, so lines from several processes never mix. */
	dprintf(2, "%s\n", buf);
}
