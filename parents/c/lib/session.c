/* SPDX-License-Identifier: MIT */
/* session.c - the session life cycle: start, runs, tmpfs, cancel, close. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef PYSANDBOX_PREFIX
#define PYSANDBOX_PREFIX "/usr/local"
#endif
#define INSTALLED_CHILD PYSANDBOX_PREFIX "/libexec/python-sandbox/sandbox"

EXPORT struct pysandbox *pysandbox_new(const struct pysandbox_options *o)
{
	struct pysandbox *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;

	s->to_child = s->from_child = -1;
	s->wake[0] = s->wake[1] = -1;
	s->next_id = 1;
	s->frame_max = SBP_FRAME_INITIAL;
	s->o = __psb_options_copy(o);
	if (!s->o || pipe2(s->wake, O_NONBLOCK | O_CLOEXEC) < 0 ||
	    pthread_mutex_init(&s->lock, NULL) != 0) {
		pysandbox_options_free(s->o);
		if (s->wake[0] >= 0) {
			close(s->wake[0]);
			close(s->wake[1]);
		}
		free(s);
		return NULL;
	}
	return s;
}

/* The child binary: explicit option, then $PYSANDBOX_CHILD (not trusted
 * in setuid programs, hence secure_getenv), then the install location. */
const char *__psb_child_path(const struct pysandbox_options *o)
{
	const char *env = secure_getenv("PYSANDBOX_CHILD");

	if (o->child)
		return o->child;
	if (env && env[0])
		return env;
	return INSTALLED_CHILD;
}

/* An effective limit: the child's answer, else what we asked for, else
 * the protocol default. */
static int64_t effective(const struct pysandbox *s, struct json_object *lim,
			 const char *name, int64_t def)
{
	struct json_object *v;

	if (json_object_object_get_ex(lim, name, &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > 0)
		return json_object_get_int64(v);
	if (json_object_object_get_ex(s->o->limits, name, &v))
		return json_object_get_int64(v);
	return def;
}

static int apply_info(struct pysandbox *s, struct json_object *info)
{
	struct json_object *ver = NULL, *lim = NULL;
	int64_t frame;

	json_object_object_get_ex(info, "protocol_version", &ver);
	json_object_object_get_ex(info, "limits", &lim);
	if (!json_object_is_type(ver, json_type_string) ||
	    strncmp(json_object_get_string(ver), "1.", 2) != 0)
		return __psb_broken(
			s, PYSANDBOX_EPROTO,
			"child answered initialize without protocol_version 1.x; session ended");

	frame = effective(s, lim, "frame_bytes", 4194304);
	if (frame < SBP_FRAME_MIN || frame > SBP_FRAME_MAX ||
	    sbp_reader_set_max(s->reader, (size_t)frame) != 0)
		return __psb_broken(
			s, PYSANDBOX_EPROTO,
			"child chose frame_bytes %lld outside the protocol's range; session ended",
			(long long)frame);

	s->frame_max = (size_t)frame;
	s->wall_ms = effective(s, lim, "wall_ms", 30000);
	s->output_bytes = effective(s, lim, "output_bytes", 16777216);
	s->host_call_bytes = effective(s, lim, "host_call_bytes", 1048576);
	s->file_bytes = effective(s, lim, "file_bytes", 67108864);
	s->info = info;
	return 0;
}

/* Starts the child at PATH, with a reader on its output. The resolved
 * path is executed: the one that was checked, whatever a symbolic link
 * on the way points to by then. */
int __psb_launch(struct pysandbox *s, const char *path,
		 enum psb_spawn_flags flags)
{
	char real[PATH_MAX];
	int ret;

	ret = __psb_trusted_child(s, path, real);
	if (ret)
		return ret;
	if (access(real, X_OK) < 0)
		return __psb_fail(s, PYSANDBOX_ESPAWN,
				  "cannot execute child '%s': %s", path,
				  strerror(errno));
	ret = __psb_spawn(s, real, flags);
	if (ret)
		return ret;

	s->reader = sbp_reader_new(s->from_child, SBP_FRAME_INITIAL);
	if (!s->reader)
		return __psb_fail(s, -ENOMEM, "out of memory");
	return 0;
}

/* Sends initialize without waiting, so that a warm pool can start the
 * next child while this one configures its jail. */
int __psb_send_initialize(struct pysandbox *s, int64_t deadline, int64_t *id)
{
	struct json_object *p = __psb_init_params(s);

	/* A warm child holds the version its warm negotiated (REQ-WARM-2);
	 * one that refused warm is started as 1.0 says (REQ-WARM-1). */
	if (p && s->version[0])
		json_object_object_add(p, "protocol_version",
				       json_object_new_string(s->version));
	return __psb_send_request(s, "initialize", p, deadline, id);
}

int __psb_finish_initialize(struct pysandbox *s, int64_t id, int64_t deadline)
{
	struct json_object *info;
	int ret = __psb_wait_reply(s, id, deadline, &info);

	if (ret == PYSANDBOX_ECHILD)
		ret = PYSANDBOX_ESPAWN;
	if (ret)
		return ret;
	ret = apply_info(s, info);
	if (ret)
		json_object_put(info);
	return ret;
}

static int start(struct pysandbox *s)
{
	int64_t deadline = __psb_now_ms() + s->o->request_ms, id;
	int ret = __psb_launch(s, __psb_child_path(s->o), PSB_SPAWN_PLAIN);

	if (!ret)
		ret = __psb_send_initialize(s, deadline, &id);
	if (!ret)
		ret = __psb_finish_initialize(s, id, deadline);
	return ret;
}

/* After a failed warm child: everything of it gone, so that the session
 * can start on another (the child itself was reaped by __psb_broken or
 * __psb_end_child). */
void __psb_forget_child(struct pysandbox *s)
{
	__psb_kill(s);
	if (s->to_child >= 0)
		close(s->to_child);
	if (s->from_child >= 0)
		close(s->from_child);
	s->to_child = s->from_child = -1;
	sbp_reader_free(s->reader);
	s->reader = NULL;
	json_object_put(s->rpc_data);
	s->rpc_data = NULL;
	s->rpc_code = 0;
	s->next_id = 1;
	s->frame_max = SBP_FRAME_INITIAL;
	s->malformed = 0;
	s->closing = false;
	s->warm_id = 0;
	s->version[0] = '\0';
	s->ended[0] = '\0';
	s->errmsg[0] = '\0';
}

EXPORT int pysandbox_start(struct pysandbox *s)
{
	int ret;

	if (s->state != ST_NEW)
		return __psb_fail(s, -EINVAL, "session already started");

	/* Until initialize succeeds the session counts as ended, so that
	 * every failure below leaves it unusable and the child reaped. */
	s->state = ST_ENDED;
	ret = start(s);
	if (ret) {
		__psb_end_child(s);
		return ret;
	}
	s->state = ST_READY;
	return 0;
}

EXPORT struct json_object *pysandbox_info(const struct pysandbox *s)
{
	return s->info;
}

EXPORT void pysandbox_set_output(struct pysandbox *s, pysandbox_output_fn fn,
				 void *userdata)
{
	s->output_fn = fn;
	s->output_ud = userdata;
}

EXPORT int pysandbox_set_stdin(struct pysandbox *s, const void *data,
			       size_t len)
{
	unsigned char *copy;

	if (len > SBP_FRAME_MAX)
		return __psb_fail(
			s, -E2BIG,
			"stdin of %zu bytes exceeds the largest frame", len);
	copy = malloc(len + 1);
	if (!copy)
		return __psb_fail(s, -ENOMEM, "out of memory");

	memcpy(copy, data, len);
	free(s->stdin_data);
	s->stdin_data = copy;
	s->stdin_len = len;
	return 0;
}

EXPORT int pysandbox_set_filename(struct pysandbox *s, const char *filename)
{
	char *copy = filename ? strdup(filename) : NULL;

	if (filename && !copy)
		return __psb_fail(s, -ENOMEM, "out of memory");
	free(s->filename);
	s->filename = copy;
	return 0;
}

static int check_ready(struct pysandbox *s)
{
	if (s->state == ST_NEW)
		return __psb_fail(s, -EINVAL, "session not started");
	if (s->state == ST_ENDED && s->ended[0])
		return __psb_fail(s, PYSANDBOX_EENDED, "session has ended (%s)",
				  s->ended);
	if (s->state == ST_ENDED)
		return __psb_fail(s, PYSANDBOX_EENDED, "session has ended");
	return 0;
}

/* REQ-VER-4: a feature the child reports false is never asked for; the
 * call is refused here and the session goes on. Before start there is no
 * info yet, and begin_run() refuses the call instead. */
static bool unsupported(const struct pysandbox *s, const char *feature)
{
	struct json_object *caps, *cap;

	return s->info &&
	       json_object_object_get_ex(s->info, "capabilities", &caps) &&
	       json_object_object_get_ex(caps, feature, &cap) &&
	       json_object_is_type(cap, json_type_boolean) &&
	       !json_object_get_boolean(cap);
}

static int need(struct pysandbox *s, const char *feature)
{
	if (unsupported(s, feature))
		return __psb_fail(s, -ENOTSUP, "the child does not support %s",
				  feature);
	return 0;
}

static int begin_run(struct pysandbox *s)
{
	bool busy;
	int ret = check_ready(s);

	if (ret)
		return ret;

	pthread_mutex_lock(&s->lock);
	busy = s->running;
	s->running = true;
	s->cancel = false;
	pthread_mutex_unlock(&s->lock);
	if (busy)
		return __psb_fail(s, -EBUSY, "a run is in progress");

	memset(&s->run, 0, sizeof(s->run));
	s->run.id = s->next_id;
	return 0;
}

static void end_run(struct pysandbox *s)
{
	pthread_mutex_lock(&s->lock);
	s->running = false;
	s->cancel = false;
	pthread_mutex_unlock(&s->lock);

	__psb_outbuf_free(&s->run.out);
	__psb_outbuf_free(&s->run.err);
	free(s->stdin_data);
	s->stdin_data = NULL;
	s->stdin_len = 0;
	free(s->filename);
	s->filename = NULL;
}

/* A fatal outcome ends the session; the child waits for shutdown. */
static void note_outcome(struct pysandbox *s, struct pysandbox_result *r)
{
	if (pysandbox_result_session_usable(r))
		return;
	s->state = ST_ENDED;
	snprintf(s->ended, sizeof(s->ended), "outcome %s",
		 pysandbox_outcome_name(pysandbox_result_outcome(r)));
}

static int run(struct pysandbox *s, const char *method,
	       struct json_object *params, struct pysandbox_result **result)
{
	struct json_object *json;
	int64_t deadline;
	int ret = need(s, method);

	if (!ret)
		ret = begin_run(s);

	if (ret) {
		json_object_put(params);
		return ret;
	}

	if (s->stdin_len)
		json_object_object_add(
			params, "stdin_data",
			sbp_b64_new(s->stdin_data, s->stdin_len));
	if (s->filename && !strcmp(method, "execute"))
		json_object_object_add(params, "filename",
				       json_object_new_string(s->filename));
	deadline = __psb_now_ms() + s->wall_ms + s->o->grace_ms;
	ret = __psb_request(s, method, params, deadline, &json);
	if (!ret)
		ret = __psb_make_result(s, json, result);
	if (!ret)
		note_outcome(s, *result);

	end_run(s);
	return ret;
}

EXPORT int pysandbox_execute(struct pysandbox *s, const char *code,
			     struct pysandbox_result **result)
{
	struct json_object *p;

	if (!code || !result)
		return __psb_fail(s, -EINVAL, "execute needs code and result");
	p = json_object_new_object();
	json_object_object_add(p, "code", json_object_new_string(code));
	return run(s, "execute", p, result);
}

EXPORT int pysandbox_execute_path(struct pysandbox *s, const char *path,
				  struct pysandbox_result **result)
{
	struct json_object *p;

	if (!path || path[0] != '/' || !result)
		return __psb_fail(
			s, -EINVAL,
			"execute needs an absolute sandbox path and result");
	p = json_object_new_object();
	json_object_object_add(p, "path", json_object_new_string(path));
	return run(s, "execute", p, result);
}

EXPORT int pysandbox_invoke(struct pysandbox *s, const char *callable,
			    struct json_object *args,
			    struct json_object *kwargs,
			    struct pysandbox_result **result)
{
	struct json_object *p;

	if (!callable || !result ||
	    (args && !json_object_is_type(args, json_type_array)) ||
	    (kwargs && !json_object_is_type(kwargs, json_type_object)))
		return __psb_fail(
			s, -EINVAL,
			"invoke needs a callable, an args array and a kwargs object");

	p = json_object_new_object();
	json_object_object_add(p, "callable", json_object_new_string(callable));
	json_object_object_add(p, "args",
			       args ? json_object_get(args)
				    : json_object_new_array());
	json_object_object_add(p, "kwargs",
			       kwargs ? json_object_get(kwargs)
				      : json_object_new_object());
	return run(s, "invoke", p, result);
}

EXPORT int pysandbox_cancel(struct pysandbox *s)
{
	bool running;

	/* Any thread may call this: no message, just the code. */
	if (unsupported(s, "cancel"))
		return -ENOTSUP;
	pthread_mutex_lock(&s->lock);
	running = s->running;
	if (running)
		s->cancel = true;
	pthread_mutex_unlock(&s->lock);
	if (!running)
		return -ESRCH;

	/* A full pipe already holds a wake-up: EAGAIN is fine. */
	while (write(s->wake[1], "c", 1) < 0 && errno == EINTR)
		;
	return 0;
}

static int tmpfs_request(struct pysandbox *s, const char *method,
			 struct json_object *params, struct json_object **res)
{
	int ret = need(s, "tmpfs");

	if (!ret)
		ret = begin_run(s);

	if (ret) {
		json_object_put(params);
		return ret;
	}
	ret = __psb_request(s, method, params, __psb_short_deadline(s), res);
	end_run(s);
	return ret;
}

EXPORT int pysandbox_tmpfs_list(struct pysandbox *s, const char *path,
				struct json_object **result)
{
	struct json_object *p;

	if (!path || !result)
		return __psb_fail(s, -EINVAL, "tmpfs_list needs a path");
	p = json_object_new_object();
	json_object_object_add(p, "path", json_object_new_string(path));
	return tmpfs_request(s, "tmpfs/list", p, result);
}

/* One tmpfs/read request at OFFSET: the decoded bytes in *CHUNK (*N of
 * them), and 1 at end of file. */
static int fetch_chunk(struct pysandbox *s, const char *path, size_t offset,
		       unsigned char **chunk, size_t *n)
{
	struct json_object *p = json_object_new_object(), *res, *data, *eof;
	bool bad = false;
	int ret;

	json_object_object_add(p, "path", json_object_new_string(path));
	json_object_object_add(p, "offset",
			       json_object_new_int64((int64_t)offset));
	json_object_object_add(
		p, "length", json_object_new_int64((int64_t)s->frame_max / 2));
	ret = tmpfs_request(s, "tmpfs/read", p, &res);
	if (ret)
		return ret;

	data = sbp_field(res, "data", json_type_string, &bad);
	eof = sbp_field(res, "eof", json_type_boolean, &bad);
	if (!data || !eof || bad ||
	    sbp_b64_decode(data, s->frame_max, chunk, n) != 0) {
		json_object_put(res);
		return __psb_broken(
			s, PYSANDBOX_EPROTO,
			"child sent a malformed tmpfs/read result; session ended");
	}
	ret = json_object_get_boolean(eof) ? 1 : 0;
	json_object_put(res);

	/* No progress without end of file would loop forever. */
	if (!*n && !ret) {
		free(*chunk);
		return __psb_broken(
			s, PYSANDBOX_EPROTO,
			"child sent an empty tmpfs/read chunk before end of file; session ended");
	}
	return ret;
}

/* One chunk appended to *BUF (NUL-terminated). 1 at end of file. */
static int read_chunk(struct pysandbox *s, const char *path, size_t max,
		      unsigned char **buf, size_t *len)
{
	unsigned char *chunk, *grown;
	size_t n;
	int ret = fetch_chunk(s, path, *len, &chunk, &n);

	if (ret < 0)
		return ret;
	if (*len + n > max) {
		free(chunk);
		return __psb_fail(s, -E2BIG,
				  "tmpfs file '%s' exceeds %zu bytes", path,
				  max);
	}

	grown = realloc(*buf, *len + n + 1);
	if (!grown) {
		free(chunk);
		return __psb_fail(s, -ENOMEM, "out of memory");
	}
	memcpy(grown + *len, chunk, n);
	*len += n;
	grown[*len] = '\0';
	*buf = grown;
	free(chunk);
	return ret;
}

EXPORT int pysandbox_tmpfs_read(struct pysandbox *s, const char *path,
				size_t max, void **data, size_t *len)
{
	unsigned char *buf = calloc(1, 1);
	size_t n = 0;
	int ret;

	if (!path || !data || !len || !buf) {
		free(buf);
		return __psb_fail(s, -EINVAL, "tmpfs_read needs path and data");
	}
	do {
		ret = read_chunk(s, path, max, &buf, &n);
	} while (ret == 0);

	if (ret < 0) {
		free(buf);
		return ret;
	}
	*data = buf;
	*len = n;
	return 0;
}

/* shutdown, then fd 4 read to its end without answering anything
 * (REQ-SHUT-3), then end of input; SIGKILL if the child lingers. */
static int shutdown_child(struct pysandbox *s)
{
	struct json_object *res = NULL;
	int64_t deadline, left;
	int ret = 0;

	s->closing = true;
	if (s->reader && s->to_child >= 0)
		ret = __psb_request(s, "shutdown", NULL,
				    __psb_short_deadline(s), &res);
	json_object_put(res);
	if (ret == PYSANDBOX_EREMOTE)
		ret = 0;
	if (s->pid <= 0)
		return ret;

	deadline = __psb_now_ms() + CLOSE_WAIT_MS;
	__psb_drain(s, deadline);
	close(s->to_child);
	s->to_child = -1;

	left = deadline - __psb_now_ms();
	if (__psb_reap(s, left > 200 ? left : 200, NULL) == -ETIMEDOUT) {
		__psb_kill(s);
		ret = PYSANDBOX_ETIMEDOUT;
	}
	return ret;
}

EXPORT int pysandbox_close(struct pysandbox *s)
{
	int ret = 0;

	if (!s)
		return 0;

	if (s->pid > 0)
		ret = shutdown_child(s);
	__psb_kill(s);

	if (s->to_child >= 0)
		close(s->to_child);
	if (s->from_child >= 0)
		close(s->from_child);
	close(s->wake[0]);
	close(s->wake[1]);
	sbp_reader_free(s->reader);
	json_object_put(s->info);
	json_object_put(s->rpc_data);
	free(s->stdin_data);
	free(s->filename);
	pthread_mutex_destroy(&s->lock);
	pysandbox_options_free(s->o);
	free(s);
	return ret;
}
