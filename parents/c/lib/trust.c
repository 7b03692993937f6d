/* SPDX-License-Identifier: MIT */
/* trust.c - refusing a child binary that another user could replace. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/*
 * Whether ST, the child's file or a directory above it, lets a user other
 * than root and EUID replace the child (SPEC.md REQ-SEC-12), with the
 * reason in WHY. In a sticky directory (/tmp) each user can remove or
 * rename only their own entries, so its write bits are no such risk; its
 * owner still could, hence the owner check first.
 */
static bool replaceable(const struct stat *st, uid_t euid, char *why,
			size_t size)
{
	if (st->st_uid != 0 && st->st_uid != euid) {
		snprintf(why, size, "is owned by another user (uid %u)",
			 (unsigned)st->st_uid);
		return true;
	}
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return false;

	if (st->st_mode & S_IWOTH) {
		snprintf(why, size, "is writable by others");
		return true;
	}
	if (st->st_mode & S_IWGRP) {
		snprintf(why, size, "is writable by group");
		return true;
	}
	return false;
}

/* Cuts the last component off the absolute, resolved path DIR ("/a/b"
 * becomes "/a", "/a" becomes "/"). */
static void up(char *dir)
{
	char *slash = strrchr(dir, '/');

	if (slash == dir)
		slash++;
	*slash = '\0';
}

int __psb_trusted_child(struct pysandbox *s, const char *path, char *real)
{
	uid_t euid = geteuid();
	char dir[PATH_MAX], why[64];
	struct stat st;

	if (!realpath(path, real))
		return __psb_fail(s, PYSANDBOX_ESPAWN,
				  "cannot execute child '%s': %s", path,
				  strerror(errno));

	/* The resolved path has no symbolic link left in it: stat() sees
	 * each component itself, and the exec runs exactly this file. */
	snprintf(dir, sizeof(dir), "%s", real);
	for (;;) {
		if (stat(dir, &st) < 0)
			return __psb_fail(s, PYSANDBOX_ESPAWN,
					  "cannot check child '%s': '%s': %s",
					  path, dir, strerror(errno));
		if (replaceable(&st, euid, why, sizeof(why)))
			return __psb_fail(s, PYSANDBOX_ESPAWN,
					  "cannot trust child '%s': '%s' %s",
					  path, dir, why);
		if (!strcmp(dir, "/"))
			return 0;
		up(dir);
	}
}
