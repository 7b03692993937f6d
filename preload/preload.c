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
 */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

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

EXPORT struct passwd *getpwuid(uid_t uid)
{
	if (uid == sandbox_user.pw_uid)
		return &sandbox_user;
	errno = 0;
	return NULL;
}

EXPORT struct passwd *getpwnam(const char *name)
{
	if (strcmp(name, sandbox_user.pw_name) == 0)
		return &sandbox_user;
	errno = 0;
	return NULL;
}

EXPORT char *getlogin(void)
{
	return sandbox_user.pw_name;
}
