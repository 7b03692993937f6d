/* SPDX-License-Identifier: MIT */
/*
 * export.c - tmpfs/list and tmpfs/read: the parent reads back what the
 * code wrote. Every lookup stays beneath the tmpfs root (openat2 with
 * RESOLVE_BENEATH and no symlinks), so a symlink the code planted cannot
 * make the supervisor read anything else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor.h"

#define EXPORT_MAX_ENTRIES 10000
#define EXPORT_MAX_DEPTH   64

static int open_beneath(int root, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root, rel[0] ? rel : ".", &how,
			      sizeof(how));

	return fd < 0 ? -errno : fd;
}

/* Resolves PARAMS.path to an open descriptor inside a tmpfs, or answers
 * the request with the error and returns -1. */
static int open_param(struct sup *s, struct json_object *id,
		      struct json_object *params, int flags, char *path)
{
	bool wrong = false;
	struct json_object *p =
		sbp_field(params, "path", json_type_string, &wrong);
	char rel[PATH_MAX];
	int root, fd;

	if (!p || vfs_normalize("/", json_object_get_string(p), path) < 0) {
		sup_reply_error(s, id, SBP_INVALID_PARAMS,
				"path must be an absolute path", NULL);
		return -1;
	}
	root = vfs_tmpfs_root(s->cfg.vfs, path, rel);
	if (root < 0) {
		sup_reply_error(s, id, SBP_NOT_TMPFS,
				"path is not inside a tmpfs entry", NULL);
		return -1;
	}
	fd = open_beneath(root, rel, flags);
	if (fd < 0) {
		sup_reply_error(s, id, SBP_NOT_FOUND, "no such file", NULL);
		return -1;
	}
	return fd;
}

static const char *type_name(mode_t m)
{
	if (S_ISDIR(m))
		return "dir";
	if (S_ISLNK(m))
		return "symlink";
	return "file";
}

static void add_entry(struct json_object *list, const char *path,
		      const struct stat *st)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "type",
			       json_object_new_string(type_name(st->st_mode)));
	json_object_object_add(
		e, "size",
		json_object_new_int64(S_ISREG(st->st_mode) ? st->st_size : 0));
	json_object_object_add(e, "mode",
			       json_object_new_int(st->st_mode & 07777));
	json_object_array_add(list, e);
}

/* Depth-first walk of directory DIRFD (consumed) named PATH. Returns
 * false once the entry bound is reached. */
static bool walk(int dirfd, const char *path, struct json_object *list,
		 int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	struct stat st;
	char child[PATH_MAX];
	bool more = true;
	int sub;

	if (!d) {
		close(dirfd);
		return true;
	}
	while (more && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (json_object_array_length(list) >= EXPORT_MAX_ENTRIES)
			more = false;
		else if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
			 0) {
			snprintf(child, sizeof(child), "%s%s%s", path,
				 strcmp(path, "/") ? "/" : "", de->d_name);
			add_entry(list, child, &st);
			sub = S_ISDIR(st.st_mode) && depth < EXPORT_MAX_DEPTH
				      ? open_beneath(dirfd, de->d_name,
						     O_RDONLY | O_DIRECTORY)
				      : -1;
			if (sub >= 0)
				more = walk(sub, child, list, depth + 1);
		}
	}
	closedir(d);
	return more;
}

void export_list(struct sup *s, struct json_object *id,
		 struct json_object *params)
{
	char path[PATH_MAX];
	struct json_object *r, *list;
	bool complete;
	int fd = open_param(s, id, params, O_RDONLY | O_DIRECTORY, path);

	if (fd < 0)
		return;

	list = json_object_new_array();
	complete = walk(fd, path, list, 0);
	r = json_object_new_object();
	json_object_object_add(r, "entries", list);
	json_object_object_add(r, "truncated",
			       json_object_new_boolean(!complete));
	sup_send(s, sbp_response(id, r));
}

static int read_range(int fd, struct json_object *params, size_t max,
		      struct json_object *r)
{
	bool wrong = false;
	struct json_object *o =
		sbp_field(params, "offset", json_type_int, &wrong);
	struct json_object *l =
		sbp_field(params, "length", json_type_int, &wrong);
	int64_t off = o ? json_object_get_int64(o) : 0;
	int64_t len = l ? json_object_get_int64(l) : (int64_t)max;
	struct stat st;
	char *buf;
	ssize_t n;

	if (wrong || off < 0 || len < 0 || fstat(fd, &st) < 0)
		return -EINVAL;
	if ((size_t)len > max)
		len = (int64_t)max;

	buf = malloc((size_t)len + 1);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, (size_t)len, off);
	if (n < 0)
		n = 0;
	json_object_object_add(r, "data", sbp_b64_new(buf, (size_t)n));
	json_object_object_add(r, "size", json_object_new_int64(st.st_size));
	json_object_object_add(r, "eof",
			       json_object_new_boolean(off + n >= st.st_size));
	free(buf);
	return 0;
}

void export_read(struct sup *s, struct json_object *id,
		 struct json_object *params)
{
	char path[PATH_MAX];
	struct json_object *r;
	struct stat st;
	int fd = open_param(s, id, params, O_RDONLY, path);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		sup_reply_error(s, id, SBP_IS_DIRECTORY, "path is a directory",
				NULL);
		return;
	}

	/* Base64 grows data by 4/3; keep the answer inside one frame. */
	r = json_object_new_object();
	if (read_range(fd, params, (s->frame_max - 1024) / 4 * 3 / 2, r) < 0) {
		json_object_put(r);
		sup_reply_error(s, id, SBP_INVALID_PARAMS,
				"offset and length must be non-negative "
				"integers",
				NULL);
	} else {
		sup_send(s, sbp_response(id, r));
	}
	close(fd);
}
