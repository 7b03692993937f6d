/* SPDX-License-Identifier: MIT */
/*
 * preload.c - libsbpreload.so, libc conveniences inside the jail.
 *
 * Loaded into the jail by the supervisor (LD_PRELOAD at the jail's exec),
 * never by parents. A convenience, never a defence: the jail's code can
 * bypass all of it, and the filter and supervisor do not rely on it.
 *
 * - fstat(): glibc implements it as newfstatat(fd, "", AT_EMPTY_PATH),
 *   which the filter must forward (the path is in memory); the plain fstat
 *   system call is native, so the common case skips a round trip.
 * - getpwuid()/getpwnam()/getlogin(): the jail has one user, "sandbox";
 *   answering here avoids reading /etc/passwd through the supervisor.
 * - stat(), lstat(), fstatat(), access(), readlink(): a signal that arrives
 *   before the supervisor has picked up a forwarded call interrupts it
 *   (EINTR), which these calls never do on a real filesystem and which
 *   programs do not retry; here they are retried.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* A forwarded path call, retried while a signal interrupted it. */
static long forwarded(long nr, long a, long b, long c, long d)
{
	long r;

	do {
		r = syscall(nr, a, b, c, d);
	} while (r < 0 && errno == EINTR);
	return r;
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (!path[0] && (flags & AT_EMPTY_PATH))
		return (int)syscall(SYS_fstat, dirfd, st);
	return (int)forwarded(SYS_newfstatat, dirfd, (long)path, (long)st,
			      flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return fstatat(dirfd, path, (struct stat *)st, flags);
}

EXPORT int stat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, 0);
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
	return fstatat(AT_FDCWD, path, (struct stat *)st, 0);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return fstatat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int access(const char *path, int mode)
{
	return (int)forwarded(SYS_faccessat, AT_FDCWD, (long)path, mode, 0);
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
	return forwarded(SYS_readlinkat, AT_FDCWD, (long)path, (long)buf,
			 (long)size);
}

EXPORT int fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

static struct passwd sandbox_user = {
	.pw_name = "sandbox",
	.pw_passwd = "x",
	.pw_uid = 1000,
	.pw_gid = 1000,
	.pw_gecos = "sandbox",
	.pw_dir = "/tmp",
	.pw_shell = "/bin/false",
};

/* The two users of the jail's /etc/passwd. */
static struct passwd root_user = {
	.pw_name = "root",
	.pw_passwd = "x",
	.pw_uid = 0,
	.pw_gid = 0,
	.pw_gecos = "root",
	.pw_dir = "/root",
	.pw_shell = "/bin/false",
};

EXPORT struct passwd *getpwuid(uid_t uid)
{
	if (uid == sandbox_user.pw_uid)
		return &sandbox_user;
	if (uid == 0)
		return &root_user;
	errno = 0;
	return NULL;
}

EXPORT struct passwd *getpwnam(const char *name)
{
	if (strcmp(name, sandbox_user.pw_name) == 0)
		return &sandbox_user;
	if (strcmp(name, root_user.pw_name) == 0)
		return &root_user;
	errno = 0;
	return NULL;
}

EXPORT char *getlogin(void)
{
	return sandbox_user.pw_name;
}
