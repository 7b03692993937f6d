/* SPDX-License-Identifier: MIT */
/*
 * vfs.c - mount table and path operations of the virtual filesystem.
 *
 * The semantics are documented in vfs.h and the errno table in
 * docs/vfs-errno.md; this file only explains how they are achieved.
 *
 * Layout of the private "scratch" tmpfs created by vfs_finalize():
 *   s/...   the synthetic skeleton: "/" is "s/", "/usr" is "s/usr"; one
 *           placeholder per mount point (a directory for directory
 *           mounts, an empty file otherwise), so that getdents64 on a
 *           synthetic directory lists exactly the virtual entries;
 *   f/N     the bytes of inline file mount N;
 *   l/N     listing N: names and types of a glob-filtered bind directory.
 *
 * Whatever the jail gets a descriptor of, outside a tmpfs, lives on a
 * read-only, nosuid, nodev detached mount: binds are opened beneath a
 * read-only clone of their source (open_tree(2)), and the scratch tmpfs
 * is written through one mount and handed out through a read-only clone.
 * So even a descriptor-based call that slipped past the jail's filter
 * (fchmod, fsetxattr, futimens on a host file the supervisor's uid owns)
 * fails with EROFS in the kernel.
 */
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#define BENEATH	      (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
#define SCRATCH_SLACK (1024 * 1024)
#define PROC_FD_LEN   64
/* Linux's MAXSYMLINKS: tmpfs symlinks one lookup may follow (ELOOP). */
#define MAX_LINKS 40

/* open(2) flags a jail may pass; anything else is -EINVAL. */
#define OPEN_KNOWN                                                             \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |        \
	 O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_LARGEFILE |              \
	 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH |           \
	 O_TMPFILE | O_ASYNC)
/* Flags kept when reopening a read-only object for the jail. */
#define RO_KEEP (O_ACCMODE | O_NONBLOCK | O_DIRECTORY | O_LARGEFILE)
/* Flags passed through to a tmpfs open. */
#define RW_KEEP                                                                \
	(RO_KEEP | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DSYNC | O_SYNC |  \
	 O_DIRECT | O_NOFOLLOW | O_TMPFILE)
#define PATH_KEEP (O_PATH | O_DIRECTORY | O_NOFOLLOW)

struct mount {
	char *target;
	size_t tlen;
	enum vfs_kind kind;
	int fd; /* bind root, device (O_PATH) or tmpfs mount; -1 if none */
	bool is_dir;
	char *source;
	char **include, **exclude;
	size_t ninc, nexc;
	void *data;
	size_t len;
	mode_t mode;
	uint64_t max_bytes, max_files, extra_inodes;
	enum vfs_device dev;
};

struct listing {
	const struct mount *m;
	char *rel;
	unsigned int id;
};

struct vfs {
	struct mount *mounts[VFS_MAX_MOUNTS];
	size_t n;
	int scratch; /* the private tmpfs, writable, for this module only */
	int view;    /* a read-only clone of it, for the jail's descriptors */
	bool final;
	struct listing lists[VFS_MAX_LISTINGS];
	size_t nlists;
	unsigned long listed;
};

/* Where a normalized path lands: its covering mount and the rest. */
struct where {
	struct mount *m;
	const char *rel;
	bool synth;	    /* "/" or a strict ancestor of some mount target */
	const char *path;   /* the path located: the caller's, or buf */
	unsigned int links; /* tmpfs symlinks spliced so far (MAX_LINKS) */
	bool dir;	    /* a spliced final target ended in "/" or "/." */
	char buf[PATH_MAX]; /* the path after splicing a symlink */
};

static const char *const dev_paths[] = {
	[VFS_DEV_NULL] = "/dev/null",
	[VFS_DEV_ZERO] = "/dev/zero",
	[VFS_DEV_URANDOM] = "/dev/urandom",
};

/* ---- small helpers ---------------------------------------------------- */

static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode,
		       uint64_t resolve)
{
	struct open_how how = {0};
	long fd;
	int tries = 0;

	how.flags = (uint64_t)(unsigned int)flags | O_CLOEXEC;
	if (!(flags & O_PATH))
		how.flags |= O_NOCTTY;
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode & 07777;
	how.resolve = resolve;

	/* RESOLVE_BENEATH answers EAGAIN when a concurrent rename raced a
	 * ".." walk; the walk is safe to repeat. */
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 8);
	return fd < 0 ? neg_errno() : (int)fd;
}

/* Opens REL beneath ROOT, a tmpfs root: -EXDEV when a symlink leads out
 * of it, which the caller must follow with follow_link(), never return. */
static int tmpfs_beneath(int root, const char *rel, int flags, mode_t mode)
{
	return sys_openat2(root, *rel ? rel : ".", flags, mode, BENEATH);
}

/* Opens REL beneath ROOT; a path or symlink leading out is -EACCES. */
static int beneath(int root, const char *rel, int flags, mode_t mode)
{
	int fd = tmpfs_beneath(root, rel, flags, mode);

	return fd == -EXDEV ? -EACCES : fd;
}

static void proc_fd_path(char *buf, int fd)
{
	snprintf(buf, PROC_FD_LEN, "/proc/thread-self/fd/%d", fd);
}

/*
 * Reopens the object pinned by O_PATH descriptor FD. Going through the
 * descriptor's magic link reaches exactly the inode that was type-checked,
 * whereas a second walk of the path could be raced by a host-side rename
 * into a FIFO or a device. Needs /proc in the supervisor's mount namespace
 * (vfs_finalize() checks it once).
 */
static int reopen(int fd, int flags)
{
	char p[PROC_FD_LEN];
	int r;

	proc_fd_path(p, fd);
	r = open(p, flags | O_CLOEXEC | O_NOCTTY);
	return r < 0 ? neg_errno() : r;
}

static void close_keep_errno(int fd)
{
	int e = errno;

	if (fd >= 0)
		close(fd);
	errno = e;
}

/* glibc's O_TMPFILE includes O_DIRECTORY. */
static bool is_tmpfile(int flags)
{
	return (flags & O_TMPFILE) == O_TMPFILE;
}

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) ||
	       is_tmpfile(flags);
}

/* ---- paths ------------------------------------------------------------ */

static int push_components(char *buf, size_t *len, const char *p)
{
	size_t n;

	for (; *p; p += n) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (n == 1 && p[0] == '.')
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (*len > 0 && buf[*len - 1] != '/')
				(*len)--;
			if (*len > 0)
				(*len)--;
			continue;
		}
		buf[(*len)++] = '/';
		memcpy(buf + *len, p, n);
		*len += n;
	}
	return 0;
}

int vfs_normalize(const char *cwd, const char *path, char *out)
{
	char buf[2 * PATH_MAX + 2];
	size_t len = 0;
	int r;

	if (!path || !out)
		return -EINVAL;
	if (!*path)
		return -ENOENT;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (path[0] != '/') {
		if (!cwd || cwd[0] != '/')
			return -EINVAL;
		if (strnlen(cwd, PATH_MAX) >= PATH_MAX)
			return -ENAMETOOLONG;
		r = push_components(buf, &len, cwd);
		if (r)
			return r;
	}
	r = push_components(buf, &len, path);
	if (r)
		return r;

	if (len == 0)
		buf[len++] = '/';
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, buf, len);
	out[len] = '\0';
	return 0;
}

/* PATH must be what vfs_normalize() produces: absolute, no empty, "." or
 * ".." component, no trailing "/", components within NAME_MAX. */
static int check_path(const char *path)
{
	const char *p;
	size_t n;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!path[1])
		return 0;
	for (p = path + 1;; p += n + 1) {
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (!p[n])
			return 0;
	}
}

/* Is PATH equal to TARGET or below it? Sets *rel to the rest. */
static bool covers(const struct mount *m, const char *path, const char **rel)
{
	if (m->tlen == 1) {
		*rel = path + 1;
		return true;
	}
	if (strncmp(path, m->target, m->tlen) != 0)
		return false;
	if (path[m->tlen] == '\0') {
		*rel = path + m->tlen;
		return true;
	}
	if (path[m->tlen] != '/')
		return false;
	*rel = path + m->tlen + 1;
	return true;
}

/* Is PATH a strict ancestor of TARGET? */
static bool is_ancestor(const char *path, const char *target)
{
	size_t n = strlen(path);

	if (n == 1)
		return target[1] != '\0';
	return strncmp(target, path, n) == 0 && target[n] == '/';
}

static void locate(const struct vfs *v, const char *path, struct where *w)
{
	const char *rel;
	size_t i;

	w->path = path;
	w->links = 0;
	w->dir = false;
	w->m = NULL;
	w->rel = NULL;
	w->synth = path[1] == '\0';
	for (i = 0; i < v->n; i++) {
		struct mount *m = v->mounts[i];

		if (is_ancestor(path, m->target))
			w->synth = true;
		if (!covers(m, path, &rel))
			continue;
		if (!w->m || m->tlen > w->m->tlen) {
			w->m = m;
			w->rel = rel;
		}
	}
}

/* A mount point or an ancestor of one cannot be removed or renamed. */
static bool is_pinned(const struct vfs *v, const char *path)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		const char *t = v->mounts[i]->target;

		if (strcmp(t, path) == 0 || is_ancestor(path, t))
			return true;
	}
	return false;
}

/* Splits REL into its parent ("." for none) in DIR and returns the name. */
static const char *split_rel(const char *rel, char *dir)
{
	const char *slash = strrchr(rel, '/');

	if (!slash) {
		strcpy(dir, ".");
		return rel;
	}
	memcpy(dir, rel, (size_t)(slash - rel));
	dir[slash - rel] = '\0';
	return slash + 1;
}

static void parent_path(const char *path, char *out)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == path ? 1 : (size_t)(slash - path);

	memcpy(out, path, n);
	out[n] = '\0';
}

/* ---- globs ------------------------------------------------------------ */

/* Does REL or one of its ancestors match one of PATS? Globs use fnmatch
 * flags 0, so "*" also matches "/" (SPEC: REQ-INIT-9). */
static bool match_any(char *const *pats, size_t npats, const char *rel,
		      bool ancestors)
{
	char buf[PATH_MAX];
	size_t len = strlen(rel), i, end;

	memcpy(buf, rel, len + 1);
	for (end = ancestors ? 0 : len; end <= len; end++) {
		if (buf[end] != '/' && buf[end] != '\0')
			continue;
		buf[end] = '\0';
		for (i = 0; i < npats; i++)
			if (fnmatch(pats[i], buf, 0) == 0)
				return true;
		buf[end] = rel[end];
	}
	return false;
}

static bool has_globs(const struct mount *m)
{
	return m->ninc || m->nexc;
}

/*
 * REQ-INIT-9: an excluded path is invisible, and so is everything below
 * an excluded directory; include selects non-directories only, so every
 * directory stays traversable.
 */
static bool visible(const struct mount *m, const char *rel, bool is_dir)
{
	if (!*rel)
		return true;
	if (m->nexc && match_any(m->exclude, m->nexc, rel, true))
		return false;
	return is_dir || !m->ninc || match_any(m->include, m->ninc, rel, false);
}

/* The path of FD as the kernel names it now, in BUF (PATH_MAX bytes). */
static ssize_t fd_path(int fd, char *buf)
{
	char p[PROC_FD_LEN];
	ssize_t n;

	proc_fd_path(p, fd);
	n = readlink(p, buf, PATH_MAX - 1);
	if (n < 0)
		return neg_errno();
	buf[n] = '\0';
	return n;
}

/*
 * The globs apply to the name the jail used and to the name of the file
 * it reaches: a symlink "x.py -> secret/key" must not expose an excluded
 * file. The second name comes from the descriptor's /proc link, compared
 * with the bind root's link read at the same time, so both are seen from
 * the same root even if the supervisor changes its own root later.
 */
static int check_globs(const struct mount *m, const char *rel, int fd,
		       const struct stat *st)
{
	char root[PATH_MAX], real[PATH_MAX];
	const char *rest;
	ssize_t rlen, n;

	if (!visible(m, rel, S_ISDIR(st->st_mode)))
		return -ENOENT;
	rlen = fd_path(m->fd, root);
	n = rlen < 0 ? rlen : fd_path(fd, real);
	if (n < 0)
		return (int)n;
	if (strncmp(real, root, (size_t)rlen) != 0)
		return -EACCES;
	rest = real + rlen;
	if (*rest == '/')
		rest++;
	else if (*rest && rlen > 1)
		return -EACCES;
	return visible(m, rest, S_ISDIR(st->st_mode)) ? 0 : -ENOENT;
}

/* ---- mount table ------------------------------------------------------ */

static void free_strv(char **sv, size_t n)
{
	size_t i;

	for (i = 0; sv && i < n; i++)
		free(sv[i]);
	free(sv);
}

static void free_mount(struct mount *m)
{
	if (!m)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m->target);
	free(m->source);
	free_strv(m->include, m->ninc);
	free_strv(m->exclude, m->nexc);
	free(m->data);
	free(m);
}

struct vfs *vfs_new(void)
{
	struct vfs *v = calloc(1, sizeof(*v));

	if (v) {
		v->scratch = -1;
		v->view = -1;
	}
	return v;
}

void vfs_free(struct vfs *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++)
		free_mount(v->mounts[i]);
	for (i = 0; i < v->nlists; i++)
		free(v->lists[i].rel);
	if (v->scratch >= 0)
		close(v->scratch);
	if (v->view >= 0)
		close(v->view);
	free(v);
}

/* Allocates a mount for TARGET, which must already be normalized. */
static struct mount *new_mount(const struct vfs *v, const char *target,
			       enum vfs_kind kind, int *err)
{
	char norm[PATH_MAX];
	struct mount *m;

	*err = -EINVAL;
	if (!v || v->final || !target || target[0] != '/')
		return NULL;
	*err = vfs_normalize(NULL, target, norm);
	if (*err)
		return NULL;
	*err = -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->fd = -1;
	m->kind = kind;
	m->target = strdup(norm);
	if (!m->target) {
		free(m);
		return NULL;
	}
	m->tlen = strlen(norm);
	*err = 0;
	return m;
}

/* Adds M, replacing an earlier mount at the same target. */
static int put_mount(struct vfs *v, struct mount *m)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (strcmp(v->mounts[i]->target, m->target) == 0) {
			free_mount(v->mounts[i]);
			v->mounts[i] = m;
			return 0;
		}
	}
	if (v->n == VFS_MAX_MOUNTS) {
		free_mount(m);
		return -E2BIG;
	}
	v->mounts[v->n++] = m;
	return 0;
}

static int copy_globs(const char *const *in, char ***out, size_t *n)
{
	size_t i, count = 0;

	while (in && in[count]) {
		if (!in[count][0] || in[count][0] == '/' ||
		    strnlen(in[count], PATH_MAX) >= PATH_MAX)
			return -EINVAL;
		if (++count > VFS_MAX_GLOBS)
			return -E2BIG;
	}
	if (!count)
		return 0;
	*out = calloc(count, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		(*out)[i] = strdup(in[i]);
		*n = i + 1;
		if (!(*out)[i])
			return -ENOMEM;
	}
	return 0;
}

int vfs_add_bind(struct vfs *v, const char *source, const char *target,
		 const char *const *include, const char *const *exclude)
{
	struct mount *m;
	int r;

	if (!source || !*source || strnlen(source, PATH_MAX) >= PATH_MAX)
		return -EINVAL;
	m = new_mount(v, target, VFS_BIND, &r);
	if (!m)
		return r;
	m->source = strdup(source);
	r = m->source ? 0 : -ENOMEM;
	if (!r)
		r = copy_globs(include, &m->include, &m->ninc);
	if (!r)
		r = copy_globs(exclude, &m->exclude, &m->nexc);
	if (r) {
		free_mount(m);
		return r;
	}
	return put_mount(v, m);
}

static size_t inline_bytes(const struct vfs *v)
{
	size_t i, sum = 0;

	for (i = 0; i < v->n; i++)
		if (v->mounts[i]->kind == VFS_FILE)
			sum += v->mounts[i]->len;
	return sum;
}

int vfs_add_file(struct vfs *v, const char *target, const void *data,
		 size_t len, mode_t mode)
{
	struct mount *m;
	int r;

	if (len && !data)
		return -EINVAL;
	if (len > VFS_MAX_FILE_BYTES)
		return -EFBIG;
	if (v && inline_bytes(v) + len > VFS_MAX_INLINE_BYTES)
		return -E2BIG;
	m = new_mount(v, target, VFS_FILE, &r);
	if (!m)
		return r;
	m->data = malloc(len ? len : 1);
	if (!m->data) {
		free_mount(m);
		return -ENOMEM;
	}
	memcpy(m->data, data ? data : "", len);
	m->len = len;
	m->mode = mode & 0777;
	return put_mount(v, m);
}

int vfs_add_tmpfs(struct vfs *v, const char *target, uint64_t max_bytes,
		  uint64_t max_files)
{
	struct mount *m;
	int r;

	/* The kernel reads size=0 and nr_inodes=0 as "unlimited". */
	if (max_bytes == 0 || max_files == 0 || max_files > VFS_MAX_TMPFS_FILES)
		return -EINVAL;
	m = new_mount(v, target, VFS_TMPFS, &r);
	if (!m)
		return r;
	m->max_bytes = max_bytes;
	m->max_files = max_files;
	return put_mount(v, m);
}

int vfs_add_device(struct vfs *v, const char *target, enum vfs_device dev)
{
	struct mount *m;
	int r;

	if ((unsigned int)dev > VFS_DEV_URANDOM)
		return -EINVAL;
	m = new_mount(v, target, VFS_DEVICE, &r);
	if (!m)
		return r;
	m->dev = dev;
	return put_mount(v, m);
}

int vfs_add_host(struct vfs *v, const char *target)
{
	struct mount *m;
	int r;

	m = new_mount(v, target, VFS_HOST, &r);
	if (!m)
		return r;
	return put_mount(v, m);
}

/* ---- vfs_finalize ----------------------------------------------------- */

static int new_tmpfs(uint64_t bytes, uint64_t inodes, const char *mode)
{
	char size[32], nr[32];
	int fs, mnt = -1;

	snprintf(size, sizeof(size), "%llu", (unsigned long long)bytes);
	snprintf(nr, sizeof(nr), "%llu", (unsigned long long)inodes);
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return neg_errno();
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) == 0 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", nr, 0) == 0 &&
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) == 0 &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = fsmount(fs, FSMOUNT_CLOEXEC,
			      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0) {
		mnt = neg_errno();
		close(fs);
		return mnt;
	}
	close(fs);
	return mnt;
}

static size_t count_components(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

/* A read-only, nosuid, nodev detached copy of the mount tree at PATH. */
static int ro_clone(int dirfd, const char *path, unsigned int at_flags)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			    MOUNT_ATTR_NODEV,
	};
	int fd;

	fd = open_tree(dirfd, path,
		       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
			       at_flags);
	if (fd < 0)
		return neg_errno();
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
			  sizeof(attr))) {
		close_keep_errno(fd);
		return neg_errno();
	}
	return fd;
}

static int make_scratch(struct vfs *v)
{
	uint64_t bytes = inline_bytes(v) + SCRATCH_SLACK;
	uint64_t inodes = 16 + VFS_MAX_LISTINGS + VFS_MAX_LISTED;
	size_t i;

	for (i = 0; i < v->n; i++) {
		inodes += count_components(v->mounts[i]->target) + 1;
		bytes += 4096; /* tmpfs charges whole pages */
	}
	v->scratch = new_tmpfs(bytes, inodes, "0755");
	if (v->scratch < 0)
		return v->scratch;
	/* "l" is writable by all: listings are built later, maybe after the
	 * supervisor dropped root; only holders of this detached mount's
	 * descriptor, that is this module, can reach it. */
	if (mkdirat(v->scratch, "s", 0555) || mkdirat(v->scratch, "f", 0700) ||
	    mkdirat(v->scratch, "l", 0777) ||
	    fchmodat(v->scratch, "s", 0555, 0) ||
	    fchmodat(v->scratch, "l", 0777, 0))
		return neg_errno();
	v->view = ro_clone(v->scratch, "", AT_EMPTY_PATH);
	return v->view < 0 ? v->view : 0;
}

/* Opens a bind's source: the configuration is trusted, so symlinks in
 * SOURCE are followed; what it names must be a directory or a file. The
 * descriptor is the root of a read-only clone of it. */
static int open_bind(struct mount *m)
{
	struct stat st;

	m->fd = ro_clone(AT_FDCWD, m->source, 0);
	if (m->fd < 0)
		return m->fd;
	if (fstat(m->fd, &st))
		return neg_errno();
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return -EACCES;
	m->is_dir = S_ISDIR(st.st_mode);
	if (!m->is_dir && has_globs(m))
		return -EINVAL;
	return 0;
}

/* Refuses a host node that is not the expected character device. */
static int open_device(struct mount *m)
{
	static const unsigned int minors[] = {
		[VFS_DEV_NULL] = 3,
		[VFS_DEV_ZERO] = 5,
		[VFS_DEV_URANDOM] = 9,
	};
	struct stat st;

	m->fd = open(dev_paths[m->dev], O_PATH | O_CLOEXEC);
	if (m->fd < 0)
		return neg_errno();
	if (fstat(m->fd, &st))
		return neg_errno();
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 ||
	    minor(st.st_rdev) != (unsigned int)minors[m->dev])
		return -ENODEV;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return neg_errno();
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int open_inline(struct vfs *v, struct mount *m, size_t idx)
{
	char name[32];
	int fd, r;

	snprintf(name, sizeof(name), "f/%zu", idx);
	fd = openat(v->scratch, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return neg_errno();
	r = write_all(fd, m->data, m->len);
	if (!r && fchmod(fd, m->mode))
		r = neg_errno();
	close(fd);
	if (r)
		return r;
	m->fd = sys_openat2(v->view, name, O_PATH, 0, BENEATH);
	return m->fd < 0 ? m->fd : 0;
}

static int open_mount(struct vfs *v, struct mount *m, size_t idx)
{
	switch (m->kind) {
	case VFS_BIND:
		return open_bind(m);
	case VFS_FILE:
		return open_inline(v, m, idx);
	case VFS_DEVICE:
		return open_device(m);
	case VFS_TMPFS:
		/* +1: the root directory takes an inode too. */
		m->fd = new_tmpfs(m->max_bytes,
				  m->max_files + 1 + m->extra_inodes, "0777");
		return m->fd < 0 ? m->fd : 0;
	default:
		return 0;
	}
}

static bool dir_like(const struct mount *m)
{
	return m->kind == VFS_TMPFS || m->kind == VFS_HOST ||
	       (m->kind == VFS_BIND && m->is_dir);
}

/* The longest mount strictly above M, or NULL. */
static struct mount *parent_mount(const struct vfs *v, const struct mount *m,
				  const char **rel)
{
	struct mount *best = NULL;
	const char *r;
	size_t i;

	for (i = 0; i < v->n; i++) {
		struct mount *p = v->mounts[i];

		if (p == m || !covers(p, m->target, &r) || !*r)
			continue;
		if (!best || p->tlen > best->tlen) {
			best = p;
			*rel = r;
		}
	}
	return best;
}

static bool same_prefix(const char *a, const char *b, size_t len)
{
	return strncmp(a, b, len) == 0 && (a[len] == '/' || a[len] == '\0');
}

/* How many component prefixes of RELS[I] none of RELS[0..I) has. */
static uint64_t new_prefixes(const char *const *rels, size_t i)
{
	const char *r = rels[i];
	uint64_t count = 0;
	size_t end, j;

	for (end = 1;; end++) {
		if (r[end] != '/' && r[end] != '\0')
			continue;
		for (j = 0; j < i && !same_prefix(rels[j], r, end); j++)
			;
		count += j == i;
		if (r[end] == '\0')
			return count;
	}
}

/* Placeholders tmpfs P will hold: one per distinct directory or mount
 * point on the way to the mounts nested directly in it. */
static uint64_t count_placeholders(const struct vfs *v, const struct mount *p)
{
	const char *rels[VFS_MAX_MOUNTS];
	uint64_t count = 0;
	size_t i, n = 0;

	for (i = 0; i < v->n; i++)
		if (parent_mount(v, v->mounts[i], &rels[n]) == p)
			n++;
	for (i = 0; i < n; i++)
		count += new_prefixes(rels, i);
	return count;
}

/* Mounts may nest only inside directories; a tmpfs gets an inode more per
 * placeholder, so the jail's file quota stays what the parent asked. */
static int check_nesting(struct vfs *v, const char **bad)
{
	const char *rel;
	size_t i;

	for (i = 0; i < v->n; i++) {
		struct mount *m = v->mounts[i];
		struct mount *p = parent_mount(v, m, &rel);

		if (m->kind == VFS_TMPFS)
			m->extra_inodes = count_placeholders(v, m);
		if (p && !dir_like(p)) {
			*bad = m->target;
			return -ENOTDIR;
		}
	}
	return 0;
}

/* Creates the directories of REL beneath DIRFD and, unless it is "",
 * REL itself as a directory (AS_DIR) or an empty file. */
static int make_node(int dirfd, const char *rel, bool as_dir, mode_t dmode)
{
	char buf[PATH_MAX];
	size_t i, len = strlen(rel);
	int r;

	memcpy(buf, rel, len + 1);
	for (i = 0; i < len; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		r = mkdirat(dirfd, buf, dmode);
		if (r && errno != EEXIST)
			return neg_errno();
		if (!r && fchmodat(dirfd, buf, dmode, 0))
			return neg_errno();
		buf[i] = '/';
	}
	if (!len)
		return 0;
	if (as_dir)
		r = mkdirat(dirfd, buf, dmode);
	else
		r = mknodat(dirfd, buf, S_IFREG | (dmode & 0444), 0);
	if (r && errno != EEXIST)
		return neg_errno();
	if (!r && fchmodat(dirfd, buf, as_dir ? dmode : dmode & 0444, 0))
		return neg_errno();
	return 0;
}

static int build_skeleton(struct vfs *v, const char **bad)
{
	char rel[PATH_MAX + 2];
	const char *prel;
	size_t i;
	int r;

	for (i = 0; i < v->n; i++) {
		struct mount *m = v->mounts[i];
		struct mount *p = parent_mount(v, m, &prel);

		snprintf(rel, sizeof(rel), "s%s", m->tlen > 1 ? m->target : "");
		r = make_node(v->scratch, rel, dir_like(m), 0555);
		/* Mode 0777 like the tmpfs root: the jail may create files
		 * there whichever uid the supervisor has by then. */
		if (!r && p && p->kind == VFS_TMPFS)
			r = make_node(p->fd, prel, dir_like(m), 0777);
		if (r) {
			*bad = m->target;
			return r;
		}
	}
	return 0;
}

/* Reopening through /proc is how every read-only open works: prove it
 * once here rather than fail on the jail's first open. */
static int probe_proc(const struct vfs *v)
{
	int fd = reopen(v->scratch, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int open_mounts(struct vfs *v, bool tmpfs, const char **bad)
{
	size_t i;
	int r;

	for (i = 0; i < v->n; i++) {
		struct mount *m = v->mounts[i];

		if ((m->kind == VFS_TMPFS) != tmpfs)
			continue;
		r = open_mount(v, m, i);
		if (r) {
			*bad = m->target;
			return r;
		}
	}
	return 0;
}

bool vfs_finalized(const struct vfs *v)
{
	return v && v->final;
}

int vfs_finalize(struct vfs *v, const char **bad_target)
{
	const char *bad = NULL;
	int r;

	if (bad_target)
		*bad_target = NULL;
	if (!v || v->final || v->scratch >= 0)
		return -EINVAL;

	r = make_scratch(v);
	if (!r)
		r = probe_proc(v);
	if (!r)
		r = open_mounts(v, false, &bad);
	if (!r)
		r = check_nesting(v, &bad);
	if (!r)
		r = open_mounts(v, true, &bad);
	if (!r)
		r = build_skeleton(v, &bad);

	if (r) {
		if (bad_target)
			*bad_target = bad;
		return r;
	}
	v->final = true;
	return 0;
}

/* ---- resolving a path to an O_PATH descriptor ------------------------- */

static bool is_tmpfs(const struct where *w)
{
	return w->m && w->m->kind == VFS_TMPFS;
}

static int ready(const struct vfs *v, const char *path)
{
	if (!v || !v->final)
		return -EINVAL;
	return check_path(path);
}

/* Locates PATH; paths served by the parent are not ours (VFS_EHOST). */
static int front(const struct vfs *v, const char *path, struct where *w)
{
	int r = ready(v, path);

	if (r)
		return r;
	locate(v, path, w);
	if (w->m && w->m->kind == VFS_HOST)
		return VFS_EHOST;
	return 0;
}

/*
 * Finds the first symlink on REL beneath tmpfs ROOT, opening one component
 * at a time and following none. Returns true with the symlink's target in
 * TARGET (PATH_MAX bytes) and the component's bounds in REL in *START and
 * *END; false when there is none (before the last component only, unless
 * FOLLOW_LAST) or the walk failed: the jail changed its tmpfs meanwhile.
 */
static bool first_link(int root, const char *rel, bool follow_last,
		       size_t *start, size_t *end, char *target)
{
	char name[NAME_MAX + 1];
	int dir = root, fd = -1;
	struct stat st;
	size_t i, n = 0;
	ssize_t len = -1;

	for (i = 0; rel[i]; i += n + (rel[i + n] == '/')) {
		n = strcspn(rel + i, "/");
		if (!rel[i + n] && !follow_last)
			break;
		memcpy(name, rel + i, n);
		name[n] = '\0';
		fd = sys_openat2(dir, name, O_PATH | O_NOFOLLOW, 0,
				 BENEATH | RESOLVE_NO_SYMLINKS);
		if (dir != root)
			close(dir);
		dir = root;
		if (fd < 0 || fstat(fd, &st))
			break;
		if (S_ISLNK(st.st_mode)) {
			len = readlinkat(fd, "", target, PATH_MAX - 1);
			break;
		}
		dir = fd;
		fd = -1;
	}
	close_keep_errno(fd);
	if (dir != root)
		close(dir);
	if (len <= 0)
		return false;
	target[len] = '\0';
	*start = i;
	*end = i + n;
	return true;
}

/* Does symlink TARGET (not empty) end in "/" or "/.", or is it "."? */
static bool names_dir(const char *target)
{
	size_t n = strlen(target);

	return target[n - 1] == '/' ||
	       (target[n - 1] == '.' && (n == 1 || target[n - 2] == '/'));
}

/*
 * Symlinks in a tmpfs are the jail's own and their targets are sandbox
 * paths: "/tmp/d/f" or "../../etc/x" mean what they mean to the jail, not
 * to the host nor to the tmpfs alone. The kernel cannot resolve them
 * beneath the tmpfs root (openat2 says EXDEV), so the first symlink on W's
 * path is read here, spliced with the rest of the path, and W located
 * again from the sandbox root: the mount table, the globs and every check
 * then apply to the spliced path as if the jail had written it. The jail
 * may change its tmpfs meanwhile; whatever it does, what is finally
 * opened went through this module's usual rules. A symlink in the last
 * component is followed only when FOLLOW_LAST. At most MAX_LINKS splices
 * per lookup (-ELOOP, and a walk finding nothing counts as one), a
 * spliced path of PATH_MAX bytes or more is -ENAMETOOLONG, and one
 * leading into a host mount -EACCES (the parent serves those by name).
 */
static int follow_link(const struct vfs *v, struct where *w, bool follow_last)
{
	char target[PATH_MAX], spliced[3 * PATH_MAX + 2], norm[PATH_MAX];
	unsigned int links = w->links + 1;
	size_t start, end, plen;
	bool dir;
	int r;

	if (!is_tmpfs(w))
		return -EACCES;
	if (links > MAX_LINKS)
		return -ELOOP;
	w->links = links;
	if (!first_link(w->m->fd, w->rel, follow_last, &start, &end, target))
		return 0;

	/* A final symlink to "d/" or "d/." names a directory, as "d/" the
	 * jail writes (normalizing drops that): ENOTDIR for anything else. */
	dir = w->dir || (!w->rel[end] && names_dir(target));

	/* A relative target starts from the symlink's directory. */
	plen = target[0] == '/' ? 0 : (size_t)(w->rel - w->path) + start;
	snprintf(spliced, sizeof(spliced), "%.*s/%s%s", (int)plen, w->path,
		 target, w->rel + end);
	r = vfs_normalize(NULL, spliced, norm);
	if (r)
		return r;
	memcpy(w->buf, norm, strlen(norm) + 1);
	locate(v, w->buf, w);
	w->links = links;
	w->dir = dir;
	return w->m && w->m->kind == VFS_HOST ? -EACCES : 0;
}

static int synth_fd(const struct vfs *v, const char *path, int oflags)
{
	char p[PATH_MAX + 2];

	snprintf(p, sizeof(p), "s%s", path);
	return sys_openat2(v->view, p, O_PATH | (oflags & O_DIRECTORY), 0,
			   BENEATH);
}

/* File, device and file-bind mounts name one non-directory. */
static int object_fd(const struct mount *m, const char *rel, int oflags)
{
	if (*rel || (oflags & O_DIRECTORY))
		return -ENOTDIR;
	return reopen(m->fd, O_PATH);
}

static int bind_fd(const struct mount *m, const char *rel, int oflags)
{
	struct stat st;
	int fd, r;

	if (!m->is_dir)
		return object_fd(m, rel, oflags);
	fd = beneath(m->fd, rel, O_PATH | (oflags & PATH_KEEP), 0);

	/* A hidden name fails like a missing one, whatever the kernel said
	 * (ENOTDIR, EACCES, ELOOP would tell that it exists). */
	if (fd < 0 && has_globs(m) && !visible(m, rel, false))
		return -ENOENT;
	if (fd < 0 || !has_globs(m))
		return fd;
	r = fstat(fd, &st) ? neg_errno() : check_globs(m, rel, fd, &st);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

static int mount_fd(const struct where *w, int oflags)
{
	switch (w->m->kind) {
	case VFS_BIND:
		return bind_fd(w->m, w->rel, oflags);
	case VFS_FILE:
	case VFS_DEVICE:
		return object_fd(w->m, w->rel, oflags);
	case VFS_TMPFS:
		return tmpfs_beneath(w->m->fd, w->rel,
				     O_PATH | (oflags & PATH_KEEP), 0);
	default:
		return VFS_EHOST;
	}
}

/*
 * O_PATH descriptor of what W, located, names (OFLAGS: O_NOFOLLOW,
 * O_DIRECTORY); W ends on the path finally resolved. A directory between
 * a bind and a mount nested in it, which the bind itself lacks, is served
 * from the skeleton; W then has no mount.
 */
static int lookup_at(const struct vfs *v, struct where *w, int oflags)
{
	int fd;

	for (;;) {
		if (w->dir)
			oflags |= O_DIRECTORY;
		if (!w->m)
			return w->synth ? synth_fd(v, w->path, oflags)
					: -ENOENT;
		fd = mount_fd(w, oflags);
		if (fd == -ENOENT && w->synth && w->m->kind == VFS_BIND) {
			w->m = NULL;
			return synth_fd(v, w->path, oflags);
		}
		if (fd != -EXDEV)
			return fd;
		fd = follow_link(v, w, !(oflags & O_NOFOLLOW));
		if (fd)
			return fd;
	}
}

static int lookup_fd(const struct vfs *v, const char *path, int oflags,
		     struct where *w)
{
	int fd = front(v, path, w);

	return fd ? fd : lookup_at(v, w, oflags);
}

/* Errno for creating PATH where nothing is: EROFS when its parent is a
 * directory (of a read-only mount), else why the parent is unusable. */
static int create_errno(const struct vfs *v, const char *path)
{
	char parent[PATH_MAX];
	struct where w;
	int fd;

	parent_path(path, parent);
	fd = lookup_fd(v, parent, O_DIRECTORY, &w);
	if (fd < 0)
		return fd;
	close(fd);
	return -EROFS;
}

int vfs_stat(struct vfs *v, const char *path, int at_flags, struct stat *st)
{
	struct where w;
	int fd, r;

	if (!st || (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)))
		return -EINVAL;
	fd = lookup_fd(v, path,
		       (at_flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0, &w);
	if (fd < 0)
		return fd;
	r = fstat(fd, st) ? neg_errno() : 0;
	close(fd);
	return r;
}

static bool is_urandom(const struct where *w)
{
	return w->m && w->m->kind == VFS_DEVICE && w->m->dev == VFS_DEV_URANDOM;
}

static bool writable(const struct where *w)
{
	return is_tmpfs(w) ||
	       (w->m && w->m->kind == VFS_DEVICE && !is_urandom(w));
}

/* Bind mounts hold only files, directories and symlinks the jail may
 * use; not even an O_PATH descriptor of anything else reaches it. */
static bool bind_refuses(const struct where *w, const struct stat *st)
{
	return w->m && w->m->kind == VFS_BIND && !S_ISREG(st->st_mode) &&
	       !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode);
}

int vfs_access(struct vfs *v, const char *path, int mode)
{
	struct where w;
	struct stat st;
	int fd, r;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	fd = lookup_fd(v, path, 0, &w);
	if (fd < 0)
		return fd;

	r = fstat(fd, &st) ? neg_errno() : 0;
	if (!r && mode && bind_refuses(&w, &st))
		r = -EACCES;
	else if (!r && (mode & W_OK) && !writable(&w))
		r = is_urandom(&w) ? -EACCES : -EROFS;
	else if (!r && faccessat(fd, "", mode, AT_EMPTY_PATH | AT_EACCESS))
		r = neg_errno();
	close(fd);
	return r;
}

ssize_t vfs_readlink(struct vfs *v, const char *path, char *buf, size_t size)
{
	struct where w;
	struct stat st;
	ssize_t n;
	int fd;

	if (!buf || size == 0 || size > SSIZE_MAX)
		return -EINVAL;
	fd = lookup_fd(v, path, O_NOFOLLOW, &w);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st))
		n = neg_errno();
	else if (!S_ISLNK(st.st_mode))
		n = -EINVAL;
	else if ((n = readlinkat(fd, "", buf, size)) < 0)
		n = neg_errno();
	close(fd);
	return n;
}

/* ---- listings of glob-filtered bind directories ----------------------- */

static unsigned char entry_type(DIR *dp, const struct dirent *e)
{
	struct stat st;

	if (e->d_type != DT_UNKNOWN)
		return e->d_type;
	if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
		return DT_REG;
	return S_ISDIR(st.st_mode)   ? DT_DIR
	       : S_ISLNK(st.st_mode) ? DT_LNK
				     : DT_REG;
}

/* Only names and types matter: the jail reads the listing with getdents64
 * and reaches every entry by path, through the supervisor again. */
static int add_entry(int lfd, const char *name, unsigned char type)
{
	int r;

	if (type == DT_DIR)
		r = mkdirat(lfd, name, 0555);
	else if (type == DT_LNK)
		r = symlinkat(".", lfd, name);
	else
		r = mknodat(lfd, name, S_IFREG | 0444, 0);
	return r ? neg_errno() : 0;
}

static int fill_listing(struct vfs *v, const struct mount *m, const char *rel,
			DIR *dp, int lfd, unsigned long *count)
{
	char sub[PATH_MAX];
	struct dirent *e;
	unsigned char t;
	int r;

	for (errno = 0; (e = readdir(dp)); errno = 0) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		t = entry_type(dp, e);
		r = snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			     e->d_name);
		if (r < 0 || (size_t)r >= sizeof(sub))
			continue;
		if (!visible(m, sub, t == DT_DIR))
			continue;
		if (*count >= VFS_MAX_LIST_ENTRIES)
			return -EOVERFLOW;
		if (v->listed >= VFS_MAX_LISTED)
			return -ENFILE;
		r = add_entry(lfd, e->d_name, t);
		if (r)
			return r;
		(*count)++;
		v->listed++;
	}
	return errno ? neg_errno() : 0;
}

/* Removes a listing directory (its entries are empty). */
static void drop_listing(const struct vfs *v, const char *name)
{
	struct dirent *e;
	DIR *dp;
	int fd;

	fd = sys_openat2(v->scratch, name, O_RDONLY | O_DIRECTORY, 0, BENEATH);
	dp = fd < 0 ? NULL : fdopendir(fd);
	if (!dp) {
		close_keep_errno(fd);
		return;
	}
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(fd, e->d_name,
				 e->d_type == DT_DIR ? AT_REMOVEDIR : 0);
	closedir(dp);
	unlinkat(v->scratch, name, AT_REMOVEDIR);
}

static int build_listing(struct vfs *v, const struct mount *m, const char *rel,
			 int dirfd_path, const char *name)
{
	unsigned long count = 0;
	DIR *dp = NULL;
	int fd, lfd, r;

	if (mkdirat(v->scratch, name, 0755))
		return neg_errno();
	lfd = sys_openat2(v->scratch, name, O_PATH | O_DIRECTORY, 0, BENEATH);
	fd = reopen(dirfd_path, O_RDONLY | O_DIRECTORY);
	if (fd >= 0)
		dp = fdopendir(fd);
	r = lfd < 0 ? lfd : fd < 0 ? fd : !dp ? neg_errno() : 0;
	if (!r)
		r = fill_listing(v, m, rel, dp, lfd, &count);
	if (!r && fchmodat(v->scratch, name, 0555, 0))
		r = neg_errno();

	if (dp)
		closedir(dp);
	else if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	if (r) {
		v->listed -= count;
		drop_listing(v, name);
	}
	return r;
}

/* Listings are built once per directory and kept: the jail may hold a
 * descriptor on one, so it cannot be rebuilt in place. */
static int listing_open(struct vfs *v, const struct mount *m, const char *rel,
			int dirfd_path, int flags)
{
	char name[32];
	size_t i;
	int r;

	for (i = 0; i < v->nlists; i++)
		if (v->lists[i].m == m && !strcmp(v->lists[i].rel, rel))
			break;
	snprintf(name, sizeof(name), "l/%zu", i);
	if (i == v->nlists) {
		if (i == VFS_MAX_LISTINGS)
			return -ENFILE;
		r = build_listing(v, m, rel, dirfd_path, name);
		if (r)
			return r;
		v->lists[i].rel = strdup(rel);
		if (!v->lists[i].rel) {
			drop_listing(v, name);
			return -ENOMEM;
		}
		v->lists[i].m = m;
		v->nlists++;
	}
	return sys_openat2(v->view, name,
			   O_RDONLY | O_DIRECTORY | (flags & O_NONBLOCK), 0,
			   BENEATH);
}

/* ---- vfs_open --------------------------------------------------------- */

/* The kernel's O_LARGEFILE; glibc defines O_LARGEFILE as 0 on x86-64,
 * but the raw flags of the jail's syscall may carry this bit. */
#define KERNEL_O_LARGEFILE 0100000

/* Validates FLAGS as open(2) would and strips what the supervisor sets
 * itself or what has no meaning here. */
static int clean_flags(int flags, int *out)
{
	flags &= ~(KERNEL_O_LARGEFILE | O_LARGEFILE);
	if (flags & ~OPEN_KNOWN)
		return -EINVAL;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	flags &= ~(O_CLOEXEC | O_NOCTTY | O_NOATIME | O_ASYNC);
	if (flags & O_PATH)
		flags &= PATH_KEEP;
	if (is_tmpfile(flags) && (flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	*out = flags;
	return 0;
}

/* open(2) checks on an existing object of a read-only mount, in the
 * kernel's order. */
static int ro_check(const struct where *w, const struct stat *st, int flags)
{
	bool dir = S_ISDIR(st->st_mode);

	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (S_ISLNK(st->st_mode))
		return (flags & O_PATH) ? 0 : -ELOOP;
	if (flags & O_PATH)
		return 0;
	if (is_tmpfile(flags))
		return -EROFS;
	if (dir && (wants_write(flags) || (flags & O_CREAT)))
		return -EISDIR;
	if (wants_write(flags) && !writable(w))
		return is_urandom(w) ? -EACCES : -EROFS;
	return 0;
}

static int ro_reopen(struct vfs *v, const struct where *w, int fd,
		     const struct stat *st, int flags)
{
	if (!w->m)
		return reopen(fd,
			      O_RDONLY | O_DIRECTORY | (flags & O_NONBLOCK));
	if (w->m->kind == VFS_DEVICE)
		return reopen(fd, flags & (O_ACCMODE | O_NONBLOCK | O_APPEND));
	if (bind_refuses(w, st))
		return -EACCES;
	if (S_ISDIR(st->st_mode) && w->m->kind == VFS_BIND && has_globs(w->m))
		return listing_open(v, w->m, w->rel, fd, flags);
	return reopen(fd, flags & RO_KEEP);
}

/* Does open(2) with FLAGS follow a symlink in the last component? */
static bool follows_last(int flags)
{
	/* O_CREAT | O_EXCL never follows a final symlink. */
	return !(flags & O_NOFOLLOW) &&
	       (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
}

static int ro_open(struct vfs *v, struct where *w, int flags)
{
	int oflags = flags & O_DIRECTORY;
	struct stat st;
	int fd, r;

	if (!follows_last(flags))
		oflags |= O_NOFOLLOW;
	fd = lookup_at(v, w, oflags);
	if (fd == -ENOENT && (flags & O_CREAT))
		return create_errno(v, w->path);
	if (fd < 0)
		return fd;

	r = fstat(fd, &st) ? neg_errno() : ro_check(w, &st, flags);
	if (!r && (flags & O_PATH) && !bind_refuses(w, &st))
		return fd;
	if (!r && (flags & O_PATH))
		r = -EACCES;
	else if (!r)
		r = ro_reopen(v, w, fd, &st, flags);
	close(fd);
	return r;
}

int vfs_open(struct vfs *v, const char *path, int flags, mode_t mode)
{
	return vfs_open_resolved(v, path, flags, mode, NULL);
}

int vfs_open_resolved(struct vfs *v, const char *path, int flags, mode_t mode,
		      char *resolved)
{
	struct where w;
	int r;

	r = front(v, path, &w);
	if (!r && resolved)
		snprintf(resolved, PATH_MAX, "%s", w.path);
	if (!r)
		r = clean_flags(flags, &flags);
	if (r)
		return r;

	while (is_tmpfs(&w)) {
		if (w.dir && (flags & O_CREAT))
			return -EISDIR;
		if (w.dir)
			flags |= O_DIRECTORY;
		r = tmpfs_beneath(
			w.m->fd, w.rel,
			flags & ((flags & O_PATH) ? PATH_KEEP : RW_KEEP), mode);
		if (r != -EXDEV)
			return r;
		r = follow_link(v, &w, follows_last(flags));
		if (r)
			return r;
		if (resolved)
			snprintf(resolved, PATH_MAX, "%s", w.path);
	}
	if (w.dir && (flags & O_CREAT))
		return -EISDIR;
	return ro_open(v, &w, flags);
}

/* ---- changing the tree ------------------------------------------------ */

enum tree_op {
	OP_MKDIR,
	OP_RMDIR,
	OP_UNLINK,
	OP_SYMLINK,
};

/*
 * The kernel's answer on a read-only mount: creating an existing name is
 * EEXIST and a missing parent ENOENT before EROFS; removing checks only
 * the parent before EROFS (do_rmdir()/do_unlinkat() take write access to
 * the mount before looking up the last component).
 */
static int ro_tree_errno(struct vfs *v, const char *path, enum tree_op op)
{
	struct where w;
	int fd;

	if (!path[1])
		return op == OP_RMDIR	 ? -EBUSY
		       : op == OP_UNLINK ? -EISDIR
					 : -EEXIST;
	if (op == OP_RMDIR || op == OP_UNLINK)
		return create_errno(v, path);
	fd = lookup_fd(v, path, O_NOFOLLOW, &w);
	if (fd == -ENOENT)
		return create_errno(v, path);
	if (fd < 0)
		return fd;
	close(fd);
	return -EEXIST;
}

/* Runs OP on the last component of W's path, inside its tmpfs. The parent
 * is resolved beneath the tmpfs root (-EXDEV: through a symlink leading
 * out, for follow_link()); the *at() call then touches one name in it and
 * follows no symlink. */
static int tmpfs_tree(const struct where *w, enum tree_op op, mode_t mode,
		      const char *target)
{
	char dir[PATH_MAX];
	const char *name = split_rel(w->rel, dir);
	int pfd, r = 0;

	pfd = tmpfs_beneath(w->m->fd, dir, O_PATH | O_DIRECTORY, 0);
	if (pfd < 0)
		return pfd;
	switch (op) {
	case OP_MKDIR:
		r = mkdirat(pfd, name, mode & 07777);
		break;
	case OP_RMDIR:
		r = unlinkat(pfd, name, AT_REMOVEDIR);
		break;
	case OP_UNLINK:
		r = unlinkat(pfd, name, 0);
		break;
	case OP_SYMLINK:
		r = symlinkat(target, pfd, name);
		break;
	}
	r = r ? neg_errno() : 0;
	close(pfd);
	return r;
}

/* Mount points and their ancestors stay put, like the kernel's EBUSY. The
 * last component is the name acted on: symlinks are followed before it. */
static int tree_op(struct vfs *v, const char *path, enum tree_op op,
		   mode_t mode, const char *target)
{
	struct where w;
	int r = front(v, path, &w);

	while (!r) {
		if (!is_tmpfs(&w))
			return ro_tree_errno(v, w.path, op);
		if (!*w.rel)
			return op == OP_RMDIR	 ? -EBUSY
			       : op == OP_UNLINK ? -EISDIR
						 : -EEXIST;
		if ((op == OP_RMDIR || op == OP_UNLINK) && is_pinned(v, w.path))
			return -EBUSY;
		r = tmpfs_tree(&w, op, mode, target);
		if (r != -EXDEV)
			return r;
		r = follow_link(v, &w, false);
	}
	return r;
}

int vfs_mkdir(struct vfs *v, const char *path, mode_t mode)
{
	return tree_op(v, path, OP_MKDIR, mode, NULL);
}

int vfs_rmdir(struct vfs *v, const char *path)
{
	return tree_op(v, path, OP_RMDIR, 0, NULL);
}

int vfs_unlink(struct vfs *v, const char *path)
{
	return tree_op(v, path, OP_UNLINK, 0, NULL);
}

int vfs_symlink(struct vfs *v, const char *target, const char *linkpath)
{
	if (!target)
		return -EINVAL;
	if (!*target)
		return -ENOENT;
	if (strnlen(target, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	return tree_op(v, linkpath, OP_SYMLINK, 0, target);
}

/* Opens the parent of W's path in its tmpfs, following the jail's
 * symlinks on the way, which may lead W to another mount (-EROFS if that
 * is no tmpfs: the caller compares the mounts first). */
static int rename_parent(const struct vfs *v, struct where *w, char *dir,
			 const char **name)
{
	int fd;

	while (is_tmpfs(w)) {
		*name = split_rel(w->rel, dir);
		fd = tmpfs_beneath(w->m->fd, dir, O_PATH | O_DIRECTORY, 0);
		if (fd != -EXDEV)
			return fd;
		fd = follow_link(v, w, false);
		if (fd)
			return fd;
	}
	return -EROFS;
}

int vfs_rename(struct vfs *v, const char *from, const char *to,
	       unsigned int flags)
{
	char da[PATH_MAX], db[PATH_MAX];
	const char *na, *nb;
	struct where a, b;
	int pa, pb, r;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	r = ready(v, from);
	if (!r)
		r = ready(v, to);
	if (r)
		return r;
	locate(v, from, &a);
	locate(v, to, &b);
	pa = rename_parent(v, &a, da, &na);
	pb = rename_parent(v, &b, db, &nb);

	if (a.m != b.m)
		r = -EXDEV;
	else if (a.m && a.m->kind == VFS_HOST)
		r = VFS_EHOST;
	else if (!is_tmpfs(&a))
		r = -EROFS;
	else if (is_pinned(v, a.path) || is_pinned(v, b.path))
		r = -EBUSY;
	else
		r = pa < 0 ? pa : pb < 0 ? pb : 0;
	if (!r && renameat2(pa, na, pb, nb, flags))
		r = neg_errno();
	close_keep_errno(pa);
	close_keep_errno(pb);
	return r;
}

/* Resolves PATH for a change of its inode's data or metadata: the object
 * must exist (errors as stat(2)); *RW tells whether it may change. */
static int change_fd(struct vfs *v, const char *path, int oflags,
		     struct stat *st, bool *rw)
{
	struct where w;
	int fd;

	fd = lookup_fd(v, path, oflags, &w);
	if (fd < 0)
		return fd;
	if (fstat(fd, st)) {
		close_keep_errno(fd);
		return neg_errno();
	}
	*rw = is_tmpfs(&w);
	return fd;
}

int vfs_truncate(struct vfs *v, const char *path, off_t length)
{
	struct stat st;
	int fd, wfd, r;
	bool rw;

	if (length < 0)
		return -EINVAL;
	fd = change_fd(v, path, 0, &st, &rw);
	if (fd < 0)
		return fd;
	r = S_ISDIR(st.st_mode)	   ? -EISDIR
	    : !S_ISREG(st.st_mode) ? -EINVAL
	    : !rw		   ? -EROFS
				   : 0;
	wfd = r ? r : reopen(fd, O_WRONLY);
	close(fd);
	if (wfd < 0)
		return wfd;
	r = ftruncate(wfd, length) ? neg_errno() : 0;
	close(wfd);
	return r;
}

int vfs_chmod(struct vfs *v, const char *path, mode_t mode)
{
	char p[PROC_FD_LEN];
	struct stat st;
	int fd, r;
	bool rw;

	fd = change_fd(v, path, 0, &st, &rw);
	if (fd < 0)
		return fd;
	/* fchmod() refuses O_PATH descriptors; the magic link does not. */
	proc_fd_path(p, fd);
	r = !rw ? -EROFS : chmod(p, mode & 07777) ? neg_errno() : 0;
	close(fd);
	return r;
}

int vfs_utimens(struct vfs *v, const char *path, const struct timespec ts[2],
		int at_flags)
{
	struct stat st;
	int fd, r;
	bool rw;

	if (at_flags & ~AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	fd = change_fd(v, path,
		       (at_flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0, &st,
		       &rw);
	if (fd < 0)
		return fd;
	r = !rw					   ? -EROFS
	    : utimensat(fd, "", ts, AT_EMPTY_PATH) ? neg_errno()
						   : 0;
	close(fd);
	return r;
}

/* ---- queries for the supervisor ---------------------------------------- */

enum vfs_kind vfs_lookup(struct vfs *v, const char *path, const char **target,
			 char *rel)
{
	struct where w;

	if (target)
		*target = NULL;
	if (rel)
		rel[0] = '\0';
	if (!v || check_path(path))
		return VFS_NONE;
	locate(v, path, &w);
	if (!w.m)
		return w.synth ? VFS_SYNTHETIC : VFS_NONE;
	if (target)
		*target = w.m->target;
	if (rel)
		strcpy(rel, w.rel);
	return w.m->kind;
}

bool vfs_is_tmpfs_file(struct vfs *v, dev_t dev)
{
	struct stat st;
	size_t i;

	for (i = 0; v && v->final && i < v->n; i++)
		if (v->mounts[i]->kind == VFS_TMPFS &&
		    fstat(v->mounts[i]->fd, &st) == 0 && st.st_dev == dev)
			return true;
	return false;
}

int vfs_tmpfs_root(struct vfs *v, const char *path, char *rel)
{
	struct where w;
	int r = ready(v, path);

	if (r)
		return r;
	locate(v, path, &w);
	if (!w.m)
		return -ENOENT;
	if (w.m->kind != VFS_TMPFS)
		return -ENOTDIR;
	if (rel)
		strcpy(rel, w.rel);
	return w.m->fd;
}
