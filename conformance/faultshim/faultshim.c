/* SPDX-License-Identifier: MIT */
/*
 * faultshim.so: fault injection into the real child for the conformance
 * suite, without test hooks in the product (docs/conformance.md).
 *
 * Preloaded into build/sandbox (the supervisor, an ordinary dynamically
 * linked program; it starts the jail with a clean environment, so the
 * shim never reaches the jail). CONFORMANCE_FAULT selects the fault:
 *
 *   poll-after-output   once the process has written an `output`
 *                       notification to fd 4, the next poll(2) that waits
 *                       for the parent's input on fd 3 fails with ENOMEM,
 *                       as poll(2) may when the kernel is out of memory.
 *                       The run that printed is still in progress then.
 *
 * Any other value, or none, leaves every call as it is. The fault fires
 * once; later calls go through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHIM_EXPORT __attribute__((visibility("default")))

/* fds 3 and 4 of protocol/SPEC.md (REQ-PROC-1) */
enum { FROM_PARENT = 3, TO_PARENT = 4 };

static const char OUTPUT_FRAME[] = "\"method\":\"output\"";

typedef ssize_t write_fn(int, const void *, size_t);
typedef int poll_fn(struct pollfd *, nfds_t, int);

static write_fn *real_write;
static poll_fn *real_poll;
static bool armed;
static bool fired;

static bool fault_is(const char *name)
{
	const char *f = getenv("CONFORMANCE_FAULT");

	return f && strcmp(f, name) == 0;
}

/* Whether the LEN bytes at BUF hold an output notification. */
static bool holds_output(const void *buf, size_t len)
{
	return memmem(buf, len, OUTPUT_FRAME, sizeof(OUTPUT_FRAME) - 1);
}

static bool waits_for_parent(const struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (fds[i].fd == FROM_PARENT && fds[i].events & POLLIN)
			return true;
	return false;
}

/* Resolved before main, so that no lookup happens after the supervisor
 * has confined itself. */
__attribute__((constructor)) static void resolve(void)
{
	real_write = (write_fn *)dlsym(RTLD_NEXT, "write");
	real_poll = (poll_fn *)dlsym(RTLD_NEXT, "poll");
}

SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd == TO_PARENT && !fired && holds_output(buf, len) &&
	    fault_is("poll-after-output"))
		armed = true;
	return real_write(fd, buf, len);
}

SHIM_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (armed && waits_for_parent(fds, n)) {
		armed = false;
		fired = true;
		errno = ENOMEM;
		return -1;
	}
	return real_poll(fds, n, timeout);
}
