/* SPDX-License-Identifier: MIT */
/*
 * vfs.h - the virtual filesystem the supervisor owns for one jail.
 *
 * The jail sees only what the parent configured (DESIGN §4). Every
 * path-based call of the jail reaches the supervisor as an absolute,
 * normalized virtual path; this module maps it onto a mount table and
 * answers with a descriptor opened by the supervisor (which the caller
 * injects into the jail) or a -errno. Nothing here trusts the jail:
 * resolution inside a host directory is done by the kernel with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so a symlink can never
 * lead outside its mount.
 *
 * Mount kinds:
 *  - bind:   read-only host directory or file, optional include/exclude
 *            fnmatch(3) globs on the path relative to the bind root.
 *  - file:   inline bytes, read-only.
 *  - tmpfs:  writable, a private kernel tmpfs instance (fsopen(2)) whose
 *            size= and nr_inodes= options are the byte and file quotas.
 *  - device: /dev/null, /dev/zero or /dev/urandom.
 *  - host:   a directory served by the parent (hostfs/* requests); the
 *            supervisor handles these itself, this module only reports
 *            the mount and the relative path (VFS_HOST).
 * Directories that exist only because a mount lies below them ("/",
 * "/usr", "/dev") are synthetic: read-only, listable, and list exactly
 * their children.
 *
 * Errors are always a negative errno from this table (docs/architecture.md
 * "VFS errno table"): ENOENT (not in the sandbox), EROFS (write outside a
 * tmpfs), EACCES (FIFO, socket or device inside a bind; symlink leading
 * out of its mount; excluded by a glob is ENOENT), ENOTDIR, EISDIR, ELOOP,
 * ENAMETOOLONG (path > PATH_MAX or component > NAME_MAX), EEXIST,
 * ENOTEMPTY, EXDEV (rename across mounts), ENOSPC/EDQUOT (tmpfs quota),
 * EMFILE/ENFILE, EINVAL.
 *
 * Not thread-safe: one supervisor thread owns a struct vfs.
 */
#ifndef SANDBOX_VFS_H
#define SANDBOX_VFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct vfs;

enum vfs_device {
	VFS_DEV_NULL,
	VFS_DEV_ZERO,
	VFS_DEV_URANDOM,
};

/* What a path resolves to, for callers that need to know (hostfs). */
enum vfs_kind {
	VFS_NONE,
	VFS_BIND,
	VFS_FILE,
	VFS_TMPFS,
	VFS_DEVICE,
	VFS_HOST,
	VFS_SYNTHETIC,
};

/* Upper bounds; larger configurations are refused with -E2BIG. */
#define VFS_MAX_MOUNTS 256
#define VFS_MAX_GLOBS 64

/*
 * Lifecycle: vfs_new(), any number of vfs_add_*() (a later mount at the same
 * target replaces the earlier one), vfs_finalize() once, then path
 * operations. vfs_add_*() copy their arguments. vfs_finalize() needs
 * CAP_SYS_ADMIN over the current mount namespace's user namespace (the
 * supervisor holds it in its own user namespace) to create tmpfs instances.
 */
struct vfs *vfs_new(void);
void vfs_free(struct vfs *v);

int vfs_add_bind(struct vfs *v, const char *source, const char *target,
		 const char *const *include, const char *const *exclude);
int vfs_add_file(struct vfs *v, const char *target, const void *data,
		 size_t len, mode_t mode);
int vfs_add_tmpfs(struct vfs *v, const char *target, uint64_t max_bytes,
		  uint64_t max_files);
int vfs_add_device(struct vfs *v, const char *target, enum vfs_device dev);
int vfs_add_host(struct vfs *v, const char *target);

/* Builds the synthetic tree and opens every mount. -errno; on failure
 * *bad_target (if not NULL) names the mount that failed (owned by v). */
int vfs_finalize(struct vfs *v, const char **bad_target);

/*
 * Lexically normalizes PATH (absolute, or relative to the absolute CWD)
 * into OUT (PATH_MAX bytes): collapses "//" and ".", resolves ".." without
 * going above "/", removes a trailing "/". Returns 0, -ENAMETOOLONG or
 * -EINVAL (empty path). Symlinks are not consulted: a ".." after a symlink
 * is taken lexically, which is what the jail asked for by name.
 */
int vfs_normalize(const char *cwd, const char *path, char *out);

/*
 * Opens virtual PATH (normalized) with open(2) FLAGS and MODE. Returns a
 * descriptor owned by the caller, or -errno. O_CREAT, O_TRUNC and write
 * access succeed only inside a tmpfs; O_NOFOLLOW and O_DIRECTORY are
 * honoured; O_CLOEXEC is the caller's business (ADDFD flags). Directories
 * opened with O_RDONLY|O_DIRECTORY list exactly the virtual entries.
 */
int vfs_open(struct vfs *v, const char *path, int flags, mode_t mode);

/* stat(2) of PATH; NOFOLLOW (AT_SYMLINK_NOFOLLOW) stats a final symlink. */
int vfs_stat(struct vfs *v, const char *path, int at_flags, struct stat *st);

/* access(2)-like check of MODE (F_OK, R_OK, W_OK, X_OK). */
int vfs_access(struct vfs *v, const char *path, int mode);

/* readlink(2): up to SIZE bytes into BUF; returns the length or -errno. */
ssize_t vfs_readlink(struct vfs *v, const char *path, char *buf, size_t size);

int vfs_mkdir(struct vfs *v, const char *path, mode_t mode);
int vfs_rmdir(struct vfs *v, const char *path);
int vfs_unlink(struct vfs *v, const char *path);
int vfs_rename(struct vfs *v, const char *from, const char *to,
	       unsigned int flags);
int vfs_symlink(struct vfs *v, const char *target, const char *linkpath);
int vfs_truncate(struct vfs *v, const char *path, off_t length);
int vfs_chmod(struct vfs *v, const char *path, mode_t mode);
int vfs_utimens(struct vfs *v, const char *path, const struct timespec ts[2],
		int at_flags);

/* Which mount serves PATH, and PATH relative to that mount ("" for its
 * root) in REL (PATH_MAX bytes). */
enum vfs_kind vfs_lookup(struct vfs *v, const char *path, const char **target,
			 char *rel);

/* Descriptor of the root directory of the tmpfs mounted at TARGET, for the
 * parent's tmpfs/list and tmpfs/read (read them with openat2 beneath it),
 * or -ENOENT / -ENOTDIR when TARGET is not a tmpfs mount. Owned by v. */
int vfs_tmpfs_root(struct vfs *v, const char *path, char *rel);

#endif
