/* SPDX-License-Identifier: MIT */
/*
 * hostfs.c - directories the parent serves (host entries, hostfs requests).
 *
 * A jail lookup below a host entry is held in the kernel while the
 * supervisor asks the parent: hostfs/stat first, then hostfs/read for a
 * file the jail opens (served from a sealed memfd, so reads are native and
 * the jail cannot write) or hostfs/list for a directory (materialised as
 * empty entries in a private tmpfs, so native getdents64 lists it). Every
 * answer is untrusted: types, names and sizes are checked, and anything
 * malformed becomes EIO in the jail (SPEC: REQ-HOSTFS-5, -7).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"

#define HOSTFS_MAX_ENTRIES    10000
#define HOSTFS_SCRATCH_BYTES  "16m"
#define HOSTFS_SCRATCH_INODES "200000"

static const char *const errnos[] = {"ENOENT", "ENOTDIR", "EISDIR", "EACCES"};
static const int errno_values[] = {ENOENT, ENOTDIR, EISDIR, EACCES};

/* ---- requests -------------------------------------------------------------
 */

static void ask(struct sup *s, const char *method)
{
	struct hostfs_pending *h = &s->notify.host;
	struct json_object *p = json_object_new_object();
	char id[32];

	json_object_object_add(
		p, "run",
		s->state == ST_RUNNING ? json_object_get(s->run.id) : NULL);
	json_object_object_add(p, "target", json_object_new_string(h->target));
	json_object_object_add(p, "path", json_object_new_string(h->rel));

	snprintf(id, sizeof(id), "f%llu", (unsigned long long)++s->next_call);
	json_object_put(s->hostfs_id);
	s->hostfs_id = json_object_new_string(id);
	s->hostfs_method = method;
	sup_send(s, sbp_request(s->hostfs_id, method, p));
}

void hostfs_begin(struct sup *s)
{
	ask(s, "hostfs/stat");
}

static void finish(struct sup *s, int rc)
{
	json_object_put(s->hostfs_id);
	s->hostfs_id = NULL;
	notify_finish(&s->notify, rc, 0);
}

void hostfs_abort(struct sup *s)
{
	json_object_put(s->hostfs_id);
	s->hostfs_id = NULL;
	s->notify.host.op = HOSTFS_NONE;
}

/* ---- answers --------------------------------------------------------------
 */

static int error_of(struct sbp_message *m)
{
	struct json_object *e;
	size_t i;

	if (m->error_code != SBP_FS_ERROR || !m->error_data ||
	    !json_object_object_get_ex(m->error_data, "errno", &e) ||
	    !json_object_is_type(e, json_type_string))
		return -EIO;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(json_object_get_string(e), errnos[i]) == 0)
			return -errno_values[i];
	return -EIO;
}

/* A stable inode number for a host path, so tools that compare st_ino see
 * the same file twice (FNV-1a). */
static ino_t inode_of(const char *target, const char *rel)
{
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	for (p = target; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (p = rel; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (ino_t)(h | 1);
}

/* Parses a hostfs/stat result into ST; false when it is malformed. */
static bool parse_stat(struct sup *s, struct json_object *r, struct stat *st)
{
	struct json_object *type, *size, *mode;
	bool dir;

	if (!json_object_is_type(r, json_type_object) ||
	    !json_object_object_get_ex(r, "type", &type) ||
	    !json_object_object_get_ex(r, "size", &size) ||
	    !json_object_object_get_ex(r, "mode", &mode) ||
	    !json_object_is_type(size, json_type_int) ||
	    !json_object_is_type(mode, json_type_int) ||
	    json_object_get_int64(size) < 0)
		return false;
	if (strcmp(json_object_get_string(type), "dir") == 0)
		dir = true;
	else if (strcmp(json_object_get_string(type), "file") == 0)
		dir = false;
	else
		return false;

	memset(st, 0, sizeof(*st));
	st->st_dev = 0x5b;
	st->st_ino = inode_of(s->notify.host.target, s->notify.host.rel);
	st->st_mode =
		(dir ? S_IFDIR : S_IFREG) | (json_object_get_int(mode) & 0555);
	st->st_nlink = dir ? 2 : 1;
	st->st_uid = 65534;
	st->st_gid = 65534;
	st->st_size = dir ? 0 : json_object_get_int64(size);
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	return true;
}

static int access_check(const struct stat *st, int mode)
{
	if ((mode & X_OK) && !(st->st_mode & 0111))
		return -EACCES;
	return 0;
}

static void on_stat(struct sup *s, struct json_object *r)
{
	struct hostfs_pending *h = &s->notify.host;
	struct stat st;
	bool dir;

	if (!parse_stat(s, r, &st)) {
		finish(s, -EIO);
		return;
	}
	dir = S_ISDIR(st.st_mode);

	switch (h->op) {
	case HOSTFS_STAT:
		json_object_put(s->hostfs_id);
		s->hostfs_id = NULL;
		notify_finish_stat(&s->notify, &st);
		return;
	case HOSTFS_ACCESS:
		finish(s, access_check(&st, h->arg));
		return;
	case HOSTFS_CHDIR:
		if (!dir) {
			finish(s, -ENOTDIR);
			return;
		}
		json_object_put(s->hostfs_id);
		s->hostfs_id = NULL;
		notify_finish_chdir(&s->notify);
		return;
	case HOSTFS_OPEN:
		if (!dir && (h->arg & O_DIRECTORY))
			finish(s, -ENOTDIR);
		else
			ask(s, dir ? "hostfs/list" : "hostfs/read");
		return;
	case HOSTFS_NONE:
		break;
	}
	finish(s, -EIO);
}

/* A sealed memfd holding the file: reads are native, writes impossible. */
static int file_fd(const unsigned char *data, size_t len)
{
	const int seals =
		F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;
	int fd = memfd_create("hostfs", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t done = 0;
	ssize_t w;

	if (fd < 0)
		return -errno;
	while (done < len) {
		w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -EIO;
		}
		done += (size_t)w;
	}
	if (fcntl(fd, F_ADD_SEALS, seals) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void on_read(struct sup *s, struct json_object *r)
{
	struct json_object *data;
	unsigned char *buf;
	size_t len;
	int rc, fd;

	if (!json_object_is_type(r, json_type_object) ||
	    !json_object_object_get_ex(r, "data", &data)) {
		finish(s, -EIO);
		return;
	}
	rc = sbp_b64_decode(data, s->cfg.limits.file_bytes, &buf, &len);
	if (rc) {
		finish(s, rc == -E2BIG ? -EFBIG : -EIO);
		return;
	}
	fd = file_fd(buf, len);
	free(buf);
	if (fd < 0) {
		finish(s, fd);
		return;
	}
	json_object_put(s->hostfs_id);
	s->hostfs_id = NULL;
	notify_finish_fd(&s->notify, fd);
	close(fd);
}

/* ---- listings --------------------------------------------------------------
 */

/* The private tmpfs where listings become real directories. */
static int scratch(struct sup *s)
{
	int fs, mnt;

	if (s->hostfs_scratch >= 0)
		return s->hostfs_scratch;

	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size",
		    HOSTFS_SCRATCH_BYTES, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_inodes",
		    HOSTFS_SCRATCH_INODES, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		close(fs);
		return -errno;
	}
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	close(fs);
	if (mnt < 0)
		return -errno;
	s->hostfs_scratch = mnt;
	return mnt;
}

static bool valid_name(struct json_object *name)
{
	const char *n = json_object_get_string(name);
	size_t len = (size_t)json_object_get_string_len(name);

	return json_object_is_type(name, json_type_string) && len > 0 &&
	       len <= 255 && strlen(n) == len && !strchr(n, '/') &&
	       strcmp(n, ".") != 0 && strcmp(n, "..") != 0;
}

static int add_entry(int dir, struct json_object *e)
{
	struct json_object *name, *type;
	const char *t;
	int fd;

	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "name", &name) ||
	    !json_object_object_get_ex(e, "type", &type) || !valid_name(name))
		return -EIO;
	t = json_object_get_string(type);
	if (strcmp(t, "dir") == 0)
		return mkdirat(dir, json_object_get_string(name), 0555) < 0 &&
				       errno != EEXIST
			       ? -EIO
			       : 0;
	if (strcmp(t, "file") != 0)
		return -EIO;
	fd = openat(dir, json_object_get_string(name),
		    O_CREAT | O_WRONLY | O_CLOEXEC, 0444);
	if (fd < 0)
		return errno == EEXIST ? 0 : -EIO;
	close(fd);
	return 0;
}

/* Builds the listing in a fresh directory and returns it opened. */
static int listing_fd(struct sup *s, struct json_object *entries)
{
	char name[32];
	size_t i, n = json_object_array_length(entries);
	int root = scratch(s), dir, rc = 0;

	if (root < 0)
		return root;
	if (n > HOSTFS_MAX_ENTRIES)
		return -EIO;

	snprintf(name, sizeof(name), "l%llu",
		 (unsigned long long)++s->hostfs_listings);
	if (mkdirat(root, name, 0755) < 0)
		return -errno == -ENOSPC ? -ENFILE : -EIO;
	dir = openat(root, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -EIO;
	for (i = 0; i < n && !rc; i++)
		rc = add_entry(dir, json_object_array_get_idx(entries, i));
	if (rc) {
		close(dir);
		return rc;
	}
	fchmod(dir, 0555);
	return dir;
}

static void on_list(struct sup *s, struct json_object *r)
{
	struct json_object *entries;
	int fd;

	if (!json_object_is_type(r, json_type_object) ||
	    !json_object_object_get_ex(r, "entries", &entries) ||
	    !json_object_is_type(entries, json_type_array)) {
		finish(s, -EIO);
		return;
	}
	fd = listing_fd(s, entries);
	if (fd < 0) {
		finish(s, fd);
		return;
	}
	json_object_put(s->hostfs_id);
	s->hostfs_id = NULL;
	notify_finish_fd(&s->notify, fd);
	close(fd);
}

bool hostfs_on_reply(struct sup *s, struct sbp_message *m)
{
	const char *method = s->hostfs_method;

	if (!s->hostfs_id || !sup_same_id(m->id, s->hostfs_id))
		return false;

	if (m->kind == SBP_ERROR_RESPONSE)
		finish(s, error_of(m));
	else if (strcmp(method, "hostfs/stat") == 0)
		on_stat(s, m->result);
	else if (strcmp(method, "hostfs/read") == 0)
		on_read(s, m->result);
	else
		on_list(s, m->result);
	return true;
}
