/* SPDX-License-Identifier: MIT */
/* host.c - answering the child's requests: host/call and the hostfs
 * requests; and its output notifications. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct reply_error {
	int code;
	char message[1024];
	struct json_object *data;
};

typedef struct json_object *(*request_fn)(struct pysandbox *s,
					  struct json_object *params,
					  struct reply_error *e);

static const char *const exc_names[] = {
	[PYSANDBOX_EXC_SANDBOX_ERROR] = "SandboxError",
	[PYSANDBOX_EXC_VALUE_ERROR] = "ValueError",
	[PYSANDBOX_EXC_TYPE_ERROR] = "TypeError",
	[PYSANDBOX_EXC_KEY_ERROR] = "KeyError",
	[PYSANDBOX_EXC_INDEX_ERROR] = "IndexError",
	[PYSANDBOX_EXC_LOOKUP_ERROR] = "LookupError",
	[PYSANDBOX_EXC_PERMISSION_ERROR] = "PermissionError",
	[PYSANDBOX_EXC_FILE_NOT_FOUND_ERROR] = "FileNotFoundError",
	[PYSANDBOX_EXC_TIMEOUT_ERROR] = "TimeoutError",
	[PYSANDBOX_EXC_RUNTIME_ERROR] = "RuntimeError",
};

EXPORT const char *pysandbox_exc_name(enum pysandbox_exc exc)
{
	if ((unsigned int)exc > PYSANDBOX_EXC_RUNTIME_ERROR)
		return NULL;
	return exc_names[exc];
}

EXPORT void pysandbox_host_error_set(struct pysandbox_host_error *error,
				     enum pysandbox_exc type, const char *fmt,
				     ...)
{
	va_list ap;

	error->type =
		pysandbox_exc_name(type) ? type : PYSANDBOX_EXC_SANDBOX_ERROR;
	error->set = true;
	va_start(ap, fmt);
	vsnprintf(error->message, sizeof(error->message), fmt, ap);
	va_end(ap);
}

static struct json_object *fail(struct reply_error *e, int code,
				struct json_object *data, const char *message)
{
	e->code = code;
	e->data = data;
	snprintf(e->message, sizeof(e->message), "%s", message);
	return NULL;
}

/* invalid_params naming the offending member as a JSON Pointer
 * (REQ-BAD-9). */
static struct json_object *bad_field(struct reply_error *e, const char *field,
				     const char *message)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "field", json_object_new_string(field));
	return fail(e, SBP_INVALID_PARAMS, data, message);
}

static struct json_object *
host_error(struct reply_error *e, enum pysandbox_exc type, const char *message)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(
		data, "type", json_object_new_string(pysandbox_exc_name(type)));
	return fail(e, SBP_HOST_ERROR, data, message);
}

static const struct host_fn *find_fn(struct pysandbox *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->o->nfns; i++)
		if (!strcmp(s->o->fns[i].name, name))
			return &s->o->fns[i];
	return NULL;
}

/* Checks host/call's members; the function, or NULL with E set. */
static const struct host_fn *
call_target(struct pysandbox *s, struct json_object *p, struct reply_error *e)
{
	struct json_object *run, *name;
	const struct host_fn *f;
	bool bad = false;
	char msg[512];

	run = sbp_field(p, "run", json_type_int, &bad);
	if (!run || bad || !s->running ||
	    json_object_get_int64(run) != s->run.id) {
		bad_field(e, "/run", "host/call for a run not in progress");
		return NULL;
	}
	name = sbp_field(p, "function", json_type_string, &bad);
	if (!name || bad) {
		bad_field(e, "/function", "host/call needs a function name");
		return NULL;
	}

	f = find_fn(s, json_object_get_string(name));
	if (!f) {
		snprintf(msg, sizeof(msg), "unknown host function %s",
			 json_object_get_string(name));
		host_error(e, PYSANDBOX_EXC_SANDBOX_ERROR, msg);
	}
	return f;
}

static struct json_object *host_call(struct pysandbox *s, struct json_object *p,
				     struct reply_error *e)
{
	struct json_object *args, *kwargs, *value = NULL, *result;
	struct pysandbox_host_error he = {0};
	const struct host_fn *f = call_target(s, p, e);
	bool bad_args = false, bad_kwargs = false;

	if (!f)
		return NULL;
	args = sbp_field(p, "args", json_type_array, &bad_args);
	kwargs = sbp_field(p, "kwargs", json_type_object, &bad_kwargs);
	if (bad_args || bad_kwargs)
		return bad_field(
			e, bad_args ? "/args" : "/kwargs",
			"host/call needs an args array and a kwargs object");

	args = args ? json_object_get(args) : json_object_new_array();
	kwargs = kwargs ? json_object_get(kwargs) : json_object_new_object();
	if (f->fn(f->userdata, f->name, args, kwargs, &value, &he) != 0) {
		json_object_put(value);
		if (!he.set)
			snprintf(he.message, sizeof(he.message),
				 "host function %s failed", f->name);
		result = host_error(e, he.type, he.message);
	} else {
		result = json_object_new_object();
		json_object_object_add(result, "value", value);
	}
	json_object_put(args);
	json_object_put(kwargs);
	return result;
}

static const char *errno_name(int err)
{
	switch (err) {
	case -ENOENT:
		return "ENOENT";
	case -ENOTDIR:
		return "ENOTDIR";
	case -EISDIR:
		return "EISDIR";
	default:
		return "EACCES";
	}
}

static struct json_object *fs_error(struct reply_error *e, int err)
{
	struct json_object *data = json_object_new_object();
	const char *name = errno_name(err);

	json_object_object_add(data, "errno", json_object_new_string(name));
	return fail(e, SBP_FS_ERROR, data, name);
}

static const struct host_dir *find_dir(struct pysandbox *s,
				       struct json_object *p, const char **path,
				       struct reply_error *e)
{
	struct json_object *target, *rel;
	bool bad = false;
	size_t i;

	target = sbp_field(p, "target", json_type_string, &bad);
	if (!target || bad)
		return bad_field(e, "/target", "hostfs needs a target"), NULL;
	rel = sbp_field(p, "path", json_type_string, &bad);
	if (!rel || bad || !__psb_valid_rel_path(json_object_get_string(rel)))
		return bad_field(e, "/path", "hostfs needs a normalized path"),
		       NULL;

	*path = json_object_get_string(rel);
	for (i = 0; i < s->o->ndirs; i++)
		if (!strcmp(s->o->dirs[i].target,
			    json_object_get_string(target)))
			return &s->o->dirs[i];

	/* Not one of our host entries (REQ-HOSTFS-2). */
	fs_error(e, -ENOENT);
	return NULL;
}

static const char *type_name(enum pysandbox_file_type t)
{
	return t == PYSANDBOX_DIR ? "dir" : "file";
}

static struct json_object *
hostfs_stat(struct pysandbox *s, struct json_object *p, struct reply_error *e)
{
	enum pysandbox_file_type type = PYSANDBOX_FILE;
	const struct host_dir *d;
	struct json_object *r;
	unsigned int mode = 0;
	const char *path;
	uint64_t size = 0;
	int err;

	d = find_dir(s, p, &path, e);
	if (!d)
		return NULL;
	err = d->ops->stat
		      ? d->ops->stat(d->userdata, path, &type, &size, &mode)
		      : -ENOENT;
	if (err)
		return fs_error(e, err);

	r = json_object_new_object();
	json_object_object_add(r, "type",
			       json_object_new_string(type_name(type)));
	json_object_object_add(r, "size", json_object_new_int64((int64_t)size));
	json_object_object_add(r, "mode", json_object_new_int((int)mode));
	return r;
}

static struct json_object *
hostfs_read(struct pysandbox *s, struct json_object *p, struct reply_error *e)
{
	const struct host_dir *d;
	struct json_object *r;
	void *data = NULL;
	const char *path;
	size_t len = 0;
	int err;

	d = find_dir(s, p, &path, e);
	if (!d)
		return NULL;
	err = d->ops->read ? d->ops->read(d->userdata, path, &data, &len)
			   : -ENOENT;

	/* Base64 grows the file by a third; beyond the frame it could not
	 * be sent, beyond file_bytes the child must refuse it. */
	if (!err &&
	    ((int64_t)len > s->file_bytes || len / 3 * 4 + 4096 > s->frame_max))
		err = -EACCES;
	if (err) {
		free(data);
		return fs_error(e, err);
	}

	r = json_object_new_object();
	json_object_object_add(r, "data", sbp_b64_new(data ? data : "", len));
	free(data);
	return r;
}

EXPORT int pysandbox_dir_add(struct pysandbox_dir *dir, const char *name,
			     enum pysandbox_file_type type)
{
	struct json_object *ent;

	if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	if (json_object_array_length(dir->entries) >= MAX_LISTING)
		return -E2BIG;

	ent = json_object_new_object();
	if (!ent)
		return -ENOMEM;
	json_object_object_add(ent, "name", json_object_new_string(name));
	json_object_object_add(ent, "type",
			       json_object_new_string(type_name(type)));
	json_object_array_add(dir->entries, ent);
	return 0;
}

static struct json_object *
hostfs_list(struct pysandbox *s, struct json_object *p, struct reply_error *e)
{
	struct pysandbox_dir dir = {.entries = json_object_new_array()};
	const struct host_dir *d;
	struct json_object *r;
	const char *path;
	int err;

	d = find_dir(s, p, &path, e);
	err = !d	     ? 1
	      : d->ops->list ? d->ops->list(d->userdata, path, &dir)
			     : -ENOENT;
	if (err) {
		json_object_put(dir.entries);
		return d ? fs_error(e, err) : NULL;
	}

	r = json_object_new_object();
	json_object_object_add(r, "entries", dir.entries);
	return r;
}

static const struct {
	const char *method;
	request_fn fn;
} handlers[] = {
	{"host/call", host_call},
	{"hostfs/stat", hostfs_stat},
	{"hostfs/read", hostfs_read},
	{"hostfs/list", hostfs_list},
};

static struct json_object *dispatch(struct pysandbox *s, struct sbp_message *m,
				    struct reply_error *e)
{
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(handlers[i].method, m->method) != 0)
			continue;
		if (!json_object_is_type(m->params, json_type_object))
			return bad_field(e, "", "params must be an object");
		return handlers[i].fn(s, m->params, e);
	}
	return fail(e, SBP_METHOD_NOT_FOUND, NULL, "method not found");
}

/* A host/call answer longer than host_call_bytes would be refused by the
 * child (REQ-HOST-3): the code gets a SandboxError that says why. */
static struct json_object *fit_host_answer(struct pysandbox *s,
					   struct sbp_message *m,
					   struct json_object *msg)
{
	struct reply_error e;
	size_t len = 0;

	if (strcmp(m->method, "host/call") != 0)
		return msg;
	json_object_to_json_string_length(
		msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		&len);
	if ((int64_t)len + 1 <= s->host_call_bytes)
		return msg;

	json_object_put(msg);
	host_error(&e, PYSANDBOX_EXC_SANDBOX_ERROR,
		   "host function answer exceeds host_call_bytes");
	return sbp_error(m->id, e.code, e.message, e.data);
}

int __psb_handle_request(struct pysandbox *s, struct sbp_message *m)
{
	struct reply_error e = {0};
	struct json_object *result, *msg;

	/* After shutdown the child gets no answer to anything (REQ-SHUT-3). */
	if (s->closing)
		return 0;

	result = dispatch(s, m, &e);
	if (result)
		msg = sbp_response(m->id, result);
	else
		msg = sbp_error(m->id, e.code, e.message, e.data);
	return __psb_send(s, fit_host_answer(s, m, msg),
			  __psb_short_deadline(s));
}

static void append(struct outbuf *b, const unsigned char *data, size_t len)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	/* One spare byte keeps the output NUL-terminated for callers. */
	while (cap < b->len + len + 1)
		cap *= 2;
	if (cap != b->cap) {
		p = realloc(b->data, cap);
		if (!p)
			return;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void deliver(struct pysandbox *s, enum pysandbox_stream which,
		    const unsigned char *bytes, size_t len)
{
	size_t room = (size_t)s->output_bytes - s->run.output;

	/* The child must stop at output_bytes (REQ-OUT-3); whatever it
	 * sends beyond is dropped, so memory stays bounded regardless. */
	if (len > room) {
		len = room;
		s->run.truncated = true;
	}
	s->run.output += len;
	if (len && s->output_fn)
		s->output_fn(s->output_ud, which, bytes, len);
	else if (len)
		append(which == PYSANDBOX_STDOUT ? &s->run.out : &s->run.err,
		       bytes, len);
}

/* Output of another run is ignored (REQ-STATE-7); malformed output of
 * ours fails the run (REQ-BAD-16). */
int __psb_handle_output(struct pysandbox *s, struct json_object *p)
{
	struct json_object *run, *stream, *data;
	enum pysandbox_stream which;
	unsigned char *bytes;
	bool bad = false;
	const char *name;
	size_t len;

	run = sbp_field(p, "run", json_type_int, &bad);
	if (!run || !s->running || json_object_get_int64(run) != s->run.id)
		return 0;

	stream = sbp_field(p, "stream", json_type_string, &bad);
	data = sbp_field(p, "data", json_type_string, &bad);
	name = stream ? json_object_get_string(stream) : "";
	which = strcmp(name, "stderr") ? PYSANDBOX_STDOUT : PYSANDBOX_STDERR;
	if (!data || (strcmp(name, "stdout") && strcmp(name, "stderr")) ||
	    sbp_b64_decode(data, s->frame_max, &bytes, &len) != 0)
		return __psb_broken(
			s, PYSANDBOX_EPROTO,
			"child sent a malformed output notification; session ended");

	deliver(s, which, bytes, len);
	free(bytes);
	return 0;
}
