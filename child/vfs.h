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
 * lead outside its mount. A symlink in a tmpfs is the jail's own: one
 * leading out of the tmpfs (absolute target, ".." above its root) is
 * spliced with the rest of the path and the result looked up again from
 * the sandbox root, by all the rules below, as Linux does from the root
 * (at most 40 symlinks: ELOOP; a spliced path of PATH_MAX bytes or more:
 * ENAMETOOLONG; one landing in a host mount: EACCES).
 *
 * Mount kinds:
 *  - bind:   read-only host directory or file, optional include/exclude
 *            fnmatch(3) globs on the path relative to the bind root.
 *  - file:   inline bytes, read-only.
 *  - tmpfs:  writable, a private kernel tmpfs instance (fsopen(2)) whose
 *            size= and nr_inodes= options are the byte and file quotas.
 *  - device: /dev/null, /dev/zero or /dev/urandom.
 *  - host:   a directory served by the parent (hostfs requests); the
 *            supervisor handles these itself, this module only reports
 *            the mount and the relative path (VFS_HOST).
 * Directories that exist only because a mount lies below them ("/",
 * "/usr", "/dev") are synthetic: read-only, listable, and list exactly
 * their children.
 *
 * Errors are always a negative errno from one table (docs/vfs-errno.md,
 * to be merged into docs/architecture.md "VFS errno table"): ENOENT (not
 * in the sandbox, or hidden by a glob), EROFS (write outside a tmpfs),
 * EACCES (FIFO, socket or device inside a bind; symlink leading out of a
 * bind; a write to /dev/urandom), ENOTDIR, EISDIR, ELOOP, ENAMETOOLONG
 * (path >= PATH_MAX bytes or component > NAME_MAX), EEXIST, ENOTEMPTY,
 * EXDEV (rename across mounts), EBUSY (removing or renaming a mount point
 * or an ancestor of one inside a tmpfs), ENOSPC (tmpfs quota), EOVERFLOW
 * and ENFILE (listing bounds), EMFILE (supervisor out of descriptors),
 * EINVAL, and VFS_EHOST for paths in a host mount.
 *
 * Credentials: everything is opened by the supervisor with its own
 * credentials (uid 0 of its user namespace). tmpfs files belong to that
 * uid; the jail, running as another uid in its own user namespace, sees
 * them as the overflow uid unless its map covers it, and reaches them only
 * through descriptors the supervisor injects, so its writes work whatever
 * the mode bits. Modes given to vfs_open()/vfs_mkdir() are subject to the
 * supervisor's umask: set it to the jail's (normally 022).
 *
 * Descriptors returned for anything but a tmpfs or a device live on
 * read-only, nosuid, nodev detached mounts (a clone of each bind source,
 * a read-only view of the private tmpfs), so calls the jail makes on the
 * descriptor itself (fchmod, futimens, fsetxattr, mkdirat on a directory
 * descriptor) fail with EROFS in the kernel even if its filter let them.
 *
 * Requirements on the supervisor: /proc mounted in its mount namespace
 * (read-only objects are reopened through /proc/thread-self/fd so the
 * reopen reaches exactly the inode that was type-checked; vfs_finalize()
 * checks this), and CAP_SYS_ADMIN as described at vfs_finalize() (also
 * for open_tree(2) and mount_setattr(2) of the clones). vfs_finalize()
 * may run as root before the supervisor drops to another uid: listings
 * are still built (the private tmpfs's listing area is mode 0777), the
 * jail can create files in a tmpfs and in placeholder directories (mode
 * 0777), but the dropped uid needs search permission on bind sources and
 * read permission on what it opens, inline files included. Without
 * CAP_DAC_OVERRIDE in its namespace an inline file whose mode lacks the
 * owner's read bit cannot be opened (EACCES), and tmpfs permission bits
 * bind the jail as they bind the owner. Once confined, the supervisor's
 * own filter must allow, for path operations: openat2, openat/open (of
 * /proc/thread-self/fd/N), fstat/newfstatat, readlink/readlinkat,
 * faccessat2, mkdirat, mknodat, symlinkat, unlinkat, renameat2,
 * fchmodat/chmod, utimensat, ftruncate, getdents64, close.
 *
 * Not thread-safe: one supervisor thread owns a struct vfs.
 */
#ifndef SANDBOX_VFS_H
#define SANDBOX_VFS_H

#include <errno.h>
#include <stdbool.h>
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
#define VFS_MAX_GLOBS  64
/* One inline file above this is -EFBIG; all of them above the next -E2BIG. */
#define VFS_MAX_FILE_BYTES   (64u << 20)
#define VFS_MAX_INLINE_BYTES (256u << 20)
/* A tmpfs file quota above this is -EINVAL. */
#define VFS_MAX_TMPFS_FILES (1u << 20)
/*
 * Listings of glob-filtered bind directories: a directory with more than
 * VFS_MAX_LIST_ENTRIES visible entries cannot be opened (-EOVERFLOW); at
 * most VFS_MAX_LISTINGS distinct directories and VFS_MAX_LISTED entries in
 * all are materialized per struct vfs, beyond which opening another such
 * directory is -ENFILE (stat and open of its files still work).
 */
#define VFS_MAX_LIST_ENTRIES 10000
#define VFS_MAX_LISTINGS     1024
#define VFS_MAX_LISTED	     100000

/*
 * Returned by the path operations for a path inside a host mount, which
 * the supervisor serves itself (check vfs_lookup() == VFS_HOST first).
 * It is -EREMOTE, which no path operation of this module returns for any
 * other reason; never pass it on to the jail unchanged.
 */
#define VFS_EHOST (-EREMOTE)

/*
 * Lifecycle: vfs_new(), any number of vfs_add_*() (a later mount at the same
 * target replaces the earlier one), vfs_finalize() once, then path
 * operations. vfs_add_*() copy their arguments and normalize TARGET, which
 * must be absolute (-EINVAL otherwise, and after vfs_finalize()).
 * vfs_finalize() needs CAP_SYS_ADMIN over the current mount namespace's
 * user namespace (the supervisor holds it in its own user namespace) to
 * create tmpfs instances; path operations need no capability.
 *
 * vfs_new() returns NULL when out of memory. vfs_free() closes every
 * descriptor the vfs holds (not those it returned) and accepts NULL.
 */
struct vfs *vfs_new(void);
void vfs_free(struct vfs *v);

/*
 * bind: SOURCE (a host directory or regular file; symlinks in SOURCE are
 * followed, the configuration being trusted). INCLUDE and EXCLUDE are
 * NULL-terminated lists (or NULL) of fnmatch(3) patterns, flags 0,
 * relative to the bind root (no leading "/", -EINVAL), at most
 * VFS_MAX_GLOBS each (-E2BIG), as protocol/SPEC.md (REQ-INIT-9) says. A
 * path is hidden (ENOENT) when it or an ancestor matches an EXCLUDE
 * pattern; with INCLUDE set, a non-directory is visible only when its
 * path matches an INCLUDE pattern, and every directory stays visible and
 * traversable. "*" also matches "/" and a leading "."; there is no "**"
 * (none is needed). The patterns apply to
 * the name the jail used and to the file it reaches through symlinks.
 * Globs on a file bind make vfs_finalize() fail with -EINVAL.
 */
int vfs_add_bind(struct vfs *v, const char *source, const char *target,
		 const char *const *include, const char *const *exclude);
/* file: LEN bytes (<= VFS_MAX_FILE_BYTES), permission bits MODE & 0777. */
int vfs_add_file(struct vfs *v, const char *target, const void *data,
		 size_t len, mode_t mode);
/* tmpfs: MAX_BYTES (kernel size=, rounded up to whole pages) and MAX_FILES
 * (kernel nr_inodes=, files + directories + symlinks the jail creates; the
 * root and placeholders of nested mounts come on top). Both must be
 * non-zero (the kernel reads 0 as unlimited). Mounted nosuid, nodev. */
int vfs_add_tmpfs(struct vfs *v, const char *target, uint64_t max_bytes,
		  uint64_t max_files);
int vfs_add_device(struct vfs *v, const char *target, enum vfs_device dev);
int vfs_add_host(struct vfs *v, const char *target);

/*
 * Opens every mount and builds the synthetic tree in a private tmpfs. A
 * bind source is cloned with its submounts (open_tree(2) AT_RECURSIVE)
 * and the clone made read-only; an unbindable source fails with -EINVAL. A
 * missing bind source is -ENOENT, a source that is neither a directory nor
 * a regular file -EACCES, a host node that is not the expected device
 * -ENODEV, a mount nested in a file or device mount -ENOTDIR, no
 * CAP_SYS_ADMIN -EPERM, no /proc -ENOENT. On failure *bad_target (if not
 * NULL) names the mount that failed (owned by v), or is NULL when the
 * failure is not a mount's (private tmpfs, /proc); v can then only be
 * freed.
 *
 * A mount nested in a tmpfs gets a placeholder there (directory or empty
 * file) so the tmpfs listing shows it. A mount nested in a bind directory
 * is visible in the bind's listing only if the host directory has that
 * name; its ancestors missing from the host are served as synthetic
 * directories.
 */
int vfs_finalize(struct vfs *v, const char **bad_target);

/* True once vfs_finalize() has succeeded on V. */
bool vfs_finalized(const struct vfs *v);

/*
 * Lexically normalizes PATH (absolute, or relative to the absolute CWD)
 * into OUT (PATH_MAX bytes): collapses "//" and ".", resolves ".." without
 * going above "/", removes a trailing "/". Returns 0, -ENOENT for an empty
 * PATH (as open(2) does; AT_EMPTY_PATH is the caller's business),
 * -ENAMETOOLONG when PATH or CWD has PATH_MAX bytes or more, a component
 * is longer than NAME_MAX or the result would not fit, or -EINVAL when
 * PATH is relative and CWD is NULL or relative. Symlinks are not
 * consulted: a ".." after a symlink is taken lexically, which is what the
 * jail asked for by name. A trailing "/" is dropped: the caller adds
 * O_DIRECTORY when the jail's path ended in "/" (Linux: ENOTDIR on files).
 *
 * Every path operation below takes a normalized path and answers -EINVAL
 * for anything else, before finalize, or for a NULL v.
 */
int vfs_normalize(const char *cwd, const char *path, char *out);

/*
 * Opens virtual PATH (normalized) with open(2) FLAGS and MODE. Returns a
 * descriptor owned by the caller, or -errno. O_CREAT, O_TRUNC, O_TMPFILE
 * and write access succeed only inside a tmpfs (and write access on
 * /dev/null and /dev/zero). O_NOFOLLOW and O_DIRECTORY are honoured.
 *
 * Flags: bits unknown to open(2), O_ACCMODE == 3, O_CREAT|O_DIRECTORY and
 * O_TMPFILE without write access are -EINVAL. The returned descriptor is
 * always O_CLOEXEC|O_NOCTTY in the supervisor (the jail's O_CLOEXEC is the
 * caller's business: ADDFD flags); O_NOATIME, O_ASYNC and the kernel's
 * O_LARGEFILE are dropped. With O_PATH only O_DIRECTORY and O_NOFOLLOW
 * count (as open(2)); O_PATH|O_NOFOLLOW on a symlink returns the link;
 * O_PATH of a FIFO, socket or device inside a bind is -EACCES too.
 * Read-only objects keep only the access mode, O_NONBLOCK and
 * O_DIRECTORY; a tmpfs also gets O_CREAT, O_EXCL, O_TRUNC, O_APPEND,
 * O_DSYNC, O_SYNC, O_DIRECT and O_TMPFILE.
 *
 * On a read-only mount an existing object answers as Linux does on a
 * read-only filesystem: O_CREAT|O_EXCL is EEXIST, O_CREAT alone on a file
 * opens it read-only, O_CREAT of a missing name is EROFS (ENOENT when the
 * parent is missing), write access or O_TRUNC is EISDIR on a directory and
 * EROFS otherwise, O_NOFOLLOW on a symlink ELOOP. Each open of a file or
 * device is a new open file description (own offset).
 *
 * Directories: a synthetic directory and a glob-filtered bind directory
 * are returned as a directory of the private tmpfs whose getdents64 lists
 * exactly the virtual entries (names and d_type: DT_DIR, DT_LNK or DT_REG
 * for everything else; fstat of that descriptor describes the listing, not
 * the host directory; only vfs_stat() gives the latter). A bind directory
 * without globs is the host directory itself, a tmpfs directory the real
 * one. A listing is built on first open and kept (host changes made later
 * are not seen).
 */
int vfs_open(struct vfs *v, const char *path, int flags, mode_t mode);

/* vfs_open(), also copying to RESOLVED (PATH_MAX bytes) the path the
 * lookup finally opened: PATH itself, or the path a tmpfs symlink leading
 * out of its mount was spliced into. The supervisor resolves later
 * openat() calls on a directory from that path, so that retargeting the
 * symlink afterwards cannot move the descriptor to another mount. */
int vfs_open_resolved(struct vfs *v, const char *path, int flags, mode_t mode,
		      char *resolved);

/* stat(2) of PATH; AT_SYMLINK_NOFOLLOW stats a final symlink, and
 * AT_NO_AUTOMOUNT is accepted and ignored; other flags are -EINVAL. Stat
 * of a FIFO, socket or device inside a bind works (only opening is
 * refused). Synthetic directories and inline files are inodes of the
 * private tmpfs (mode 0555 and the configured mode). */
int vfs_stat(struct vfs *v, const char *path, int at_flags, struct stat *st);

/* access(2)-like check of MODE (F_OK or R_OK|W_OK|X_OK), with the
 * supervisor's credentials: W_OK is EROFS outside a tmpfs (EACCES on
 * /dev/urandom), any non-F_OK check of a FIFO, socket or device inside a
 * bind is EACCES. */
int vfs_access(struct vfs *v, const char *path, int mode);

/* readlink(2): up to SIZE bytes into BUF, not NUL-terminated; returns the
 * length or -errno (-EINVAL when PATH is no symlink or SIZE is 0). */
ssize_t vfs_readlink(struct vfs *v, const char *path, char *buf, size_t size);

/*
 * Changes: only inside a tmpfs; elsewhere -EROFS after the checks Linux
 * makes first on a read-only filesystem (mkdir/symlink: EEXIST for an
 * existing name, ENOENT/ENOTDIR for a bad parent; rmdir/unlink: a bad
 * parent; truncate: EISDIR/EINVAL by type; chmod/utimens: the object must
 * exist). In a tmpfs: removing or renaming a mount point or an ancestor of
 * one (a placeholder) is -EBUSY, rmdir of the tmpfs root -EBUSY, unlink
 * of it -EISDIR. vfs_rename(): FLAGS is 0, RENAME_NOREPLACE or
 * RENAME_EXCHANGE (others -EINVAL); paths on different mounts (a
 * synthetic directory counting as one read-only mount) are -EXDEV.
 * vfs_symlink(): TARGET is stored as given (-ENOENT if empty); an absolute
 * target, or one leading above the tmpfs root, is resolved from the
 * sandbox root when used. Symlinks before the last component are followed
 * by all of these (the last is the name acted on). vfs_chmod() follows
 * symlinks and keeps MODE & 07777; vfs_utimens() takes AT_SYMLINK_NOFOLLOW
 * only, TS as utimensat(2) (NULL: now).
 */
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
 * root) in REL (PATH_MAX bytes, may be NULL); *TARGET (may be NULL) is
 * the mount's normalized target, owned by v, or NULL for VFS_SYNTHETIC
 * (PATH is "/" or an ancestor of a mount outside any mount) and VFS_NONE
 * (also for a path that is not normalized). Works before vfs_finalize().
 * An ancestor of a mount nested in a bind is reported as VFS_BIND even
 * when the host lacks it and vfs_open() serves it as synthetic. */
enum vfs_kind vfs_lookup(struct vfs *v, const char *path, const char **target,
			 char *rel);

/* Is DEV (st_dev of a file) one of this session's tmpfs instances? The
 * files there are the jail's own; everything else belongs to the host. */
bool vfs_is_tmpfs_file(struct vfs *v, dev_t dev);

/* Descriptor of the root directory of the tmpfs serving PATH, for the
 * parent's tmpfs/list and tmpfs/read (read them with openat2 beneath it,
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), with PATH relative to it in
 * REL (PATH_MAX bytes, may be NULL); -ENOENT when no mount serves PATH,
 * -ENOTDIR when another kind does. Owned by v: do not close it. */
int vfs_tmpfs_root(struct vfs *v, const char *path, char *rel);

#endif
