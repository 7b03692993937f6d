/* SPDX-License-Identifier: MIT */
/* notify.c - the supervisor's answers to forwarded system calls. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "policy.h"

/* Newer than the headers of Debian 12: wake the jail on the supervisor's
 * CPU when answering (Linux 6.6), which halves the round trip. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#define NOTIFY_FD_SYNC_WAKE_UP 1ULL

/* The arguments of one call, copied out of the notification. */
struct call {
	struct seccomp_notif *req;
	const uint64_t *a;
	int64_t val; /* result when no descriptor is injected */
	bool sent;   /* answered already (ADDFD with SEND) */
};

typedef int (*handler_fn)(struct notify *, struct call *);

/* ---- the jail's memory ---------------------------------------------- */

static int read_mem(struct notify *n, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = {.iov_base = buf, .iov_len = len};
	struct iovec r = {.iov_base = (void *)addr, .iov_len = len};

	return process_vm_readv(n->pid, &l, 1, &r, 1, 0) == (ssize_t)len
		       ? 0
		       : -EFAULT;
}

static int write_mem(struct notify *n, uint64_t addr, const void *buf,
		     size_t len)
{
	struct iovec l = {.iov_base = (void *)buf, .iov_len = len};
	struct iovec r = {.iov_base = (void *)addr, .iov_len = len};

	return process_vm_writev(n->pid, &l, 1, &r, 1, 0) == (ssize_t)len
		       ? 0
		       : -EFAULT;
}

/* Reads a NUL-terminated string of at most SIZE bytes, page by page so an
 * unmapped page after the string is not an error. */
static int read_string(struct notify *n, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0, chunk;
	struct iovec l, r;
	ssize_t k;

	while (got < size) {
		chunk = 4096 - ((addr + got) & 4095);
		if (chunk > size - got)
			chunk = size - got;
		l = (struct iovec){buf + got, chunk};
		r = (struct iovec){(void *)(addr + got), chunk};
		k = process_vm_readv(n->pid, &l, 1, &r, 1, 0);
		if (k <= 0)
			return -EFAULT;
		if (memchr(buf + got, '\0', (size_t)k))
			return 0;
		got += (size_t)k;
	}
	return -ENAMETOOLONG;
}

/* True while the thread is still stopped in this very call: what we read
 * belonged to it, not to a process that reused its pid. */
static bool still_valid(struct notify *n, struct call *c)
{
	return ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &c->req->id) ==
	       0;
}

/* A duplicate of the jail's descriptor FD, or -errno. */
static int jail_fd(struct notify *n, int fd)
{
	int dup = (int)syscall(SYS_pidfd_getfd, n->pidfd, fd, 0);

	return dup < 0 ? -errno : dup;
}

/* ---- directories by identity ---------------------------------------- */

static void remember_dir(struct notify *n, int fd, const char *path)
{
	struct notify_dir *d;
	struct stat st;
	size_t i;

	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return;

	for (i = 0; i < n->ndirs; i++)
		if (n->dirs[i].dev == st.st_dev && n->dirs[i].ino == st.st_ino)
			break;
	if (i == n->ndirs) {
		/* Full: reuse the oldest slot, round robin. */
		i = n->ndirs < NOTIFY_MAX_DIRS ? n->ndirs++ : n->next_dir++;
		n->next_dir %= NOTIFY_MAX_DIRS;
	}

	d = &n->dirs[i];
	free(d->path);
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->path = strdup(path);
}

/* The virtual path of the jail's directory descriptor FD. The jail may
 * have dup'ed or renumbered it, so it is looked up by what it is. */
static int dir_path(struct notify *n, int fd, const char **path)
{
	struct stat st;
	int dup = jail_fd(n, fd);
	size_t i;

	if (dup < 0)
		return -EBADF;
	if (fstat(dup, &st) < 0)
		st.st_mode = 0;
	close(dup);
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;

	for (i = 0; i < n->ndirs; i++) {
		if (n->dirs[i].dev == st.st_dev &&
		    n->dirs[i].ino == st.st_ino && n->dirs[i].path) {
			*path = n->dirs[i].path;
			return 0;
		}
	}
	return -ENOENT;
}

/* The normalized virtual path for (DIRFD, the string at ADDR). */
static int resolve(struct notify *n, struct call *c, int dirfd, uint64_t addr,
		   char *out)
{
	char raw[PATH_MAX];
	const char *base = n->cwd;
	int rc = read_string(n, addr, raw, sizeof(raw));

	if (rc)
		return rc;
	if (!still_valid(n, c))
		return -ECANCELED;
	if (raw[0] == '\0')
		return -ENOENT;

	/* "name/" must be a directory; normalizing drops the slash. */
	n->trailing_slash = raw[strlen(raw) - 1] == '/';

	if (raw[0] != '/' && dirfd != AT_FDCWD) {
		rc = dir_path(n, dirfd, &base);
		if (rc)
			return rc;
	}
	return vfs_normalize(base, raw, out);
}

/* ---- handlers --------------------------------------------------------- */

/* The flags an O_PATH open may carry; with others the VFS judges it. */
#define O_PATH_ALLOWED                                                         \
	(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_LARGEFILE |         \
	 O_ACCMODE)

/* A handler's answer that will come later, from the parent. */
#define DEFERRED 1

/* Defers a lookup of PATH below a host entry to the parent; 0 when PATH
 * is not below one. Writes never reach the parent: host entries are
 * read-only. */
static int defer_host(struct notify *n, struct call *c, const char *path,
		      enum hostfs_op op, uint64_t buf, int arg)
{
	struct hostfs_pending *h = &n->host;
	const char *target;

	if (vfs_lookup(n->vfs, path, &target, h->rel) != VFS_HOST)
		return 0;
	if ((op == HOSTFS_OPEN &&
	     (arg & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC))) ||
	    (op == HOSTFS_ACCESS && (arg & W_OK)))
		return -EROFS;

	h->op = op;
	h->id = c->req->id;
	h->buf = buf;
	h->arg = arg;
	snprintf(h->path, sizeof(h->path), "%s", path);
	snprintf(h->target, sizeof(h->target), "%s", target);
	return DEFERRED;
}

static int inject(struct notify *n, struct call *c, int fd, int flags)
{
	struct seccomp_notif_addfd add = {
		.id = c->req->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd_flags = (uint32_t)(flags & O_CLOEXEC),
	};
	int rc = ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);

	/* With SEND the jail's call already returned the new number (or
	 * failed, e.g. EMFILE under its own RLIMIT_NOFILE). */
	if (rc < 0 && errno != EINPROGRESS)
		return errno == EMFILE ? -EMFILE : -errno;
	c->sent = true;
	return 0;
}

static int do_open(struct notify *n, struct call *c, int dirfd, uint64_t addr,
		   int flags, mode_t mode)
{
	char path[PATH_MAX], resolved[PATH_MAX];
	int rc = resolve(n, c, dirfd, addr, path);
	int fd;

	if (rc)
		return rc;
	/* "name/" names a directory: creating a file there is EISDIR, as
	 * the kernel says, and opening it requires a directory. */
	if (n->trailing_slash && (flags & O_CREAT))
		return -EISDIR;
	if (n->trailing_slash)
		flags |= O_DIRECTORY;

	/* The kernel will not inject an O_PATH file (ADDFD: EBADF): the jail
	 * gets the object opened read-only, which serves every use of an
	 * O_PATH descriptor but one, a symlink itself (ELOOP). */
	if ((flags & O_PATH) && !(flags & ~O_PATH_ALLOWED))
		flags = (flags & (O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) |
			O_RDONLY;
	rc = defer_host(n, c, path, HOSTFS_OPEN, 0, flags);
	if (rc)
		return rc;

	fd = vfs_open_resolved(n->vfs, path, flags, mode, resolved);
	if (fd < 0)
		return fd;
	if (flags & O_DIRECTORY || !(flags & (O_WRONLY | O_RDWR)))
		remember_dir(n, fd, resolved);
	rc = inject(n, c, fd, flags);
	close(fd);
	return rc;
}

static int sys_open(struct notify *n, struct call *c)
{
	return do_open(n, c, AT_FDCWD, c->a[0], (int)c->a[1], (mode_t)c->a[2]);
}

static int sys_openat(struct notify *n, struct call *c)
{
	return do_open(n, c, (int)c->a[0], c->a[1], (int)c->a[2],
		       (mode_t)c->a[3]);
}

static int sys_creat(struct notify *n, struct call *c)
{
	return do_open(n, c, AT_FDCWD, c->a[0], O_CREAT | O_WRONLY | O_TRUNC,
		       (mode_t)c->a[1]);
}

static int stat_fd(struct notify *n, int fd, struct stat *st)
{
	int dup = jail_fd(n, fd);
	int rc;

	if (dup < 0)
		return -EBADF;
	rc = fstat(dup, st) < 0 ? -errno : 0;
	close(dup);
	return rc;
}

static int do_stat(struct notify *n, struct call *c, int dirfd, uint64_t addr,
		   uint64_t buf, int flags)
{
	char path[PATH_MAX];
	struct stat st;
	char first;
	int rc;

	/* glibc's fstat() is newfstatat(fd, "", AT_EMPTY_PATH). */
	if (flags & AT_EMPTY_PATH && read_mem(n, addr, &first, 1) == 0 &&
	    first == '\0') {
		if (!still_valid(n, c))
			return -ECANCELED;
		n->trailing_slash = false;
		rc = stat_fd(n, dirfd, &st);
	} else {
		rc = resolve(n, c, dirfd, addr, path);
		if (!rc)
			rc = defer_host(n, c, path, HOSTFS_STAT, buf, 0);
		if (!rc)
			rc = vfs_stat(n->vfs, path, flags & AT_SYMLINK_NOFOLLOW,
				      &st);
	}
	if (rc)
		return rc;
	if (n->trailing_slash && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return write_mem(n, buf, &st, sizeof(st));
}

static int sys_stat(struct notify *n, struct call *c)
{
	return do_stat(n, c, AT_FDCWD, c->a[0], c->a[1], 0);
}

static int sys_lstat(struct notify *n, struct call *c)
{
	return do_stat(n, c, AT_FDCWD, c->a[0], c->a[1], AT_SYMLINK_NOFOLLOW);
}

static int sys_newfstatat(struct notify *n, struct call *c)
{
	return do_stat(n, c, (int)c->a[0], c->a[1], c->a[2], (int)c->a[3]);
}

static int do_access(struct notify *n, struct call *c, int dirfd, uint64_t addr,
		     int mode)
{
	char path[PATH_MAX];
	int rc = resolve(n, c, dirfd, addr, path);

	if (!rc)
		rc = defer_host(n, c, path, HOSTFS_ACCESS, 0, mode);
	return rc ? rc : vfs_access(n->vfs, path, mode);
}

static int sys_access(struct notify *n, struct call *c)
{
	return do_access(n, c, AT_FDCWD, c->a[0], (int)c->a[1]);
}

static int sys_faccessat(struct notify *n, struct call *c)
{
	return do_access(n, c, (int)c->a[0], c->a[1], (int)c->a[2]);
}

static int do_readlink(struct notify *n, struct call *c, int dirfd,
		       uint64_t addr, uint64_t buf, uint64_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t len;
	int rc = resolve(n, c, dirfd, addr, path);

	if (rc)
		return rc;
	if ((int64_t)size <= 0)
		return -EINVAL;

	len = vfs_readlink(n->vfs, path, target, sizeof(target));
	if (len == VFS_EHOST)
		return -EINVAL; /* host entries hold no symlinks */
	if (len < 0)
		return (int)len;
	if ((uint64_t)len > size)
		len = (ssize_t)size;
	rc = write_mem(n, buf, target, (size_t)len);
	c->val = len;
	return rc;
}

static int sys_readlink(struct notify *n, struct call *c)
{
	return do_readlink(n, c, AT_FDCWD, c->a[0], c->a[1], c->a[2]);
}

static int sys_readlinkat(struct notify *n, struct call *c)
{
	return do_readlink(n, c, (int)c->a[0], c->a[1], c->a[2], c->a[3]);
}

static int sys_getcwd(struct notify *n, struct call *c)
{
	size_t len = strlen(n->cwd) + 1;

	if (c->a[1] < len)
		return -ERANGE;
	c->val = (int64_t)len;
	return write_mem(n, c->a[0], n->cwd, len);
}

static int change_dir(struct notify *n, const char *path)
{
	struct stat st;
	int rc = vfs_stat(n->vfs, path, 0, &st);

	if (rc)
		return rc;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	snprintf(n->cwd, sizeof(n->cwd), "%s", path);
	return 0;
}

static int sys_chdir(struct notify *n, struct call *c)
{
	char path[PATH_MAX];
	int rc = resolve(n, c, AT_FDCWD, c->a[0], path);

	if (!rc)
		rc = defer_host(n, c, path, HOSTFS_CHDIR, 0, 0);
	return rc ? rc : change_dir(n, path);
}

static int sys_fchdir(struct notify *n, struct call *c)
{
	const char *path;
	int rc = dir_path(n, (int)c->a[0], &path);
	char copy[PATH_MAX];

	if (rc)
		return rc;
	snprintf(copy, sizeof(copy), "%s", path);
	return change_dir(n, copy);
}

static int do_mkdir(struct notify *n, struct call *c, int dirfd, uint64_t addr,
		    mode_t mode)
{
	char path[PATH_MAX];
	int rc = resolve(n, c, dirfd, addr, path);

	return rc ? rc : vfs_mkdir(n->vfs, path, mode);
}

static int sys_mkdir(struct notify *n, struct call *c)
{
	return do_mkdir(n, c, AT_FDCWD, c->a[0], (mode_t)c->a[1]);
}

static int sys_mkdirat(struct notify *n, struct call *c)
{
	return do_mkdir(n, c, (int)c->a[0], c->a[1], (mode_t)c->a[2]);
}

static int do_unlink(struct notify *n, struct call *c, int dirfd, uint64_t addr,
		     int flags)
{
	char path[PATH_MAX];
	int rc = resolve(n, c, dirfd, addr, path);

	if (rc)
		return rc;
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return flags & AT_REMOVEDIR ? vfs_rmdir(n->vfs, path)
				    : vfs_unlink(n->vfs, path);
}

static int sys_rmdir(struct notify *n, struct call *c)
{
	return do_unlink(n, c, AT_FDCWD, c->a[0], AT_REMOVEDIR);
}

static int sys_unlink(struct notify *n, struct call *c)
{
	return do_unlink(n, c, AT_FDCWD, c->a[0], 0);
}

static int sys_unlinkat(struct notify *n, struct call *c)
{
	return do_unlink(n, c, (int)c->a[0], c->a[1], (int)c->a[2]);
}

static int do_rename(struct notify *n, struct call *c, int olddir,
		     uint64_t oldp, int newdir, uint64_t newp, unsigned flags)
{
	char from[PATH_MAX], to[PATH_MAX];
	int rc = resolve(n, c, olddir, oldp, from);

	if (!rc)
		rc = resolve(n, c, newdir, newp, to);
	return rc ? rc : vfs_rename(n->vfs, from, to, flags);
}

static int sys_rename(struct notify *n, struct call *c)
{
	return do_rename(n, c, AT_FDCWD, c->a[0], AT_FDCWD, c->a[1], 0);
}

static int sys_renameat(struct notify *n, struct call *c)
{
	return do_rename(n, c, (int)c->a[0], c->a[1], (int)c->a[2], c->a[3], 0);
}

static int sys_renameat2(struct notify *n, struct call *c)
{
	return do_rename(n, c, (int)c->a[0], c->a[1], (int)c->a[2], c->a[3],
			 (unsigned)c->a[4]);
}

static int do_symlink(struct notify *n, struct call *c, uint64_t target,
		      int dirfd, uint64_t linkp)
{
	char dest[PATH_MAX], path[PATH_MAX];
	int rc = read_string(n, target, dest, sizeof(dest));

	if (!rc)
		rc = resolve(n, c, dirfd, linkp, path);
	return rc ? rc : vfs_symlink(n->vfs, dest, path);
}

static int sys_symlink(struct notify *n, struct call *c)
{
	return do_symlink(n, c, c->a[0], AT_FDCWD, c->a[1]);
}

static int sys_symlinkat(struct notify *n, struct call *c)
{
	return do_symlink(n, c, c->a[0], (int)c->a[1], c->a[2]);
}

static int sys_truncate(struct notify *n, struct call *c)
{
	char path[PATH_MAX];
	int rc = resolve(n, c, AT_FDCWD, c->a[0], path);

	if (rc)
		return rc;
	if ((int64_t)c->a[1] < 0)
		return -EINVAL;
	return vfs_truncate(n->vfs, path, (off_t)c->a[1]);
}

static int do_chmod(struct notify *n, struct call *c, int dirfd, uint64_t addr,
		    mode_t mode)
{
	char path[PATH_MAX];
	int rc = resolve(n, c, dirfd, addr, path);

	return rc ? rc : vfs_chmod(n->vfs, path, mode & 07777);
}

static int sys_chmod(struct notify *n, struct call *c)
{
	return do_chmod(n, c, AT_FDCWD, c->a[0], (mode_t)c->a[1]);
}

static int sys_fchmodat(struct notify *n, struct call *c)
{
	return do_chmod(n, c, (int)c->a[0], c->a[1], (mode_t)c->a[2]);
}

/* utimensat(fd, NULL, times, 0) is futimens(): the descriptor itself. */
static int sys_utimensat(struct notify *n, struct call *c)
{
	struct timespec ts[2], *tp = NULL;
	char path[PATH_MAX];
	int rc, fd;

	if (c->a[2]) {
		rc = read_mem(n, c->a[2], ts, sizeof(ts));
		if (rc)
			return rc;
		tp = ts;
	}
	if (c->a[1] == 0) {
		fd = jail_fd(n, (int)c->a[0]);
		if (fd < 0)
			return -EBADF;
		rc = futimens(fd, tp) < 0 ? -errno : 0;
		close(fd);
		return rc;
	}
	rc = resolve(n, c, (int)c->a[0], c->a[1], path);
	return rc ? rc : vfs_utimens(n->vfs, path, tp, (int)c->a[3]);
}

/* ---- locks ------------------------------------------------------------- */

/*
 * Locks on the jail's own files (its tmpfs) are taken on its open file
 * description, as open-file-description locks: the supervisor holds a
 * duplicate of that description. Locks on anything else (host files the
 * jail only reads) succeed without locking, so the jail can never block
 * the host's writers. A request that would wait answers EINTR, which
 * Python's fcntl.flock and lockf retry (PEP 475): the supervisor never
 * blocks.
 */
static int lock_target(struct notify *n, int jailfd, bool *own)
{
	struct stat st;
	int fd = jail_fd(n, jailfd);

	if (fd < 0)
		return -EBADF;
	*own = fstat(fd, &st) == 0 && vfs_is_tmpfs_file(n->vfs, st.st_dev);
	return fd;
}

static int sys_flock(struct notify *n, struct call *c)
{
	int op = (int)c->a[1], rc = 0, fd;
	bool own;

	if (op & ~(LOCK_SH | LOCK_EX | LOCK_UN | LOCK_NB))
		return -EINVAL;
	fd = lock_target(n, (int)c->a[0], &own);
	if (fd < 0)
		return fd;
	if (own && flock(fd, op | LOCK_NB) < 0)
		rc = errno == EWOULDBLOCK && !(op & LOCK_NB) ? -EINTR : -errno;
	close(fd);
	return rc;
}

/* POSIX record locks become open-file-description locks (l_pid 0). */
static int ofd_command(int cmd)
{
	switch (cmd) {
	case F_GETLK:
	case F_OFD_GETLK:
		return F_OFD_GETLK;
	default:
		return F_OFD_SETLK;
	}
}

static int sys_fcntl(struct notify *n, struct call *c)
{
	int cmd = (int)c->a[1], rc, fd;
	bool own, wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	struct flock fl;

	rc = read_mem(n, c->a[2], &fl, sizeof(fl));
	if (rc)
		return rc;
	fd = lock_target(n, (int)c->a[0], &own);
	if (fd < 0)
		return fd;

	fl.l_pid = 0;
	if (!own)
		fl.l_type = F_UNLCK; /* GETLK: nobody holds a host file */
	else if (fcntl(fd, ofd_command(cmd), &fl) < 0)
		rc = (errno == EAGAIN || errno == EACCES) && wait ? -EINTR
								  : -errno;
	close(fd);
	if (!rc && (cmd == F_GETLK || cmd == F_OFD_GETLK))
		rc = write_mem(n, c->a[2], &fl, sizeof(fl));
	return rc;
}

/* The jail's umask is applied where its files are made: here. The
 * supervisor makes files only for the jail, so its own umask is the
 * jail's. */
static int sys_umask(struct notify *n, struct call *c)
{
	c->val = (int64_t)umask((mode_t)c->a[0] & 0777);
	return 0;
}

static const struct {
	int nr;
	handler_fn fn;
} handlers[] = {
	{SYS_umask, sys_umask},
	{SYS_flock, sys_flock},
	{SYS_fcntl, sys_fcntl},
	{SYS_open, sys_open},
	{SYS_openat, sys_openat},
	{SYS_creat, sys_creat},
	{SYS_stat, sys_stat},
	{SYS_lstat, sys_lstat},
	{SYS_newfstatat, sys_newfstatat},
	{SYS_access, sys_access},
	{SYS_faccessat, sys_faccessat},
	{SYS_faccessat2, sys_faccessat},
	{SYS_readlink, sys_readlink},
	{SYS_readlinkat, sys_readlinkat},
	{SYS_getcwd, sys_getcwd},
	{SYS_chdir, sys_chdir},
	{SYS_fchdir, sys_fchdir},
	{SYS_mkdir, sys_mkdir},
	{SYS_mkdirat, sys_mkdirat},
	{SYS_rmdir, sys_rmdir},
	{SYS_unlink, sys_unlink},
	{SYS_unlinkat, sys_unlinkat},
	{SYS_rename, sys_rename},
	{SYS_renameat, sys_renameat},
	{SYS_renameat2, sys_renameat2},
	{SYS_symlink, sys_symlink},
	{SYS_symlinkat, sys_symlinkat},
	{SYS_truncate, sys_truncate},
	{SYS_chmod, sys_chmod},
	{SYS_fchmodat, sys_fchmodat},
	{SYS_utimensat, sys_utimensat},
};

static handler_fn find_handler(int nr)
{
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].nr == nr)
			return handlers[i].fn;
	return NULL;
}

/* ---- the notification loop ------------------------------------------- */

int notify_init(struct notify *n, int listener, pid_t pid, int pidfd,
		struct vfs *vfs, const char *cwd)
{
	struct seccomp_notif_sizes sizes;
	uint64_t flags = NOTIFY_FD_SYNC_WAKE_UP;

	memset(n, 0, sizeof(*n));
	n->listener = listener;
	n->pid = pid;
	n->pidfd = pidfd;
	n->vfs = vfs;
	snprintf(n->cwd, sizeof(n->cwd), "%s", cwd);

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	n->req_size = sizes.seccomp_notif;
	n->resp_size = sizes.seccomp_notif_resp;
	n->req = calloc(1, n->req_size);
	n->resp = calloc(1, n->resp_size);
	if (!n->req || !n->resp)
		return -ENOMEM;

	/* Optional (Linux 6.6+): only a speed-up, so failure is fine. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) < 0)
		log_debug("notify: no synchronous wake-up: %s",
			  strerror(errno));
	return 0;
}

void notify_clear(struct notify *n)
{
	size_t i;

	for (i = 0; i < n->ndirs; i++)
		free(n->dirs[i].path);
	free(n->req);
	free(n->resp);
	n->req = n->resp = NULL;
	n->ndirs = 0;
}

static void respond(struct notify *n, struct call *c, int rc)
{
	struct seccomp_notif_resp *resp = n->resp;

	memset(resp, 0, n->resp_size);
	resp->id = c->req->id;
	resp->error = rc < 0 ? rc : 0;
	resp->val = rc < 0 ? 0 : c->val;

	/* ENOENT: the thread was killed meanwhile; nothing to answer. */
	if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 &&
	    errno != ENOENT)
		log_error("notify: answer failed: %s", strerror(errno));
}

static bool native(const struct seccomp_notif *req)
{
	return req->data.arch == AUDIT_ARCH_X86_64 &&
	       !(req->data.nr & POLICY_X32_BIT);
}

int notify_handle(struct notify *n)
{
	struct seccomp_notif *req = n->req;
	struct call c = {.req = req};
	handler_fn fn;
	int rc;

	memset(req, 0, n->req_size);
	if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return errno == EINTR ? NOTIFY_OK : -errno;

	c.a = (const uint64_t *)req->data.args;

	/* The filter sends calls of other architectures and x32 numbers
	 * here too, so they can be named: never forward them, whatever the
	 * native call of the same number would be. */
	fn = native(req) && policy_notified(req->data.nr) == POL_FORWARD
		     ? find_handler(req->data.nr)
		     : NULL;
	if (!fn) {
		n->violated = true;
		n->violation_nr = req->data.nr;
		n->violation_arch = req->data.arch;
		return NOTIFY_VIOLATION;
	}

	n->forwarded++;
	rc = fn(n, &c);
	log_trace("notify: %d -> %d", req->data.nr, rc);
	if (rc == DEFERRED)
		return NOTIFY_HOSTFS;

	/* Any other change below a host entry: it is read-only. */
	if (rc == VFS_EHOST)
		rc = -EROFS;
	if (!c.sent)
		respond(n, &c, rc);
	return NOTIFY_OK;
}

/* ---- answers for host lookups ------------------------------------------ */

static void finish_with(struct notify *n, int rc, int64_t val)
{
	struct seccomp_notif req = {.id = n->host.id};
	struct call c = {.req = &req, .val = val};

	respond(n, &c, rc);
	n->host.op = HOSTFS_NONE;
}

void notify_finish(struct notify *n, int rc, int64_t val)
{
	finish_with(n, rc, val);
}

void notify_finish_stat(struct notify *n, const struct stat *st)
{
	finish_with(n, write_mem(n, n->host.buf, st, sizeof(*st)), 0);
}

void notify_finish_fd(struct notify *n, int fd)
{
	struct seccomp_notif req = {.id = n->host.id};
	struct call c = {.req = &req};
	int rc;

	remember_dir(n, fd, n->host.path);
	rc = inject(n, &c, fd, n->host.arg);
	if (!c.sent)
		respond(n, &c, rc);
	n->host.op = HOSTFS_NONE;
}

void notify_finish_chdir(struct notify *n)
{
	snprintf(n->cwd, sizeof(n->cwd), "%s", n->host.path);
	finish_with(n, 0, 0);
}
