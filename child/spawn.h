/* SPDX-License-Identifier: MIT */
/*
 * spawn.h - the supervisor's own confinement and the start of the jail.
 *
 * Identities (docs/architecture.md, "Processes"):
 *  - started as root, the supervisor first drops to an unprivileged host
 *    uid/gid (default 65534); otherwise it keeps the caller's;
 *  - it then enters a new user and mount namespace where that host id is
 *    uid 0, so it can create tmpfs instances and has authority over the
 *    jail, but no privilege on the host;
 *  - the jail is cloned into further user, pid, net, ipc and uts
 *    namespaces, where it is uid/gid 1000 with no capabilities.
 */
#ifndef SANDBOX_SPAWN_H
#define SANDBOX_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

#define JAIL_UID 1000

struct isolation {
	bool privileges_dropped;
	uid_t host_uid;
	long landlock_abi;
	bool namespaces;
	bool supervisor_filter;
};

struct jail {
	pid_t pid; /* the jail (pid 2 of its namespace), as we see it */
	int pidfd;
	pid_t init_pid; /* its namespace's init: our child, only reaps */
	int init_pidfd; /* readable once the jail has ended */
	int status;	/* the jail's end, from init (struct jail_end) */
	int control;	/* stream socket to the jail */
	int out;	/* jail stdout, read end */
	int err;	/* jail stderr, read end */
	int listener;	/* seccomp user-notification listener */
	uint64_t cpu_ns, peak_bytes; /* from wait4, once reaped */
	clockid_t cpu_clock;	     /* the jail's CPU-time clock */
	bool have_cpu_clock;
};

/* Drops root (to DROP_UID/DROP_GID) and enters the supervisor's own user
 * and mount namespace. Returns 0 or -errno, *STEP naming what failed. */
int spawn_confine_self(uid_t drop_uid, gid_t drop_gid, struct isolation *iso,
		       const char **step);

/* Opens the jail's program (sandbox-jail) while the caller's identity can
 * still reach it, so the jail can be started from it after the privileges
 * are gone. */
int spawn_open_jail(const char *path);

/*
 * Raises (ON) or lowers, in the effective set only, the capabilities that
 * let the supervisor ignore file permissions in its own user namespace.
 * Lowered while it acts for the jail, so a tmpfs file the code made
 * read-only stays read-only, as it would for the jail's own uid; raised
 * while the parent reads files back. Returns 0 or -errno.
 */
int spawn_file_override(bool on);

/* Opens the preload shim while the caller's identity can still reach it;
 * the jail's loader maps it through /proc/self/fd, whatever the path's
 * permissions are for the dropped uid. */
int spawn_open_shim(const char *path);

/* Starts the jail and waits until it has confined itself and passed its
 * listener. Returns 0 or -errno, *STEP naming what failed. */
int spawn_jail(const struct config *cfg, const struct install_paths *ip,
	       struct jail *j, struct isolation *iso, const char **step);

/* Kills the jail (SIGKILL to its namespace's init, which takes the jail
 * with it) and reaps it; safe to call twice. Returns the jail's wait
 * status, and its final CPU time and peak memory in j->cpu_ns and
 * j->peak_bytes, when it had ended by itself; SIGKILL otherwise. */
int spawn_kill(struct jail *j);

#endif
