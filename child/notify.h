/* SPDX-License-Identifier: MIT */
/*
 * notify.h - answering the jail's forwarded system calls.
 *
 * The kernel stops a jail thread at each forwarded call and hands the
 * supervisor a notification (seccomp_unotify(2)). Arguments that are
 * pointers are read from the jail's memory into the supervisor's own
 * buffers, the notification is checked to be still alive (so the pid was
 * not recycled), and the call is answered from the supervisor's copy: a
 * descriptor injected with SECCOMP_IOCTL_NOTIF_ADDFD, data written back to
 * the jail, or an errno. A forwarded call never continues in the kernel,
 * because its decision depended on memory the jail can still change.
 */
#ifndef SANDBOX_NOTIFY_H
#define SANDBOX_NOTIFY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfs.h"

#define NOTIFY_MAX_DIRS 4096

struct notify_dir {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct notify {
	int listener;
	pid_t pid; /* the jail, as the supervisor sees it */
	int pidfd;
	struct vfs *vfs;
	char cwd[PATH_MAX];
	struct notify_dir dirs[NOTIFY_MAX_DIRS];
	size_t ndirs, next_dir;
	uint64_t forwarded;
	/* Set when a call ended the run. */
	bool violated;
	int violation_nr;
	uint32_t violation_arch;
	void *req, *resp;
	size_t req_size, resp_size;
};

enum {
	NOTIFY_OK = 0,
	NOTIFY_VIOLATION = 1,
};

/* Prepares N for LISTENER; CWD is the jail's initial working directory.
 * Returns 0 or -errno. */
int notify_init(struct notify *n, int listener, pid_t pid, int pidfd,
		struct vfs *vfs, const char *cwd);
void notify_clear(struct notify *n);

/* Receives and answers one notification (call when the listener is
 * readable). Returns NOTIFY_OK, NOTIFY_VIOLATION (the caller must end the
 * run; the thread stays stopped until the jail is killed), or -errno when
 * the listener is unusable (-ENOENT: the jail is gone). */
int notify_handle(struct notify *n);

#endif
