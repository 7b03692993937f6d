// SPDX-License-Identifier: MIT
/*
 * lsan_filter.c - linked into the ASan supervisor only (tests/san.mk,
 * -Wl,--wrap=seccomp_export_bpf): before the supervisor compiles its own
 * filter (exported once, then loaded with seccomp(2); child/supervisor.c),
 * allows the calls LeakSanitizer's exit-time scan makes to stop the
 * world (a tracer made with clone, which ptraces every thread, after
 * prctl(PR_SET_DUMPABLE) and prctl(PR_SET_PTRACER)).  Without them the
 * scan fails with "Failed spawning a tracer thread (errno 1)" and no leak
 * is ever found in a supervisor that confined itself.  Every other call
 * keeps the filter's answer, so the sessions run as they do in the
 * normal build.  The supervisor loads no other filter (the jail's is
 * loaded by sandbox-jail, a normal build).
 */
#include <errno.h>
#include <seccomp.h>
#include <stddef.h>

int __real_seccomp_export_bpf(const scmp_filter_ctx ctx, int fd);
int __wrap_seccomp_export_bpf(const scmp_filter_ctx ctx, int fd);

int __wrap_seccomp_export_bpf(const scmp_filter_ctx ctx, int fd)
{
	static const char *const lsan_calls[] = {
		"clone",   "ptrace", "prctl",  "sched_yield", "sigaltstack",
		"getppid", "kill",   "tgkill", "getdents",
	};
	size_t i;
	int nr, rc;

	for (i = 0; i < sizeof(lsan_calls) / sizeof(*lsan_calls); i++) {
		nr = seccomp_syscall_resolve_name(lsan_calls[i]);
		if (nr == __NR_SCMP_ERROR)
			return -EINVAL;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0)
			return rc;
	}
	return __real_seccomp_export_bpf(ctx, fd);
}
