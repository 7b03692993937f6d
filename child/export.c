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

/* Where a tmpfs/list or tmpfs/read request points: the tmpfs's target and root,
 * and the path relative to it. */
struct place {
	char path[PATH_MAX];
	char rel[PATH_MAX];
	const char *target;
	int root;
};

/* Resolves PARAMS.path inside a tmpfs, or answers the request with the
 * error (SPEC: REQ-TMPFS-1) and returns -1. */
static int locate(struct sup *s, struct json_object *id,
		  struct json_object *params, struct place *pl)
{
	bool wrong = false;
	struct json_object *p =
		sbp_field(params, "path", json_type_string, &wrong);

	if (!p || vfs_normalize("/", json_object_get_string(p), pl->path) < 0 ||
	    json_object_get_string(p)[0] != '/') {
		sup_reply_error(s, id, SBP_INVALID_PARAMS,
				"path must be an absolute path",
				field_data("/path"));
		return -1;
	}

	/* Another entry mounted inside the tmpfs covers its own paths. */
	if (vfs_lookup(s->cfg.vfs, pl->path, &pl->target, NULL) != VFS_TMPFS ||
	    (pl->root = vfs_tmpfs_root(s->cfg.vfs, pl->path, pl->rel)) < 0) {
		sup_reply_error(s, id, SBP_NOT_TMPFS,
				"path is not inside a tmpfs entry", NULL);
		return -1;
	}
	return 0;
}

/* Opens PL's path with FLAGS, symlinks never followed (REQ-TMPFS-3). */
static int open_place(struct sup *s, struct json_object *id,
		      const struct place *pl, int flags)
{
	int fd = open_beneath(pl->root, pl->rel, flags);

	if (fd < 0)
		sup_reply_error(s, id, SBP_NOT_FOUND, "no such file", NULL);
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

/* The listing so far: entries, and a bound on their size in a frame. */
struct listing {
	struct json_object *entries;
	size_t bytes, max_bytes;
	const char *target; /* the tmpfs being listed */
	struct vfs *vfs;
};

/* False when LIST is full (REQ-TMPFS-4): 10000 entries or a frame. */
static bool add_entry(struct listing *list, const char *path,
		      const struct stat *st)
{
	struct json_object *e;
	size_t cost = strlen(path) * 6 + 96; /* escaped worst case */

	if (json_object_array_length(list->entries) >= EXPORT_MAX_ENTRIES ||
	    list->bytes + cost > list->max_bytes)
		return false;
	list->bytes += cost;

	e = json_object_new_object();
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "type",
			       json_object_new_string(type_name(st->st_mode)));
	json_object_object_add(
		e, "size",
		json_object_new_int64(S_ISDIR(st->st_mode) ? 0 : st->st_size));
	json_object_object_add(e, "mode",
			       json_object_new_int(st->st_mode & 07777));
	json_object_array_add(list->entries, e);
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory D, sorted bytewise; NULL-terminated, freed by
 * the caller (free_names). At most EXPORT_MAX_ENTRIES + 1 are read. */
static char **sorted_names(DIR *d)
{
	char **names = calloc(EXPORT_MAX_ENTRIES + 2, sizeof(*names));
	struct dirent *de;
	size_t n = 0;

	while (names && n <= EXPORT_MAX_ENTRIES && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names[n++] = strdup(de->d_name);
	}
	if (names)
		qsort(names, n, sizeof(*names), by_name);
	return names;
}

static void free_names(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* Is PATH part of the tmpfs being listed, not of a mount inside it? */
static bool ours(struct listing *list, const char *path)
{
	const char *target;

	return vfs_lookup(list->vfs, path, &target, NULL) == VFS_TMPFS &&
	       strcmp(target, list->target) == 0;
}

static bool walk(int dirfd, const char *path, struct listing *list, int depth);

/* Lists one child NAME of DIRFD, and below it; false once full. */
static bool visit(int dirfd, const char *path, const char *name,
		  struct listing *list, int depth)
{
	char child[PATH_MAX];
	struct stat st;
	int sub;

	snprintf(child, sizeof(child), "%s%s%s", path,
		 strcmp(path, "/") ? "/" : "", name);
	if (!ours(list, child) ||
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return true;
	if (!add_entry(list, child, &st))
		return false;
	if (!S_ISDIR(st.st_mode) || depth >= EXPORT_MAX_DEPTH)
		return true;
	sub = open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY);
	return sub < 0 || walk(sub, child, list, depth + 1);
}

/* Depth-first pre-order walk of directory DIRFD (consumed) named PATH,
 * names in bytewise order (REQ-TMPFS-2). False once LIST is full. */
static bool walk(int dirfd, const char *path, struct listing *list, int depth)
{
	DIR *d = fdopendir(dirfd);
	char **names;
	bool more = true;
	size_t i;

	if (!d) {
		close(dirfd);
		return true;
	}
	names = sorted_names(d);
	for (i = 0; more && names && names[i]; i++)
		more = visit(dirfd, path, names[i], list, depth);
	if (names && names[i])
		more = false; /* more names than fit */
	free_names(names);
	closedir(d);
	return more;
}

static void list(struct sup *s, struct json_object *id,
		 struct json_object *params)
{
	struct listing list = {.max_bytes = s->frame_max - 4096,
			       .vfs = s->cfg.vfs};
	struct json_object *r;
	struct place pl;
	struct stat st;
	bool complete = true;
	int fd;

	if (locate(s, id, params, &pl) < 0)
		return;
	fd = open_place(s, id, &pl, O_PATH);
	if (fd < 0)
		return;

	list.entries = json_object_new_array();
	list.target = pl.target;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		fd = open_beneath(pl.root, pl.rel, O_RDONLY | O_DIRECTORY);
		complete = fd < 0 || walk(fd, pl.path, &list, 0);
	} else {
		/* A file or symbolic link lists as itself. */
		add_entry(&list, pl.path, &st);
		close(fd);
	}

	r = json_object_new_object();
	json_object_object_add(r, "entries", list.entries);
	json_object_object_add(r, "truncated",
			       json_object_new_boolean(!complete));
	sup_send(s, sbp_response(id, r));
}

/* offset and length of a tmpfs/read, checked before anything is opened
 * (REQ-TREAD-2: length at most frame_bytes / 2). */
static int read_params(struct sup *s, struct json_object *id,
		       struct json_object *params, int64_t *off, int64_t *len)
{
	bool wrong = false;
	struct json_object *o =
		sbp_field(params, "offset", json_type_int, &wrong);
	struct json_object *l;
	int64_t max = (int64_t)(s->frame_max / 2);

	*off = o ? json_object_get_int64(o) : 0;
	if (wrong || *off < 0) {
		sup_reply_error(s, id, SBP_INVALID_PARAMS,
				"offset must be a non-negative integer",
				field_data("/offset"));
		return -1;
	}
	l = sbp_field(params, "length", json_type_int, &wrong);
	*len = l ? json_object_get_int64(l) : max;
	if (wrong || *len < 0 || *len > max) {
		sup_reply_error(s, id, SBP_INVALID_PARAMS,
				"length must be 0 to frame_bytes / 2",
				field_data("/length"));
		return -1;
	}
	return 0;
}

static struct json_object *read_range(int fd, int64_t off, int64_t len)
{
	struct json_object *r = json_object_new_object();
	struct stat st;
	char *buf = malloc((size_t)len + 1);
	ssize_t n = 0;

	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	if (buf && off < st.st_size)
		n = pread(fd, buf, (size_t)len, off);
	if (n < 0)
		n = 0;
	json_object_object_add(r, "data",
			       sbp_b64_new(buf ? buf : "", (size_t)n));
	json_object_object_add(r, "size", json_object_new_int64(st.st_size));
	json_object_object_add(r, "eof",
			       json_object_new_boolean(off + n >= st.st_size));
	free(buf);
	return r;
}

static void read_back(struct sup *s, struct json_object *id,
		      struct json_object *params)
{
	struct place pl;
	struct stat st;
	int64_t off, len;
	int fd;

	if (read_params(s, id, params, &off, &len) < 0 ||
	    locate(s, id, params, &pl) < 0)
		return;
	fd = open_place(s, id, &pl, O_RDONLY);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		sup_reply_error(s, id, SBP_IS_DIRECTORY, "path is a directory",
				NULL);
		return;
	}
	sup_send(s, sbp_response(id, read_range(fd, off, len)));
	close(fd);
}

/* The parent reads back whatever the code wrote, whatever modes the code
 * gave it: the supervisor's permission override is on for these two. */
void export_list(struct sup *s, struct json_object *id,
		 struct json_object *params)
{
	spawn_file_override(true);
	list(s, id, params);
	spawn_file_override(false);
}

void export_read(struct sup *s, struct json_object *id,
		 struct json_object *params)
{
	spawn_file_override(true);
	read_back(s, id, params);
	spawn_file_override(false);
}
