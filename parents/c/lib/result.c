/* SPDX-License-Identifier: MIT */
/* result.c - RunResult objects and their accessors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct pysandbox_result {
	struct json_object *json;
	enum pysandbox_outcome outcome;
	struct outbuf out;
	struct outbuf err;
	bool truncated;
};

static const char *const outcome_names[] = {
	[PYSANDBOX_OK] = "ok",
	[PYSANDBOX_EXCEPTION] = "exception",
	[PYSANDBOX_EXIT] = "exit",
	[PYSANDBOX_TIMEOUT] = "timeout",
	[PYSANDBOX_CPU_LIMIT] = "cpu_limit",
	[PYSANDBOX_MEMORY_LIMIT] = "memory_limit",
	[PYSANDBOX_OUTPUT_LIMIT] = "output_limit",
	[PYSANDBOX_VIOLATION] = "violation",
	[PYSANDBOX_CRASH] = "crash",
	[PYSANDBOX_CANCELLED] = "cancelled",
};

#define NOUTCOMES (sizeof(outcome_names) / sizeof(outcome_names[0]))

EXPORT const char *pysandbox_outcome_name(enum pysandbox_outcome outcome)
{
	if ((unsigned int)outcome >= NOUTCOMES)
		return NULL;
	return outcome_names[outcome];
}

static int parse_outcome(struct json_object *json)
{
	struct json_object *o;
	size_t i;

	if (!json_object_is_type(json, json_type_object) ||
	    !json_object_object_get_ex(json, "outcome", &o) ||
	    !json_object_is_type(o, json_type_string))
		return -1;
	for (i = 0; i < NOUTCOMES; i++)
		if (!strcmp(outcome_names[i], json_object_get_string(o)))
			return (int)i;
	return -1;
}

bool __psb_fatal_outcome(struct json_object *json)
{
	int o = parse_outcome(json);

	return o != PYSANDBOX_OK && o != PYSANDBOX_EXCEPTION &&
	       o != PYSANDBOX_EXIT;
}

/* The members a RunResult may carry and their JSON types; absent ones
 * read as absent through the accessors. */
static const struct {
	const char *name;
	enum json_type type, or ;
} shape[] = {
	{"session_usable", json_type_boolean, json_type_boolean},
	{"exit_status", json_type_int, json_type_null},
	{"exception", json_type_object, json_type_null},
	{"usage", json_type_object, json_type_object},
	{"violation", json_type_object, json_type_null},
	{"signal", json_type_int, json_type_null},
};

bool __psb_valid_result(struct json_object *json)
{
	struct json_object *v;
	enum json_type t;
	size_t i;

	if (parse_outcome(json) < 0)
		return false;
	for (i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
		if (!json_object_object_get_ex(json, shape[i].name, &v))
			continue;
		t = json_object_get_type(v);
		if (t != shape[i].type && t != shape[i].or)
			return false;
	}
	return true;
}

void __psb_outbuf_free(struct outbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Takes JSON and the run's collected output. A result without a known
 * outcome is a protocol violation. */
int __psb_make_result(struct pysandbox *s, struct json_object *json,
		      struct pysandbox_result **out)
{
	struct pysandbox_result *r;
	int outcome = parse_outcome(json);

	if (!__psb_valid_result(json)) {
		json_object_put(json);
		return __psb_broken(
			s, PYSANDBOX_EPROTO,
			"child sent a malformed run result; session ended");
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		json_object_put(json);
		return __psb_fail(s, -ENOMEM, "out of memory");
	}

	r->json = json;
	r->outcome = (enum pysandbox_outcome)outcome;
	r->out = s->run.out;
	r->err = s->run.err;
	/* The child stops at output_bytes itself: its output_limit outcome
	 * is what says the output was cut. */
	r->truncated = s->run.truncated || r->outcome == PYSANDBOX_OUTPUT_LIMIT;
	memset(&s->run.out, 0, sizeof(s->run.out));
	memset(&s->run.err, 0, sizeof(s->run.err));
	*out = r;
	return 0;
}

EXPORT void pysandbox_result_free(struct pysandbox_result *r)
{
	if (!r)
		return;
	json_object_put(r->json);
	__psb_outbuf_free(&r->out);
	__psb_outbuf_free(&r->err);
	free(r);
}

static struct json_object *get(struct json_object *obj, const char *key,
			       enum json_type type)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

static const char *get_string(struct json_object *obj, const char *key)
{
	struct json_object *v = get(obj, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

static int64_t get_int(struct json_object *obj, const char *key)
{
	struct json_object *v = get(obj, key, json_type_int);

	return v ? json_object_get_int64(v) : -1;
}

EXPORT enum pysandbox_outcome
pysandbox_result_outcome(const struct pysandbox_result *r)
{
	return r->outcome;
}

EXPORT bool pysandbox_result_session_usable(const struct pysandbox_result *r)
{
	struct json_object *v =
		get(r->json, "session_usable", json_type_boolean);

	if (!v)
		return !__psb_fatal_outcome(r->json);
	return json_object_get_boolean(v);
}

EXPORT int pysandbox_result_exit_status(const struct pysandbox_result *r)
{
	return (int)get_int(r->json, "exit_status");
}

EXPORT int pysandbox_result_signal(const struct pysandbox_result *r)
{
	return (int)get_int(r->json, "signal");
}

static struct json_object *exception(const struct pysandbox_result *r)
{
	return get(r->json, "exception", json_type_object);
}

EXPORT const char *
pysandbox_result_exception_type(const struct pysandbox_result *r)
{
	return get_string(exception(r), "type");
}

EXPORT const char *
pysandbox_result_exception_message(const struct pysandbox_result *r)
{
	return get_string(exception(r), "message");
}

EXPORT const char *
pysandbox_result_exception_traceback(const struct pysandbox_result *r)
{
	return get_string(exception(r), "traceback");
}

EXPORT struct json_object *
pysandbox_result_value(const struct pysandbox_result *r)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(r->json, "value", &v);
	return v;
}

EXPORT int64_t pysandbox_result_usage(const struct pysandbox_result *r,
				      const char *name)
{
	return get_int(get(r->json, "usage", json_type_object), name);
}

static struct json_object *violation(const struct pysandbox_result *r)
{
	return get(r->json, "violation", json_type_object);
}

EXPORT const char *
pysandbox_result_violation_syscall(const struct pysandbox_result *r)
{
	return get_string(violation(r), "syscall");
}

EXPORT int pysandbox_result_violation_number(const struct pysandbox_result *r)
{
	return (int)get_int(violation(r), "number");
}

EXPORT const char *
pysandbox_result_violation_arch(const struct pysandbox_result *r)
{
	return get_string(violation(r), "arch");
}

EXPORT const void *pysandbox_result_stdout(const struct pysandbox_result *r,
					   size_t *len)
{
	if (len)
		*len = r->out.len;
	return r->out.data ? r->out.data : "";
}

EXPORT const void *pysandbox_result_stderr(const struct pysandbox_result *r,
					   size_t *len)
{
	if (len)
		*len = r->err.len;
	return r->err.data ? r->err.data : "";
}

EXPORT bool pysandbox_result_output_truncated(const struct pysandbox_result *r)
{
	return r->truncated;
}

EXPORT struct json_object *
pysandbox_result_json(const struct pysandbox_result *r)
{
	return r->json;
}
