/* SPDX-License-Identifier: MIT */
/* options.c - session options and the initialize request built from them. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const limit_names[PYSANDBOX_LIMIT_COUNT] = {
	[PYSANDBOX_LIMIT_MEMORY_BYTES] = "memory_bytes",
	[PYSANDBOX_LIMIT_CPU_MS] = "cpu_ms",
	[PYSANDBOX_LIMIT_WALL_MS] = "wall_ms",
	[PYSANDBOX_LIMIT_OUTPUT_BYTES] = "output_bytes",
	[PYSANDBOX_LIMIT_OPEN_FILES] = "open_files",
	[PYSANDBOX_LIMIT_THREADS] = "threads",
	[PYSANDBOX_LIMIT_HOST_CALL_BYTES] = "host_call_bytes",
	[PYSANDBOX_LIMIT_FRAME_BYTES] = "frame_bytes",
	[PYSANDBOX_LIMIT_FILE_BYTES] = "file_bytes",
};

static const char *const device_names[] = {
	[PYSANDBOX_DEVICE_NULL] = "null",
	[PYSANDBOX_DEVICE_ZERO] = "zero",
	[PYSANDBOX_DEVICE_URANDOM] = "urandom",
};

/* The protocol's ranges (schema defs.json, Limits) start at 0 for these
 * two: no output at all, no byte in any file. Every other limit's starts
 * above 0. */
static bool may_be_zero(enum pysandbox_limit limit)
{
	return limit == PYSANDBOX_LIMIT_OUTPUT_BYTES ||
	       limit == PYSANDBOX_LIMIT_FILE_BYTES;
}

EXPORT const char *pysandbox_limit_name(enum pysandbox_limit limit)
{
	if ((unsigned int)limit >= PYSANDBOX_LIMIT_COUNT)
		return NULL;
	return limit_names[limit];
}

EXPORT struct pysandbox_options *pysandbox_options_new(void)
{
	struct pysandbox_options *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;

	o->limits = json_object_new_object();
	o->fs = json_object_new_array();
	o->defaults = true;
	o->grace_ms = DEFAULT_GRACE_MS;
	o->request_ms = DEFAULT_REQUEST_MS;
	if (!o->limits || !o->fs) {
		pysandbox_options_free(o);
		return NULL;
	}
	return o;
}

EXPORT void pysandbox_options_free(struct pysandbox_options *o)
{
	size_t i;

	if (!o)
		return;

	json_object_put(o->limits);
	json_object_put(o->fs);
	json_object_put(o->env);
	json_object_put(o->argv);
	free(o->cwd);
	free(o->child);
	for (i = 0; i < o->nfns; i++)
		free(o->fns[i].name);
	for (i = 0; i < o->ndirs; i++)
		free(o->dirs[i].target);
	free(o);
}

EXPORT int pysandbox_options_set_limit(struct pysandbox_options *o,
				       enum pysandbox_limit limit,
				       int64_t value)
{
	const char *name = pysandbox_limit_name(limit);

	if (!name)
		return __psb_opt_fail(o, -EINVAL, "unknown limit %d", limit);
	if (value < 0 || (value == 0 && !may_be_zero(limit)))
		return __psb_opt_fail(o, -EINVAL, "limit %s must be %s", name,
				      may_be_zero(limit) ? "0 or more"
							 : "positive");
	if (limit == PYSANDBOX_LIMIT_FRAME_BYTES &&
	    (value < SBP_FRAME_MIN || value > SBP_FRAME_MAX))
		return __psb_opt_fail(o, -EINVAL,
				      "limit frame_bytes must be within %d..%d",
				      SBP_FRAME_MIN, SBP_FRAME_MAX);

	json_object_object_add(o->limits, name, json_object_new_int64(value));
	return 0;
}

/* Absolute and normalized, as the spec requires of targets. */
static bool valid_target(const char *p)
{
	size_t len = strnlen(p, MAX_TARGET + 1);
	const char *c;

	if (p[0] != '/' || len > MAX_TARGET)
		return false;
	if (len == 1)
		return true;
	if (p[len - 1] == '/')
		return false;

	for (c = p; c; c = strchr(c + 1, '/')) {
		if (c[1] == '/' || c[1] == '\0')
			return false;
		if (!strncmp(c + 1, ".", 1) &&
		    (c[2] == '/' || c[2] == '\0' ||
		     (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
			return false;
	}
	return true;
}

/* A hostfs path: "" or components joined by single slashes, without
 * "." or "..". */
bool __psb_valid_rel_path(const char *path)
{
	char buf[MAX_TARGET + 2];

	if (path[0] == '\0')
		return true;
	if (strlen(path) >= MAX_TARGET)
		return false;

	buf[0] = '/';
	strcpy(buf + 1, path);
	return valid_target(buf);
}

static int add_entry(struct pysandbox_options *o, const char *type,
		     const char *target, struct json_object **entry)
{
	if (!target || !valid_target(target))
		return __psb_opt_fail(
			o, -EINVAL,
			"target '%s' is not an absolute normalized path",
			target ? target : "(null)");
	if (json_object_array_length(o->fs) >= MAX_ENTRIES)
		return __psb_opt_fail(
			o, -E2BIG, "too many filesystem entries (at most %d)",
			MAX_ENTRIES);

	*entry = json_object_new_object();
	if (!*entry)
		return -ENOMEM;
	json_object_object_add(*entry, "type", json_object_new_string(type));
	json_object_object_add(*entry, "target",
			       json_object_new_string(target));
	json_object_array_add(o->fs, *entry);
	return 0;
}

EXPORT int pysandbox_options_add_bind(struct pysandbox_options *o,
				      const char *source, const char *target)
{
	struct json_object *e;
	int ret;

	if (!source || !source[0])
		return __psb_opt_fail(o, -EINVAL, "bind source is empty");

	ret = add_entry(o, "bind", target, &e);
	if (ret)
		return ret;
	json_object_object_add(e, "source", json_object_new_string(source));
	json_object_object_add(e, "include", json_object_new_array());
	json_object_object_add(e, "exclude", json_object_new_array());
	return 0;
}

static int bind_glob(struct pysandbox_options *o, const char *list,
		     const char *glob)
{
	size_t n = json_object_array_length(o->fs);
	struct json_object *last, *type, *arr;

	last = n ? json_object_array_get_idx(o->fs, n - 1) : NULL;
	if (!last || !json_object_object_get_ex(last, "type", &type) ||
	    strcmp(json_object_get_string(type), "bind") != 0)
		return __psb_opt_fail(o, -EINVAL,
				      "%s glob without a preceding bind", list);
	if (!glob || !glob[0] || glob[0] == '/')
		return __psb_opt_fail(
			o, -EINVAL,
			"%s glob '%s' must be relative and non-empty", list,
			glob ? glob : "(null)");

	json_object_object_get_ex(last, list, &arr);
	if (json_object_array_length(arr) >= MAX_GLOBS)
		return __psb_opt_fail(o, -E2BIG,
				      "too many %s globs (at most %d)", list,
				      MAX_GLOBS);
	json_object_array_add(arr, json_object_new_string(glob));
	return 0;
}

EXPORT int pysandbox_options_bind_include(struct pysandbox_options *o,
					  const char *glob)
{
	return bind_glob(o, "include", glob);
}

EXPORT int pysandbox_options_bind_exclude(struct pysandbox_options *o,
					  const char *glob)
{
	return bind_glob(o, "exclude", glob);
}

EXPORT int pysandbox_options_add_file(struct pysandbox_options *o,
				      const char *target, const void *data,
				      size_t len, unsigned int mode)
{
	struct json_object *e, *b64;
	int ret;

	if (len > SBP_FRAME_INITIAL)
		return __psb_opt_fail(
			o, -E2BIG,
			"file '%s' is larger than the first frame (%d bytes)",
			target, SBP_FRAME_INITIAL);
	b64 = sbp_b64_new(data ? data : "", len);
	if (!b64)
		return -ENOMEM;

	ret = add_entry(o, "file", target, &e);
	if (ret) {
		json_object_put(b64);
		return ret;
	}
	json_object_object_add(e, "data", b64);
	json_object_object_add(e, "mode", json_object_new_int(mode & 07777));
	return 0;
}

EXPORT int pysandbox_options_add_tmpfs(struct pysandbox_options *o,
				       const char *target, int64_t max_bytes,
				       int64_t max_files)
{
	struct json_object *e;
	int ret;

	if (max_bytes < 0 || max_files < 0)
		return __psb_opt_fail(o, -EINVAL,
				      "tmpfs quotas must not be negative");

	ret = add_entry(o, "tmpfs", target, &e);
	if (ret)
		return ret;
	if (max_bytes)
		json_object_object_add(e, "max_bytes",
				       json_object_new_int64(max_bytes));
	if (max_files)
		json_object_object_add(e, "max_files",
				       json_object_new_int64(max_files));
	return 0;
}

EXPORT int pysandbox_options_add_device(struct pysandbox_options *o,
					const char *target,
					enum pysandbox_device device)
{
	struct json_object *e;
	int ret;

	if ((unsigned int)device > PYSANDBOX_DEVICE_URANDOM)
		return __psb_opt_fail(o, -EINVAL, "unknown device %d", device);

	ret = add_entry(o, "device", target, &e);
	if (ret)
		return ret;
	json_object_object_add(e, "device",
			       json_object_new_string(device_names[device]));
	return 0;
}

EXPORT int
pysandbox_options_add_host_dir(struct pysandbox_options *o, const char *target,
			       const struct pysandbox_hostfs_ops *ops,
			       void *userdata)
{
	struct host_dir *d = &o->dirs[o->ndirs];
	struct json_object *e;
	char *copy;
	int ret;

	if (!ops)
		return __psb_opt_fail(o, -EINVAL, "host directory without ops");
	copy = target ? strdup(target) : NULL;
	if (target && !copy)
		return -ENOMEM;

	ret = add_entry(o, "host", target, &e);
	if (ret) {
		free(copy);
		return ret;
	}
	d->target = copy;
	d->ops = ops;
	d->userdata = userdata;
	o->ndirs++;
	return 0;
}

EXPORT int pysandbox_options_set_defaults(struct pysandbox_options *o, bool on)
{
	o->defaults = on;
	return 0;
}

EXPORT int pysandbox_options_set_env(struct pysandbox_options *o,
				     const char *name, const char *value)
{
	if (!name || !name[0] || strchr(name, '=') || !value)
		return __psb_opt_fail(
			o, -EINVAL,
			"environment name '%s' is empty or contains '='",
			name ? name : "(null)");
	if (!o->env)
		o->env = json_object_new_object();
	if (!o->env)
		return -ENOMEM;

	json_object_object_add(o->env, name, json_object_new_string(value));
	return 0;
}

EXPORT int pysandbox_options_set_argv(struct pysandbox_options *o, int argc,
				      const char *const *argv)
{
	struct json_object *a;
	int i;

	if (argc < 0 || (argc > 0 && !argv))
		return __psb_opt_fail(o, -EINVAL, "bad argv");
	a = json_object_new_array();
	if (!a)
		return -ENOMEM;

	for (i = 0; i < argc; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	json_object_put(o->argv);
	o->argv = a;
	return 0;
}

static int set_string(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

EXPORT int pysandbox_options_set_cwd(struct pysandbox_options *o,
				     const char *cwd)
{
	if (!cwd || !valid_target(cwd))
		return __psb_opt_fail(
			o, -EINVAL,
			"cwd '%s' is not an absolute normalized path",
			cwd ? cwd : "(null)");
	return set_string(&o->cwd, cwd);
}

EXPORT int pysandbox_options_set_child(struct pysandbox_options *o,
				       const char *path)
{
	if (!path || !path[0])
		return __psb_opt_fail(o, -EINVAL, "child path is empty");
	return set_string(&o->child, path);
}

EXPORT int pysandbox_options_set_verbosity(struct pysandbox_options *o,
					   int level)
{
	if (level < 0 || level > 3)
		return __psb_opt_fail(o, -EINVAL,
				      "verbosity %d is outside 0..3", level);
	o->verbosity = level;
	return 0;
}

EXPORT int pysandbox_options_set_backstop(struct pysandbox_options *o,
					  int64_t grace_ms, int64_t request_ms)
{
	const int64_t max = 3600000;

	if (grace_ms < 1 || grace_ms > max || request_ms < 1 ||
	    request_ms > max)
		return __psb_opt_fail(
			o, -EINVAL, "backstop times must be within 1..%lld ms",
			(long long)max);
	o->grace_ms = grace_ms;
	o->request_ms = request_ms;
	return 0;
}

/* An ASCII identifier of at most 128 characters (REQ-INIT-14). */
static bool identifier(const char *s)
{
	const char *p = s;

	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (p++; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return p - s <= MAX_FN_NAME;
}

static bool exposed(const struct pysandbox_options *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nfns; i++)
		if (!strcmp(o->fns[i].name, name))
			return true;
	return false;
}

EXPORT int pysandbox_options_expose(struct pysandbox_options *o,
				    const char *name, pysandbox_host_fn fn,
				    void *userdata)
{
	struct host_fn *f = &o->fns[o->nfns];

	if (!identifier(name) || !fn)
		return __psb_opt_fail(
			o, -EINVAL,
			"host function '%s' is not an identifier of at most 128 ASCII characters",
			name ? name : "(null)");
	if (exposed(o, name))
		return __psb_opt_fail(o, -EINVAL,
				      "host function '%s' is already exposed",
				      name);
	if (o->nfns >= MAX_HOST_FNS)
		return __psb_opt_fail(o, -E2BIG,
				      "too many host functions (at most %d)",
				      MAX_HOST_FNS);

	f->name = strdup(name);
	if (!f->name)
		return -ENOMEM;
	f->fn = fn;
	f->userdata = userdata;
	o->nfns++;
	return 0;
}

static struct json_object *copy_json(struct json_object *src)
{
	struct json_object *dst = NULL;

	if (src && json_object_deep_copy(src, &dst, NULL) != 0)
		return NULL;
	return dst;
}

static int copy_tables(struct pysandbox_options *c,
		       const struct pysandbox_options *o)
{
	size_t i;

	for (i = 0; i < o->nfns; i++, c->nfns++) {
		c->fns[i] = o->fns[i];
		c->fns[i].name = strdup(o->fns[i].name);
		if (!c->fns[i].name)
			return -ENOMEM;
	}
	for (i = 0; i < o->ndirs; i++, c->ndirs++) {
		c->dirs[i] = o->dirs[i];
		c->dirs[i].target = strdup(o->dirs[i].target);
		if (!c->dirs[i].target)
			return -ENOMEM;
	}
	return 0;
}

struct pysandbox_options *__psb_options_copy(const struct pysandbox_options *o)
{
	struct pysandbox_options *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;

	c->limits = copy_json(o->limits);
	c->fs = copy_json(o->fs);
	c->env = copy_json(o->env);
	c->argv = copy_json(o->argv);
	c->cwd = o->cwd ? strdup(o->cwd) : NULL;
	c->child = o->child ? strdup(o->child) : NULL;
	c->defaults = o->defaults;
	c->verbosity = o->verbosity;
	c->grace_ms = o->grace_ms;
	c->request_ms = o->request_ms;
	if (copy_tables(c, o) || !c->limits || !c->fs || (o->env && !c->env) ||
	    (o->argv && !c->argv) || (o->cwd && !c->cwd) ||
	    (o->child && !c->child)) {
		pysandbox_options_free(c);
		return NULL;
	}
	return c;
}

static void add_copy(struct json_object *params, const char *key,
		     struct json_object *value)
{
	if (value)
		json_object_object_add(params, key, json_object_get(value));
}

struct json_object *__psb_init_params(const struct pysandbox *s)
{
	const struct pysandbox_options *o = s->o;
	struct json_object *p = json_object_new_object();
	struct json_object *fns = json_object_new_array();
	size_t i;

	for (i = 0; fns && i < o->nfns; i++) {
		struct json_object *f = json_object_new_object();

		json_object_object_add(f, "name",
				       json_object_new_string(o->fns[i].name));
		json_object_array_add(fns, f);
	}

	json_object_object_add(p, "protocol_version",
			       json_object_new_string(SBP_VERSION));
	add_copy(p, "limits", o->limits);
	add_copy(p, "filesystem", o->fs);
	json_object_object_add(p, "defaults",
			       json_object_new_boolean(o->defaults));
	add_copy(p, "env", o->env);
	add_copy(p, "argv", o->argv);
	if (o->cwd)
		json_object_object_add(p, "cwd",
				       json_object_new_string(o->cwd));
	json_object_object_add(p, "host_functions", fns);
	json_object_object_add(p, "verbosity",
			       json_object_new_int(o->verbosity));
	return p;
}
