/* SPDX-License-Identifier: MIT */
/*
 * check_vfs.c - the child's virtual filesystem (child/vfs.c).
 *
 * Every test builds its own host tree in a temporary directory and its own
 * struct vfs (Check's fork mode: one process per test). Run as root, or as
 * any user: main() then enters a new user and mount namespace, as the
 * supervisor does, so that fsopen("tmpfs") is allowed.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "vfs.h"

#define TIMEOUT 20

static int host_root; /* really root, not just in our user namespace */
static char dir[64];
static struct vfs *V;

/* ---- host fixtures ---------------------------------------------------- */

static void put(const char *rel, const char *content)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void put_dir(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

static void put_link(const char *target, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	ck_assert_int_eq(symlink(target, p), 0);
}

static void put_socket(const char *rel)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(s, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, rel);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	close(s);
}

/*
 * dir/ a.py b.txt secret/key sub/c.py sub/deep/d.py fifo sock
 *      in -> a.py   abs -> /etc/passwd   up -> ../../../../etc/passwd
 *      todir -> sub   alias.py -> secret/key   dotdot -> sub/../a.py
 */
static void make_tree(void)
{
	char p[PATH_MAX];

	put("a.py", "print('a')\n");
	put("b.txt", "b\n");
	put_dir("secret");
	put("secret/key", "k\n");
	put_dir("sub");
	put("sub/c.py", "c\n");
	put_dir("sub/deep");
	put("sub/deep/d.py", "d\n");
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	put_socket("sock");
	put_link("a.py", "in");
	put_link("/etc/passwd", "abs");
	put_link("../../../../../../../../etc/passwd", "up");
	put_link("sub", "todir");
	put_link("secret/key", "alias.py");
	put_link("sub/../a.py", "dotdot");
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return remove(p);
}

static int chown_one(const char *p, const struct stat *st, int type,
		     struct FTW *f)
{
	return lchown(p, 65534, 65534);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_vfs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_tree();
	V = vfs_new();
	ck_assert_ptr_nonnull(V);
}

static void teardown(void)
{
	vfs_free(V);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The usual configuration most tests use. */
static void standard(void)
{
	static const char *const inc[] = {"*.py", "sub/deep/*.py", "alias.py",
					  "secret", NULL};
	static const char *const exc[] = {"secret", NULL};
	static const char data[] = "inline bytes\n";
	const char *bad = "unset";

	ck_assert_int_eq(vfs_add_bind(V, dir, "/usr/lib/app", NULL, NULL), 0);
	ck_assert_int_eq(vfs_add_bind(V, dir, "/glob", inc, exc), 0);
	ck_assert_int_eq(
		vfs_add_file(V, "/etc/f", data, sizeof(data) - 1, 0640), 0);
	ck_assert_int_eq(vfs_add_tmpfs(V, "/tmp", 1 << 20, 100), 0);
	ck_assert_int_eq(vfs_add_tmpfs(V, "/tmp2", 1 << 20, 100), 0);
	ck_assert_int_eq(vfs_add_file(V, "/tmp/sub/f.py", "x", 1, 0444), 0);
	ck_assert_int_eq(vfs_add_device(V, "/dev/null", VFS_DEV_NULL), 0);
	ck_assert_int_eq(vfs_add_device(V, "/dev/zero", VFS_DEV_ZERO), 0);
	ck_assert_int_eq(vfs_add_device(V, "/dev/urandom", VFS_DEV_URANDOM), 0);
	ck_assert_int_eq(vfs_add_host(V, "/host"), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	ck_assert_ptr_null(bad);
}

/* ---- helpers ---------------------------------------------------------- */

static void expect_open(const char *path, int flags, int err)
{
	int fd = vfs_open(V, path, flags, 0644);

	if (fd >= 0)
		close(fd);
	ck_assert_msg(fd == err, "open %.80s: got %d (%s), want %d", path, fd,
		      fd < 0 ? strerror(-fd) : "fd", err);
}

static int must_open(const char *path, int flags)
{
	int fd = vfs_open(V, path, flags, 0644);

	ck_assert_msg(fd >= 0, "open %.80s: %s", path, strerror(-fd));
	return fd;
}

static void expect_content(const char *path, const char *want)
{
	char buf[256];
	int fd = must_open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
	close(fd);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted "name" list of directory PATH; "/" after directories, "@" after
 * symlinks, read with readdir on the descriptor vfs_open() returned. */
static void expect_list(const char *path, const char *want)
{
	char *names[64], out[1024] = "";
	struct dirent *e;
	size_t n = 0, i;
	DIR *dp;

	dp = fdopendir(must_open(path, O_RDONLY | O_DIRECTORY));
	ck_assert_ptr_nonnull(dp);
	while ((e = readdir(dp)) && n < 64) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		ck_assert_int_ge(asprintf(&names[n++], "%s%s", e->d_name,
					  e->d_type == DT_DIR	? "/"
					  : e->d_type == DT_LNK ? "@"
								: ""),
				 0);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		strcat(out, i ? "," : "");
		strcat(out, names[i]);
		free(names[i]);
	}
	ck_assert_msg(!strcmp(out, want), "list %s: got \"%s\", want \"%s\"",
		      path, out, want);
}

static void expect_rc(int got, int want, const char *what)
{
	ck_assert_msg(got == want, "%s: got %d (%s), want %d (%s)", what, got,
		      strerror(got < 0 ? -got : 0), want,
		      strerror(want < 0 ? -want : 0));
}

/* ---- vfs_normalize ---------------------------------------------------- */

struct norm_case {
	const char *cwd, *path, *out;
	int rc;
};

static const struct norm_case norm_cases[] = {
	{NULL, "/", "/", 0},
	{NULL, "//", "/", 0},
	{NULL, "/..", "/", 0},
	{NULL, "/../..", "/", 0},
	{NULL, "/.", "/", 0},
	{NULL, "/a//b///c", "/a/b/c", 0},
	{NULL, "/a/./b/.", "/a/b", 0},
	{NULL, "/a/b/", "/a/b", 0},
	{NULL, "/a/b/..", "/a", 0},
	{NULL, "/a/../../b", "/b", 0},
	{NULL, "/a/..b/.c", "/a/..b/.c", 0},
	{NULL, "/...", "/...", 0},
	{"/home/u", "x/y", "/home/u/x/y", 0},
	{"/home/u", ".", "/home/u", 0},
	{"/home/u", "..", "/home", 0},
	{"/home/u", "../../../..", "/", 0},
	{"/home/u/", "./x/", "/home/u/x", 0},
	{"/", "a", "/a", 0},
	{"/home/u", "/abs", "/abs", 0},
	{NULL, "", NULL, -ENOENT},
	{"/x", "", NULL, -ENOENT},
	{NULL, "rel", NULL, -EINVAL},
	{"relcwd", "rel", NULL, -EINVAL},
};

START_TEST(normalize_table)
{
	const struct norm_case *c = &norm_cases[_i];
	char out[PATH_MAX];
	int rc = vfs_normalize(c->cwd, c->path, out);

	ck_assert_msg(rc == c->rc, "case %d \"%s\": rc %d", _i, c->path, rc);
	if (c->out)
		ck_assert_str_eq(out, c->out);
}
END_TEST

START_TEST(normalize_lengths)
{
	static char path[2 * PATH_MAX], cwd[PATH_MAX], out[PATH_MAX];
	size_t i;

	/* NAME_MAX is fine, one more is not. */
	path[0] = '/';
	memset(path + 1, 'n', NAME_MAX);
	path[NAME_MAX + 1] = '\0';
	ck_assert_int_eq(vfs_normalize(NULL, path, out), 0);
	path[NAME_MAX + 1] = 'n';
	path[NAME_MAX + 2] = '\0';
	ck_assert_int_eq(vfs_normalize(NULL, path, out), -ENAMETOOLONG);

	/* PATH_MAX - 1 bytes fit (a collapsing path), PATH_MAX do not. */
	for (i = 0; i < PATH_MAX - 1; i++)
		path[i] = i % 2 ? 'a' : '/';
	path[PATH_MAX - 2] = 'b';
	path[PATH_MAX - 1] = '\0';
	ck_assert_int_eq(vfs_normalize(NULL, path, out), 0);
	ck_assert_uint_eq(strlen(out), PATH_MAX - 1);
	ck_assert_str_eq(out, path);
	path[PATH_MAX - 1] = 'c';
	path[PATH_MAX] = '\0';
	ck_assert_int_eq(vfs_normalize(NULL, path, out), -ENAMETOOLONG);

	/* A long cwd plus a long relative path overflows... */
	for (i = 0; i < PATH_MAX - 1; i++)
		cwd[i] = i % 2 ? 'c' : '/';
	cwd[PATH_MAX - 1] = '\0';
	ck_assert_int_eq(vfs_normalize(cwd, "x/y", out), -ENAMETOOLONG);
	/* ...unless ".." brings it back within bounds. */
	ck_assert_int_eq(vfs_normalize(cwd, "../../x", out), 0);
	ck_assert_uint_eq(strlen(out), strlen(cwd) - 1 - 4 + 2);
}
END_TEST

/* ---- configuration ---------------------------------------------------- */

START_TEST(config_errors)
{
	static const char *const slash[] = {"/abs", NULL};
	const char *many[VFS_MAX_GLOBS + 2];
	const char *bad;
	char t[32];
	int i;

	for (i = 0; i <= VFS_MAX_GLOBS; i++)
		many[i] = "*";
	many[VFS_MAX_GLOBS + 1] = NULL;
	ck_assert_int_eq(vfs_add_tmpfs(V, "rel", 1, 1), -EINVAL);
	ck_assert_int_eq(vfs_add_tmpfs(V, "/t", 0, 1), -EINVAL);
	ck_assert_int_eq(vfs_add_tmpfs(V, "/t", 1, 0), -EINVAL);
	ck_assert_int_eq(vfs_add_bind(V, dir, "/b", slash, NULL), -EINVAL);
	ck_assert_int_eq(vfs_add_bind(V, dir, "/b", many, NULL), -E2BIG);
	ck_assert_int_eq(vfs_add_file(V, "/f", NULL, 3, 0644), -EINVAL);
	ck_assert_int_eq(vfs_add_file(V, "/f", "", VFS_MAX_FILE_BYTES + 1, 0),
			 -EFBIG);
	ck_assert_int_eq(vfs_add_device(V, "/d", (enum vfs_device)7), -EINVAL);
	for (i = 0; i < VFS_MAX_MOUNTS; i++) {
		snprintf(t, sizeof(t), "/m/%d", i);
		ck_assert_int_eq(vfs_add_host(V, t), 0);
	}
	ck_assert_int_eq(vfs_add_host(V, "/one/more"), -E2BIG);
	/* The same target replaces, so it still fits. */
	ck_assert_int_eq(vfs_add_host(V, "/m/0/"), 0);
	ck_assert_int_eq(vfs_open(V, "/m/0", O_RDONLY, 0), -EINVAL);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	ck_assert_int_eq(vfs_add_host(V, "/late"), -EINVAL);
	ck_assert_int_eq(vfs_finalize(V, &bad), -EINVAL);
}
END_TEST

START_TEST(finalize_missing_source)
{
	char src[PATH_MAX];
	const char *bad = NULL;

	snprintf(src, sizeof(src), "%s/nonexistent", dir);
	ck_assert_int_eq(vfs_add_tmpfs(V, "/tmp", 4096, 4), 0);
	ck_assert_int_eq(vfs_add_bind(V, src, "/data", NULL, NULL), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), -ENOENT);
	ck_assert_str_eq(bad, "/data");
}
END_TEST

START_TEST(finalize_refuses_fifo_source_and_nesting)
{
	static const char *const inc[] = {"*", NULL};
	char src[PATH_MAX];
	const char *bad = NULL;
	struct vfs *w;

	snprintf(src, sizeof(src), "%s/fifo", dir);
	ck_assert_int_eq(vfs_add_bind(V, src, "/p", NULL, NULL), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), -EACCES);
	ck_assert_str_eq(bad, "/p");

	w = vfs_new();
	ck_assert_int_eq(vfs_add_file(w, "/f", "x", 1, 0644), 0);
	ck_assert_int_eq(vfs_add_file(w, "/f/g", "x", 1, 0644), 0);
	ck_assert_int_eq(vfs_finalize(w, &bad), -ENOTDIR);
	ck_assert_str_eq(bad, "/f/g");
	vfs_free(w);

	w = vfs_new();
	snprintf(src, sizeof(src), "%s/a.py", dir);
	ck_assert_int_eq(vfs_add_bind(w, src, "/a.py", inc, NULL), 0);
	ck_assert_int_eq(vfs_finalize(w, &bad), -EINVAL);
	ck_assert_str_eq(bad, "/a.py");
	vfs_free(w);
}
END_TEST

/* "/a/a/.../a" of LEN bytes. */
static const char *long_path(size_t len)
{
	static char p[PATH_MAX + 2];
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = i % 2 ? 'a' : '/';
	if (len % 2 == 1)
		p[len - 1] = 'b';
	p[len] = '\0';
	return p;
}

START_TEST(path_lengths)
{
	char long_name[NAME_MAX + 3];

	standard();
	long_name[0] = '/';
	memset(long_name + 1, 'x', NAME_MAX + 1);
	long_name[NAME_MAX + 2] = '\0';
	expect_open(long_name, O_RDONLY, -ENAMETOOLONG);
	expect_rc(vfs_mkdir(V, long_name, 0755), -ENAMETOOLONG, "mkdir");
	long_name[NAME_MAX + 1] = '\0';
	expect_open(long_name, O_RDONLY, -ENOENT);
	expect_open(long_path(PATH_MAX - 1), O_RDONLY, -ENOENT);
	expect_open(long_path(PATH_MAX), O_RDONLY, -ENAMETOOLONG);
	expect_rc(vfs_symlink(V, long_path(PATH_MAX), "/tmp/l"), -ENAMETOOLONG,
		  "symlink");
}
END_TEST

/* ---- every errno, as data --------------------------------------------- */

enum op {
	OPEN,
	STAT,
	ACCESS,
	READLINK,
	MKDIR,
	RMDIR,
	UNLINK,
	SYMLINK,
	RENAME,
	TRUNCATE,
	CHMOD,
	UTIMENS,
};

static const char *const op_names[] = {
	"open",	  "stat",    "access", "readlink", "mkdir", "rmdir",
	"unlink", "symlink", "rename", "truncate", "chmod", "utimens",
};

/* OP on PATH with ARG (open flags, stat/utimens at_flags, access mode,
 * rename flags, truncate length); PATH2 is the rename destination or the
 * symlink target. WANT is 0 or -errno. */
struct op_case {
	enum op op;
	const char *path;
	int arg;
	const char *path2;
	int want;
};

#define APP	 "/usr/lib/app"
#define NOFOLLOW AT_SYMLINK_NOFOLLOW

static const struct op_case op_cases[] = {
	/* Paths must be normalized; flags must be valid. */
	{OPEN, "tmp", O_RDONLY, NULL, -EINVAL},
	{OPEN, "/tmp/", O_RDONLY, NULL, -EINVAL},
	{OPEN, "/tmp//file", O_RDONLY, NULL, -EINVAL},
	{OPEN, "/tmp/./file", O_RDONLY, NULL, -EINVAL},
	{OPEN, "/tmp/../etc/f", O_RDONLY, NULL, -EINVAL},
	{OPEN, APP "/../../../etc/passwd", O_RDONLY, NULL, -EINVAL},
	{OPEN, "/etc/f", 0x40000000, NULL, -EINVAL},
	{OPEN, "/etc/f", O_ACCMODE, NULL, -EINVAL},
	{OPEN, "/tmp/x", O_RDWR | O_CREAT | O_DIRECTORY, NULL, -EINVAL},
	{OPEN, "/tmp", O_RDONLY | O_TMPFILE, NULL, -EINVAL},
	{OPEN, "/etc/f", O_RDONLY | O_CLOEXEC | O_NOATIME, NULL, 0},
	{OPEN, "/etc/f", O_RDONLY | 0100000 /* kernel O_LARGEFILE */, NULL, 0},
	{STAT, "/etc/f", AT_EMPTY_PATH, NULL, -EINVAL},
	{ACCESS, "/etc/f", 8, NULL, -EINVAL},
	{UTIMENS, "/tmp/file", AT_EMPTY_PATH, NULL, -EINVAL},
	{RENAME, "/tmp/file", 4 /* RENAME_WHITEOUT */, "/tmp/x", -EINVAL},
	{TRUNCATE, "/tmp/file", -1, NULL, -EINVAL},

	/* Synthetic directories: read-only, they exist. */
	{OPEN, "/usr", O_RDONLY | O_DIRECTORY, NULL, 0},
	{OPEN, "/usr", O_PATH, NULL, 0},
	{OPEN, "/usr", O_WRONLY, NULL, -EISDIR},
	{OPEN, "/usr", O_RDONLY | O_TRUNC, NULL, -EISDIR},
	{OPEN, "/usr", O_RDONLY | O_CREAT, NULL, -EISDIR},
	{OPEN, "/usr", O_RDONLY | O_CREAT | O_EXCL, NULL, -EEXIST},
	{OPEN, "/usr", O_RDWR | O_TMPFILE, NULL, -EROFS},
	{OPEN, "/nope", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/tmpx", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/nope", O_WRONLY | O_CREAT, NULL, -EROFS},
	{OPEN, "/nope/x", O_WRONLY | O_CREAT, NULL, -ENOENT},
	{MKDIR, "/", 0, NULL, -EEXIST},
	{MKDIR, "/usr", 0, NULL, -EEXIST},
	{MKDIR, "/new", 0, NULL, -EROFS},
	{MKDIR, "/no/new", 0, NULL, -ENOENT},
	{RMDIR, "/", 0, NULL, -EBUSY},
	{RMDIR, "/usr", 0, NULL, -EROFS},
	{UNLINK, "/", 0, NULL, -EISDIR},
	{UNLINK, "/usr", 0, NULL, -EROFS},
	{SYMLINK, "/usr/l", 0, "x", -EROFS},
	{CHMOD, "/usr", 0, NULL, -EROFS},
	{CHMOD, "/gone", 0, NULL, -ENOENT},
	{UTIMENS, "/usr", 0, NULL, -EROFS},
	{TRUNCATE, "/usr", 0, NULL, -EISDIR},
	{RENAME, "/usr", 0, "/usr2", -EROFS},
	{ACCESS, "/usr", W_OK, NULL, -EROFS},
	{ACCESS, "/usr", R_OK | X_OK, NULL, 0},
	{ACCESS, "/gone", F_OK, NULL, -ENOENT},
	{READLINK, "/usr", 0, NULL, -EINVAL},

	/* Inline files: read-only. */
	{OPEN, "/etc/f", O_RDONLY | O_CREAT, NULL, 0},
	{OPEN, "/etc/f", O_RDONLY | O_NOFOLLOW, NULL, 0},
	{OPEN, "/etc/f", O_PATH, NULL, 0},
	{OPEN, "/etc/f", O_RDWR, NULL, -EROFS},
	{OPEN, "/etc/f", O_WRONLY, NULL, -EROFS},
	{OPEN, "/etc/f", O_RDONLY | O_TRUNC, NULL, -EROFS},
	{OPEN, "/etc/f", O_RDONLY | O_CREAT | O_EXCL, NULL, -EEXIST},
	{OPEN, "/etc/f", O_RDONLY | O_DIRECTORY, NULL, -ENOTDIR},
	{OPEN, "/etc/f/x", O_RDONLY, NULL, -ENOTDIR},
	{ACCESS, "/etc/f", W_OK, NULL, -EROFS},
	{ACCESS, "/etc/f", R_OK, NULL, 0},
	{TRUNCATE, "/etc/f", 0, NULL, -EROFS},
	{MKDIR, "/etc/f", 0, NULL, -EEXIST},
	{UNLINK, "/etc/f", 0, NULL, -EROFS},
	{RENAME, "/etc/f", 0, "/tmp/f", -EXDEV},

	/* Binds: read-only, Linux's order of checks. */
	{OPEN, APP "/a.py", O_RDONLY | O_CREAT, NULL, 0},
	{OPEN, APP "/a.py", O_WRONLY, NULL, -EROFS},
	{OPEN, APP "/a.py", O_RDWR | O_APPEND, NULL, -EROFS},
	{OPEN, APP "/a.py", O_RDONLY | O_TRUNC, NULL, -EROFS},
	{OPEN, APP "/new", O_WRONLY | O_CREAT, NULL, -EROFS},
	{OPEN, APP "/no/new", O_WRONLY | O_CREAT, NULL, -ENOENT},
	{OPEN, APP "/a.py/new", O_WRONLY | O_CREAT, NULL, -ENOTDIR},
	{OPEN, APP "/a.py", O_RDONLY | O_CREAT | O_EXCL, NULL, -EEXIST},
	{OPEN, APP "/in", O_RDONLY | O_CREAT | O_EXCL, NULL, -EEXIST},
	{OPEN, APP "/abs", O_RDONLY | O_CREAT | O_EXCL, NULL, -EEXIST},
	{OPEN, APP "/sub", O_WRONLY, NULL, -EISDIR},
	{OPEN, APP "/sub", O_RDWR | O_TMPFILE, NULL, -EROFS},
	{OPEN, APP "/a.py", O_RDONLY | O_DIRECTORY, NULL, -ENOTDIR},
	{OPEN, APP "/a.py/x", O_RDONLY, NULL, -ENOTDIR},
	{OPEN, APP "/missing", O_RDONLY, NULL, -ENOENT},
	{OPEN, APP "/in", O_RDONLY | O_NOFOLLOW, NULL, -ELOOP},
	{OPEN, APP "/in", O_PATH | O_NOFOLLOW, NULL, 0},
	{OPEN, APP "/todir", O_RDONLY | O_DIRECTORY, NULL, 0},
	{MKDIR, APP "/sub", 0, NULL, -EEXIST},
	{MKDIR, APP "/new", 0, NULL, -EROFS},
	{RMDIR, APP "/sub", 0, NULL, -EROFS},
	{RMDIR, APP "", 0, NULL, -EROFS},
	{UNLINK, APP "/a.py", 0, NULL, -EROFS},
	{UNLINK, APP "/no/x", 0, NULL, -ENOENT},
	{SYMLINK, APP "/in", 0, "a.py", -EEXIST},
	{RENAME, APP "/a.py", 0, APP "/z", -EROFS},
	{RENAME, APP "/a.py", 0, "/tmp/z", -EXDEV},
	{TRUNCATE, APP "/a.py", 0, NULL, -EROFS},
	{TRUNCATE, APP "/sub", 0, NULL, -EISDIR},
	{CHMOD, APP "/a.py", 0, NULL, -EROFS},
	{UTIMENS, APP "/a.py", 0, NULL, -EROFS},
	{ACCESS, APP "/a.py", W_OK, NULL, -EROFS},
	{ACCESS, APP "/a.py", R_OK, NULL, 0},
	{ACCESS, APP "/a.py", X_OK, NULL, -EACCES},
	{READLINK, APP "/a.py", 0, NULL, -EINVAL},
	{READLINK, APP "/in", 0, NULL, 0},

	/* Binds: symlinks out of the root, special files. */
	{OPEN, APP "/abs", O_RDONLY, NULL, -EACCES},
	{OPEN, APP "/up", O_RDONLY, NULL, -EACCES},
	{STAT, APP "/abs", 0, NULL, -EACCES},
	{STAT, APP "/up", NOFOLLOW, NULL, 0},
	{ACCESS, APP "/up", F_OK, NULL, -EACCES},
	{READLINK, APP "/abs", 0, NULL, 0},
	{OPEN, APP "/fifo", O_RDONLY, NULL, -EACCES},
	{OPEN, APP "/fifo", O_RDONLY | O_NONBLOCK, NULL, -EACCES},
	{OPEN, APP "/fifo", O_WRONLY, NULL, -EROFS},
	{OPEN, APP "/fifo", O_PATH, NULL, -EACCES},
	{OPEN, APP "/sock", O_PATH, NULL, -EACCES},
	{OPEN, APP "/sock", O_RDONLY, NULL, -EACCES},
	{STAT, APP "/fifo", 0, NULL, 0},
	{ACCESS, APP "/fifo", R_OK, NULL, -EACCES},
	{ACCESS, APP "/fifo", F_OK, NULL, 0},
	{TRUNCATE, APP "/fifo", 0, NULL, -EINVAL},

	/* Globs: hidden names do not exist. */
	{OPEN, "/glob/a.py", O_RDONLY, NULL, 0},
	{OPEN, "/glob/sub/deep/d.py", O_RDONLY, NULL, 0},
	{OPEN, "/glob/sub", O_RDONLY | O_DIRECTORY, NULL, 0},
	{OPEN, "/glob/b.txt", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/glob/sub/c.py", O_RDONLY, NULL, 0}, /* "*" matches "/" */
	{OPEN, "/glob/secret", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/glob/secret/key", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/glob/alias.py", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/glob/b.txt", O_RDONLY | O_CREAT, NULL, -EROFS},
	{STAT, "/glob/b.txt", 0, NULL, -ENOENT},
	{STAT, "/glob/alias.py", NOFOLLOW, NULL, 0},
	{ACCESS, "/glob/b.txt", F_OK, NULL, -ENOENT},
	{READLINK, "/glob/in", 0, NULL, -ENOENT},

	/* Devices. */
	{OPEN, "/dev/null", O_RDWR, NULL, 0},
	{OPEN, "/dev/zero", O_RDWR | O_TRUNC, NULL, 0},
	{OPEN, "/dev/urandom", O_RDONLY, NULL, 0},
	{OPEN, "/dev/urandom", O_WRONLY, NULL, -EACCES},
	{OPEN, "/dev/null", O_RDONLY | O_DIRECTORY, NULL, -ENOTDIR},
	{OPEN, "/dev/null/x", O_RDONLY, NULL, -ENOTDIR},
	{OPEN, "/dev/null", O_WRONLY | O_CREAT | O_EXCL, NULL, -EEXIST},
	{OPEN, "/dev/tty", O_RDWR, NULL, -ENOENT},
	{ACCESS, "/dev/null", R_OK | W_OK, NULL, 0},
	{ACCESS, "/dev/urandom", W_OK, NULL, -EACCES},
	{TRUNCATE, "/dev/null", 0, NULL, -EINVAL},
	{CHMOD, "/dev/null", 0, NULL, -EROFS},
	{UNLINK, "/dev/null", 0, NULL, -EROFS},

	/* tmpfs: what the kernel says; symlinks leading out of the tmpfs are
	 * followed from the sandbox root (/etc/passwd is not in it). */
	{OPEN, "/tmp/file", O_RDWR, NULL, 0},
	{OPEN, "/tmp/in", O_RDWR | O_APPEND, NULL, 0},
	{OPEN, "/tmp/in", O_PATH | O_NOFOLLOW, NULL, 0},
	{OPEN, "/tmp/file", O_WRONLY | O_CREAT | O_EXCL, NULL, -EEXIST},
	{OPEN, "/tmp/file/x", O_RDONLY, NULL, -ENOTDIR},
	{OPEN, "/tmp/file", O_RDONLY | O_DIRECTORY, NULL, -ENOTDIR},
	{OPEN, "/tmp/nope", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/tmp/nope/x", O_WRONLY | O_CREAT, NULL, -ENOENT},
	{OPEN, "/tmp", O_RDONLY | O_CREAT, NULL, -EISDIR},
	{OPEN, "/tmp/dir", O_WRONLY, NULL, -EISDIR},
	{OPEN, "/tmp/abs", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/tmp/up", O_RDONLY, NULL, -ENOENT},
	{OPEN, "/tmp/abs", O_WRONLY | O_CREAT, NULL, -EROFS},
	{OPEN, "/tmp/abs", O_RDONLY | O_NOFOLLOW, NULL, -ELOOP},
	{OPEN, "/tmp/abs", O_PATH | O_NOFOLLOW, NULL, 0},
	{STAT, "/tmp/abs", 0, NULL, -ENOENT},
	{STAT, "/tmp/abs", NOFOLLOW, NULL, 0},
	{ACCESS, "/tmp/up", F_OK, NULL, -ENOENT},
	{OPEN, "/tmp/loop", O_RDONLY, NULL, -ELOOP},
	{OPEN, "/tmp/in", O_RDONLY | O_NOFOLLOW, NULL, -ELOOP},
	{MKDIR, "/tmp", 0, NULL, -EEXIST},
	{MKDIR, "/tmp/dir", 0, NULL, -EEXIST},
	{MKDIR, "/tmp/x/y", 0, NULL, -ENOENT},
	{MKDIR, "/tmp/file/x", 0, NULL, -ENOTDIR},
	{MKDIR, "/tmp/sub/f.py", 0, NULL, -EEXIST},
	{RMDIR, "/tmp/empty", 0, NULL, 0},
	{RMDIR, "/tmp/dir", 0, NULL, -ENOTEMPTY},
	{RMDIR, "/tmp/dir/f", 0, NULL, -ENOTDIR},
	{RMDIR, "/tmp/nope", 0, NULL, -ENOENT},
	{RMDIR, "/tmp", 0, NULL, -EBUSY},
	{RMDIR, "/tmp/sub", 0, NULL, -EBUSY},
	{UNLINK, "/tmp/file", 0, NULL, 0},
	{UNLINK, "/tmp/abs", 0, NULL, 0},
	{UNLINK, "/tmp/dir", 0, NULL, -EISDIR},
	{UNLINK, "/tmp/dir/nope", 0, NULL, -ENOENT},
	{UNLINK, "/tmp", 0, NULL, -EISDIR},
	{UNLINK, "/tmp/sub/f.py", 0, NULL, -EROFS},
	{SYMLINK, "/tmp/new", 0, "anything", 0},
	{SYMLINK, "/tmp/in", 0, "file", -EEXIST},
	{SYMLINK, "/tmp/e", 0, "", -ENOENT},
	{SYMLINK, "/tmp/nope/e", 0, "x", -ENOENT},
	{RENAME, "/tmp/file", 0, "/tmp/dir/f", 0},
	{RENAME, "/tmp/empty", RENAME_EXCHANGE, "/tmp/file", 0},
	{RENAME, "/tmp/file", RENAME_NOREPLACE, "/tmp/in", -EEXIST},
	{RENAME, "/tmp/file", 0, "/tmp/dir", -EISDIR},
	{RENAME, "/tmp/empty", 0, "/tmp/dir", -ENOTEMPTY},
	{RENAME, "/tmp/dir", 0, "/tmp/dir/x", -EINVAL},
	{RENAME, "/tmp/nope", 0, "/tmp/x", -ENOENT},
	{RENAME, "/tmp/sub", 0, "/tmp/s2", -EBUSY},
	{RENAME, "/tmp/empty", 0, "/tmp/sub", -EBUSY},
	{RENAME, "/tmp", 0, "/tmp/x", -EBUSY},
	{RENAME, "/tmp/file", 0, "/tmp2/x", -EXDEV},
	{RENAME, "/tmp/file", 0, "/x", -EXDEV},
	{TRUNCATE, "/tmp/file", 3, NULL, 0},
	{TRUNCATE, "/tmp/dir", 0, NULL, -EISDIR},
	{TRUNCATE, "/tmp/up", 0, NULL, -ENOENT},
	{CHMOD, "/tmp/file", 0, NULL, 0},
	{CHMOD, "/tmp/abs", 0, NULL, -ENOENT},
	{UTIMENS, "/tmp/abs", NOFOLLOW, NULL, 0},
	{UTIMENS, "/tmp/abs", 0, NULL, -ENOENT},
	{ACCESS, "/tmp/file", R_OK | W_OK, NULL, 0},
	{READLINK, "/tmp/abs", 0, NULL, 0},
	{READLINK, "/tmp/file", 0, NULL, -EINVAL},

	/* Host mounts are the supervisor's. */
	{OPEN, "/host", O_RDONLY, NULL, VFS_EHOST},
	{OPEN, "/host/m.py", O_RDONLY, NULL, VFS_EHOST},
	{STAT, "/host/m.py", 0, NULL, VFS_EHOST},
	{MKDIR, "/host/d", 0, NULL, VFS_EHOST},
	{RENAME, "/host/a", 0, "/host/b", VFS_EHOST},
	{RENAME, "/tmp/file", 0, "/host/b", -EXDEV},
};

/* tmpfs content the cases above expect in /tmp. */
static void populate_tmp(void)
{
	int fd = must_open("/tmp/file", O_WRONLY | O_CREAT);

	ck_assert_int_eq(write(fd, "hello", 5), 5);
	close(fd);
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/dir", 0755), 0);
	close(must_open("/tmp/dir/f", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/empty", 0755), 0);
	ck_assert_int_eq(vfs_symlink(V, "file", "/tmp/in"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/etc/passwd", "/tmp/abs"), 0);
	ck_assert_int_eq(vfs_symlink(V, "../../../etc/passwd", "/tmp/up"), 0);
	ck_assert_int_eq(vfs_symlink(V, "loop", "/tmp/loop"), 0);
}

static int run_op(const struct op_case *c)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;
	int r;

	switch (c->op) {
	case OPEN:
		r = vfs_open(V, c->path, c->arg, 0644);
		if (r >= 0)
			close(r);
		return r < 0 ? r : 0;
	case STAT:
		return vfs_stat(V, c->path, c->arg, &st);
	case ACCESS:
		return vfs_access(V, c->path, c->arg);
	case READLINK:
		n = vfs_readlink(V, c->path, buf, sizeof(buf));
		return n < 0 ? (int)n : 0;
	case MKDIR:
		return vfs_mkdir(V, c->path, 0755);
	case RMDIR:
		return vfs_rmdir(V, c->path);
	case UNLINK:
		return vfs_unlink(V, c->path);
	case SYMLINK:
		return vfs_symlink(V, c->path2, c->path);
	case RENAME:
		return vfs_rename(V, c->path, c->path2, (unsigned int)c->arg);
	case TRUNCATE:
		return vfs_truncate(V, c->path, c->arg);
	case CHMOD:
		return vfs_chmod(V, c->path, 0600);
	default:
		return vfs_utimens(V, c->path, NULL, c->arg);
	}
}

START_TEST(errno_table)
{
	const struct op_case *c = &op_cases[_i];
	int got;

	standard();
	populate_tmp();
	got = run_op(c);
	ck_assert_msg(got == c->want, "case %d: %s %s: got %d (%s), want %d",
		      _i, op_names[c->op], c->path, got,
		      got < 0 ? strerror(-got) : "ok", c->want);
}
END_TEST

/* ---- synthetic directories -------------------------------------------- */

START_TEST(synthetic_listings)
{
	standard();
	expect_list("/", "dev/,etc/,glob/,host/,tmp/,tmp2/,usr/");
	expect_list("/usr", "lib/");
	expect_list("/usr/lib", "app/");
	expect_list("/dev", "null,urandom,zero");
	expect_list("/etc", "f");
}
END_TEST

START_TEST(lookup_kinds)
{
	const char *t;
	char rel[PATH_MAX];

	standard();
	ck_assert_int_eq(vfs_lookup(V, "/", &t, rel), VFS_SYNTHETIC);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(vfs_lookup(V, "/usr/lib", &t, rel), VFS_SYNTHETIC);
	ck_assert_int_eq(vfs_lookup(V, "/usr/lib/app/sub/c.py", &t, rel),
			 VFS_BIND);
	ck_assert_str_eq(t, "/usr/lib/app");
	ck_assert_str_eq(rel, "sub/c.py");
	ck_assert_int_eq(vfs_lookup(V, "/tmp", &t, rel), VFS_TMPFS);
	ck_assert_str_eq(rel, "");
	ck_assert_int_eq(vfs_lookup(V, "/tmp/sub/f.py", &t, rel), VFS_FILE);
	ck_assert_int_eq(vfs_lookup(V, "/dev/zero", &t, rel), VFS_DEVICE);
	ck_assert_int_eq(vfs_lookup(V, "/host/mod/x.py", &t, rel), VFS_HOST);
	ck_assert_str_eq(t, "/host");
	ck_assert_str_eq(rel, "mod/x.py");
	ck_assert_int_eq(vfs_lookup(V, "/hostile", &t, rel), VFS_NONE);
	ck_assert_int_eq(vfs_lookup(V, "/tmpx", &t, rel), VFS_NONE);
	ck_assert_int_eq(vfs_lookup(V, "/tmp/", &t, rel), VFS_NONE);
}
END_TEST

/* ---- inline files ----------------------------------------------------- */

START_TEST(inline_file)
{
	char a[8], b[8];
	struct stat st;
	int fa, fb;

	standard();
	fa = must_open("/etc/f", O_RDONLY);
	fb = must_open("/etc/f", O_RDONLY | O_CREAT);
	ck_assert_int_eq(read(fa, a, 6), 6);
	ck_assert_int_eq(read(fb, b, 6), 6);
	ck_assert_int_eq(memcmp(a, "inline", 6), 0);
	ck_assert_int_eq(memcmp(b, "inline", 6), 0);
	ck_assert_int_eq(write(fa, "x", 1), -1);
	ck_assert_int_eq(errno, EBADF);
	close(fa);
	close(fb);

	ck_assert_int_eq(vfs_stat(V, "/etc/f", 0, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_size, 13);
	expect_open("/etc/f", O_RDWR, -EROFS);
	expect_open("/etc/f", O_WRONLY, -EROFS);
	expect_open("/etc/f", O_RDONLY | O_TRUNC, -EROFS);
	expect_open("/etc/f", O_RDONLY | O_CREAT | O_EXCL, -EEXIST);
	expect_open("/etc/f", O_RDONLY | O_DIRECTORY, -ENOTDIR);
	expect_open("/etc/f/x", O_RDONLY, -ENOTDIR);
	expect_rc(vfs_access(V, "/etc/f", W_OK), -EROFS, "access W_OK");
	expect_rc(vfs_access(V, "/etc/f", R_OK), 0, "access R_OK");
	expect_rc(vfs_truncate(V, "/etc/f", 0), -EROFS, "truncate");
	expect_rc(vfs_mkdir(V, "/etc/f", 0755), -EEXIST, "mkdir");
}
END_TEST

/* ---- binds ------------------------------------------------------------ */

START_TEST(bind_reads_and_lists)
{
	struct stat st;
	char buf[64];

	standard();
	expect_content("/usr/lib/app/a.py", "print('a')\n");
	expect_content("/usr/lib/app/sub/deep/d.py", "d\n");
	expect_content("/usr/lib/app/in", "print('a')\n");
	expect_content("/usr/lib/app/todir/c.py", "c\n");
	expect_content("/usr/lib/app/dotdot", "print('a')\n");
	expect_list("/usr/lib/app/sub", "c.py,deep/");
	ck_assert_int_eq(
		vfs_stat(V, "/usr/lib/app/in", AT_SYMLINK_NOFOLLOW, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(vfs_stat(V, "/usr/lib/app/in", 0, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(vfs_readlink(V, "/usr/lib/app/in", buf, sizeof(buf)),
			 4);
	ck_assert_int_eq(memcmp(buf, "a.py", 4), 0);
	expect_rc((int)vfs_readlink(V, "/usr/lib/app/a.py", buf, sizeof(buf)),
		  -EINVAL, "readlink file");
	expect_rc((int)vfs_readlink(V, "/usr/lib/app/in", buf, 0), -EINVAL,
		  "readlink size 0");
}
END_TEST

/* Opening a FIFO would block, a device could have side effects: both are
 * refused before any open, so these return at once. */
START_TEST(bind_refuses_special_files)
{
	struct stat st;
	char p[PATH_MAX];
	const char *bad;

	ck_assert_int_eq(vfs_add_bind(V, dir, "/b", NULL, NULL), 0);
	ck_assert_int_eq(vfs_add_bind(V, "/dev", "/hostdev", NULL, NULL), 0);
	if (host_root) {
		snprintf(p, sizeof(p), "%s/chr", dir);
		ck_assert_int_eq(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
	}
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);

	expect_open("/b/fifo", O_RDONLY, -EACCES);
	expect_open("/b/fifo", O_RDONLY | O_NONBLOCK, -EACCES);
	expect_open("/b/sock", O_RDONLY, -EACCES);
	expect_open("/hostdev/null", O_RDONLY, -EACCES);
	expect_open("/hostdev/null", O_WRONLY, -EROFS);
	if (host_root)
		expect_open("/b/chr", O_RDONLY, -EACCES);
	ck_assert_int_eq(vfs_stat(V, "/b/fifo", 0, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	expect_rc(vfs_access(V, "/b/fifo", R_OK), -EACCES, "access fifo");
	expect_rc(vfs_access(V, "/b/fifo", F_OK), 0, "access fifo F_OK");
	expect_rc(vfs_access(V, "/hostdev/null", R_OK), -EACCES, "access dev");
}
END_TEST

START_TEST(bind_of_a_file)
{
	char p[PATH_MAX];
	const char *bad;

	snprintf(p, sizeof(p), "%s/a.py", dir);
	ck_assert_int_eq(vfs_add_bind(V, p, "/main.py", NULL, NULL), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	expect_content("/main.py", "print('a')\n");
	expect_open("/main.py", O_WRONLY, -EROFS);
	expect_open("/main.py/x", O_RDONLY, -ENOTDIR);
	expect_list("/", "main.py");
}
END_TEST

START_TEST(bind_globs)
{
	struct stat st;

	standard();
	expect_list("/glob", "a.py,alias.py@,sub/");
	expect_list("/glob/sub", "c.py,deep/");
	expect_list("/glob/sub/deep", "d.py");
	expect_content("/glob/a.py", "print('a')\n");
	expect_content("/glob/sub/deep/d.py", "d\n");
	expect_open("/glob/b.txt", O_RDONLY, -ENOENT);
	expect_content("/glob/sub/c.py", "c\n"); /* "*" matches "/" */
	expect_open("/glob/secret/key", O_RDONLY, -ENOENT);
	expect_open("/glob/secret", O_RDONLY, -ENOENT);
	/* A symlink may not expose an excluded file. */
	expect_open("/glob/alias.py", O_RDONLY, -ENOENT);
	expect_rc(vfs_stat(V, "/glob/b.txt", 0, &st), -ENOENT, "stat b.txt");
	expect_rc(vfs_stat(V, "/glob/sub", 0, &st), 0, "stat sub");
	expect_rc(vfs_stat(V, "/glob/alias.py", AT_SYMLINK_NOFOLLOW, &st), 0,
		  "lstat alias");
	expect_rc(vfs_access(V, "/glob/b.txt", F_OK), -ENOENT, "access");
	expect_open("/glob/b.txt", O_RDONLY | O_CREAT, -EROFS);
	/* The same listing is served again, from the cache. */
	expect_list("/glob", "a.py,alias.py@,sub/");
}
END_TEST

START_TEST(listing_is_bounded)
{
	static const char *const inc[] = {"big", "big/*", NULL};
	char p[PATH_MAX];
	const char *bad;
	int i, fd;

	put_dir("big");
	for (i = 0; i < VFS_MAX_LIST_ENTRIES; i++) {
		snprintf(p, sizeof(p), "%s/big/%d", dir, i);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	ck_assert_int_eq(vfs_add_bind(V, dir, "/g", inc, NULL), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	close(must_open("/g/big", O_RDONLY | O_DIRECTORY));

	snprintf(p, sizeof(p), "%s/big/one-more", dir);
	close(open(p, O_WRONLY | O_CREAT | O_EXCL, 0644));
	vfs_free(V);
	V = vfs_new();
	ck_assert_int_eq(vfs_add_bind(V, dir, "/g", inc, NULL), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	expect_open("/g/big", O_RDONLY | O_DIRECTORY, -EOVERFLOW);
	expect_content("/g/big/7", "");
}
END_TEST

START_TEST(listings_are_bounded_in_number)
{
	static const char *const inc[] = {"many", NULL};
	char p[PATH_MAX];
	const char *bad;
	int i;

	put_dir("many");
	for (i = 0; i < VFS_MAX_LISTINGS; i++) {
		snprintf(p, sizeof(p), "many/%d", i);
		put_dir(p);
	}
	ck_assert_int_eq(vfs_add_bind(V, dir, "/g", inc, NULL), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	for (i = 0; i < VFS_MAX_LISTINGS - 1; i++) {
		snprintf(p, sizeof(p), "/g/many/%d", i);
		close(must_open(p, O_RDONLY | O_DIRECTORY));
	}
	close(must_open("/g/many", O_RDONLY | O_DIRECTORY));
	expect_open("/g/many/1023", O_RDONLY | O_DIRECTORY, -ENFILE);
	/* Built listings are still served, and so are unlisted paths. */
	close(must_open("/g/many/0", O_RDONLY | O_DIRECTORY));
	close(must_open("/g/many/1023", O_PATH | O_DIRECTORY));
}
END_TEST

START_TEST(mount_nested_in_bind)
{
	const char *bad;

	ck_assert_int_eq(vfs_add_bind(V, dir, "/b", NULL, NULL), 0);
	ck_assert_int_eq(vfs_add_file(V, "/b/x/y/z.py", "z", 1, 0644), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	expect_list("/b/x", "y/");
	expect_list("/b/x/y", "z.py");
	expect_content("/b/x/y/z.py", "z");
	expect_content("/b/a.py", "print('a')\n");
	expect_open("/b/x/nope", O_RDONLY, -ENOENT);
}
END_TEST

/* ---- devices ---------------------------------------------------------- */

START_TEST(devices)
{
	char buf[16], zero[16] = {0};
	struct stat st;
	int fd;

	standard();
	fd = must_open("/dev/null", O_WRONLY);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
	fd = must_open("/dev/null", O_RDWR | O_CREAT | O_TRUNC);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	fd = must_open("/dev/zero", O_RDONLY);
	memset(buf, 1, sizeof(buf));
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), sizeof(buf));
	ck_assert_int_eq(memcmp(buf, zero, sizeof(buf)), 0);
	close(fd);
	fd = must_open("/dev/urandom", O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);

	expect_open("/dev/urandom", O_WRONLY, -EACCES);
	expect_open("/dev/null", O_RDONLY | O_DIRECTORY, -ENOTDIR);
	expect_open("/dev/null/x", O_RDONLY, -ENOTDIR);
	expect_open("/dev/null", O_WRONLY | O_CREAT | O_EXCL, -EEXIST);
	expect_open("/dev/tty", O_RDWR, -ENOENT);
	ck_assert_int_eq(vfs_stat(V, "/dev/null", 0, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_int_eq(st.st_rdev, makedev(1, 3));
	expect_rc(vfs_access(V, "/dev/null", R_OK | W_OK), 0, "access null");
	expect_rc(vfs_access(V, "/dev/urandom", W_OK), -EACCES, "access");
	expect_rc(vfs_truncate(V, "/dev/null", 0), -EINVAL, "truncate");
	expect_rc(vfs_chmod(V, "/dev/null", 0600), -EROFS, "chmod");
	expect_rc(vfs_unlink(V, "/dev/null"), -EROFS, "unlink");
}
END_TEST

/* ---- tmpfs ------------------------------------------------------------ */

START_TEST(tmpfs_files)
{
	char buf[32];
	struct stat st;
	int fd;

	standard();
	fd = must_open("/tmp/a", O_WRONLY | O_CREAT | O_EXCL);
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	close(fd);
	expect_open("/tmp/a", O_WRONLY | O_CREAT | O_EXCL, -EEXIST);
	fd = must_open("/tmp/a", O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "!", 1), 1);
	close(fd);
	expect_content("/tmp/a", "hello!");
	fd = must_open("/tmp/a", O_RDWR | O_TRUNC);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
	close(fd);

	ck_assert_int_eq(vfs_truncate(V, "/tmp/a", 100), 0);
	ck_assert_int_eq(vfs_stat(V, "/tmp/a", 0, &st), 0);
	ck_assert_int_eq(st.st_size, 100);
	ck_assert_int_eq(vfs_chmod(V, "/tmp/a", 0600), 0);
	ck_assert_int_eq(vfs_stat(V, "/tmp/a", 0, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	{
		struct timespec ts[2] = {{1000, 0}, {2000, 0}};

		ck_assert_int_eq(vfs_utimens(V, "/tmp/a", ts, 0), 0);
	}
	ck_assert_int_eq(vfs_stat(V, "/tmp/a", 0, &st), 0);
	ck_assert_int_eq(st.st_mtim.tv_sec, 2000);
	expect_rc(vfs_access(V, "/tmp/a", R_OK | W_OK), 0, "access");
	expect_open("/tmp/a/b", O_RDONLY, -ENOTDIR);
	expect_open("/tmp/nope", O_RDONLY, -ENOENT);
	expect_open("/tmp", O_RDONLY | O_CREAT, -EISDIR);
	expect_open("/tmp", O_WRONLY, -EISDIR);
	fd = must_open("/tmp", O_RDWR | O_TMPFILE);
	ck_assert_int_eq(write(fd, "t", 1), 1);
	close(fd);
	expect_list("/tmp", "a,sub/");
}
END_TEST

START_TEST(tmpfs_tree)
{
	standard();
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/d", 0755), 0);
	expect_rc(vfs_mkdir(V, "/tmp/d", 0755), -EEXIST, "mkdir again");
	expect_rc(vfs_mkdir(V, "/tmp/x/y", 0755), -ENOENT, "mkdir deep");
	close(must_open("/tmp/d/f", O_WRONLY | O_CREAT));
	expect_rc(vfs_rmdir(V, "/tmp/d"), -ENOTEMPTY, "rmdir full");
	expect_rc(vfs_rmdir(V, "/tmp/d/f"), -ENOTDIR, "rmdir file");
	expect_rc(vfs_unlink(V, "/tmp/d"), -EISDIR, "unlink dir");
	expect_rc(vfs_unlink(V, "/tmp/d/nope"), -ENOENT, "unlink nope");
	ck_assert_int_eq(vfs_unlink(V, "/tmp/d/f"), 0);
	ck_assert_int_eq(vfs_rmdir(V, "/tmp/d"), 0);
	expect_rc(vfs_rmdir(V, "/tmp"), -EBUSY, "rmdir root");
	expect_rc(vfs_unlink(V, "/tmp"), -EISDIR, "unlink root");
	expect_rc(vfs_mkdir(V, "/tmp", 0755), -EEXIST, "mkdir root");
	/* /tmp/sub holds the placeholder of the /tmp/sub/f.py mount. */
	expect_list("/tmp/sub", "f.py");
	expect_content("/tmp/sub/f.py", "x");
	expect_rc(vfs_rmdir(V, "/tmp/sub"), -EBUSY, "rmdir placeholder");
	expect_rc(vfs_unlink(V, "/tmp/sub/f.py"), -EROFS, "unlink mount");
	expect_rc(vfs_rename(V, "/tmp/sub", "/tmp/s2", 0), -EBUSY, "rename");
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/e", 0755), 0);
	expect_rc(vfs_rename(V, "/tmp/e", "/tmp/sub", 0), -EBUSY, "rename");
}
END_TEST

START_TEST(tmpfs_rename)
{
	standard();
	close(must_open("/tmp/a", O_WRONLY | O_CREAT));
	close(must_open("/tmp/b", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/d", 0755), 0);
	ck_assert_int_eq(vfs_rename(V, "/tmp/a", "/tmp/d/a", 0), 0);
	expect_rc(vfs_rename(V, "/tmp/d/a", "/tmp/b", RENAME_NOREPLACE),
		  -EEXIST, "noreplace");
	ck_assert_int_eq(vfs_rename(V, "/tmp/d", "/tmp/b", RENAME_EXCHANGE), 0);
	expect_content("/tmp/d", "");
	expect_list("/tmp/b", "a");
	expect_rc(vfs_rename(V, "/tmp/b/a", "/tmp2/a", 0), -EXDEV, "tmpfs x2");
	expect_rc(vfs_rename(V, "/tmp/d", "/usr/lib/app/d", 0), -EXDEV, "bind");
	expect_rc(vfs_rename(V, "/etc/f", "/tmp/f", 0), -EXDEV, "inline");
	expect_rc(vfs_rename(V, "/tmp/d", "/tmp/e", 4 /* WHITEOUT */), -EINVAL,
		  "whiteout");
	expect_rc(vfs_rename(V, "/tmp/nope", "/tmp/e", 0), -ENOENT, "missing");
	expect_rc(vfs_rename(V, "/tmp/b", "/tmp/b/x", 0), -EINVAL, "into self");
}
END_TEST

START_TEST(tmpfs_symlinks)
{
	char buf[64];

	standard();
	close(must_open("/tmp/t", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/d", 0755), 0);
	ck_assert_int_eq(vfs_symlink(V, "t", "/tmp/in"), 0);
	ck_assert_int_eq(vfs_symlink(V, "../t", "/tmp/d/up1"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/etc/passwd", "/tmp/abs"), 0);
	ck_assert_int_eq(vfs_symlink(V, "../../../etc/passwd", "/tmp/up"), 0);
	ck_assert_int_eq(vfs_symlink(V, "loop", "/tmp/loop"), 0);
	expect_rc(vfs_symlink(V, "t", "/tmp/in"), -EEXIST, "symlink again");
	expect_rc(vfs_symlink(V, "", "/tmp/e"), -ENOENT, "empty target");

	close(must_open("/tmp/in", O_RDWR));
	close(must_open("/tmp/d/up1", O_RDONLY));
	expect_open("/tmp/abs", O_RDONLY, -ENOENT);
	expect_open("/tmp/up", O_RDONLY, -ENOENT);
	expect_open("/tmp/abs", O_WRONLY | O_CREAT, -EROFS);
	expect_open("/tmp/loop", O_RDONLY, -ELOOP);
	expect_open("/tmp/in", O_RDONLY | O_NOFOLLOW, -ELOOP);
	close(must_open("/tmp/in", O_PATH | O_NOFOLLOW));
	expect_rc(vfs_chmod(V, "/tmp/abs", 0600), -ENOENT, "chmod through");
	expect_rc(vfs_truncate(V, "/tmp/up", 0), -ENOENT, "truncate through");
	ck_assert_int_eq(vfs_readlink(V, "/tmp/abs", buf, sizeof(buf)), 11);
	ck_assert_int_eq(memcmp(buf, "/etc/passwd", 11), 0);
	ck_assert_int_eq(vfs_utimens(V, "/tmp/abs", NULL, AT_SYMLINK_NOFOLLOW),
			 0);
	ck_assert_int_eq(vfs_unlink(V, "/tmp/abs"), 0);
	expect_list("/tmp", "d/,in@,loop@,sub/,t,up@");
}
END_TEST

/*
 * Symlinks the jail makes in a tmpfs lead where their target says in the
 * sandbox: an absolute target (or ".." above the tmpfs root) is resolved
 * from the sandbox root, with every check of the spliced path.
 */
START_TEST(tmpfs_symlinks_leading_out)
{
	struct stat st, lst;
	char buf[64];

	standard();
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/d", 0755), 0);
	close(must_open("/tmp/d/f", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_truncate(V, "/tmp/d/f", 2), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/d/f", "/tmp/file"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/d", "/tmp/dir"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/nope", "/tmp/dangling"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/c2", "/tmp/c1"), 0);
	ck_assert_int_eq(vfs_symlink(V, "c3", "/tmp/c2"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/dir/f", "/tmp/c3"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/lb", "/tmp/la"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/la", "/tmp/lb"), 0);

	/* A file, a directory and a path through it, a chain. */
	ck_assert_int_eq(vfs_stat(V, "/tmp/file", 0, &st), 0);
	ck_assert(S_ISREG(st.st_mode) && st.st_size == 2);
	ck_assert_int_eq(vfs_stat(V, "/tmp/file", AT_SYMLINK_NOFOLLOW, &lst),
			 0);
	ck_assert(S_ISLNK(lst.st_mode));
	expect_rc(vfs_access(V, "/tmp/file", R_OK | W_OK), 0, "access");
	close(must_open("/tmp/file", O_RDWR | O_APPEND));
	expect_list("/tmp/dir", "f");
	ck_assert_int_eq(vfs_stat(V, "/tmp/dir/f", 0, &lst), 0);
	ck_assert(st.st_ino == lst.st_ino);
	ck_assert_int_eq(vfs_stat(V, "/tmp/c1", 0, &lst), 0);
	ck_assert(st.st_ino == lst.st_ino);

	/* Changes through a linked directory land in its target. */
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/dir/sub", 0755), 0);
	close(must_open("/tmp/dir/sub/g", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_symlink(V, "g", "/tmp/dir/sub/h"), 0);
	ck_assert_int_eq(vfs_rename(V, "/tmp/dir/sub/g", "/tmp/d/g2", 0), 0);
	expect_list("/tmp/d/sub", "h@");
	ck_assert_int_eq(vfs_unlink(V, "/tmp/dir/sub/h"), 0);
	ck_assert_int_eq(vfs_rmdir(V, "/tmp/dir/sub"), 0);
	ck_assert_int_eq(vfs_chmod(V, "/tmp/dir/g2", 0600), 0);
	ck_assert_int_eq(vfs_stat(V, "/tmp/d/g2", 0, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	expect_list("/tmp/d", "f,g2");

	/* Dangling: stat fails, lstat works, O_CREAT creates the target. */
	expect_rc(vfs_stat(V, "/tmp/dangling", 0, &st), -ENOENT, "dangling");
	expect_rc(vfs_stat(V, "/tmp/dangling", AT_SYMLINK_NOFOLLOW, &st), 0,
		  "lstat dangling");
	close(must_open("/tmp/dangling", O_WRONLY | O_CREAT));
	expect_rc(vfs_stat(V, "/tmp/nope", 0, &st), 0, "created");

	/* Loops; the link itself for O_NOFOLLOW, readlink, rename, unlink. */
	expect_open("/tmp/la", O_RDONLY, -ELOOP);
	expect_rc(vfs_stat(V, "/tmp/la/x", 0, &st), -ELOOP, "loop stat");
	expect_rc(vfs_mkdir(V, "/tmp/la/x", 0755), -ELOOP, "loop mkdir");
	expect_open("/tmp/file", O_RDONLY | O_NOFOLLOW, -ELOOP);
	close(must_open("/tmp/file", O_PATH | O_NOFOLLOW));
	ck_assert_int_eq(vfs_readlink(V, "/tmp/file", buf, sizeof(buf)), 8);
	ck_assert_int_eq(memcmp(buf, "/tmp/d/f", 8), 0);
	ck_assert_int_eq(vfs_readlink(V, "/tmp/dir/f", buf, sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(vfs_rename(V, "/tmp/file", "/tmp/file2", 0), 0);
	ck_assert_int_eq(vfs_unlink(V, "/tmp/file2"), 0);
	ck_assert_int_eq(vfs_unlink(V, "/tmp/dir"), 0);
	expect_list("/tmp/d", "f,g2");
}
END_TEST

/* Where the spliced path lands, the usual rules of that place apply. */
START_TEST(tmpfs_symlinks_into_the_sandbox)
{
	struct stat st;

	standard();
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/d", 0755), 0);
	ck_assert_int_eq(vfs_symlink(V, "/usr/lib/app/a.py", "/tmp/bind"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/usr/lib/app", "/tmp/app"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/glob/b.txt", "/tmp/hidden"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/glob/secret/key", "/tmp/key"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/proc/self/environ", "/tmp/proc"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/", "/tmp/root"), 0);
	ck_assert_int_eq(vfs_symlink(V, "../../etc/f", "/tmp/d/up"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/host/m.py", "/tmp/host"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp2", "/tmp/t2"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/usr/lib/app/abs", "/tmp/babs"), 0);

	expect_content("/tmp/bind", "print('a')\n");
	expect_content("/tmp/app/sub/c.py", "c\n");
	expect_open("/tmp/bind", O_WRONLY, -EROFS);
	expect_open("/tmp/app/new", O_WRONLY | O_CREAT, -EROFS);
	expect_rc(vfs_mkdir(V, "/tmp/app/new", 0755), -EROFS, "mkdir in bind");
	expect_rc(vfs_unlink(V, "/tmp/app/a.py"), -EROFS, "unlink in bind");
	expect_rc(vfs_rename(V, "/tmp/app/a.py", "/tmp/x", 0), -EXDEV,
		  "rename out of bind");
	expect_open("/tmp/hidden", O_RDONLY, -ENOENT);
	expect_open("/tmp/key", O_RDONLY, -ENOENT);
	expect_open("/tmp/proc", O_RDONLY, -ENOENT);
	expect_rc(vfs_stat(V, "/tmp/proc", 0, &st), -ENOENT, "proc stat");
	expect_list("/tmp/root", "dev/,etc/,glob/,host/,tmp/,tmp2/,usr/");
	expect_content("/tmp/root/etc/f", "inline bytes\n");
	expect_content("/tmp/d/up", "inline bytes\n");
	expect_open("/tmp/host", O_RDONLY, -EACCES);
	expect_open("/tmp/babs", O_RDONLY, -EACCES); /* a bind's own rule */

	/* A target ending in "/" or "/." names a directory, as on Linux. */
	ck_assert_int_eq(vfs_symlink(V, "/etc/f/", "/tmp/fslash"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/fslash", "/tmp/fchain"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/etc/f/.", "/tmp/fdot"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/d/", "/tmp/dslash"), 0);
	ck_assert_int_eq(vfs_symlink(V, "/tmp/d/new/", "/tmp/nslash"), 0);
	expect_open("/tmp/fslash", O_RDONLY, -ENOTDIR);
	expect_open("/tmp/fchain", O_RDONLY, -ENOTDIR);
	expect_open("/tmp/fdot", O_RDONLY, -ENOTDIR);
	expect_rc(vfs_stat(V, "/tmp/fslash", 0, &st), -ENOTDIR, "f/ stat");
	expect_rc(vfs_stat(V, "/tmp/fslash", AT_SYMLINK_NOFOLLOW, &st), 0,
		  "f/ lstat");
	expect_rc(vfs_stat(V, "/tmp/dslash", 0, &st), 0, "d/ stat");
	expect_open("/tmp/nslash", O_WRONLY | O_CREAT, -EISDIR);
	expect_rc(vfs_stat(V, "/tmp/d/new", 0, &st), -ENOENT, "not created");

	/* Another tmpfs; a rename across them through a link is EXDEV. */
	close(must_open("/tmp/t2/x", O_WRONLY | O_CREAT));
	expect_rc(vfs_stat(V, "/tmp2/x", 0, &st), 0, "created in tmp2");
	expect_rc(vfs_rename(V, "/tmp/t2/x", "/tmp/x", 0), -EXDEV, "rename");
	expect_rc(vfs_rename(V, "/tmp/t2/x", "/tmp2/y", 0), 0, "rename in");
}
END_TEST

/* Linux's limits: 40 symlinks per lookup, spliced paths below PATH_MAX. */
START_TEST(tmpfs_symlink_limits)
{
	char name[32], target[32], longt[PATH_MAX], path[PATH_MAX];
	struct stat st;
	size_t len;
	int i;

	standard();
	close(must_open("/tmp/f", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_symlink(V, "/tmp/f", "/tmp/n0"), 0);
	for (i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "/tmp/n%d", i);
		snprintf(target, sizeof(target), "/tmp/n%d", i - 1);
		ck_assert_int_eq(vfs_symlink(V, target, name), 0);
	}
	expect_rc(vfs_stat(V, "/tmp/n39", 0, &st), 0, "40 links");
	expect_rc(vfs_stat(V, "/tmp/n40", 0, &st), -ELOOP, "41 links");

	/* "/tmp/d/" then components up to 4000 bytes: the target fits, the
	 * target plus the rest of the path does not. */
	strcpy(longt, "/tmp/d");
	for (len = strlen(longt); len + 201 < 4000; len += 201)
		snprintf(longt + len, sizeof(longt) - len, "/%0200d", 0);
	ck_assert_int_eq(vfs_symlink(V, longt, "/tmp/long"), 0);
	snprintf(path, sizeof(path), "/tmp/long/%0200d/%0200d", 1, 2);
	expect_rc(vfs_stat(V, path, 0, &st), -ENAMETOOLONG, "spliced");
	expect_rc(vfs_stat(V, "/tmp/long", 0, &st), -ENOENT, "fits");
}
END_TEST

struct flipper {
	int root;
	volatile int stop;
};

/* Flips /tmp/l between a tmpfs file and paths outside the tmpfs, the way
 * the jail could, directly in the tmpfs. */
static void *flip_link(void *arg)
{
	static const char *const targets[] = {
		"/tmp/f",
		"/",
		"/etc",
		"../../../../../etc/shadow",
		"/usr/lib/app/../../../../etc/shadow",
		"f",
		"/proc/1/root",
	};
	struct flipper *fl = arg;
	unsigned int i;

	for (i = 0; !fl->stop; i++) {
		if (symlinkat(targets[i % 7], fl->root, "l.new") == 0)
			renameat(fl->root, "l.new", fl->root, "l");
	}
	return NULL;
}

/* Whatever the link says when it is read, the open lands in the sandbox:
 * the tmpfs file, or the synthetic root or /etc (scratch tmpfs). */
START_TEST(tmpfs_symlink_race)
{
	struct flipper fl = {.stop = 0};
	struct stat tmp, root, st;
	pthread_t t;
	int i, fd, opened = 0;

	standard();
	close(must_open("/tmp/f", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_symlink(V, "f", "/tmp/l"), 0);
	ck_assert_int_eq(vfs_stat(V, "/tmp/f", 0, &tmp), 0);
	ck_assert_int_eq(vfs_stat(V, "/", 0, &root), 0);
	fl.root = vfs_tmpfs_root(V, "/tmp", NULL);
	ck_assert_int_ge(fl.root, 0);
	ck_assert_int_eq(pthread_create(&t, NULL, flip_link, &fl), 0);
	for (i = 0; i < 20000; i++) {
		fd = vfs_open(V, "/tmp/l", O_RDONLY, 0);
		if (fd < 0) {
			ck_assert_msg(fd == -ENOENT || fd == -ELOOP, "open: %s",
				      strerror(-fd));
			continue;
		}
		ck_assert_int_eq(fstat(fd, &st), 0);
		close(fd);
		ck_assert(st.st_dev == tmp.st_dev || st.st_dev == root.st_dev);
		opened++;
	}
	fl.stop = 1;
	pthread_join(t, NULL);
	ck_assert_int_gt(opened, 0);
}
END_TEST

START_TEST(tmpfs_quota_bytes)
{
	static char block[4096];
	const char *bad;
	ssize_t n = 0, total = 0;
	int fd;

	ck_assert_int_eq(vfs_add_tmpfs(V, "/q", 64 * 1024, 10), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	fd = must_open("/q/big", O_WRONLY | O_CREAT);
	while (total <= 128 * 1024 && (n = write(fd, block, sizeof(block))) > 0)
		total += n;
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(total, 64 * 1024);
	close(fd);
}
END_TEST

START_TEST(tmpfs_quota_files)
{
	const char *bad;

	ck_assert_int_eq(vfs_add_tmpfs(V, "/q", 64 * 1024, 3), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	close(must_open("/q/1", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_mkdir(V, "/q/2", 0755), 0);
	ck_assert_int_eq(vfs_symlink(V, "1", "/q/3"), 0);
	expect_open("/q/4", O_WRONLY | O_CREAT, -ENOSPC);
	expect_rc(vfs_mkdir(V, "/q/4", 0755), -ENOSPC, "mkdir");
	ck_assert_int_eq(vfs_unlink(V, "/q/1"), 0);
	close(must_open("/q/4", O_WRONLY | O_CREAT));
}
END_TEST

/* Placeholders of nested mounts do not eat the jail's file quota. */
/* Descriptors of read-only objects sit on read-only mounts: a call on the
 * descriptor itself, which never reaches the supervisor, cannot change
 * the host file either, though the test process owns it. */
START_TEST(descriptors_are_read_only)
{
	static const char *const paths[] = {APP "/a.py", APP "/sub",  "/etc/f",
					    "/usr",	 "/glob/sub", NULL};
	struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	int i, fd;

	standard();
	for (i = 0; paths[i]; i++) {
		fd = must_open(paths[i], O_RDONLY);
		ck_assert_msg(fchmod(fd, 0777) == -1 && errno == EROFS,
			      "fchmod %s: %s", paths[i], strerror(errno));
		ck_assert_msg(futimens(fd, now) == -1 && errno == EROFS,
			      "futimens %s: %s", paths[i], strerror(errno));
		if (i % 2)
			ck_assert_msg(
				mkdirat(fd, "x", 0755) == -1 && errno == EROFS,
				"mkdirat %s: %s", paths[i], strerror(errno));
		close(fd);
	}
	fd = must_open("/tmp", O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(mkdirat(fd, "x", 0755), 0);
	close(fd);
}
END_TEST

/*
 * The supervisor may run vfs_finalize() as root and drop to another uid
 * before the jail's calls arrive: listings, tmpfs placeholders and inline
 * files must still work. Run as root, this test drops to nobody; run as
 * anyone else, it checks the same calls without the drop (the user
 * namespace maps one uid only).
 */
START_TEST(works_after_dropping_root)
{
	static const char *const inc[] = {"*.py", NULL};
	const char *bad;

	ck_assert_int_eq(vfs_add_bind(V, dir, "/g", inc, NULL), 0);
	ck_assert_int_eq(vfs_add_tmpfs(V, "/tmp", 64 * 1024, 8), 0);
	ck_assert_int_eq(vfs_add_file(V, "/tmp/pkg/mod.py", "m", 1, 0644), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	if (host_root) {
		/* Nobody must be able to search the tree, and remove it in
		 * teardown. */
		ck_assert_int_eq(nftw(dir, chown_one, 16, FTW_PHYS), 0);
		ck_assert_int_eq(setgroups(0, NULL), 0);
		ck_assert_int_eq(setresgid(65534, 65534, 65534), 0);
		ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);
		ck_assert_int_eq(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	}
	/* include selects files only: directories stay listed. */
	expect_list("/g", "a.py,alias.py@,secret/,sub/");
	expect_content("/tmp/pkg/mod.py", "m");
	close(must_open("/tmp/pkg/new.py", O_WRONLY | O_CREAT));
	ck_assert_int_eq(vfs_mkdir(V, "/tmp/pkg/d", 0755), 0);
	expect_list("/tmp/pkg", "d/,mod.py,new.py");
	expect_content("/g/a.py", "print('a')\n");
}
END_TEST

START_TEST(tmpfs_quota_with_nested_mounts)
{
	const char *bad;

	ck_assert_int_eq(vfs_add_tmpfs(V, "/q", 64 * 1024, 2), 0);
	ck_assert_int_eq(vfs_add_file(V, "/q/a/b/c.py", "c", 1, 0644), 0);
	ck_assert_int_eq(vfs_add_tmpfs(V, "/q/a/t", 4096, 1), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	expect_list("/q", "a/");
	expect_list("/q/a", "b/,t/");
	close(must_open("/q/1", O_WRONLY | O_CREAT));
	close(must_open("/q/a/2", O_WRONLY | O_CREAT));
	expect_open("/q/3", O_WRONLY | O_CREAT, -ENOSPC);
	close(must_open("/q/a/t/1", O_WRONLY | O_CREAT));
	expect_open("/q/a/t/2", O_WRONLY | O_CREAT, -ENOSPC);
}
END_TEST

START_TEST(mount_at_root)
{
	const char *bad;

	ck_assert_int_eq(vfs_add_tmpfs(V, "/", 64 * 1024, 8), 0);
	ck_assert_int_eq(vfs_add_file(V, "/etc/f", "f", 1, 0644), 0);
	ck_assert_int_eq(vfs_add_bind(V, dir, "/usr/app", NULL, NULL), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	expect_list("/", "etc/,usr/");
	expect_list("/usr", "app/");
	expect_content("/etc/f", "f");
	expect_content("/usr/app/a.py", "print('a')\n");
	close(must_open("/new", O_WRONLY | O_CREAT));
	expect_list("/", "etc/,new,usr/");
	expect_rc(vfs_rmdir(V, "/usr"), -EBUSY, "rmdir /usr");
	expect_rc(vfs_rmdir(V, "/"), -EBUSY, "rmdir /");
	ck_assert_int_eq(vfs_lookup(V, "/x", NULL, NULL), VFS_TMPFS);
}
END_TEST

START_TEST(bind_at_root)
{
	const char *bad;

	ck_assert_int_eq(vfs_add_bind(V, dir, "/", NULL, NULL), 0);
	ck_assert_int_eq(vfs_add_tmpfs(V, "/tmp", 4096, 4), 0);
	ck_assert_int_eq(vfs_finalize(V, &bad), 0);
	expect_content("/a.py", "print('a')\n");
	expect_content("/in", "print('a')\n");
	expect_open("/abs", O_RDONLY, -EACCES);
	close(must_open("/tmp/x", O_WRONLY | O_CREAT));
	expect_list("/tmp", "x");
	expect_open("/new", O_WRONLY | O_CREAT, -EROFS);
}
END_TEST

START_TEST(dot_dot_and_tmpfs_root)
{
	char path[PATH_MAX], rel[PATH_MAX];
	int root;

	standard();
	ck_assert_int_eq(vfs_normalize("/tmp", "../usr/lib/app/./a.py", path),
			 0);
	expect_content(path, "print('a')\n");
	ck_assert_int_eq(vfs_normalize("/", "../../../etc/f", path), 0);
	expect_content(path, "inline bytes\n");
	ck_assert_int_eq(vfs_normalize("/usr/lib/app", "../../../..", path), 0);
	ck_assert_str_eq(path, "/");

	close(must_open("/tmp/out.csv", O_WRONLY | O_CREAT));
	root = vfs_tmpfs_root(V, "/tmp/out.csv", rel);
	ck_assert_int_ge(root, 0);
	ck_assert_str_eq(rel, "out.csv");
	ck_assert_int_eq(faccessat(root, rel, F_OK, 0), 0);
	ck_assert_int_eq(vfs_tmpfs_root(V, "/etc/f", rel), -ENOTDIR);
	ck_assert_int_eq(vfs_tmpfs_root(V, "/none", rel), -ENOENT);
}
END_TEST

/* ---- main ------------------------------------------------------------- */

static Suite *vfs_suite(void)
{
	Suite *s = suite_create("vfs");
	TCase *tc = tcase_create("vfs");

	tcase_set_timeout(tc, TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, normalize_table, 0,
			    sizeof(norm_cases) / sizeof(norm_cases[0]));
	tcase_add_test(tc, normalize_lengths);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, finalize_missing_source);
	tcase_add_test(tc, finalize_refuses_fifo_source_and_nesting);
	tcase_add_test(tc, path_lengths);
	tcase_add_loop_test(tc, errno_table, 0,
			    sizeof(op_cases) / sizeof(op_cases[0]));
	tcase_add_test(tc, synthetic_listings);
	tcase_add_test(tc, lookup_kinds);
	tcase_add_test(tc, inline_file);
	tcase_add_test(tc, bind_reads_and_lists);
	tcase_add_test(tc, bind_refuses_special_files);
	tcase_add_test(tc, bind_of_a_file);
	tcase_add_test(tc, bind_globs);
	tcase_add_test(tc, listing_is_bounded);
	tcase_add_test(tc, listings_are_bounded_in_number);
	tcase_add_test(tc, mount_nested_in_bind);
	tcase_add_test(tc, devices);
	tcase_add_test(tc, tmpfs_files);
	tcase_add_test(tc, tmpfs_tree);
	tcase_add_test(tc, tmpfs_rename);
	tcase_add_test(tc, tmpfs_symlinks);
	tcase_add_test(tc, tmpfs_symlinks_leading_out);
	tcase_add_test(tc, tmpfs_symlinks_into_the_sandbox);
	tcase_add_test(tc, tmpfs_symlink_limits);
	tcase_add_test(tc, tmpfs_symlink_race);
	tcase_add_test(tc, tmpfs_quota_bytes);
	tcase_add_test(tc, tmpfs_quota_files);
	tcase_add_test(tc, descriptors_are_read_only);
	tcase_add_test(tc, works_after_dropping_root);
	tcase_add_test(tc, tmpfs_quota_with_nested_mounts);
	tcase_add_test(tc, mount_at_root);
	tcase_add_test(tc, bind_at_root);
	tcase_add_test(tc, dot_dot_and_tmpfs_root);
	suite_add_tcase(s, tc);
	return s;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* As the supervisor does: become uid 0 of a new user namespace owning a
 * new mount namespace, which is what fsopen("tmpfs") needs. */
static int enter_namespaces(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS)) {
		perror("check_vfs: unshare");
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", map)) {
		perror("check_vfs: uid_map");
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if (write_file("/proc/self/gid_map", map)) {
		perror("check_vfs: gid_map");
		return -1;
	}
	return 0;
}

int main(void)
{
	SRunner *sr;
	int failed;

	host_root = geteuid() == 0;
	if (!host_root && enter_namespaces())
		return 2;
	sr = srunner_create(vfs_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
