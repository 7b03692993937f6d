/* SPDX-License-Identifier: MIT */
/*
 * policy.h - the jail's system-call policy, one table for both sides.
 *
 * The jail compiles the table into its seccomp filter; the supervisor looks
 * up the same table to tell a forwarded call from a violation when a
 * notification arrives. Nothing in the jail is trusted: a violation is
 * decided from the syscall number the kernel reports, never from the jail.
 */
#ifndef SANDBOX_POLICY_H
#define SANDBOX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seccomp.h>

/* The jail's control socket: a fixed descriptor number after exec, so the
 * filter can name it. 0, 1, 2 are stdin, stdout and stderr. */
#define JAIL_CONTROL_FD 3

/* The jail's pid in its own pid namespace (its init is 1): the filter
 * lets it signal only itself, so the filter for this pid is built once,
 * at build time (child/policy_gen.c). */
#define POLICY_JAIL_PID 2

enum policy_action {
	POL_ALLOW,   /* runs natively */
	POL_FORWARD, /* user notification, answered by the supervisor */
	POL_KILL,    /* user notification, the supervisor ends the run */
	POL_ERRNO,   /* fails with the rule's errno */
};

struct policy_rule {
	const char *name;
	enum policy_action action;
	int err;	 /* POL_ERRNO only */
	const char *why; /* one line for docs/architecture.md */
};

/* The unconditional rules (argument-checked rules live in policy.c and are
 * listed by policy_conditional()). */
extern const struct policy_rule policy_rules[];
extern const size_t policy_nrules;

/* Creates the filter for the jail whose pid (in its namespace) is SELF:
 * default ENOSYS, other architectures and x32 numbers kill the process.
 * Returns a libseccomp context or NULL. */
scmp_filter_ctx policy_build(int self, const char **failed);

/* The supervisor's own filter (default EPERM): what a session needs once
 * the jail runs. Returns a libseccomp context or NULL. */
scmp_filter_ctx policy_build_supervisor(void);

/* What the supervisor does with a notification for syscall NR. */
enum policy_action policy_notified(int nr);

/* The bit that marks an x32 system call number on x86_64. */
#define POLICY_X32_BIT 0x40000000

/* Name of syscall NR as the kernel reported it with audit architecture
 * ARCH (x32 numbers included), or "unknown"; *ARCH_NAME gets libseccomp's
 * name of the architecture ("x86_64", "x32", "x86"). */
const char *policy_syscall_name(int nr, uint32_t arch, const char **arch_name);

/* Prints the whole policy as a Markdown table (for the docs). */
void policy_print_markdown(void);

#endif
