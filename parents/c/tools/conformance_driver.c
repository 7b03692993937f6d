/* SPDX-License-Identifier: MIT */
/*
 * conformance_driver.c - the C parent's driver for the conformance suite
 * (docs/conformance.md, "The driver contract"): reads one session as
 * JSON on stdin, runs it with libpysandbox, prints what happened as one
 * JSON line.
 *
 *	conformance-driver [--child PATH] < session.json
 *
 * An optional top-level "warm": {"preload": [MODULE, ...]} runs the
 * session through a warm pool of size 1 with that preload
 * (pysandbox_pool_start); the output is that of a cold session.
 *
 * Exit status 0 whenever the session ran, whatever happened in it; 2 when
 * the input or the command line is not of the contract.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sbproto.h"

#define PLAIN	  (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define INPUT_MAX (64 * 1024 * 1024)
#define READ_MAX  (64 * 1024 * 1024)

/* The phase an error happened in decides what -E2BIG means. */
enum phase { CONFIGURING, RUNNING };

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* Elements of A, 0 when it is not an array (an absent member). */
static size_t count(struct json_object *a)
{
	if (!json_object_is_type(a, json_type_array))
		return 0;
	return json_object_array_length(a);
}

static const char *kind_of(int code, enum phase phase)
{
	switch (code) {
	case PYSANDBOX_EREMOTE:
		return "remote";
	case PYSANDBOX_ETIMEDOUT:
		return "timeout";
	case PYSANDBOX_ECHILD:
		return "child_exited";
	case PYSANDBOX_EPROTO:
		return "protocol";
	case PYSANDBOX_ESPAWN:
		return "spawn";
	case PYSANDBOX_EENDED:
		return "session_ended";
	case -EBUSY:
		return "busy";
	case -E2BIG:
		return phase == RUNNING ? "frame_too_large"
					: "invalid_argument";
	case -EINVAL:
		return "invalid_argument";
	case -ENOTSUP:
		return "unsupported";
	}
	return "other";
}

static struct json_object *error_object(const char *kind, const char *msg)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "kind", json_object_new_string(kind));
	json_object_object_add(e, "message", json_object_new_string(msg));
	return e;
}

/* The ERROR of the contract for CODE, the last failure of S. */
static struct json_object *session_error(struct pysandbox *s, int code,
					 enum phase phase)
{
	struct json_object *e;
	const char *name;

	e = error_object(kind_of(code, phase), pysandbox_errmsg(s));
	if (code != PYSANDBOX_EREMOTE)
		return e;

	name = strchr(pysandbox_errmsg(s), ':');
	json_object_object_add(e, "code",
			       json_object_new_int(pysandbox_rpc_code(s)));
	json_object_object_add(
		e, "name",
		json_object_new_string_len(
			pysandbox_errmsg(s),
			name ? (int)(name - pysandbox_errmsg(s)) : 0));
	return e;
}

/* ---- host functions ----------------------------------------------------- */

static const struct {
	const char *name;
	enum pysandbox_exc exc;
} exc_table[] = {
	{"ValueError", PYSANDBOX_EXC_VALUE_ERROR},
	{"TypeError", PYSANDBOX_EXC_TYPE_ERROR},
	{"KeyError", PYSANDBOX_EXC_KEY_ERROR},
	{"IndexError", PYSANDBOX_EXC_INDEX_ERROR},
	{"LookupError", PYSANDBOX_EXC_LOOKUP_ERROR},
	{"PermissionError", PYSANDBOX_EXC_PERMISSION_ERROR},
	{"FileNotFoundError", PYSANDBOX_EXC_FILE_NOT_FOUND_ERROR},
	{"TimeoutError", PYSANDBOX_EXC_TIMEOUT_ERROR},
	{"RuntimeError", PYSANDBOX_EXC_RUNTIME_ERROR},
};

static enum pysandbox_exc exc_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(exc_table) / sizeof(exc_table[0]); i++)
		if (name && !strcmp(exc_table[i].name, name))
			return exc_table[i].exc;
	return PYSANDBOX_EXC_SANDBOX_ERROR;
}

static struct json_object *sum(struct json_object *args)
{
	bool real = false;
	double d = 0;
	int64_t i = 0;
	size_t k;

	for (k = 0; k < count(args); k++) {
		struct json_object *v = json_object_array_get_idx(args, k);

		real |= json_object_is_type(v, json_type_double);
		d += json_object_get_double(v);
		i += json_object_get_int64(v);
	}
	return real ? json_object_new_double(d) : json_object_new_int64(i);
}

/* Behaves as the host function's description (USERDATA) says. */
static int host_fn(void *userdata, const char *name, struct json_object *args,
		   struct json_object *kwargs, struct json_object **value,
		   struct pysandbox_host_error *error)
{
	struct json_object *spec = userdata, *raises = get(spec, "raises");
	int64_t ms = json_object_get_int64(get(spec, "sleep_ms"));
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	if (ms > 0)
		nanosleep(&ts, NULL);
	if (raises) {
		pysandbox_host_error_set(
			error,
			exc_of(json_object_get_string(get(raises, "type"))),
			"%s", json_object_get_string(get(raises, "message")));
		return -1;
	}
	if (json_object_object_get_ex(spec, "returns", NULL))
		*value = json_object_get(get(spec, "returns"));
	else if (json_object_get_boolean(get(spec, "add")))
		*value = sum(args);
	else if (json_object_get_boolean(get(spec, "echo"))) {
		*value = json_object_new_array();
		json_object_array_add(*value, json_object_get(args));
		json_object_array_add(*value, json_object_get(kwargs));
	}
	return 0;
}

/* ---- host directories: files served from the session's "files" ---------- */

/* 1 when PATH names a directory of FILES ("" or a prefix of a file). */
static bool is_dir(struct json_object *files, const char *path)
{
	size_t n = strlen(path);

	if (!n)
		return true;
	json_object_object_foreach(files, key, val)
	{
		(void)val;
		if (!strncmp(key, path, n) && key[n] == '/')
			return true;
	}
	return false;
}

static int fs_stat(void *ud, const char *path, enum pysandbox_file_type *type,
		   uint64_t *size, unsigned int *mode)
{
	struct json_object *f = get(ud, path);

	if (f) {
		*type = PYSANDBOX_FILE;
		*size = (uint64_t)json_object_get_string_len(f);
		*mode = 0444;
		return 0;
	}
	if (!is_dir(ud, path))
		return -ENOENT;
	*type = PYSANDBOX_DIR;
	*mode = 0555;
	return 0;
}

static int fs_read(void *ud, const char *path, void **data, size_t *len)
{
	struct json_object *f = get(ud, path);

	if (!f)
		return is_dir(ud, path) ? -EISDIR : -ENOENT;
	*len = (size_t)json_object_get_string_len(f);
	*data = malloc(*len + 1);
	if (!*data)
		return -EACCES;
	memcpy(*data, json_object_get_string(f), *len);
	return 0;
}

/* Lists the entries below PATH: the first component after it of every
 * file under it, each name once. */
static int fs_list(void *ud, const char *path, struct pysandbox_dir *dir)
{
	struct json_object *seen;
	size_t n = strlen(path);
	char name[4096];

	if (get(ud, path))
		return -ENOTDIR;
	if (!is_dir(ud, path))
		return -ENOENT;

	seen = json_object_new_object();
	json_object_object_foreach(ud, key, val)
	{
		const char *rest = key + n + (n ? 1 : 0);
		size_t len = strcspn(rest, "/");

		(void)val;
		if (n && (strncmp(key, path, n) || key[n] != '/'))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)len, rest);
		if (json_object_object_get_ex(seen, name, NULL))
			continue;
		json_object_object_add(seen, name, NULL);
		pysandbox_dir_add(dir, name,
				  rest[len] ? PYSANDBOX_DIR : PYSANDBOX_FILE);
	}
	json_object_put(seen);
	return 0;
}

static const struct pysandbox_hostfs_ops fs_ops = {fs_stat, fs_read, fs_list};

/* ---- options --------------------------------------------------------------
 */

static int set_limits(struct pysandbox_options *o, struct json_object *lim)
{
	int l, ret;

	if (!json_object_is_type(lim, json_type_object))
		return 0;
	json_object_object_foreach(lim, key, val)
	{
		for (l = 0; l < PYSANDBOX_LIMIT_COUNT; l++)
			if (!strcmp(pysandbox_limit_name(l), key))
				break;
		if (l == PYSANDBOX_LIMIT_COUNT)
			continue;
		ret = pysandbox_options_set_limit(o, l,
						  json_object_get_int64(val));
		if (ret)
			return ret;
	}
	return 0;
}

static int add_globs(struct pysandbox_options *o, struct json_object *e)
{
	struct json_object *inc = get(e, "include"), *exc = get(e, "exclude");
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < count(inc); i++)
		ret = pysandbox_options_bind_include(
			o, json_object_get_string(
				   json_object_array_get_idx(inc, i)));
	for (i = 0; !ret && i < count(exc); i++)
		ret = pysandbox_options_bind_exclude(
			o, json_object_get_string(
				   json_object_array_get_idx(exc, i)));
	return ret;
}

static int add_file(struct pysandbox_options *o, struct json_object *e)
{
	struct json_object *mode = get(e, "mode");
	unsigned char *buf;
	size_t len;
	int ret = sbp_b64_decode(get(e, "data"), INPUT_MAX, &buf, &len);

	if (ret)
		return ret;
	ret = pysandbox_options_add_file(
		o, json_object_get_string(get(e, "target")), buf, len,
		mode ? (unsigned int)json_object_get_int(mode) : 0644);
	free(buf);
	return ret;
}

static int add_device(struct pysandbox_options *o, struct json_object *e)
{
	const char *d = json_object_get_string(get(e, "device"));
	enum pysandbox_device dev = PYSANDBOX_DEVICE_NULL;

	if (d && !strcmp(d, "zero"))
		dev = PYSANDBOX_DEVICE_ZERO;
	else if (d && !strcmp(d, "urandom"))
		dev = PYSANDBOX_DEVICE_URANDOM;
	else if (!d || strcmp(d, "null") != 0)
		return -EINVAL;
	return pysandbox_options_add_device(
		o, json_object_get_string(get(e, "target")), dev);
}

static int add_entry(struct pysandbox_options *o, struct json_object *e)
{
	const char *type = json_object_get_string(get(e, "type"));
	const char *target = json_object_get_string(get(e, "target"));
	int ret;

	if (!type)
		return -EINVAL;
	if (!strcmp(type, "bind")) {
		ret = pysandbox_options_add_bind(
			o, json_object_get_string(get(e, "source")), target);
		return ret ? ret : add_globs(o, e);
	}
	if (!strcmp(type, "file"))
		return add_file(o, e);
	if (!strcmp(type, "tmpfs"))
		return pysandbox_options_add_tmpfs(
			o, target, json_object_get_int64(get(e, "max_bytes")),
			json_object_get_int64(get(e, "max_files")));
	if (!strcmp(type, "device"))
		return add_device(o, e);
	if (!strcmp(type, "host") && !get(e, "files"))
		json_object_object_add(e, "files", json_object_new_object());
	if (!strcmp(type, "host"))
		return pysandbox_options_add_host_dir(o, target, &fs_ops,
						      get(e, "files"));
	return -EINVAL;
}

static int set_env(struct pysandbox_options *o, struct json_object *env)
{
	int ret = 0;

	if (!json_object_is_type(env, json_type_object))
		return 0;
	json_object_object_foreach(env, key, val)
	{
		if (!ret)
			ret = pysandbox_options_set_env(
				o, key, json_object_get_string(val));
	}
	return ret;
}

static int set_program(struct pysandbox_options *o, struct json_object *in)
{
	struct json_object *argv = get(in, "argv"), *defaults;
	const char *args[4096];
	size_t i, n = count(argv);
	int ret = set_env(o, get(in, "env"));

	if (!ret && argv && n <= 4096) {
		for (i = 0; i < n; i++)
			args[i] = json_object_get_string(
				json_object_array_get_idx(argv, i));
		ret = pysandbox_options_set_argv(o, (int)n, args);
	}
	if (!ret && get(in, "cwd"))
		ret = pysandbox_options_set_cwd(
			o, json_object_get_string(get(in, "cwd")));
	if (!ret && json_object_object_get_ex(in, "defaults", &defaults))
		ret = pysandbox_options_set_defaults(
			o, json_object_get_boolean(defaults));
	return ret;
}

static int expose_all(struct pysandbox_options *o, struct json_object *fns)
{
	struct json_object *f;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < count(fns); i++) {
		f = json_object_array_get_idx(fns, i);
		ret = pysandbox_options_expose(
			o, json_object_get_string(get(f, "name")), host_fn, f);
	}
	return ret;
}

/* Options for the session IN; 0 or the first refusal. */
static int configure(struct pysandbox_options *o, struct json_object *in,
		     const char *child)
{
	struct json_object *fs = get(in, "filesystem");
	size_t i;
	int ret = child ? pysandbox_options_set_child(o, child) : 0;

	if (!ret)
		ret = set_limits(o, get(in, "limits"));
	for (i = 0; !ret && i < count(fs); i++)
		ret = add_entry(o, json_object_array_get_idx(fs, i));
	if (!ret)
		ret = set_program(o, in);
	if (!ret)
		ret = expose_all(o, get(in, "host_functions"));
	return ret;
}

/* ---- steps ----------------------------------------------------------------
 */

static struct json_object *result_of(struct pysandbox_result *r)
{
	struct json_object *out = NULL;
	const void *d;
	size_t n;

	json_object_deep_copy(pysandbox_result_json(r), &out, NULL);
	d = pysandbox_result_stdout(r, &n);
	json_object_object_add(out, "stdout", cli_text(d, n));
	d = pysandbox_result_stderr(r, &n);
	json_object_object_add(out, "stderr", cli_text(d, n));
	return out;
}

static int set_stdin(struct pysandbox *s, struct json_object *run)
{
	struct json_object *in = get(run, "stdin");

	if (!in)
		return 0;
	return pysandbox_set_stdin(s, json_object_get_string(in),
				   (size_t)json_object_get_string_len(in));
}

static int execute(struct pysandbox *s, struct json_object *x,
		   struct pysandbox_result **r)
{
	struct json_object *code = get(x, "code"), *path = get(x, "path");
	int ret = set_stdin(s, x);

	if (!ret && get(x, "filename"))
		ret = pysandbox_set_filename(
			s, json_object_get_string(get(x, "filename")));
	if (ret)
		return ret;
	if (code)
		return pysandbox_execute(s, json_object_get_string(code), r);
	return pysandbox_execute_path(s, json_object_get_string(path), r);
}

static int invoke(struct pysandbox *s, struct json_object *x,
		  struct pysandbox_result **r)
{
	int ret = set_stdin(s, x);

	if (ret)
		return ret;
	return pysandbox_invoke(s, json_object_get_string(get(x, "callable")),
				get(x, "args"), get(x, "kwargs"), r);
}

static struct json_object *tmpfs_read(struct pysandbox *s, const char *path,
				      int *ret)
{
	struct json_object *out;
	void *data;
	size_t len;

	*ret = pysandbox_tmpfs_read(s, path, READ_MAX, &data, &len);
	if (*ret)
		return NULL;
	out = json_object_new_object();
	json_object_object_add(out, "data", sbp_b64_new(data, len));
	free(data);
	return out;
}

/* One step; its STEP object, or NULL with *RET set. */
static struct json_object *step(struct pysandbox *s, struct json_object *st,
				int *ret)
{
	struct pysandbox_result *r = NULL;
	struct json_object *out = NULL, *x;

	if ((x = get(st, "execute")) || (x = get(st, "invoke"))) {
		*ret = get(st, "execute") ? execute(s, x, &r)
					  : invoke(s, x, &r);
		if (*ret)
			return NULL;
		out = json_object_new_object();
		json_object_object_add(out, "result", result_of(r));
		pysandbox_result_free(r);
	} else if ((x = get(st, "tmpfs_list"))) {
		*ret = pysandbox_tmpfs_list(s, json_object_get_string(x), &out);
	} else if ((x = get(st, "tmpfs_read"))) {
		out = tmpfs_read(s, json_object_get_string(x), ret);
	} else if (get(st, "cancel")) {
		/* Runs are synchronous here, so no run is ever in progress:
		 * what the child would answer is false. */
		*ret = pysandbox_cancel(s) == -ESRCH ? 0 : -EINVAL;
		out = json_tokener_parse("{\"cancelled\":false}");
	} else {
		*ret = -EINVAL;
	}
	return out;
}

/* A failed step ends the session when the session can take no more. */
static bool fatal(int code)
{
	return code == PYSANDBOX_ETIMEDOUT || code == PYSANDBOX_ECHILD ||
	       code == PYSANDBOX_EPROTO || code == PYSANDBOX_ESPAWN;
}

static struct json_object *run_steps(struct pysandbox *s,
				     struct json_object *in,
				     struct json_object **error)
{
	struct json_object *steps = json_object_new_array(), *out, *e;
	struct json_object *list = get(in, "steps");
	size_t i;
	int ret;

	for (i = 0; i < count(list); i++) {
		out = step(s, json_object_array_get_idx(list, i), &ret);
		if (!ret) {
			json_object_array_add(steps, out);
			continue;
		}
		json_object_put(out);
		e = session_error(s, ret, RUNNING);
		if (fatal(ret)) {
			*error = e;
			break;
		}
		out = json_object_new_object();
		json_object_object_add(out, "error", e);
		json_object_array_add(steps, out);
	}
	return steps;
}

static struct json_object *init_of(struct pysandbox *s)
{
	static const char *const keys[] = {"protocol_version", "child",
					   "python", "isolation", "limits"};
	struct json_object *init = json_object_new_object();
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(
			init, keys[i],
			json_object_get(get(pysandbox_info(s), keys[i])));
	return init;
}

/* A pool of size 1 warmed with WARM's preload, filled, in *POOL; 0 or
 * the API's refusal of the preload list. */
static int make_pool(struct pysandbox_options *o, struct json_object *warm,
		     struct pysandbox_pool **pool)
{
	struct json_object *preload = get(warm, "preload");
	size_t i;
	int ret = 0;

	*pool = pysandbox_pool_new(o);
	if (!*pool)
		return -ENOMEM;
	ret = pysandbox_pool_set_size(*pool, 1);
	for (i = 0; !ret && i < count(preload); i++)
		ret = pysandbox_pool_add_preload(
			*pool, json_object_get_string(
				       json_object_array_get_idx(preload, i)));

	/* A child that cannot start fails the session's start below, with
	 * the session's message, as a cold start would. */
	if (!ret)
		pysandbox_pool_fill(*pool);
	return ret;
}

/* Starts S, through a warm pool when the case asks for one. */
static int start(struct pysandbox *s, struct pysandbox_pool *pool)
{
	return pool ? pysandbox_pool_start(pool, s) : pysandbox_start(s);
}

static struct json_object *run_session(struct json_object *in,
				       const char *child)
{
	struct json_object *out = json_object_new_object();
	struct json_object *steps = NULL, *error = NULL, *init = NULL;
	struct json_object *warm = get(in, "warm");
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox_pool *pool = NULL;
	struct pysandbox *s = NULL;
	int ret = configure(o, in, child);

	if (!ret && warm) {
		ret = make_pool(o, warm, &pool);
		if (ret)
			error = error_object(kind_of(ret, CONFIGURING),
					     pool ? pysandbox_pool_errmsg(pool)
						  : "out of memory");
	} else if (ret) {
		error = error_object(kind_of(ret, CONFIGURING),
				     pysandbox_options_errmsg(o));
	}
	if (!ret) {
		s = pysandbox_new(o);
		ret = start(s, pool);
		error = ret ? session_error(s, ret, RUNNING) : NULL;
	}
	if (!ret) {
		init = init_of(s);
		steps = run_steps(s, in, &error);
	}

	json_object_object_add(out, "initialize", init);
	json_object_object_add(out, "steps",
			       steps ? steps : json_object_new_array());
	json_object_object_add(out, "error", error);
	pysandbox_close(s);
	pysandbox_pool_close(pool);
	pysandbox_options_free(o);
	return out;
}

/* The "warm" member is absent, or an object whose "preload" is absent
 * or an array of strings. */
static bool valid_warm(struct json_object *warm)
{
	struct json_object *preload = get(warm, "preload");
	size_t i;

	if (!warm)
		return true;
	if (!json_object_is_type(warm, json_type_object) ||
	    (preload && !json_object_is_type(preload, json_type_array)))
		return false;
	for (i = 0; i < count(preload); i++)
		if (!json_object_is_type(json_object_array_get_idx(preload, i),
					 json_type_string))
			return false;
	return true;
}

int main(int argc, char **argv)
{
	struct json_object *in, *out;
	const char *child = NULL;
	size_t len;
	char *text;

	if (argc == 3 && !strcmp(argv[1], "--child"))
		child = argv[2];
	else if (argc != 1) {
		fputs("usage: conformance-driver [--child PATH] < session.json\n",
		      stderr);
		return 2;
	}
	if (cli_read_fd(STDIN_FILENO, INPUT_MAX, &text, &len) != 0)
		return 2;
	in = json_tokener_parse(text);
	free(text);
	if (!json_object_is_type(in, json_type_object)) {
		fputs("conformance-driver: input is not a JSON object\n",
		      stderr);
		return 2;
	}

	if (!valid_warm(get(in, "warm"))) {
		fputs("conformance-driver: \"warm\" is not an object whose \"preload\" is an array of strings\n",
		      stderr);
		json_object_put(in);
		return 2;
	}
	out = run_session(in, child);
	puts(json_object_to_json_string_ext(out, PLAIN));
	json_object_put(out);
	json_object_put(in);
	return 0;
}
