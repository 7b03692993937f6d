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
#include <sys/stat.h>
#include <sys/types.h>

#include "vfs.h"

#define NOTIFY_MAX_DIRS 4096

struct notify_dir {
	dev_t dev;
	ino_t ino;
	char *path;
};

/* A lookup below a host entry, waiting for the parent (hostfs requests). */
enum hostfs_op {
	HOSTFS_NONE,
	HOSTFS_STAT,
	HOSTFS_ACCESS,
	HOSTFS_CHDIR,
	HOSTFS_OPEN,
};

struct hostfs_pending {
	enum hostfs_op op;
	uint64_t id;	     /* the notification */
	uint64_t buf;	     /* HOSTFS_STAT: where the struct stat goes */
	int arg;	     /* HOSTFS_OPEN: flags; HOSTFS_ACCESS: mode */
	char path[PATH_MAX]; /* virtual path */
	char target[PATH_MAX];
	char rel[PATH_MAX];
};

struct notify {
	int listener;
	pid_t pid; /* the jail, as the supervisor sees it */
	int pidfd;
	struct vfs *vfs;
	char cwd[PATH_MAX];
	bool trailing_slash; /* the last path resolved ended in "/" */
	struct notify_dir dirs[NOTIFY_MAX_DIRS];
	size_t ndirs, next_dir;
	uint64_t forwarded;
	/* Set when a call ended the run. */
	bool violated;
	int violation_nr;
	uint32_t violation_arch;
	struct hostfs_pending host;
	void *req, *resp;
	size_t req_size, resp_size;
};

enum {
	NOTIFY_OK = 0,
	NOTIFY_VIOLATION = 1,
	NOTIFY_HOSTFS = 2,
};

/* Prepares N for LISTENER; CWD is the jail's initial working directory.
 * Returns 0 or -errno. */
int notify_init(struct notify *n, int listener, pid_t pid, int pidfd,
		struct vfs *vfs, const char *cwd);
void notify_clear(struct notify *n);

/* Receives and answers one notification (call when the listener is
 * readable). Returns NOTIFY_OK, NOTIFY_VIOLATION (the caller must end the
 * run; the thread stays stopped until the jail is killed), or -errno when
 * the listener is unusable (-ENOENT: the jail is gone). NOTIFY_HOSTFS: the
 * call looks up a path below a host entry (N->host says which); the
 * caller asks the parent and answers with one of notify_finish*(), and
 * must not call notify_handle() again before. */
int notify_handle(struct notify *n);

/* Answers the pending host lookup with RC (a -errno, or 0 and VAL). */
void notify_finish(struct notify *n, int rc, int64_t val);

/* Answers the pending host lookup with ST written to the jail's buffer. */
void notify_finish_stat(struct notify *n, const struct stat *st);

/* Answers the pending open with descriptor FD (injected; not consumed). */
void notify_finish_fd(struct notify *n, int fd);

/* Answers the pending chdir: the virtual working directory becomes its
 * path. */
void notify_finish_chdir(struct notify *n);

#endif
