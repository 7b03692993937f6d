/* SPDX-License-Identifier: MIT */
/* error.c - the library's one error vocabulary and its messages. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

EXPORT const char *pysandbox_strerror(int code)
{
	switch (code) {
	case 0:
		return "success";
	case PYSANDBOX_ESPAWN:
		return "the child could not be started";
	case PYSANDBOX_EPROTO:
		return "the child broke the protocol";
	case PYSANDBOX_ECHILD:
		return "the child exited unexpectedly";
	case PYSANDBOX_ETIMEDOUT:
		return "the child did not answer in time";
	case PYSANDBOX_EREMOTE:
		return "the child refused the request";
	case PYSANDBOX_EENDED:
		return "the session has ended";
	case -ESRCH:
		return "no run in progress";
	case -EBUSY:
		/* Both uses of the code: a session's and a pool's. */
		return "a run is in progress, or the pool has started children";
	case -ENOTSUP:
		return "the child does not support this feature";
	default:
		return code < 0 && code > -4096 ? strerror(-code)
						: "unknown error";
	}
}

static void vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(buf, size, fmt, ap);
}

/* Records the session's failure; returns CODE so callers can
 * `return __psb_fail(...)`. */
int __psb_fail(struct pysandbox *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

int __psb_opt_fail(struct pysandbox_options *o, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(o->errmsg, sizeof(o->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

int64_t __psb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

EXPORT const char *pysandbox_errmsg(const struct pysandbox *s)
{
	return s->errmsg;
}

EXPORT const char *pysandbox_options_errmsg(const struct pysandbox_options *o)
{
	return o->errmsg;
}

EXPORT int pysandbox_rpc_code(const struct pysandbox *s)
{
	return s->rpc_code;
}

EXPORT struct json_object *pysandbox_rpc_data(const struct pysandbox *s)
{
	return s->rpc_data;
}
