/* SPDX-License-Identifier: MIT */
/*
 * check_libpysandbox.c - libpysandbox against the fake child
 * (parents/c/tests/fake_child.c), which speaks the protocol and
 * misbehaves on command. Each test runs in its own process (CK_FORK), so
 * the zombie checks see only that test's children.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pysandbox.h"

#define PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

#if !defined(FAKE_CHILD) || !defined(REAL_CHILD)
#error "FAKE_CHILD and REAL_CHILD must name the fake and the real child"
#endif

static struct pysandbox_options *fake_options(const char *mode)
{
	struct pysandbox_options *o = pysandbox_options_new();

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(pysandbox_options_set_child(o, FAKE_CHILD), 0);
	ck_assert_int_eq(pysandbox_options_set_backstop(o, 300, 1000), 0);
	if (mode)
		ck_assert_int_eq(
			pysandbox_options_set_env(o, "FAKE_INIT", mode), 0);
	return o;
}

static struct pysandbox *started(struct pysandbox_options *o)
{
	struct pysandbox *s = pysandbox_new(o);

	ck_assert_ptr_nonnull(s);
	pysandbox_options_free(o);
	ck_assert_msg(pysandbox_start(s) == 0, "start: %s",
		      pysandbox_errmsg(s));
	return s;
}

static struct pysandbox *fake(void)
{
	return started(fake_options(NULL));
}

/* Starting with MODE fails with CODE. */
static struct pysandbox *unstarted(const char *mode)
{
	struct pysandbox_options *o = fake_options(mode);
	struct pysandbox *s = pysandbox_new(o);

	ck_assert_ptr_nonnull(s);
	pysandbox_options_free(o);
	return s;
}

static void start_fails(const char *mode, int code)
{
	struct pysandbox *s = unstarted(mode);
	int ret = pysandbox_start(s);

	ck_assert_msg(ret == code, "mode %s: %d (%s)", mode, ret,
		      pysandbox_errmsg(s));
	ck_assert_str_ne(pysandbox_errmsg(s), "");
	ck_assert_int_eq(pysandbox_close(s), 0);
}

static void assert_no_children(void)
{
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

static struct pysandbox_result *run(struct pysandbox *s, const char *code)
{
	struct pysandbox_result *r = NULL;
	int ret = pysandbox_execute(s, code, &r);

	ck_assert_msg(ret == 0, "execute %s: %d %s", code, ret,
		      pysandbox_errmsg(s));
	return r;
}

static const char *out(struct pysandbox_result *r)
{
	return pysandbox_result_stdout(r, NULL);
}

static struct json_object *echo(struct pysandbox *s, const char *key)
{
	struct json_object *e, *v;

	ck_assert(json_object_object_get_ex(pysandbox_info(s), "echo", &e));
	ck_assert(json_object_object_get_ex(e, key, &v));
	return v;
}

/* ---- start-up --------------------------------------------------------- */

START_TEST(initialize_carries_options)
{
	struct pysandbox_options *o = fake_options(NULL);
	const char *argv[] = {"prog.py", "a"};
	struct pysandbox *s;

	ck_assert_int_eq(
		pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_CPU_MS, 1234),
		0);
	ck_assert_int_eq(pysandbox_options_add_bind(o, "/usr", "/opt/usr"), 0);
	ck_assert_int_eq(pysandbox_options_bind_include(o, "*.py"), 0);
	ck_assert_int_eq(
		pysandbox_options_add_file(o, "/sandbox/x", "ab", 2, 0644), 0);
	ck_assert_int_eq(pysandbox_options_add_tmpfs(o, "/work", 1000, 5), 0);
	ck_assert_int_eq(pysandbox_options_add_device(o, "/dev/zero",
						      PYSANDBOX_DEVICE_ZERO),
			 0);
	ck_assert_int_eq(pysandbox_options_set_argv(o, 2, argv), 0);
	ck_assert_int_eq(pysandbox_options_set_cwd(o, "/work"), 0);
	ck_assert_int_eq(pysandbox_options_set_defaults(o, false), 0);
	s = started(o);

	ck_assert_str_eq(
		json_object_to_json_string_ext(echo(s, "filesystem"), PLAIN),
		"[{\"type\":\"bind\",\"target\":\"/opt/usr\","
		"\"source\":\"/usr\",\"include\":[\"*.py\"],"
		"\"exclude\":[]},{\"type\":\"file\",\"target\":"
		"\"/sandbox/x\",\"data\":\"YWI=\",\"mode\":420},"
		"{\"type\":\"tmpfs\",\"target\":\"/work\","
		"\"max_bytes\":1000,\"max_files\":5},{\"type\":"
		"\"device\",\"target\":\"/dev/zero\",\"device\":"
		"\"zero\"}]");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
				 echo(s, "limits"), "cpu_ms")),
			 1234);
	ck_assert_str_eq(json_object_get_string(echo(s, "cwd")), "/work");
	ck_assert(!json_object_get_boolean(echo(s, "defaults")));
	ck_assert_int_eq(json_object_array_length(echo(s, "argv")), 2);
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
}
END_TEST

/* The protocol's ranges of output_bytes and file_bytes start at 0 (no
 * output, no byte in a file); every other limit's starts above it. */
START_TEST(zero_output_and_file_limits_reach_the_child)
{
	struct pysandbox_options *o = fake_options(NULL);
	struct json_object *limits;
	struct pysandbox *s;

	ck_assert_int_eq(
		pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_OUTPUT_BYTES, 0),
		0);
	ck_assert_int_eq(
		pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_FILE_BYTES, 0),
		0);
	ck_assert_int_eq(
		pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_FILE_BYTES, -1),
		-EINVAL);
	ck_assert_str_eq(pysandbox_options_errmsg(o),
			 "limit file_bytes must be 0 or more");
	ck_assert_int_eq(
		pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_THREADS, 0),
		-EINVAL);
	ck_assert_str_eq(pysandbox_options_errmsg(o),
			 "limit threads must be positive");
	s = started(o);

	limits = echo(s, "limits");
	ck_assert_str_eq(json_object_to_json_string_ext(limits, PLAIN),
			 "{\"output_bytes\":0,\"file_bytes\":0}");
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
}
END_TEST

START_TEST(missing_child_is_espawn)
{
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox *s;

	pysandbox_options_set_child(o, "/nonexistent/sandbox");
	s = pysandbox_new(o);
	pysandbox_options_free(o);
	ck_assert_int_eq(pysandbox_start(s), PYSANDBOX_ESPAWN);
	ck_assert_ptr_nonnull(strstr(pysandbox_errmsg(s), "/nonexistent"));
	ck_assert_int_eq(pysandbox_start(s), -EINVAL);
	pysandbox_close(s);
}
END_TEST

START_TEST(child_from_environment)
{
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox *s;

	setenv("PYSANDBOX_CHILD", FAKE_CHILD, 1);
	s = started(o);
	ck_assert_int_eq(pysandbox_close(s), 0);
}
END_TEST

START_TEST(start_failures)
{
	start_fails("die", PYSANDBOX_ESPAWN);
	start_fails("silence", PYSANDBOX_ETIMEDOUT);
	start_fails("garbage", PYSANDBOX_EPROTO);
	start_fails("version", PYSANDBOX_EPROTO);
	assert_no_children();
}
END_TEST

START_TEST(setup_failed_is_remote)
{
	struct pysandbox *s = unstarted("error");
	struct json_object *step;

	ck_assert_int_eq(pysandbox_start(s), PYSANDBOX_EREMOTE);
	ck_assert_int_eq(pysandbox_rpc_code(s), -32006);
	ck_assert(json_object_object_get_ex(pysandbox_rpc_data(s), "step",
					    &step));
	ck_assert_str_eq(json_object_get_string(step), "seccomp");
	ck_assert_ptr_nonnull(strstr(pysandbox_errmsg(s), "setup_failed"));
	pysandbox_close(s);
	assert_no_children();
}
END_TEST

START_TEST(tolerated_noise_at_start)
{
	pysandbox_close(started(fake_options("garbage2")));
	pysandbox_close(started(fake_options("oversized")));
	/* An error with id null answers nothing of ours: ignored. */
	pysandbox_close(started(fake_options("nullerror")));
	assert_no_children();
}
END_TEST

START_TEST(initialize_too_large)
{
	struct pysandbox_options *o = fake_options(NULL);
	char *big = calloc(1, 900000);
	struct pysandbox *s;

	ck_assert_int_eq(
		pysandbox_options_add_file(o, "/big", big, 900000, 0644), 0);
	s = pysandbox_new(o);
	pysandbox_options_free(o);
	ck_assert_int_eq(pysandbox_start(s), -E2BIG);
	pysandbox_close(s);
	free(big);
	assert_no_children();
}
END_TEST

/* ---- a child that another user could replace (REQ-SEC-12) ------------- */

enum trust_flags {
	TC_FILE_NOBODY = 1, /* the copy is given to nobody */
	TC_DIR_NOBODY = 2,  /* its directory is given to nobody */
	TC_LINK = 4,	    /* started through a link in an open directory */
};

/* A copy of the fake child at T/d/child, under a new directory T in /tmp,
 * with a symbolic link to it in T/open (0777, not sticky). BAD is the path
 * under T that the refusal names, for WHY; NULL when the child starts. */
struct trust_case {
	const char *name;
	mode_t top, dir, file;
	int flags;
	const char *bad;
	const char *why;
};

#define NOBODY 65534

static const struct trust_case trust_cases[] = {
	{"a copy of the fake child", 0700, 0755, 0755, 0, NULL, NULL},
	{"through a link in an open directory", 0700, 0755, 0755, TC_LINK, NULL,
	 NULL},
	{"a sticky directory", 0700, 01777, 0755, 0, NULL, NULL},
	{"file writable by group", 0700, 0755, 0775, 0, "/d/child",
	 "is writable by group"},
	{"file writable by others", 0700, 0755, 0757, 0, "/d/child",
	 "is writable by others"},
	{"file of another user", 0700, 0755, 0755, TC_FILE_NOBODY, "/d/child",
	 "is owned by another user (uid 65534)"},
	{"directory writable by group", 0700, 0775, 0755, 0, "/d",
	 "is writable by group"},
	{"directory writable by others", 0700, 0777, 0755, 0, "/d",
	 "is writable by others"},
	{"sticky directory of another user", 0700, 01777, 0755, TC_DIR_NOBODY,
	 "/d", "is owned by another user (uid 65534)"},
	{"directory two levels up writable by others", 0777, 0755, 0755, 0, "",
	 "is writable by others"},
	{"link to a file writable by others", 0700, 0755, 0777, TC_LINK,
	 "/d/child", "is writable by others"},
};

#define N_TRUST_CASES (int)(sizeof(trust_cases) / sizeof(trust_cases[0]))

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;

	ck_assert(in && out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	ck_assert(!ferror(in));
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

static void tree_path(char *buf, const char *top, const char *rel)
{
	ck_assert_int_lt(snprintf(buf, PATH_MAX, "%s%s", top, rel), PATH_MAX);
}

/* Builds C's tree in a new directory, resolved into TOP (PATH_MAX bytes),
 * and puts the path to start in CHILD. */
static void trust_tree(const struct trust_case *c, char *top, char *child)
{
	char tmp[] = "/tmp/psb-trust-XXXXXX", d[PATH_MAX], f[PATH_MAX],
	     open_dir[PATH_MAX], link[PATH_MAX];

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_ptr_nonnull(realpath(tmp, top));
	tree_path(d, top, "/d");
	tree_path(f, top, "/d/child");
	tree_path(open_dir, top, "/open");
	tree_path(link, top, "/open/link");

	ck_assert_int_eq(mkdir(d, 0700), 0);
	copy_file(FAKE_CHILD, f);
	ck_assert_int_eq(mkdir(open_dir, 0700), 0);
	ck_assert_int_eq(symlink(f, link), 0);

	/* Owners first: chown may clear mode bits. */
	if (c->flags & TC_FILE_NOBODY)
		ck_assert_int_eq(chown(f, NOBODY, (gid_t)-1), 0);
	if (c->flags & TC_DIR_NOBODY)
		ck_assert_int_eq(chown(d, NOBODY, (gid_t)-1), 0);
	ck_assert_int_eq(chmod(f, c->file), 0);
	ck_assert_int_eq(chmod(d, c->dir), 0);
	ck_assert_int_eq(chmod(open_dir, 0777), 0);
	ck_assert_int_eq(chmod(top, c->top), 0);
	snprintf(child, PATH_MAX, "%s", c->flags & TC_LINK ? link : f);
}

static void remove_tree(const char *top)
{
	const char *rel[] = {"/open/link", "/open", "/d/child", "/d", ""};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		tree_path(path, top, rel[i]);
		ck_assert_int_eq(remove(path), 0);
	}
}

static void assert_refusal(const char *got, const struct trust_case *c,
			   const char *top, const char *child)
{
	char want[3 * PATH_MAX];

	snprintf(want, sizeof(want), "cannot trust child '%s': '%s%s' %s",
		 child, top, c->bad, c->why);
	ck_assert_str_eq(got, want);
}

START_TEST(untrusted_child_is_not_started)
{
	const struct trust_case *c = &trust_cases[_i];
	char top[PATH_MAX], child[PATH_MAX];
	struct pysandbox_options *o;
	struct pysandbox *s;
	int ret;

	/* Only root can give a file away: as another user those rows
	 * cannot be set up, and the others still run. */
	if ((c->flags & (TC_FILE_NOBODY | TC_DIR_NOBODY)) && geteuid() != 0)
		return;

	trust_tree(c, top, child);
	o = fake_options(NULL);
	ck_assert_int_eq(pysandbox_options_set_child(o, child), 0);
	s = pysandbox_new(o);
	pysandbox_options_free(o);
	ret = pysandbox_start(s);

	if (c->bad) {
		ck_assert_msg(ret == PYSANDBOX_ESPAWN, "%s: %d", c->name, ret);
		assert_refusal(pysandbox_errmsg(s), c, top, child);
	} else {
		ck_assert_msg(ret == 0, "%s: %s", c->name, pysandbox_errmsg(s));
	}
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
	remove_tree(top);
}
END_TEST

/* ---- options ----------------------------------------------------------- */

static int add(void *ud, const char *name, struct json_object *args,
	       struct json_object *kwargs, struct json_object **value,
	       struct pysandbox_host_error *error);

START_TEST(options_are_validated)
{
	struct pysandbox_options *o = pysandbox_options_new();

	ck_assert_int_eq(pysandbox_options_add_tmpfs(o, "tmp", 0, 0), -EINVAL);
	ck_assert_int_eq(pysandbox_options_add_tmpfs(o, "/a/../b", 0, 0),
			 -EINVAL);
	ck_assert_int_eq(pysandbox_options_add_tmpfs(o, "/a//b", 0, 0),
			 -EINVAL);
	ck_assert_int_eq(pysandbox_options_add_tmpfs(o, "/a/", 0, 0), -EINVAL);
	ck_assert_ptr_nonnull(strstr(pysandbox_options_errmsg(o), "/a/"));
	ck_assert_int_eq(pysandbox_options_add_tmpfs(o, "/a/.b", 0, 0), 0);
	ck_assert_int_eq(pysandbox_options_bind_include(o, "*.py"), -EINVAL);
	ck_assert_int_eq(pysandbox_options_set_limit(
				 o, PYSANDBOX_LIMIT_FRAME_BYTES, 1000),
			 -EINVAL);
	ck_assert_int_eq(
		pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_CPU_MS, 0),
		-EINVAL);
	ck_assert_int_eq(pysandbox_options_expose(o, "1bad", NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(pysandbox_options_expose(o, "f", add, NULL), 0);
	ck_assert_int_eq(pysandbox_options_expose(o, "f", add, NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(pysandbox_options_errmsg(o), "already"));
	ck_assert_int_eq(pysandbox_options_set_env(o, "A=B", "x"), -EINVAL);
	ck_assert_int_eq(pysandbox_options_set_verbosity(o, 4), -EINVAL);
	pysandbox_options_free(o);
}
END_TEST

START_TEST(glob_count_is_bounded)
{
	struct pysandbox_options *o = pysandbox_options_new();
	int i;

	ck_assert_int_eq(pysandbox_options_add_bind(o, "/usr", "/usr"), 0);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(pysandbox_options_bind_exclude(o, "*.pyc"), 0);
	ck_assert_int_eq(pysandbox_options_bind_exclude(o, "*.pyc"), -E2BIG);
	ck_assert_int_eq(pysandbox_options_bind_include(o, "*.py"), 0);
	pysandbox_options_free(o);
}
END_TEST

START_TEST(entry_count_is_bounded)
{
	struct pysandbox_options *o = pysandbox_options_new();
	char target[32];
	int i;

	for (i = 0; i < 256; i++) {
		snprintf(target, sizeof(target), "/d%d", i);
		ck_assert_int_eq(pysandbox_options_add_tmpfs(o, target, 0, 0),
				 0);
	}
	ck_assert_int_eq(pysandbox_options_add_tmpfs(o, "/x", 0, 0), -E2BIG);
	pysandbox_options_free(o);
}
END_TEST

/* ---- runs -------------------------------------------------------------- */

START_TEST(output_is_collected)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r = run(s, "print hello;eprint oops");
	size_t len;

	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_OK);
	ck_assert_str_eq(out(r), "hello\n");
	ck_assert_str_eq(pysandbox_result_stderr(r, &len), "oops\n");
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(pysandbox_result_usage(r, "cpu_ms"), 2);
	ck_assert_int_eq(pysandbox_result_usage(r, "nonexistent"), -1);
	ck_assert(pysandbox_result_session_usable(r));
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
}
END_TEST

static void collect(void *ud, enum pysandbox_stream stream, const void *data,
		    size_t len)
{
	char *buf = ud;

	strncat(buf, stream == PYSANDBOX_STDOUT ? "o:" : "e:", 3);
	strncat(buf, data, len);
}

START_TEST(child_gets_only_its_descriptors)
{
	struct pysandbox *s;
	struct pysandbox_result *r;
	int stray = fcntl(2, F_DUPFD, 20);

	/* A descriptor of the host program, not close-on-exec. */
	ck_assert_int_ge(stray, 20);
	setenv("SECRET_OF_THE_HOST", "x", 1);
	s = fake();
	r = run(s, "fds");
	ck_assert_str_eq(out(r), "0=/dev/null 1=/dev/null 2 3 4 env=0\n");
	pysandbox_result_free(r);
	pysandbox_close(s);
	close(stray);
}
END_TEST

START_TEST(output_is_streamed)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;
	char buf[256] = "";

	pysandbox_set_output(s, collect, buf);
	r = run(s, "print a;eprint b;print c");
	ck_assert_str_eq(buf, "o:a\ne:b\no:c\n");
	ck_assert_str_eq(out(r), "");
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

START_TEST(exception_and_exit)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r = run(s, "exception ZeroDivisionError boom");

	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_EXCEPTION);
	ck_assert_str_eq(pysandbox_result_exception_type(r),
			 "ZeroDivisionError");
	ck_assert_str_eq(pysandbox_result_exception_message(r), "boom");
	ck_assert_ptr_nonnull(pysandbox_result_exception_traceback(r));
	ck_assert_int_eq(pysandbox_result_exit_status(r), -1);
	pysandbox_result_free(r);

	r = run(s, "exit 7");
	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_EXIT);
	ck_assert_int_eq(pysandbox_result_exit_status(r), 7);
	ck_assert_ptr_null(pysandbox_result_exception_type(r));
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

START_TEST(fatal_outcome_ends_session)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r = run(s, "outcome violation");

	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_VIOLATION);
	ck_assert_str_eq(pysandbox_result_violation_syscall(r), "socket");
	ck_assert_int_eq(pysandbox_result_violation_number(r), 41);
	ck_assert_str_eq(pysandbox_result_violation_arch(r), "x86_64");
	ck_assert(!pysandbox_result_session_usable(r));
	pysandbox_result_free(r);

	ck_assert_int_eq(pysandbox_execute(s, "print x", &r), PYSANDBOX_EENDED);
	ck_assert_ptr_nonnull(strstr(pysandbox_errmsg(s), "violation"));
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
}
END_TEST

START_TEST(invoke_passes_arguments)
{
	struct pysandbox *s = fake();
	struct json_object *args = json_tokener_parse("[1,\"two\"]");
	struct json_object *kw = json_tokener_parse("{\"k\":true}");
	struct pysandbox_result *r;

	ck_assert_int_eq(pysandbox_invoke(s, "mod.f", args, kw, &r), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(
				 pysandbox_result_value(r), PLAIN),
			 "{\"callable\":\"mod.f\",\"args\":[1,\"two\"],"
			 "\"kwargs\":{\"k\":true}}");
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_invoke(s, "f", kw, NULL, &r), -EINVAL);
	json_object_put(args);
	json_object_put(kw);
	pysandbox_close(s);
}
END_TEST

/* REQ-VER-4: a feature reported false is refused locally (the fake child
 * would answer it), and the session goes on. */
START_TEST(capability_false_is_refused_locally)
{
	struct pysandbox *s = started(fake_options("nocaps"));
	struct pysandbox_result *r = NULL;
	struct json_object *list = NULL;
	void *data = NULL;
	size_t len;

	ck_assert_int_eq(pysandbox_invoke(s, "mod.f", NULL, NULL, &r),
			 -ENOTSUP);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(pysandbox_errmsg(s), "invoke"));
	ck_assert_int_eq(pysandbox_tmpfs_list(s, "/tmp", &list), -ENOTSUP);
	ck_assert_int_eq(
		pysandbox_tmpfs_read(s, "/tmp/out.txt", 100, &data, &len),
		-ENOTSUP);
	ck_assert_ptr_null(data);
	ck_assert_int_eq(pysandbox_cancel(s), -ENOTSUP);
	r = run(s, "print still here");
	ck_assert_str_eq(out(r), "still here\n");
	pysandbox_result_free(r);
	pysandbox_close(s);

	s = started(fake_options("noexec"));
	ck_assert_int_eq(pysandbox_execute(s, "print x", &r), -ENOTSUP);
	ck_assert_int_eq(pysandbox_execute_path(s, "/x.py", &r), -ENOTSUP);
	ck_assert_int_eq(pysandbox_invoke(s, "mod.f", NULL, NULL, &r), 0);
	pysandbox_result_free(r);
	pysandbox_close(s);
	assert_no_children();
}
END_TEST

START_TEST(stdin_reaches_the_run)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;

	ck_assert_int_eq(pysandbox_set_stdin(s, "in\0put", 6), 0);
	r = run(s, "stdin");
	ck_assert_int_eq(memcmp(out(r), "in\0put", 6), 0);
	pysandbox_result_free(r);

	r = run(s, "stdin");
	ck_assert_str_eq(out(r), "");
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

START_TEST(reads_while_writing)
{
	struct pysandbox *s = started(fake_options("chatty"));
	size_t len = 2 << 20;
	char *in = malloc(len);
	struct pysandbox_result *r;
	size_t n;

	memset(in, 'i', len);
	ck_assert_int_eq(pysandbox_set_stdin(s, in, len), 0);
	r = run(s, "stdin");
	pysandbox_result_stdout(r, &n);
	ck_assert_uint_eq(n, len);
	pysandbox_result_free(r);
	pysandbox_close(s);
	free(in);
}
END_TEST

START_TEST(oversized_request_keeps_session)
{
	struct pysandbox_options *o = fake_options(NULL);
	struct pysandbox_result *r;
	struct pysandbox *s;
	char *code = malloc(100000);

	pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_FRAME_BYTES, 65536);
	s = started(o);
	memset(code, 'x', 99999);
	code[99999] = '\0';
	ck_assert_int_eq(pysandbox_execute(s, code, &r), -E2BIG);
	r = run(s, "print still");
	ck_assert_str_eq(out(r), "still\n");
	pysandbox_result_free(r);
	pysandbox_close(s);
	free(code);
}
END_TEST

/* ---- host functions and host directories ------------------------------ */

static int add(void *ud, const char *name, struct json_object *args,
	       struct json_object *kwargs, struct json_object **value,
	       struct pysandbox_host_error *error)
{
	int a = json_object_get_int(json_object_array_get_idx(args, 0));
	int b = json_object_get_int(json_object_array_get_idx(args, 1));

	if (json_object_array_length(args) != 2) {
		pysandbox_host_error_set(error, PYSANDBOX_EXC_VALUE_ERROR,
					 "%s takes 2 numbers", name);
		return -1;
	}
	*value = json_object_new_int(a + b);
	return 0;
}

static int huge(void *ud, const char *name, struct json_object *args,
		struct json_object *kwargs, struct json_object **value,
		struct pysandbox_host_error *error)
{
	char *s = malloc(70000);

	memset(s, 'h', 69999);
	s[69999] = '\0';
	*value = json_object_new_string(s);
	free(s);
	return 0;
}

static int silent_failure(void *ud, const char *name, struct json_object *args,
			  struct json_object *kwargs,
			  struct json_object **value,
			  struct pysandbox_host_error *error)
{
	return 1;
}

static struct pysandbox *host_session(void)
{
	struct pysandbox_options *o = fake_options(NULL);

	ck_assert_int_eq(pysandbox_options_expose(o, "add", add, NULL), 0);
	ck_assert_int_eq(pysandbox_options_expose(o, "huge", huge, NULL), 0);
	ck_assert_int_eq(
		pysandbox_options_expose(o, "oops", silent_failure, NULL), 0);
	pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_HOST_CALL_BYTES, 65536);
	return started(o);
}

START_TEST(host_call_value)
{
	struct pysandbox *s = host_session();
	struct pysandbox_result *r = run(s, "host add [2,3]");

	ck_assert_ptr_nonnull(strstr(out(r), "\"result\":{\"value\":5}"));
	ck_assert_int_eq(json_object_array_length(echo(s, "host_functions")),
			 3);
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

START_TEST(host_call_errors)
{
	struct pysandbox *s = host_session();
	struct pysandbox_result *r;

	r = run(s, "host add [1]");
	ck_assert_ptr_nonnull(strstr(out(r), "\"code\":-32050"));
	ck_assert_ptr_nonnull(strstr(out(r), "\"type\":\"ValueError\""));
	ck_assert_ptr_nonnull(strstr(out(r), "add takes 2 numbers"));
	pysandbox_result_free(r);

	r = run(s, "host nosuch []");
	ck_assert_ptr_nonnull(strstr(out(r), "\"type\":\"SandboxError\""));
	pysandbox_result_free(r);

	r = run(s, "host huge []");
	ck_assert_ptr_nonnull(strstr(out(r), "exceeds host_call_bytes"));
	pysandbox_result_free(r);

	r = run(s, "host oops []");
	ck_assert_ptr_nonnull(strstr(out(r), "host function oops failed"));
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

static int fs_stat(void *ud, const char *path, enum pysandbox_file_type *type,
		   uint64_t *size, unsigned int *mode)
{
	if (path[0] == '\0') {
		*type = PYSANDBOX_DIR;
		return 0;
	}
	if (strcmp(path, "mod.py") != 0)
		return -ENOENT;
	*type = PYSANDBOX_FILE;
	*size = 5;
	*mode = 0644;
	return 0;
}

static int fs_read(void *ud, const char *path, void **data, size_t *len)
{
	if (strcmp(path, "mod.py") != 0)
		return -EISDIR;
	*data = strdup("x = 1");
	*len = 5;
	return 0;
}

static int fs_list(void *ud, const char *path, struct pysandbox_dir *dir)
{
	ck_assert_int_eq(pysandbox_dir_add(dir, "../x", PYSANDBOX_FILE),
			 -EINVAL);
	return pysandbox_dir_add(dir, "mod.py", PYSANDBOX_FILE);
}

static const struct pysandbox_hostfs_ops fs_ops = {fs_stat, fs_read, fs_list};

START_TEST(host_directory)
{
	struct pysandbox_options *o = fake_options(NULL);
	struct pysandbox_result *r;
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_options_add_host_dir(o, "/h", &fs_ops, NULL),
			 0);
	s = started(o);
	r = run(s, "hostfs stat /h mod.py;hostfs read /h mod.py;"
		   "hostfs list /h ;hostfs stat /h nope;hostfs read /h sub;"
		   "hostfs stat /h ../etc;hostfs stat /other x");
	ck_assert_ptr_nonnull(strstr(out(r), "{\"type\":\"file\",\"size\":5,"
					     "\"mode\":420}"));
	ck_assert_ptr_nonnull(strstr(out(r), "{\"data\":\"eCA9IDE=\"}"));
	ck_assert_ptr_nonnull(strstr(out(r),
				     "{\"entries\":[{\"name\":"
				     "\"mod.py\",\"type\":\"file\"}]}"));
	ck_assert_ptr_nonnull(strstr(out(r), "\"errno\":\"ENOENT\""));
	ck_assert_ptr_nonnull(strstr(out(r), "\"errno\":\"EISDIR\""));
	/* A path with ".." is invalid_params; an unknown target ENOENT. */
	ck_assert_ptr_nonnull(strstr(out(r), "\"field\":\"/path\""));
	ck_assert_ptr_nonnull(
		strstr(strstr(out(r), "\"field\":\"/path\""), "ENOENT"));
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

START_TEST(unknown_requests_and_noise)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;

	r = run(s, "request;wrongid;notify;garbage;oversized 5000000;"
		   "print survived");
	ck_assert_ptr_nonnull(strstr(out(r), "\"code\":-32601"));
	ck_assert_ptr_nonnull(strstr(out(r), "survived\n"));
	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_OK);
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

/* ---- tmpfs --------------------------------------------------------------- */

START_TEST(tmpfs_read_back)
{
	struct pysandbox_options *o = fake_options(NULL);
	struct json_object *list;
	struct pysandbox *s;
	unsigned char *data;
	size_t len, i;

	pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_FRAME_BYTES, 65536);
	s = started(o);
	ck_assert_int_eq(pysandbox_tmpfs_list(s, "/tmp", &list), 0);
	ck_assert_ptr_nonnull(strstr(
		json_object_to_json_string_ext(list, PLAIN), "/tmp/out.txt"));
	json_object_put(list);

	ck_assert_int_eq(pysandbox_tmpfs_read(s, "/tmp/out.txt", 100,
					      (void **)&data, &len),
			 0);
	ck_assert_str_eq((char *)data, "hello tmpfs\n");
	free(data);

	/* Several chunks: the frame is 64 KiB. */
	ck_assert_int_eq(pysandbox_tmpfs_read(s, "/tmp/big.bin", 1 << 20,
					      (void **)&data, &len),
			 0);
	ck_assert_uint_eq(len, 200000);
	for (i = 0; i < len; i++)
		ck_assert_uint_eq(data[i], (unsigned char)(i * 7));
	free(data);
	pysandbox_close(s);
}
END_TEST

START_TEST(tmpfs_errors)
{
	struct pysandbox *s = fake();
	struct json_object *list;
	void *data;
	size_t len;

	ck_assert_int_eq(
		pysandbox_tmpfs_read(s, "/tmp/big.bin", 1000, &data, &len),
		-E2BIG);
	ck_assert_int_eq(
		pysandbox_tmpfs_read(s, "/tmp/none", 1000, &data, &len),
		PYSANDBOX_EREMOTE);
	ck_assert_int_eq(pysandbox_rpc_code(s), -32008);
	ck_assert_int_eq(pysandbox_tmpfs_list(s, "/etc", &list),
			 PYSANDBOX_EREMOTE);
	ck_assert_int_eq(pysandbox_rpc_code(s), -32009);
	pysandbox_close(s);
}
END_TEST

/* ---- cancel ------------------------------------------------------------ */

static void *cancel_later(void *arg)
{
	struct timespec ts = {0, 200 * 1000000L};

	nanosleep(&ts, NULL);
	ck_assert_int_eq(pysandbox_cancel(arg), 0);
	return NULL;
}

START_TEST(cancel_from_another_thread)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;
	pthread_t t;

	ck_assert_int_eq(pysandbox_cancel(s), -ESRCH);
	pthread_create(&t, NULL, cancel_later, s);
	r = run(s, "wait");
	pthread_join(t, NULL);
	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_CANCELLED);
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_execute(s, "print x", &r), PYSANDBOX_EENDED);
	pysandbox_close(s);
	assert_no_children();
}
END_TEST

START_TEST(cancel_ignored_hits_backstop)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;
	pthread_t t;

	pthread_create(&t, NULL, cancel_later, s);
	ck_assert_int_eq(pysandbox_execute(s, "deaf", &r), PYSANDBOX_ETIMEDOUT);
	pthread_join(t, NULL);
	pysandbox_close(s);
	assert_no_children();
}
END_TEST

/* ---- a misbehaving child during runs ------------------------------------ */

static struct pysandbox *short_wall(void)
{
	struct pysandbox_options *o = fake_options(NULL);

	pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_WALL_MS, 300);
	pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_OUTPUT_BYTES, 100000);
	return started(o);
}

START_TEST(child_dies_mid_run)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;

	ck_assert_int_eq(pysandbox_execute(s, "print a;die", &r),
			 PYSANDBOX_ECHILD);
	ck_assert_ptr_nonnull(strstr(pysandbox_errmsg(s), "status 9"));
	assert_no_children();
	ck_assert_int_eq(pysandbox_execute(s, "print a", &r), PYSANDBOX_EENDED);
	pysandbox_close(s);
}
END_TEST

START_TEST(silent_child_is_killed)
{
	struct pysandbox *s = short_wall();
	struct pysandbox_result *r;

	ck_assert_int_eq(pysandbox_execute(s, "silence", &r),
			 PYSANDBOX_ETIMEDOUT);
	assert_no_children();
	pysandbox_close(s);
}
END_TEST

START_TEST(output_flood_is_bounded)
{
	struct pysandbox *s = short_wall();
	struct pysandbox_result *r;

	ck_assert_int_eq(pysandbox_execute(s, "flood", &r),
			 PYSANDBOX_ETIMEDOUT);
	assert_no_children();
	pysandbox_close(s);
}
END_TEST

START_TEST(excess_output_is_dropped)
{
	struct pysandbox *s = short_wall();
	struct pysandbox_result *r = run(s, "bigout 150000");
	size_t len;

	pysandbox_result_stdout(r, &len);
	ck_assert_uint_eq(len, 100000);
	ck_assert(pysandbox_result_output_truncated(r));
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

START_TEST(garbage_flood_is_protocol_error)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;

	ck_assert_int_eq(pysandbox_execute(s,
					   "garbage;garbage;garbage;"
					   "garbage;garbage;garbage;garbage;"
					   "garbage;garbage;garbage;garbage;"
					   "garbage;garbage;garbage;garbage;"
					   "garbage;garbage;silence",
					   &r),
			 PYSANDBOX_EPROTO);
	ck_assert_ptr_nonnull(strstr(pysandbox_errmsg(s), "malformed"));
	assert_no_children();
	pysandbox_close(s);
}
END_TEST

START_TEST(bad_replies)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;

	ck_assert_int_eq(pysandbox_execute(s, "errorreply", &r),
			 PYSANDBOX_EREMOTE);
	ck_assert_int_eq(pysandbox_rpc_code(s), -32002);
	r = run(s, "print fine");
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_execute(s, "badresult", &r),
			 PYSANDBOX_EPROTO);
	assert_no_children();
	pysandbox_close(s);
}
END_TEST

START_TEST(host_call_for_another_run)
{
	struct pysandbox *s = host_session();
	struct pysandbox_result *r = run(s, "hostother");

	ck_assert_ptr_nonnull(strstr(out(r), "\"code\":-32602"));
	ck_assert_ptr_nonnull(strstr(out(r), "\"field\":\"/run\""));
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

START_TEST(malformed_messages_of_the_run)
{
	const char *cmds[] = {"badresponse", "badoutput", "badtypes"};
	struct pysandbox_result *r;
	struct pysandbox *s;
	size_t i;

	for (i = 0; i < 3; i++) {
		s = fake();
		ck_assert_int_eq(pysandbox_execute(s, cmds[i], &r),
				 PYSANDBOX_EPROTO);
		ck_assert_ptr_nonnull(strstr(pysandbox_errmsg(s), "malformed"));
		pysandbox_close(s);
	}
	assert_no_children();
}
END_TEST

START_TEST(close_kills_a_lingering_child)
{
	struct pysandbox *s = started(fake_options("linger"));

	ck_assert_int_eq(pysandbox_close(s), PYSANDBOX_ETIMEDOUT);
	assert_no_children();
}
END_TEST

/* ---- several sessions at once ------------------------------------------ */

static void *session_thread(void *arg)
{
	struct pysandbox *s = fake();
	struct pysandbox_result *r;
	int i;

	for (i = 0; i < 5; i++) {
		r = run(s, "print t;exit 3");
		ck_assert_str_eq(out(r), "t\n");
		ck_assert_int_eq(pysandbox_result_exit_status(r), 3);
		pysandbox_result_free(r);
	}
	ck_assert_int_eq(pysandbox_close(s), 0);
	return arg;
}

START_TEST(sessions_in_parallel_threads)
{
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, session_thread, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_no_children();
}
END_TEST

START_TEST(strerror_covers_codes)
{
	ck_assert_str_eq(pysandbox_strerror(PYSANDBOX_EPROTO),
			 "the child broke the protocol");
	ck_assert_str_eq(pysandbox_strerror(-ESRCH), "no run in progress");
	ck_assert_ptr_nonnull(strstr(pysandbox_strerror(-EBUSY),
				     "the pool has started children"));
	ck_assert_str_eq(pysandbox_strerror(-ENOTSUP),
			 "the child does not support this feature");
	ck_assert_str_eq(pysandbox_outcome_name(PYSANDBOX_MEMORY_LIMIT),
			 "memory_limit");
	ck_assert_str_eq(pysandbox_exc_name(PYSANDBOX_EXC_KEY_ERROR),
			 "KeyError");
	ck_assert_str_eq(pysandbox_limit_name(PYSANDBOX_LIMIT_FILE_BYTES),
			 "file_bytes");
	ck_assert_ptr_null(pysandbox_limit_name(PYSANDBOX_LIMIT_COUNT));
}
END_TEST

/* ---- warm pools ---------------------------------------------------------- */

/* A pool of SIZE fake children warmed with the modules of PRELOAD
 * (NULL-terminated, may be NULL). */
static struct pysandbox_pool *fake_pool(int size, const char *const *preload)
{
	struct pysandbox_options *o = fake_options(NULL);
	struct pysandbox_pool *p = pysandbox_pool_new(o);

	pysandbox_options_free(o);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pysandbox_pool_set_size(p, size), 0);
	for (; preload && *preload; preload++)
		ck_assert_int_eq(pysandbox_pool_add_preload(p, *preload), 0);
	return p;
}

/* A session with OPTIONS (freed) started from P. */
static struct pysandbox *pooled(struct pysandbox_pool *p,
				struct pysandbox_options *o)
{
	struct pysandbox *s = pysandbox_new(o);
	int ret;

	ck_assert_ptr_nonnull(s);
	pysandbox_options_free(o);
	ret = pysandbox_pool_start(p, s);
	ck_assert_msg(ret == 0, "pool start: %d %s", ret, pysandbox_errmsg(s));
	return s;
}

static struct pysandbox_pool_stats stats_of(struct pysandbox_pool *p)
{
	struct pysandbox_pool_stats st;

	pysandbox_pool_stats(p, &st);
	return st;
}

/* The stats once the refill thread has brought P to IDLE children, or
 * fails after 5 s. */
static struct pysandbox_pool_stats settled(struct pysandbox_pool *p,
					   unsigned int idle)
{
	struct timespec tick = {0, 10 * 1000000L};
	struct pysandbox_pool_stats st;
	int i;

	for (i = 0; i < 500; i++) {
		st = stats_of(p);
		if (st.idle == idle && st.starting == 0)
			return st;
		nanosleep(&tick, NULL);
	}
	ck_abort_msg("pool has %u idle children, %u starting, not %u", st.idle,
		     st.starting, idle);
	return st;
}

static const char *info_str(struct pysandbox *s, const char *key)
{
	return json_object_to_json_string_ext(
		json_object_object_get(pysandbox_info(s), key), PLAIN);
}

START_TEST(pool_session_is_warm)
{
	const char *const preload[] = {"json", "xml.etree", NULL};
	struct pysandbox_pool *p = fake_pool(2, preload);
	struct pysandbox_options *o = fake_options(NULL);
	struct pysandbox_result *r;
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	ck_assert_uint_eq(stats_of(p).idle, 2);
	ck_assert_int_eq(pysandbox_options_set_cwd(o, "/work"), 0);
	s = pooled(p, o);

	ck_assert_str_eq(info_str(s, "fake_warm"), "[\"json\",\"xml.etree\"]");
	ck_assert_str_eq(info_str(s, "protocol_version"), "\"1.1\"");
	ck_assert_str_eq(json_object_get_string(echo(s, "protocol_version")),
			 "1.1");
	ck_assert_str_eq(json_object_get_string(echo(s, "cwd")), "/work");
	r = run(s, "print warm");
	ck_assert_str_eq(out(r), "warm\n");
	pysandbox_result_free(r);

	ck_assert_uint_eq(settled(p, 2).warm, 1);
	ck_assert_uint_eq(stats_of(p).cold, 0);
	ck_assert_uint_eq(stats_of(p).spawned, 3);
	ck_assert_int_eq(pysandbox_pool_start(p, s), -EINVAL);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

START_TEST(pool_starts_cold_when_empty)
{
	struct pysandbox_pool *p = fake_pool(1, NULL);
	struct pysandbox *s = pooled(p, fake_options(NULL));

	/* Nothing was filled: this one started cold, and the refill thread
	 * fills the pool afterwards. */
	ck_assert_ptr_null(
		json_object_object_get(pysandbox_info(s), "fake_warm"));
	ck_assert_uint_eq(stats_of(p).cold, 1);
	ck_assert_uint_eq(settled(p, 1).spawned, 1);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

/* A pool whose children misbehave as PRELOAD says still starts sessions:
 * the session runs code, its initialize said VERSION (NULL: the cold
 * default); return the pool's stats after one session. */
static struct pysandbox_pool_stats one_session(const char *preload,
					       const char *version)
{
	const char *const list[] = {preload, NULL};
	struct pysandbox_pool *p = fake_pool(1, list);
	struct pysandbox_pool_stats st;
	struct pysandbox_result *r;
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	s = pooled(p, fake_options(NULL));
	if (version)
		ck_assert_str_eq(
			json_object_get_string(echo(s, "protocol_version")),
			version);
	ck_assert_str_eq(pysandbox_errmsg(s), "");
	r = run(s, "print ok");
	ck_assert_str_eq(out(r), "ok\n");
	pysandbox_result_free(r);

	st = stats_of(p);
	ck_assert_int_eq(pysandbox_close(s), 0);
	if (st.discarded)
		ck_assert_str_ne(pysandbox_pool_errmsg(p), "");
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
	return st;
}

START_TEST(pool_refused_warm_starts_as_1_0)
{
	struct pysandbox_pool_stats st = one_session("fake_warm_old", "1.0");

	ck_assert_uint_eq(st.warm, 0);
	ck_assert_uint_eq(st.cold, 1);
	ck_assert_uint_eq(st.discarded, 0);

	st = one_session("fake_warm_unsupported", "1.0");
	ck_assert_uint_eq(st.cold, 1);
	ck_assert_uint_eq(st.discarded, 0);
}
END_TEST

START_TEST(pool_failed_warm_is_discarded)
{
	static const char *const modes[] = {
		"fake_warm_missing", "fake_warm_die", "fake_warm_silence"};
	struct pysandbox_pool_stats st;
	size_t i;

	for (i = 0; i < 3; i++) {
		/* The refill thread may have discarded replacements too. */
		st = one_session(modes[i], NULL);
		ck_assert_msg(st.discarded >= 1 && st.cold == 1 && st.warm == 0,
			      "%s: discarded %llu cold %llu", modes[i],
			      (unsigned long long)st.discarded,
			      (unsigned long long)st.cold);
	}
}
END_TEST

/* A preload that fails every warm alike: the first failure pauses the
 * starting of children for 200 ms, the next for 400 ms, so sessions in
 * between start cold without a doomed child each (the refill thread may
 * have started one replacement before the first failure was known). */
START_TEST(pool_failed_warm_backs_off)
{
	const char *const list[] = {"fake_warm_missing", NULL};
	struct pysandbox_pool *p = fake_pool(1, list);
	struct pysandbox_pool_stats st;
	const char *msg;
	int i;

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pysandbox_close(pooled(p, fake_options(NULL))),
				 0);
	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	st = stats_of(p);
	ck_assert_uint_eq(st.cold, 8);
	ck_assert_msg(st.spawned <= 2 && st.discarded <= 2,
		      "spawned %llu, discarded %llu for 8 sessions",
		      (unsigned long long)st.spawned,
		      (unsigned long long)st.discarded);
	ck_assert_ptr_nonnull(
		strstr(pysandbox_pool_errmsg(p), "No module named"));
	ck_assert_ptr_nonnull(
		strstr(pysandbox_pool_errmsg(p), "(no child started for "));

	/* The pause over, one more child, and a longer pause after it. */
	st = settled(p, 1);
	ck_assert_int_eq(pysandbox_close(pooled(p, fake_options(NULL))), 0);
	ck_assert_uint_eq(stats_of(p).discarded, st.discarded + 1);
	msg = pysandbox_pool_errmsg(p);
	ck_assert_msg(strstr(msg, "(no child started for 400 ms)") ||
			      strstr(msg, "(no child started for 800 ms)"),
		      "%s", msg);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

/* Writes into DIR (PATH_MAX bytes, made here) a child whose first FAILS
 * starts exit at once, and whose later ones are the fake child; returns
 * its path. Each start takes a number with mkdir, which is atomic. */
static const char *failing_first(char *dir, int fails)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(dir, PATH_MAX, "/tmp/psb-pool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/child", dir),
			 (int)sizeof(path));
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"#!/bin/sh\n"
		"i=0\n"
		"until /bin/mkdir %s/start$i 2>/dev/null; do i=$((i+1)); done\n"
		"[ $i -ge %d ] || exit 5\n"
		"exec %s\n",
		dir, fails, FAKE_CHILD);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0700), 0);
	return path;
}

/* Waits until P has discarded N children, for at most 10 s. */
static void discarded(struct pysandbox_pool *p, uint64_t n)
{
	struct timespec tick = {0, 10 * 1000000L};
	int i;

	for (i = 0; i < 1000 && stats_of(p).discarded < n; i++)
		nanosleep(&tick, NULL);
	ck_assert_uint_eq(stats_of(p).discarded, n);
}

/* Children that fail cost one child per back-off, not the pool's size;
 * once a session starts on a child, the pool fills up to its size. */
START_TEST(pool_backs_off_with_one_child)
{
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox_pool *p;
	char dir[PATH_MAX], cmd[PATH_MAX + 16];
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_options_set_child(o, failing_first(dir, 4)),
			 0);
	p = pysandbox_pool_new(o);
	pysandbox_options_free(o);
	ck_assert_int_eq(pysandbox_pool_set_size(p, 3), 0);
	ck_assert_int_eq(pysandbox_pool_fill(p), 0);

	/* The three of the fill exit (800 ms), the next child too (1.6 s);
	 * the one after that is the fifth, and the only one waiting. */
	discarded(p, 3);
	discarded(p, 4);
	ck_assert_uint_eq(settled(p, 1).spawned, 5);

	s = pooled(p, fake_options(NULL));
	ck_assert_uint_eq(stats_of(p).warm, 1);
	ck_assert_uint_eq(settled(p, 3).spawned, 8);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
	ck_assert_int_lt(snprintf(cmd, sizeof(cmd), "rm -rf %s", dir),
			 (int)sizeof(cmd));
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The scheduling policy of each child of this process: N at most. */
static int child_policies(int *policy, int n)
{
	char path[64], line[512], *end;
	struct dirent *e;
	int found = 0, ppid;
	DIR *d = opendir("/proc");
	FILE *f;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) && found < n) {
		long pid = strtol(e->d_name, &end, 10);

		if (pid <= 0 || *end)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		end = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		if (end && sscanf(end + 2, "%*c %d", &ppid) == 1 &&
		    ppid == getpid())
			policy[found++] = sched_getscheduler((pid_t)pid);
		fclose(f);
	}
	closedir(d);
	return found;
}

/* A session started cold on this thread, then two children started by
 * the refill thread: every one runs POLICY. */
static void assert_children_run(int policy)
{
	struct pysandbox_pool *p = fake_pool(2, NULL);
	struct pysandbox *s = pooled(p, fake_options(NULL));
	int got[8], n, i;

	ck_assert_uint_eq(settled(p, 2).cold, 1);
	n = child_policies(got, 8);
	ck_assert_int_eq(n, 3);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(got[i], policy);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}

/* The refill thread runs SCHED_BATCH; its children do not. */
START_TEST(pool_children_run_sched_other)
{
	assert_children_run(SCHED_OTHER);
}
END_TEST

/* A policy the application chose is the children's, even when glibc had
 * cached the one before (pthread_getschedparam) and the application
 * switched with sched_setscheduler(). */
START_TEST(pool_children_keep_the_applications_policy)
{
	struct sched_param param = {.sched_priority = 0};
	int policy;

	ck_assert_int_eq(pthread_getschedparam(pthread_self(), &policy, &param),
			 0);
	ck_assert_int_eq(policy, SCHED_OTHER);
	ck_assert_int_eq(sched_setscheduler(0, SCHED_IDLE, &param), 0);
	assert_children_run(SCHED_IDLE);
}
END_TEST

START_TEST(pool_default_size_is_2)
{
	struct pysandbox_options *o = fake_options(NULL);
	struct pysandbox_pool *p = pysandbox_pool_new(o);

	pysandbox_options_free(o);
	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	ck_assert_uint_eq(settled(p, 2).spawned, 2);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

START_TEST(pool_warm_failure_message)
{
	const char *const list[] = {"fake_warm_missing", NULL};
	struct pysandbox_pool *p = fake_pool(1, list);
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	s = pooled(p, fake_options(NULL));
	ck_assert_ptr_nonnull(
		strstr(pysandbox_pool_errmsg(p), "No module named"));
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

START_TEST(pool_child_dies_while_idle)
{
	const char *const list[] = {"fake_warm_dieafter", NULL};
	struct pysandbox_pool *p = fake_pool(3, list);
	struct timespec pause = {1, 300 * 1000000L};
	struct pysandbox_result *r;
	struct pysandbox *s;

	/* The refill thread reaps the three within its sweep period,
	 * without any call on the pool. */
	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	nanosleep(&pause, NULL);
	ck_assert_uint_ge(stats_of(p).discarded, 3);

	s = pooled(p, fake_options(NULL));
	r = run(s, "print alive");
	ck_assert_str_eq(out(r), "alive\n");
	pysandbox_result_free(r);
	ck_assert_uint_eq(stats_of(p).warm, 0);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

/* With SIGCHLD ignored the kernel reaps children itself; the pool still
 * notices the idle ones that exited. */
START_TEST(pool_child_dies_while_idle_sigchld_ignored)
{
	const char *const list[] = {"fake_warm_dieafter", NULL};
	struct pysandbox_pool *p;
	struct timespec pause = {1, 300 * 1000000L};

	signal(SIGCHLD, SIG_IGN);
	p = fake_pool(2, list);
	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	nanosleep(&pause, NULL);
	ck_assert_uint_ge(stats_of(p).discarded, 2);
	ck_assert_ptr_nonnull(strstr(pysandbox_pool_errmsg(p), "idle child"));
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

START_TEST(pool_waits_for_a_pending_warm)
{
	const char *const list[] = {"fake_warm_slow", NULL};
	struct pysandbox_pool *p = fake_pool(1, list);
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	s = pooled(p, fake_options(NULL));
	ck_assert_str_eq(info_str(s, "fake_warm"), "[\"fake_warm_slow\"]");
	ck_assert_uint_eq(stats_of(p).warm, 1);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

START_TEST(pool_close_reaps_idle_children_only)
{
	struct pysandbox_pool *p = fake_pool(5, NULL);
	struct pysandbox_result *r;
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	s = pooled(p, fake_options(NULL));
	settled(p, 5);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);

	/* The session handed out outlives its pool. */
	r = run(s, "print still here");
	ck_assert_str_eq(out(r), "still here\n");
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
	ck_assert_int_eq(pysandbox_pool_close(NULL), 0);
}
END_TEST

START_TEST(pool_close_kills_a_lingering_child)
{
	const char *const list[] = {"fake_warm_linger", NULL};
	struct pysandbox_pool *p = fake_pool(2, list);

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), PYSANDBOX_ETIMEDOUT);
	assert_no_children();
}
END_TEST

START_TEST(pool_configuration_is_validated)
{
	struct pysandbox_pool *p = fake_pool(1, NULL);
	char long_name[200];
	int i;

	ck_assert_int_eq(pysandbox_pool_set_size(p, 0), -EINVAL);
	ck_assert_str_eq(pysandbox_pool_errmsg(p),
			 "pool size 0 is outside 1..64");
	ck_assert_int_eq(pysandbox_pool_set_size(p, PYSANDBOX_POOL_MAX + 1),
			 -EINVAL);
	ck_assert_int_eq(pysandbox_pool_set_size(p, PYSANDBOX_POOL_MAX), 0);

	ck_assert_int_eq(pysandbox_pool_add_preload(p, ""), -EINVAL);
	ck_assert_int_eq(pysandbox_pool_add_preload(p, "1abc"), -EINVAL);
	ck_assert_int_eq(pysandbox_pool_add_preload(p, "a..b"), -EINVAL);
	ck_assert_int_eq(pysandbox_pool_add_preload(p, "a."), -EINVAL);
	ck_assert_int_eq(pysandbox_pool_add_preload(p, "os;x"), -EINVAL);
	ck_assert_int_eq(pysandbox_pool_add_preload(p, NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(pysandbox_pool_errmsg(p), "dotted name"));
	memset(long_name, 'a', 129);
	long_name[129] = '\0';
	ck_assert_int_eq(pysandbox_pool_add_preload(p, long_name), -EINVAL);
	long_name[128] = '\0';
	ck_assert_int_eq(pysandbox_pool_add_preload(p, long_name), 0);
	for (i = 1; i < 64; i++)
		ck_assert_int_eq(pysandbox_pool_add_preload(p, "x.y_2"), 0);
	ck_assert_int_eq(pysandbox_pool_add_preload(p, "x"), -E2BIG);

	ck_assert_int_eq(pysandbox_pool_set_size(p, 1), 0);
	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	ck_assert_int_eq(pysandbox_pool_set_size(p, 2), -EBUSY);
	ck_assert_int_eq(pysandbox_pool_add_preload(p, "json"), -EBUSY);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

START_TEST(pool_with_missing_child)
{
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox_pool *p;
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_options_set_child(o, "/nonexistent/x"), 0);
	p = pysandbox_pool_new(o);
	ck_assert_int_eq(pysandbox_pool_fill(p), PYSANDBOX_ESPAWN);
	ck_assert_ptr_nonnull(strstr(pysandbox_pool_errmsg(p), "/nonexistent"));
	/* Nothing started: still configurable. */
	ck_assert_int_eq(pysandbox_pool_set_size(p, 3), 0);
	ck_assert_int_eq(pysandbox_pool_add_preload(p, "json"), 0);
	ck_assert_int_eq(stats_of(p).spawned, 0);

	s = pysandbox_new(o);
	pysandbox_options_free(o);
	ck_assert_int_eq(pysandbox_pool_start(p, s), PYSANDBOX_ESPAWN);
	ck_assert_ptr_nonnull(strstr(pysandbox_errmsg(s), "/nonexistent"));
	ck_assert_int_eq(
		pysandbox_execute(s, "x", &(struct pysandbox_result *){NULL}),
		PYSANDBOX_EENDED);
	pysandbox_close(s);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

/* Every start is checked, cold and warm: once the directory is fixed, the
 * same pool starts children. */
START_TEST(pool_refuses_an_untrusted_child)
{
	static const struct trust_case c = {
		"directory writable by others", 0700, 0777, 0755, 0, "/d",
		"is writable by others"};
	char top[PATH_MAX], child[PATH_MAX], d[PATH_MAX];
	struct pysandbox_options *o = fake_options(NULL);
	struct pysandbox_pool *p;
	struct pysandbox *s;

	trust_tree(&c, top, child);
	ck_assert_int_eq(pysandbox_options_set_child(o, child), 0);
	p = pysandbox_pool_new(o);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pysandbox_pool_fill(p), PYSANDBOX_ESPAWN);
	assert_refusal(pysandbox_pool_errmsg(p), &c, top, child);

	s = pysandbox_new(o);
	ck_assert_int_eq(pysandbox_pool_start(p, s), PYSANDBOX_ESPAWN);
	assert_refusal(pysandbox_errmsg(s), &c, top, child);
	pysandbox_close(s);

	tree_path(d, top, "/d");
	ck_assert_int_eq(chmod(d, 0755), 0);
	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	s = pooled(p, o);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
	remove_tree(top);
}
END_TEST

START_TEST(pool_session_errors_are_the_sessions)
{
	struct pysandbox_pool *p = fake_pool(1, NULL);
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	s = unstarted("error");
	ck_assert_int_eq(pysandbox_pool_start(p, s), PYSANDBOX_EREMOTE);
	ck_assert_int_eq(pysandbox_rpc_code(s), -32006);
	pysandbox_close(s);

	/* A refusal of the session's configuration is not retried. */
	ck_assert_uint_eq(stats_of(p).discarded, 0);
	ck_assert_uint_eq(stats_of(p).cold + stats_of(p).warm, 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

struct pool_worker {
	struct pysandbox_pool *pool;
	int pids[3];
};

static void *pool_thread(void *arg)
{
	struct pool_worker *w = arg;
	struct pysandbox_result *r;
	struct pysandbox *s;
	int i;

	for (i = 0; i < 3; i++) {
		s = pooled(w->pool, fake_options(NULL));
		r = run(s, "pid");
		w->pids[i] = atoi(out(r));
		pysandbox_result_free(r);
		ck_assert_int_eq(pysandbox_close(s), 0);
	}
	return NULL;
}

START_TEST(pool_serves_threads_one_child_each)
{
	struct pysandbox_pool *p = fake_pool(2, NULL);
	struct pool_worker w[4];
	pthread_t t[4];
	int i, j;

	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	for (i = 0; i < 4; i++) {
		w[i].pool = p;
		pthread_create(&t[i], NULL, pool_thread, &w[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);

	/* Twelve sessions, twelve children: none served two. */
	for (i = 0; i < 12; i++)
		for (j = i + 1; j < 12; j++)
			ck_assert_int_ne(w[i / 3].pids[i % 3],
					 w[j / 3].pids[j % 3]);
	ck_assert_uint_eq(stats_of(p).warm + stats_of(p).cold, 12);
	ck_assert_uint_ge(stats_of(p).warm, 2);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

/* ---- the real child ------------------------------------------------------ */

static struct pysandbox *real(void)
{
	struct pysandbox_options *o = pysandbox_options_new();

	ck_assert_int_eq(pysandbox_options_set_child(o, REAL_CHILD), 0);
	ck_assert_int_eq(pysandbox_options_expose(o, "add", add, NULL), 0);
	ck_assert_int_eq(pysandbox_options_add_tmpfs(o, "/out", 0, 0), 0);
	return started(o);
}

START_TEST(real_isolation_reported)
{
	struct pysandbox *s = real();
	struct json_object *iso, *seccomp;

	ck_assert(json_object_object_get_ex(pysandbox_info(s), "isolation",
					    &iso));
	ck_assert(json_object_object_get_ex(iso, "seccomp", &seccomp));
	ck_assert(json_object_get_boolean(seccomp));
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
}
END_TEST

START_TEST(real_host_call_and_typed_error)
{
	struct pysandbox *s = real();
	struct pysandbox_result *r;

	r = run(s, "import sandbox\n"
		   "print(sandbox.call('add', 2, 3))\n"
		   "try:\n"
		   "    sandbox.call('add', 1)\n"
		   "except ValueError as e:\n"
		   "    print('ValueError', e)\n");
	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_OK);
	ck_assert_str_eq(out(r), "5\nValueError add takes 2 numbers\n");
	ck_assert_int_eq(pysandbox_result_usage(r, "host_calls"), 2);
	pysandbox_result_free(r);
	pysandbox_close(s);
}
END_TEST

START_TEST(real_state_persists_and_invoke)
{
	struct pysandbox *s = real();
	struct json_object *args = json_tokener_parse("[40]");
	struct json_object *kw = json_tokener_parse("{\"b\":2}");
	struct pysandbox_result *r;

	pysandbox_result_free(
		run(s, "def f(a, b=0):\n    return {'sum': a + b}"));
	ck_assert_int_eq(pysandbox_invoke(s, "__main__.f", args, kw, &r), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(
				 pysandbox_result_value(r), PLAIN),
			 "{\"sum\":42}");
	pysandbox_result_free(r);
	json_object_put(args);
	json_object_put(kw);
	pysandbox_close(s);
}
END_TEST

START_TEST(real_tmpfs_and_stdin)
{
	struct pysandbox *s = real();
	struct pysandbox_result *r;
	struct json_object *list;
	void *data;
	size_t len;

	ck_assert_int_eq(pysandbox_set_stdin(s, "piped", 5), 0);
	r = run(s, "import sys\n"
		   "open('/out/r.txt', 'w').write(sys.stdin.read())");
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_tmpfs_list(s, "/out", &list), 0);
	ck_assert_ptr_nonnull(
		strstr(json_object_to_json_string_ext(list, PLAIN),
		       "\"path\":\"/out/r.txt\""));
	json_object_put(list);
	ck_assert_int_eq(
		pysandbox_tmpfs_read(s, "/out/r.txt", 100, &data, &len), 0);
	ck_assert_str_eq(data, "piped");
	free(data);
	ck_assert_int_eq(pysandbox_tmpfs_read(s, "/out/none", 100, &data, &len),
			 PYSANDBOX_EREMOTE);
	ck_assert_int_eq(pysandbox_rpc_code(s), -32008);
	pysandbox_close(s);
}
END_TEST

/* file_bytes 0: a file may be created, not written (EFBIG); output_bytes
 * 0: the first byte of output ends the run. */
START_TEST(real_zero_file_and_output_limits)
{
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox_result *r;
	struct pysandbox *s;

	ck_assert_int_eq(pysandbox_options_set_child(o, REAL_CHILD), 0);
	ck_assert_int_eq(
		pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_FILE_BYTES, 0),
		0);
	s = started(o);
	r = run(s, "f = open('/tmp/f', 'wb')\n"
		   "try:\n"
		   "    f.write(b'x'); f.close()\n"
		   "except OSError as e:\n"
		   "    print(e.errno)");
	ck_assert_str_eq(out(r), "27\n");
	pysandbox_result_free(r);
	pysandbox_close(s);

	o = pysandbox_options_new();
	ck_assert_int_eq(pysandbox_options_set_child(o, REAL_CHILD), 0);
	ck_assert_int_eq(
		pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_OUTPUT_BYTES, 0),
		0);
	s = started(o);
	r = run(s, "print('x')");
	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_OUTPUT_LIMIT);
	ck_assert_str_eq(out(r), "");
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
}
END_TEST

START_TEST(real_cancel)
{
	struct pysandbox *s = real();
	struct pysandbox_result *r;
	pthread_t t;

	pthread_create(&t, NULL, cancel_later, s);
	r = run(s, "import time\nwhile True:\n    time.sleep(0.01)");
	pthread_join(t, NULL);
	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_CANCELLED);
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_close(s), 0);
	assert_no_children();
}
END_TEST

/* ---- the real child's warm pool ------------------------------------------ */

static struct pysandbox_pool *real_pool(int size, const char *preload)
{
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox_pool *p;

	ck_assert_int_eq(pysandbox_options_set_child(o, REAL_CHILD), 0);
	p = pysandbox_pool_new(o);
	pysandbox_options_free(o);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pysandbox_pool_set_size(p, size), 0);
	if (preload)
		ck_assert_int_eq(pysandbox_pool_add_preload(p, preload), 0);
	ck_assert_int_eq(pysandbox_pool_fill(p), 0);
	return p;
}

static struct pysandbox *real_pooled(struct pysandbox_pool *p)
{
	struct pysandbox_options *o = pysandbox_options_new();

	ck_assert_int_eq(pysandbox_options_set_child(o, REAL_CHILD), 0);
	ck_assert_int_eq(pysandbox_options_expose(o, "add", add, NULL), 0);
	ck_assert_int_eq(pysandbox_options_set_env(o, "GREETING", "hello"), 0);
	return pooled(p, o);
}

START_TEST(real_pool_session_runs_with_preload)
{
	struct pysandbox_pool *p = real_pool(1, "decimal");
	struct pysandbox *s = real_pooled(p);
	struct pysandbox_result *r;

	r = run(s, "import os, sys, sandbox\n"
		   "print('decimal' in sys.modules, os.environ['GREETING'])\n"
		   "print(sandbox.call('add', 2, 3))");
	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_OK);
	ck_assert_str_eq(out(r), "True hello\n5\n");
	pysandbox_result_free(r);
	ck_assert_str_eq(info_str(s, "protocol_version"), "\"1.1\"");
	ck_assert_uint_eq(stats_of(p).warm, 1);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

/* Session 1 leaves a global, a file in /tmp, an environment variable, a
 * working directory and a thread behind; session 2, from the same pool,
 * sees none of them. */
START_TEST(real_pool_sessions_share_nothing)
{
	struct pysandbox_pool *p = real_pool(1, "json");
	struct pysandbox *s = real_pooled(p);
	struct pysandbox_result *r;

	r = run(s, "import os, threading, time\n"
		   "LEFT = 1\n"
		   "open('/tmp/left.txt', 'w').write('x')\n"
		   "os.environ['LEFT'] = '1'\n"
		   "os.mkdir('/tmp/d'); os.chdir('/tmp/d')\n"
		   "threading.Thread(target=time.sleep, args=(60,),\n"
		   "                 daemon=True, name='left').start()\n"
		   "print(threading.active_count())");
	ck_assert_str_eq(out(r), "2\n");
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_close(s), 0);

	s = real_pooled(p);
	r = run(s,
		"import os, threading\n"
		"print('LEFT' in globals(), os.path.exists('/tmp/left.txt'),\n"
		"      'LEFT' in os.environ, os.getcwd(),\n"
		"      [t.name for t in threading.enumerate()\n"
		"       if t.name == 'left'], threading.active_count())");
	ck_assert_int_eq(pysandbox_result_outcome(r), PYSANDBOX_OK);
	ck_assert_str_eq(out(r), "False False False /tmp [] 1\n");
	pysandbox_result_free(r);
	ck_assert_uint_eq(stats_of(p).warm, 2);
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

static void *real_pool_thread(void *arg)
{
	struct pysandbox *s = real_pooled(arg);
	struct pysandbox_result *r = run(s, "print(6 * 7)");

	ck_assert_str_eq(out(r), "42\n");
	pysandbox_result_free(r);
	ck_assert_int_eq(pysandbox_close(s), 0);
	return NULL;
}

START_TEST(real_pool_sessions_at_once)
{
	struct pysandbox_pool *p = real_pool(2, NULL);
	pthread_t t[3];
	int i;

	for (i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, real_pool_thread, p);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(stats_of(p).warm + stats_of(p).cold, 3);
	ck_assert_uint_ge(stats_of(p).warm, 2);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

START_TEST(real_pool_missing_preload_falls_back)
{
	struct pysandbox_pool *p = real_pool(1, "no_such_module_xyz");
	struct pysandbox *s = real_pooled(p);
	struct pysandbox_result *r = run(s, "print('cold')");

	ck_assert_str_eq(out(r), "cold\n");
	pysandbox_result_free(r);
	ck_assert_uint_eq(stats_of(p).discarded, 1);
	ck_assert_uint_eq(stats_of(p).cold, 1);
	ck_assert_ptr_nonnull(
		strstr(pysandbox_pool_errmsg(p), "no_such_module_xyz"));
	ck_assert_int_eq(pysandbox_close(s), 0);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	assert_no_children();
}
END_TEST

/* REQ-WARM-9: a child started as root drops its privileges in warm, so
 * a bind source only root can read is refused to a pooled session, at
 * initialize (filesystem_error) or when the code opens it (EACCES);
 * readable by uid 65534, it works. Not as root, nothing is dropped and
 * the owner reads its own directory either way. */
static const char *read_bound(struct pysandbox_pool *p,
			      struct pysandbox_options *o, char *buf,
			      size_t size)
{
	struct pysandbox *s = pysandbox_new(o);
	struct pysandbox_result *r;
	int ret = pysandbox_pool_start(p, s);

	if (ret == PYSANDBOX_EREMOTE && pysandbox_rpc_code(s) == -32007) {
		snprintf(buf, size, "filesystem_error");
	} else {
		ck_assert_msg(ret == 0, "pool start: %s", pysandbox_errmsg(s));
		r = run(s, "try:\n"
			   "    print(open('/data/f.txt').read(), end='')\n"
			   "except PermissionError:\n"
			   "    print('PermissionError')");
		snprintf(buf, size, "%s", out(r));
		pysandbox_result_free(r);
	}
	pysandbox_close(s);
	return buf;
}

START_TEST(real_pool_bind_needs_the_dropped_uid)
{
	char dir[] = "/tmp/psb-warm9-XXXXXX", file[64], got[64];
	struct pysandbox_pool *p = real_pool(1, NULL);
	struct pysandbox_options *o = pysandbox_options_new();
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/f.txt", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("bound\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(file, 0644), 0);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(pysandbox_options_set_child(o, REAL_CHILD), 0);
	ck_assert_int_eq(pysandbox_options_add_bind(o, dir, "/data"), 0);

	read_bound(p, o, got, sizeof(got));
	if (geteuid() == 0)
		ck_assert_msg(!strcmp(got, "filesystem_error") ||
				      !strcmp(got, "PermissionError\n"),
			      "as root, a 0700 source gave '%s'", got);
	else
		ck_assert_str_eq(got, "bound\n");

	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_str_eq(read_bound(p, o, got, sizeof(got)), "bound\n");
	pysandbox_options_free(o);
	ck_assert_int_eq(pysandbox_pool_close(p), 0);
	unlink(file);
	rmdir(dir);
	assert_no_children();
}
END_TEST

static Suite *real_suite(void)
{
	Suite *s = suite_create("real-child");
	TCase *t = tcase_create("real");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, real_isolation_reported);
	tcase_add_test(t, real_host_call_and_typed_error);
	tcase_add_test(t, real_state_persists_and_invoke);
	tcase_add_test(t, real_tmpfs_and_stdin);
	tcase_add_test(t, real_zero_file_and_output_limits);
	tcase_add_test(t, real_cancel);
	tcase_add_test(t, real_pool_session_runs_with_preload);
	tcase_add_test(t, real_pool_sessions_share_nothing);
	tcase_add_test(t, real_pool_sessions_at_once);
	tcase_add_test(t, real_pool_missing_preload_falls_back);
	tcase_add_test(t, real_pool_bind_needs_the_dropped_uid);
	suite_add_tcase(s, t);
	return s;
}

static Suite *suite(void)
{
	Suite *s = suite_create("libpysandbox");
	TCase *t = tcase_create("core");

	tcase_set_timeout(t, 20);
	tcase_add_test(t, initialize_carries_options);
	tcase_add_test(t, zero_output_and_file_limits_reach_the_child);
	tcase_add_test(t, missing_child_is_espawn);
	tcase_add_test(t, child_from_environment);
	tcase_add_test(t, start_failures);
	tcase_add_test(t, setup_failed_is_remote);
	tcase_add_test(t, tolerated_noise_at_start);
	tcase_add_test(t, initialize_too_large);
	tcase_add_loop_test(t, untrusted_child_is_not_started, 0,
			    N_TRUST_CASES);
	tcase_add_test(t, options_are_validated);
	tcase_add_test(t, entry_count_is_bounded);
	tcase_add_test(t, glob_count_is_bounded);
	tcase_add_test(t, output_is_collected);
	tcase_add_test(t, output_is_streamed);
	tcase_add_test(t, child_gets_only_its_descriptors);
	tcase_add_test(t, exception_and_exit);
	tcase_add_test(t, fatal_outcome_ends_session);
	tcase_add_test(t, invoke_passes_arguments);
	tcase_add_test(t, capability_false_is_refused_locally);
	tcase_add_test(t, stdin_reaches_the_run);
	tcase_add_test(t, reads_while_writing);
	tcase_add_test(t, oversized_request_keeps_session);
	tcase_add_test(t, host_call_value);
	tcase_add_test(t, host_call_errors);
	tcase_add_test(t, host_directory);
	tcase_add_test(t, unknown_requests_and_noise);
	tcase_add_test(t, tmpfs_read_back);
	tcase_add_test(t, tmpfs_errors);
	tcase_add_test(t, cancel_from_another_thread);
	tcase_add_test(t, cancel_ignored_hits_backstop);
	tcase_add_test(t, child_dies_mid_run);
	tcase_add_test(t, silent_child_is_killed);
	tcase_add_test(t, output_flood_is_bounded);
	tcase_add_test(t, excess_output_is_dropped);
	tcase_add_test(t, garbage_flood_is_protocol_error);
	tcase_add_test(t, bad_replies);
	tcase_add_test(t, host_call_for_another_run);
	tcase_add_test(t, malformed_messages_of_the_run);
	tcase_add_test(t, close_kills_a_lingering_child);
	tcase_add_test(t, sessions_in_parallel_threads);
	tcase_add_test(t, strerror_covers_codes);
	suite_add_tcase(s, t);

	t = tcase_create("pool");
	tcase_set_timeout(t, 20);
	tcase_add_test(t, pool_session_is_warm);
	tcase_add_test(t, pool_starts_cold_when_empty);
	tcase_add_test(t, pool_refused_warm_starts_as_1_0);
	tcase_add_test(t, pool_failed_warm_is_discarded);
	tcase_add_test(t, pool_warm_failure_message);
	tcase_add_test(t, pool_failed_warm_backs_off);
	tcase_add_test(t, pool_backs_off_with_one_child);
	tcase_add_test(t, pool_default_size_is_2);
	tcase_add_test(t, pool_children_run_sched_other);
	tcase_add_test(t, pool_children_keep_the_applications_policy);
	tcase_add_test(t, pool_child_dies_while_idle);
	tcase_add_test(t, pool_child_dies_while_idle_sigchld_ignored);
	tcase_add_test(t, pool_waits_for_a_pending_warm);
	tcase_add_test(t, pool_close_reaps_idle_children_only);
	tcase_add_test(t, pool_close_kills_a_lingering_child);
	tcase_add_test(t, pool_configuration_is_validated);
	tcase_add_test(t, pool_with_missing_child);
	tcase_add_test(t, pool_refuses_an_untrusted_child);
	tcase_add_test(t, pool_session_errors_are_the_sessions);
	tcase_add_test(t, pool_serves_threads_one_child_each);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	/* CK_RUN_SUITE picks one: the real child's suite needs build/sandbox.
	 */
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_add_suite(sr, real_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
