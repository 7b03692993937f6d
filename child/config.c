/* SPDX-License-Identifier: MIT */
/* config.c - initialize params into a struct config, strictly. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "sbproto.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

static const struct limit_spec {
	const char *name;
	size_t offset;
	uint64_t def, min, max;
} limit_specs[] = {
	/* Ranges as protocol/SPEC.md ("Limits") gives them. */
	{"memory_bytes", offsetof(struct limits, memory_bytes), 512 * MiB,
	 32 * MiB, 1024 * GiB},
	{"cpu_ms", offsetof(struct limits, cpu_ms), 10000, 1, 86400000},
	{"wall_ms", offsetof(struct limits, wall_ms), 30000, 1, 86400000},
	{"output_bytes", offsetof(struct limits, output_bytes), 16 * MiB, 0,
	 1 * GiB},
	{"open_files", offsetof(struct limits, open_files), 256, 16, 65536},
	{"threads", offsetof(struct limits, threads), 16, 1, 1024},
	{"host_call_bytes", offsetof(struct limits, host_call_bytes), 1 * MiB,
	 1 * KiB, 64 * MiB},
	{"frame_bytes", offsetof(struct limits, frame_bytes), 4 * MiB,
	 SBP_FRAME_MIN, SBP_FRAME_MAX},
	{"file_bytes", offsetof(struct limits, file_bytes), 64 * MiB, 0,
	 1024 * GiB},
};

#define NLIMITS (sizeof(limit_specs) / sizeof(limit_specs[0]))

/* FIELD is a JSON Pointer relative to params (SPEC: REQ-BAD-9). */
static int bad(struct json_object **error, int code, const char *field,
	       const char *message)
{
	struct json_object *e = json_object_new_object();
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(e, "data", data);
	*error = e;
	return code;
}

/* Names the limit and its range, so that a parent can say which of its
 * own options was wrong and what it may be. */
static int out_of_range(struct json_object **error, const char *field,
			const struct limit_spec *spec)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "limits.%s must be %llu..%llu", spec->name,
		 (unsigned long long)spec->min, (unsigned long long)spec->max);
	return bad(error, SBP_INVALID_PARAMS, field, msg);
}

static uint64_t *limit_slot(struct limits *l, const struct limit_spec *s)
{
	return (uint64_t *)((char *)l + s->offset);
}

static int parse_limits(struct json_object *params, struct limits *l,
			struct json_object **error)
{
	struct json_object *obj, *v;
	bool wrong = false;
	char field[64];
	size_t i;
	int64_t n;

	for (i = 0; i < NLIMITS; i++)
		*limit_slot(l, &limit_specs[i]) = limit_specs[i].def;

	obj = sbp_field(params, "limits", json_type_object, &wrong);
	if (wrong)
		return bad(error, SBP_INVALID_PARAMS, "/limits",
			   "limits must be an object");
	for (i = 0; obj && i < NLIMITS; i++) {
		snprintf(field, sizeof(field), "/limits/%s",
			 limit_specs[i].name);
		v = sbp_field(obj, limit_specs[i].name, json_type_int, &wrong);
		if (wrong)
			return bad(error, SBP_INVALID_PARAMS, field,
				   "limit must be an integer");
		if (!v)
			continue;
		n = json_object_get_int64(v);
		if (n < 0 || (uint64_t)n < limit_specs[i].min ||
		    (uint64_t)n > limit_specs[i].max)
			return out_of_range(error, field, &limit_specs[i]);
		*limit_slot(l, &limit_specs[i]) = (uint64_t)n;
	}

	/* A host call travels in one frame: the effective limit is at most
	 * frame_bytes (SPEC, "Limits"). */
	if (l->host_call_bytes > l->frame_bytes)
		l->host_call_bytes = l->frame_bytes;
	return 0;
}

struct json_object *config_limits_json(const struct limits *l)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < NLIMITS; i++)
		json_object_object_add(
			o, limit_specs[i].name,
			json_object_new_int64((int64_t)*limit_slot(
				(struct limits *)l, &limit_specs[i])));
	return o;
}

/* A target must be absolute and already normalized: no ".", "..", "//"
 * or trailing "/", so two spellings can never name one mount. */
static bool valid_target(const char *t)
{
	char norm[PATH_MAX];

	if (t[0] != '/' || strlen(t) >= PATH_MAX)
		return false;
	if (vfs_normalize("/", t, norm) < 0)
		return false;
	return strcmp(norm, t) == 0;
}

/* The member an entry parser found wrong, for the error's pointer. Set
 * by the helpers below; the parse is single-threaded. */
static const char *wrong_member;

static void mark(bool *wrong, const char *name)
{
	if (!*wrong)
		wrong_member = name;
	*wrong = true;
}

static const char *entry_string(struct json_object *e, const char *name,
				bool required, bool *wrong)
{
	bool bad_type = false;
	struct json_object *v = sbp_field(e, name, json_type_string, &bad_type);

	if (!v) {
		if (bad_type || required)
			mark(wrong, name);
		return NULL;
	}
	if (json_object_get_string_len(v) >= PATH_MAX ||
	    strlen(json_object_get_string(v)) !=
		    (size_t)json_object_get_string_len(v))
		mark(wrong, name);
	return json_object_get_string(v);
}

/* Member NAME of entry E with type TYPE, NULL when absent; a member of
 * another type marks it wrong. */
static struct json_object *entry_field(struct json_object *e, const char *name,
				       enum json_type type, bool *wrong)
{
	bool bad_type = false;
	struct json_object *v = sbp_field(e, name, type, &bad_type);

	if (bad_type)
		mark(wrong, name);
	return v;
}

static const char *no_globs[] = {NULL};

/* NULL-terminated list of globs from array NAME (no_globs when absent),
 * to be freed with free_globs(); a bad member marks NAME wrong. */
static const char **glob_list(struct json_object *e, const char *name,
			      bool *wrong)
{
	const char **none = no_globs;
	struct json_object *a = entry_field(e, name, json_type_array, wrong);
	const char **list;
	size_t i, n;

	if (!a)
		return none;
	n = json_object_array_length(a);
	if (n > VFS_MAX_GLOBS) {
		mark(wrong, name);
		return none;
	}
	list = calloc(n + 1, sizeof(*list));
	for (i = 0; list && i < n; i++) {
		struct json_object *g = json_object_array_get_idx(a, i);

		if (!json_object_is_type(g, json_type_string)) {
			mark(wrong, name);
			break;
		}
		list[i] = json_object_get_string(g);
	}
	return list;
}

static void free_globs(const char **list)
{
	if (list != no_globs)
		free(list);
}

static int add_bind(struct vfs *v, struct json_object *e, const char *target,
		    bool *wrong)
{
	const char *source = entry_string(e, "source", true, wrong);
	const char **inc = glob_list(e, "include", wrong);
	const char **exc = glob_list(e, "exclude", wrong);
	int rc = -EINVAL;

	if (source && source[0] != '/')
		mark(wrong, "source");
	if (!*wrong)
		rc = vfs_add_bind(v, source, target, inc, exc);
	free_globs(inc);
	free_globs(exc);
	return rc;
}

static int add_file(struct vfs *v, struct json_object *e, const char *target,
		    bool *wrong)
{
	struct json_object *data =
		entry_field(e, "data", json_type_string, wrong);
	struct json_object *mode = entry_field(e, "mode", json_type_int, wrong);
	unsigned char *buf;
	size_t len;
	int rc;

	if (*wrong)
		return -EINVAL;
	if (!data || sbp_b64_decode(data, 64 * MiB, &buf, &len) < 0) {
		mark(wrong, "data");
		return -EINVAL;
	}
	rc = vfs_add_file(v, target, buf, len,
			  mode ? (mode_t)(json_object_get_int(mode) & 0777)
			       : 0644);
	free(buf);
	return rc;
}

static int add_tmpfs(struct vfs *v, struct json_object *e, const char *target,
		     bool *wrong)
{
	struct json_object *b =
		entry_field(e, "max_bytes", json_type_int, wrong);
	struct json_object *f =
		entry_field(e, "max_files", json_type_int, wrong);
	int64_t bytes = b ? json_object_get_int64(b) : (int64_t)(64 * MiB);
	int64_t files = f ? json_object_get_int64(f) : 4096;

	if (bytes < 4096 || (uint64_t)bytes > 1024 * GiB)
		mark(wrong, "max_bytes");
	if (files < 1 || files > 1048576)
		mark(wrong, "max_files");
	if (*wrong)
		return -EINVAL;
	return vfs_add_tmpfs(v, target, (uint64_t)bytes, (uint64_t)files);
}

/* What a member of an entry must be, for the invalid_params message. */
static const char *entry_hint(const char *member_name)
{
	static const struct {
		const char *name, *hint;
	} hints[] = {
		{"max_bytes", "tmpfs max_bytes must be 4096..1099511627776"},
		{"max_files", "tmpfs max_files must be 1..1048576"},
		{"source", "a bind needs an absolute source path"},
		{"data", "a file needs base64 data of at most 64 MiB"},
		{"mode", "a file's mode must be an integer"},
		{"include", "include must be at most 64 glob strings"},
		{"exclude", "exclude must be at most 64 glob strings"},
	};
	size_t i;

	for (i = 0; member_name && i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strcmp(hints[i].name, member_name) == 0)
			return hints[i].hint;
	return "invalid filesystem entry";
}

static int add_device(struct vfs *v, struct json_object *e, const char *target,
		      bool *wrong)
{
	static const char *const names[] = {"null", "zero", "urandom"};
	const char *dev = entry_string(e, "device", true, wrong);
	size_t i;

	for (i = 0; dev && i < 3; i++)
		if (strcmp(dev, names[i]) == 0)
			return vfs_add_device(v, target, (enum vfs_device)i);
	mark(wrong, "device");
	return -EINVAL;
}

static int add_host(struct vfs *v, struct json_object *e, const char *target,
		    bool *wrong)
{
	return vfs_add_host(v, target);
}

static const struct {
	const char *type;
	int (*add)(struct vfs *, struct json_object *, const char *, bool *);
} entry_kinds[] = {
	{"bind", add_bind},	{"file", add_file}, {"tmpfs", add_tmpfs},
	{"device", add_device}, {"host", add_host},
};

/* The member of entry INDEX that is wrong, as a JSON Pointer. */
static const char *member(char *buf, size_t size, size_t index,
			  const char *name)
{
	snprintf(buf, size, "/filesystem/%zu%s%s", index, name ? "/" : "",
		 name ? name : "");
	return buf;
}

static int add_entry(struct vfs *v, struct json_object *e, size_t index,
		     struct json_object **error)
{
	bool wrong = false;
	const char *type, *target;
	char field[64];
	size_t i;
	int rc;

	if (!json_object_is_type(e, json_type_object))
		return bad(error, SBP_INVALID_PARAMS,
			   member(field, sizeof(field), index, NULL),
			   "a filesystem entry must be an object");
	type = entry_string(e, "type", true, &wrong);
	if (wrong)
		return bad(error, SBP_INVALID_PARAMS,
			   member(field, sizeof(field), index, "type"),
			   "entry needs a type");
	target = entry_string(e, "target", true, &wrong);
	if (wrong || !valid_target(target))
		return bad(error, SBP_INVALID_PARAMS,
			   member(field, sizeof(field), index, "target"),
			   "entry needs an absolute, normalized target");
	snprintf(field, sizeof(field), "/filesystem/%zu", index);
	for (i = 0; i < sizeof(entry_kinds) / sizeof(entry_kinds[0]); i++) {
		if (strcmp(type, entry_kinds[i].type) != 0)
			continue;
		wrong_member = NULL;
		rc = entry_kinds[i].add(v, e, target, &wrong);
		if (wrong)
			return bad(error, SBP_INVALID_PARAMS,
				   member(field, sizeof(field), index,
					  wrong_member),
				   entry_hint(wrong_member));
		if (rc < 0)
			return bad(error, SBP_FILESYSTEM_ERROR, field,
				   strerrorname_np(-rc));
		return 0;
	}
	return bad(error, SBP_INVALID_PARAMS,
		   member(field, sizeof(field), index, "type"),
		   "unknown entry type");
}

/* root as well: programs (tarfile, shutil) look up uid 0 by name. */
static const char passwd[] = "root:x:0:0:root:/root:/bin/false\n"
			     "sandbox:x:1000:1000:sandbox:/tmp:/bin/false\n";
static const char group[] = "root:x:0:\nsandbox:x:1000:\n";

/* The layout every plain run needs (DESIGN §4): the interpreter, the
 * libraries its extension modules load, the sandbox package, three
 * devices, /tmp, and the two files libc reads for user names. */
static int add_defaults(struct vfs *v, const struct install_paths *ip)
{
	static const char *const libs[] = {"*.so", "*.so.*", NULL};
	static const char *const none[] = {NULL};
	static const char *const sitecustomize[] = {"sitecustomize.py", NULL};
	int rc = 0;

	/* Debian's sitecustomize.py is a symlink out of the tree; hidden,
	 * site finds none, as it would with no such file. */
	rc |= vfs_add_bind(v, "/usr/lib/python3.11", "/usr/lib/python3.11",
			   none, sitecustomize);
	rc |= vfs_add_bind(v, "/usr/lib/locale", "/usr/lib/locale", none, none);
	rc |= vfs_add_bind(v, "/usr/lib/x86_64-linux-gnu",
			   "/usr/lib/x86_64-linux-gnu", (const char **)libs,
			   none);
	rc |= vfs_add_bind(v, "/usr/lib/x86_64-linux-gnu",
			   "/lib/x86_64-linux-gnu", (const char **)libs, none);
	rc |= vfs_add_bind(v, "/etc/ld.so.cache", "/etc/ld.so.cache", none,
			   none);
	rc |= vfs_add_bind(v, ip->lib_dir, "/usr/lib/python-sandbox", none,
			   none);
	rc |= vfs_add_device(v, "/dev/null", VFS_DEV_NULL);
	rc |= vfs_add_device(v, "/dev/zero", VFS_DEV_ZERO);
	rc |= vfs_add_device(v, "/dev/urandom", VFS_DEV_URANDOM);
	rc |= vfs_add_tmpfs(v, "/tmp", 64 * MiB, 4096);
	rc |= vfs_add_file(v, "/etc/passwd", passwd, sizeof(passwd) - 1, 0644);
	rc |= vfs_add_file(v, "/etc/group", group, sizeof(group) - 1, 0644);
	return rc ? -EINVAL : 0;
}

static int parse_filesystem(struct json_object *params,
			    const struct install_paths *ip, struct config *cfg,
			    struct json_object **error)
{
	struct json_object *defaults, *entries;
	bool wrong = false;
	size_t i, n = 0;
	int rc;

	defaults = sbp_field(params, "defaults", json_type_boolean, &wrong);
	entries = sbp_field(params, "filesystem", json_type_array, &wrong);
	if (wrong)
		return bad(error, SBP_INVALID_PARAMS, "/filesystem",
			   "filesystem must be an array, defaults a boolean");
	if (entries)
		n = json_object_array_length(entries);
	if (n > CONFIG_MAX_ENTRIES)
		return bad(error, SBP_INVALID_PARAMS, "/filesystem",
			   "too many filesystem entries");

	cfg->vfs = vfs_new();
	if (!cfg->vfs)
		return bad(error, SBP_INTERNAL_ERROR, "/filesystem",
			   "no memory");
	if ((!defaults || json_object_get_boolean(defaults)) &&
	    add_defaults(cfg->vfs, ip) < 0)
		return bad(error, SBP_INTERNAL_ERROR, "/filesystem",
			   "default layout failed");

	cfg->layout_only =
		n == 0 && (!defaults || json_object_get_boolean(defaults));
	cfg->filesystem = json_object_get(entries);
	for (i = 0; i < n; i++) {
		rc = add_entry(cfg->vfs, json_object_array_get_idx(entries, i),
			       i, error);
		if (rc)
			return rc;
	}
	return 0;
}

static bool identifier(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool declared_before(struct json_object *names, const char *name)
{
	size_t i, n = json_object_array_length(names);

	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(
				   json_object_array_get_idx(names, i)),
			   name) == 0)
			return true;
	return false;
}

static int parse_functions(struct json_object *params, struct config *cfg,
			   struct json_object **error)
{
	char field[64];
	bool wrong = false;
	struct json_object *a =
		sbp_field(params, "host_functions", json_type_array, &wrong);
	size_t i, n = a ? json_object_array_length(a) : 0;

	if (wrong || n > CONFIG_MAX_FUNCTIONS)
		return bad(error, SBP_INVALID_PARAMS, "/host_functions",
			   "host_functions must be an array of at most 256");

	cfg->host_functions = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(a, i);
		const char *name = entry_string(f, "name", true, &wrong);

		if (wrong || !name || strlen(name) > 128 || !identifier(name))
			return bad(error, SBP_INVALID_PARAMS, "/host_functions",
				   "a host function needs a Python identifier "
				   "as name");
		if (declared_before(cfg->host_functions, name)) {
			snprintf(field, sizeof(field),
				 "/host_functions/%zu/name", i);
			return bad(error, SBP_INVALID_PARAMS, field,
				   "a host function is declared twice");
		}
		json_object_array_add(cfg->host_functions,
				      json_object_new_string(name));
	}
	return 0;
}

static bool string_array(struct json_object *a, size_t max)
{
	size_t i, n = json_object_array_length(a);

	if (n > max)
		return false;
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);

		if (!json_object_is_type(s, json_type_string) ||
		    json_object_get_string_len(s) > CONFIG_MAX_STRING ||
		    strlen(json_object_get_string(s)) !=
			    (size_t)json_object_get_string_len(s))
			return false;
	}
	return true;
}

static bool env_valid(struct json_object *env)
{
	size_t n = 0;

	json_object_object_foreach(env, name, value)
	{
		if (++n > CONFIG_MAX_ENV || !name[0] || strchr(name, '=') ||
		    !json_object_is_type(value, json_type_string) ||
		    json_object_get_string_len(value) > CONFIG_MAX_STRING ||
		    strlen(json_object_get_string(value)) !=
			    (size_t)json_object_get_string_len(value))
			return false;
	}
	return true;
}

static struct json_object *default_env(void)
{
	struct json_object *env = json_object_new_object();

	json_object_object_add(env, "PATH",
			       json_object_new_string("/usr/bin:/bin"));
	json_object_object_add(env, "HOME", json_object_new_string("/tmp"));
	json_object_object_add(env, "LANG", json_object_new_string("C.UTF-8"));
	return env;
}

static int parse_process(struct json_object *params, struct config *cfg,
			 struct json_object **error)
{
	bool wrong = false;
	struct json_object *env, *argv, *cwd, *verb;

	/* Each member is checked on its own, so data.field names the one
	 * that is wrong (SPEC: REQ-BAD-9). */
	env = sbp_field(params, "env", json_type_object, &wrong);
	if (wrong || (env && !env_valid(env)))
		return bad(error, SBP_INVALID_PARAMS, "/env",
			   "env must map at most 1024 names to strings");
	argv = sbp_field(params, "argv", json_type_array, &wrong);
	if (wrong || (argv && !string_array(argv, CONFIG_MAX_ARGV)))
		return bad(error, SBP_INVALID_PARAMS, "/argv",
			   "argv must be at most 256 strings");
	cwd = sbp_field(params, "cwd", json_type_string, &wrong);
	if (wrong || (cwd && !valid_target(json_object_get_string(cwd))))
		return bad(error, SBP_INVALID_PARAMS, "/cwd",
			   "cwd must be an absolute, normalized path");
	verb = sbp_field(params, "verbosity", json_type_int, &wrong);
	if (wrong || (verb && (json_object_get_int(verb) < 0 ||
			       json_object_get_int(verb) > 3)))
		return bad(error, SBP_INVALID_PARAMS, "/verbosity",
			   "verbosity must be 0..3");

	cfg->env = env ? json_object_get(env) : default_env();
	if (argv) {
		cfg->argv = json_object_get(argv);
	} else {
		cfg->argv = json_object_new_array();
		json_object_array_add(cfg->argv, json_object_new_string(""));
	}
	snprintf(cfg->cwd, sizeof(cfg->cwd), "%s",
		 cwd ? json_object_get_string(cwd) : "/tmp");
	cfg->verbosity = verb ? json_object_get_int(verb) : 0;
	return 0;
}

/* "MAJOR.MINOR": another major is unsupported_version, anything that is
 * not a version at all invalid_params (SPEC: REQ-VER). */
static bool version_syntax(const char *s)
{
	size_t major = strspn(s, "0123456789");

	return major > 0 && s[major] == '.' && s[major + 1] &&
	       strspn(s + major + 1, "0123456789") == strlen(s + major + 1);
}

/* unsupported_version's data is {"supported": [...]} alone (its schema,
 * UnsupportedVersionData, declares no field). */
static int unsupported(struct json_object **error, const char *message)
{
	struct json_object *data, *list = json_object_new_array();
	int rc = bad(error, SBP_UNSUPPORTED_VERSION, "", message);
	int minor;

	for (minor = 0; minor <= SBP_VERSION_MINOR; minor++) {
		char v[16];

		snprintf(v, sizeof(v), "%d.%d", SBP_VERSION_MAJOR, minor);
		json_object_array_add(list, json_object_new_string(v));
	}
	json_object_object_get_ex(*error, "data", &data);
	json_object_object_del(data, "field");
	json_object_object_add(data, "supported", list);
	return rc;
}

/* The negotiated minor is the smaller of the parent's and ours
 * (SPEC: REQ-INIT-2). */
static int check_version(struct json_object *params, int *minor,
			 struct json_object **error)
{
	bool wrong = false;
	struct json_object *v =
		sbp_field(params, "protocol_version", json_type_string, &wrong);
	const char *s;
	long asked;

	if (!v || !version_syntax(json_object_get_string(v)))
		return bad(error, SBP_INVALID_PARAMS, "/protocol_version",
			   "protocol_version must be \"MAJOR.MINOR\"");
	s = json_object_get_string(v);
	if (strncmp(s, "1.", 2) != 0)
		return unsupported(error, "this child speaks protocol 1.x");

	asked = strlen(s + 2) > 4 ? SBP_VERSION_MINOR : strtol(s + 2, NULL, 10);
	*minor = asked < SBP_VERSION_MINOR ? (int)asked : SBP_VERSION_MINOR;
	return 0;
}

int config_parse(struct json_object *params, const struct install_paths *ip,
		 struct config *cfg, struct json_object **error)
{
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!params || !json_object_is_type(params, json_type_object))
		return bad(error, SBP_INVALID_PARAMS, "",
			   "params must be an object");

	rc = check_version(params, &cfg->minor, error);
	if (!rc)
		rc = parse_limits(params, &cfg->limits, error);
	if (!rc)
		rc = parse_process(params, cfg, error);
	if (!rc)
		rc = parse_functions(params, cfg, error);
	if (!rc)
		rc = parse_filesystem(params, ip, cfg, error);
	return rc;
}

/* A module name as `import` takes it: dotted identifiers. */
static bool module_name(const char *s)
{
	const char *part = s;

	if (strlen(s) > 128)
		return false;
	for (;;) {
		const char *dot = strchr(part, '.');
		char buf[129];

		snprintf(buf, sizeof(buf), "%.*s",
			 (int)(dot ? (size_t)(dot - part) : strlen(part)),
			 part);
		if (!identifier(buf))
			return false;
		if (!dot)
			return true;
		part = dot + 1;
	}
}

static int parse_preload(struct json_object *params, struct config *cfg,
			 struct json_object **error)
{
	bool wrong = false;
	struct json_object *a =
		sbp_field(params, "preload", json_type_array, &wrong);
	size_t i, n = a ? json_object_array_length(a) : 0;
	char field[32];

	if (wrong || n > CONFIG_MAX_PRELOAD)
		return bad(error, SBP_INVALID_PARAMS, "/preload",
			   "preload must be an array of at most 64 modules");
	cfg->preload = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(a, i);

		snprintf(field, sizeof(field), "/preload/%zu", i);
		if (!json_object_is_type(m, json_type_string) ||
		    strlen(json_object_get_string(m)) !=
			    (size_t)json_object_get_string_len(m) ||
		    !module_name(json_object_get_string(m)))
			return bad(error, SBP_INVALID_PARAMS, field,
				   "a module name is dotted identifiers, "
				   "at most 128 characters");
		json_object_array_add(cfg->preload, json_object_get(m));
	}
	return 0;
}

/* The largest value of limit NAME the jail can be given: its range's
 * maximum, or the hard limit we run under, which nothing can raise. */
static void template_limit(struct json_object *limits, const char *name,
			   int resource, uint64_t extra)
{
	const struct limit_spec *spec = NULL;
	struct rlimit rl;
	uint64_t value;
	size_t i;

	for (i = 0; i < NLIMITS; i++)
		if (strcmp(limit_specs[i].name, name) == 0)
			spec = &limit_specs[i];
	value = spec->max;
	if (resource >= 0 && getrlimit(resource, &rl) == 0 &&
	    rl.rlim_max != RLIM_INFINITY && rl.rlim_max - extra < value)
		value = rl.rlim_max - extra;
	json_object_object_add(limits, name, json_object_new_int64(value));
}

int config_parse_warm(struct json_object *params,
		      const struct install_paths *ip, struct config *cfg,
		      struct json_object **error)
{
	struct json_object *tmpl, *limits, *verbosity, *preload = NULL;
	int minor = 0, rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!params || !json_object_is_type(params, json_type_object))
		return bad(error, SBP_INVALID_PARAMS, "",
			   "params must be an object");
	rc = check_version(params, &minor, error);
	if (!rc && minor < 1)
		return unsupported(error, "warm needs protocol 1.1");
	if (!rc)
		rc = parse_preload(params, cfg, error);
	if (rc)
		return rc;
	preload = cfg->preload;

	/* Until initialize, the jail gets what a session with every limit
	 * at its largest would: limits can only be lowered later. */
	tmpl = json_object_new_object();
	limits = json_object_new_object();
	json_object_object_add(tmpl, "protocol_version",
			       json_object_new_string("1.1"));
	template_limit(limits, "memory_bytes", RLIMIT_AS, 0);
	template_limit(limits, "open_files", RLIMIT_NOFILE, 0);
	template_limit(limits, "threads", RLIMIT_NPROC, 1);
	template_limit(limits, "file_bytes", RLIMIT_FSIZE, 0);
	json_object_object_add(tmpl, "limits", limits);
	if (json_object_object_get_ex(params, "verbosity", &verbosity))
		json_object_object_add(tmpl, "verbosity",
				       json_object_get(verbosity));

	rc = config_parse(tmpl, ip, cfg, error);
	json_object_put(tmpl);
	cfg->preload = preload;
	cfg->minor = minor;
	return rc;
}

const char *config_bind_source(const struct config *cfg, const char *target)
{
	size_t i =
		cfg->filesystem ? json_object_array_length(cfg->filesystem) : 0;
	struct json_object *e, *t, *src;

	/* A later entry at the same target replaces an earlier one. */
	while (i-- > 0) {
		e = json_object_array_get_idx(cfg->filesystem, i);
		if (json_object_object_get_ex(e, "target", &t) &&
		    strcmp(json_object_get_string(t), target) == 0)
			return json_object_object_get_ex(e, "source", &src)
				       ? json_object_get_string(src)
				       : NULL;
	}
	return NULL;
}

void config_clear(struct config *cfg)
{
	json_object_put(cfg->filesystem);
	vfs_free(cfg->vfs);
	json_object_put(cfg->env);
	json_object_put(cfg->argv);
	json_object_put(cfg->host_functions);
	json_object_put(cfg->preload);
	memset(cfg, 0, sizeof(*cfg));
}

static bool file_exists(const char *dir, const char *rel, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, rel);
	return access(out, R_OK) == 0;
}

int config_find_install(struct install_paths *ip)
{
	char exe[PATH_MAX], probe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *dir;

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	dir = dirname(exe);

	/* The build tree (build/sandbox or a variant build/san/sandbox, and
	 * lib/), then an installed layout (PREFIX/libexec/python-sandbox/
	 * sandbox, PREFIX/lib/python-sandbox). */
	if (file_exists(dir, "../lib/sandbox/__init__.py", probe))
		snprintf(ip->lib_dir, PATH_MAX, "%s/../lib", dir);
	else if (file_exists(dir, "../../lib/sandbox/__init__.py", probe))
		snprintf(ip->lib_dir, PATH_MAX, "%s/../../lib", dir);
	else if (file_exists(dir,
			     "../../lib/python-sandbox/sandbox/__init__.py",
			     probe))
		snprintf(ip->lib_dir, PATH_MAX, "%s/../../lib/python-sandbox",
			 dir);
	else
		return -ENOENT;

	if (!file_exists(dir, "libsbpreload.so", ip->preload) ||
	    !file_exists(dir, "sandbox-jail", ip->jail))
		return -ENOENT;
	if (!realpath(ip->lib_dir, probe))
		return -errno;
	snprintf(ip->lib_dir, PATH_MAX, "%s", probe);
	return 0;
}
