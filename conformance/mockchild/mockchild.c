/*
 * mockchild — plays the child's side of protocol v1.0 from a script, so that
 * the conformance suite can check how a parent handles both a normal child
 * and a misbehaving one.
 *
 *   mockchild SCRIPT LOG
 *   MOCKCHILD_SCRIPT=... MOCKCHILD_LOG=... mockchild
 *
 * SCRIPT is a JSON array of actions (docs/conformance.md, "Mock child
 * scripts"). LOG receives one JSON object per line: every frame the parent
 * sent ("dir": "in"), every message the mock sent ("dir": "out"), end of
 * file and notes about the script not matching what the parent did. The
 * runner checks the log against the schemas and the case's expectations.
 *
 * Exit status: 0 after the script (and end of file on fd 3), 3 when the
 * parent did not send an expected frame within the wait, 4 on a bad script.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

extern char **environ;

#include "sbproto.h"

#define IN_FD	      3
#define OUT_FD	      4
#define WAIT_MS	      30000	/* longest wait for one expected frame */
#define DRAIN_MS      60000	/* longest wait for end of file at the end */
#define LOG_FRAME_MAX (1 << 20) /* frame text kept in the log */

static FILE *logfp;
static struct sbp_reader *reader;
static struct json_object *last_id;
static struct json_object *run_id;
static struct timespec t0;

static long elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0.tv_sec) * 1000 +
	       (now.tv_nsec - t0.tv_nsec) / 1000000;
}

/* Appends one log record; ownership of OBJ passes to the log. */
static void log_obj(struct json_object *obj)
{
	json_object_object_add(obj, "t", json_object_new_int64(elapsed_ms()));
	fprintf(logfp, "%s\n",
		json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	fflush(logfp);
	json_object_put(obj);
}

static void note(const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "note", json_object_new_string(buf));
	log_obj(o);
}

static void log_frame(const char *dir, const char *text, size_t len)
{
	struct json_object *o = json_object_new_object();
	size_t keep = len < LOG_FRAME_MAX ? len : LOG_FRAME_MAX;

	json_object_object_add(o, "dir", json_object_new_string(dir));
	json_object_object_add(o, "len", json_object_new_int64((int64_t)len));
	json_object_object_add(o, "frame",
			       json_object_new_string_len(text, (int)keep));
	log_obj(o);
}

static void log_event(const char *event)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(event));
	log_obj(o);
}

static int write_all(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(OUT_FD, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replaces the strings "$ID" and "$RUN" anywhere in OBJ (in place). */
static void substitute(struct json_object *obj)
{
	if (json_object_is_type(obj, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(obj); i++) {
			struct json_object *v =
				json_object_array_get_idx(obj, i);
			const char *s = json_object_get_string(v);

			if (json_object_is_type(v, json_type_string) &&
			    (!strcmp(s, "$ID") || !strcmp(s, "$RUN")))
				json_object_array_put_idx(
					obj, i,
					json_object_get(!strcmp(s, "$ID")
								? last_id
								: run_id));
			else
				substitute(v);
		}
		return;
	}
	if (!json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, key, val)
	{
		const char *s = json_object_get_string(val);

		if (json_object_is_type(val, json_type_string) &&
		    (!strcmp(s, "$ID") || !strcmp(s, "$RUN")))
			json_object_object_add(
				obj, key,
				json_object_get(!strcmp(s, "$ID") ? last_id
								  : run_id));
		else
			substitute(val);
	}
}

static int send_msg(struct json_object *msg)
{
	const char *text;
	size_t len;
	int rc;

	substitute(msg);
	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	log_frame("out", text, len);
	rc = write_all(text, len);
	if (rc == 0)
		rc = write_all("\n", 1);
	if (rc < 0)
		note("write to fd 4 failed: %s", strerror(-rc));
	return rc;
}

/* Remembers the id (and, for runs, the run id) of a parent's request. */
static void remember(const char *line, size_t len, const char **method)
{
	struct json_object *root = json_tokener_parse(line);
	struct json_object *id, *m;

	*method = NULL;
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return;
	}
	if (json_object_object_get_ex(root, "method", &m) &&
	    json_object_object_get_ex(root, "id", &id)) {
		static char name[300];

		snprintf(name, sizeof(name), "%s", json_object_get_string(m));
		*method = name;
		json_object_put(last_id);
		last_id = json_object_get(id);
		if (!strcmp(name, "execute") || !strcmp(name, "invoke")) {
			json_object_put(run_id);
			run_id = json_object_get(id);
		}
	}
	json_object_put(root);
	(void)len;
}

/*
 * Reads one frame from the parent within WAIT, logging it. Returns 1 for a
 * frame (*METHOD its request method or NULL), 0 at end of file, -1 when
 * the wait expired.
 */
static int read_frame(int wait, const char **method)
{
	const char *line;
	size_t len;
	long deadline = elapsed_ms() + wait;

	for (;;) {
		enum sbp_frame f = sbp_reader_next(reader, &line, &len);
		struct pollfd p = {.fd = IN_FD, .events = POLLIN};
		long left = deadline - elapsed_ms();
		ssize_t n;

		if (f == SBP_FRAME_OK) {
			log_frame("in", line, len);
			remember(line, len, method);
			return 1;
		}
		if (f == SBP_FRAME_OVERSIZED) {
			log_event("oversized");
			continue;
		}
		if (f == SBP_FRAME_EOF) {
			log_event("eof");
			return 0;
		}
		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = sbp_reader_fill(reader);
		if (n == 0) {
			log_event("eof");
			return 0;
		}
		if (n < 0 && n != -EAGAIN && n != -EINTR) {
			note("read from fd 3 failed: %s", strerror((int)-n));
			return 0;
		}
	}
}

static int act_read(struct json_object *want)
{
	const char *method;
	const char *expect = json_object_get_string(want);
	int r = read_frame(WAIT_MS, &method);

	if (r < 0) {
		note("timed out waiting for %s", expect);
		exit(3);
	}
	if (r == 0) {
		note("end of file while waiting for %s", expect);
		exit(0);
	}
	if (strcmp(expect, "*") && (!method || strcmp(method, expect)))
		note("expected %s, got %s", expect,
		     method ? method : "a non-request");
	return 0;
}

static int act_reply(struct json_object *result, int is_error)
{
	struct json_object *msg = json_object_new_object();

	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "id", json_object_get(last_id));
	json_object_object_add(msg, is_error ? "error" : "result",
			       json_object_get(result));
	send_msg(msg);
	json_object_put(msg);
	return 0;
}

static int act_raw(struct json_object *arg, int repeat)
{
	const char *text;
	int64_t count = 1;
	size_t len;

	if (repeat) {
		if (json_object_array_length(arg) != 2)
			return -1;
		count = json_object_get_int64(
			json_object_array_get_idx(arg, 1));
		arg = json_object_array_get_idx(arg, 0);
	}
	text = json_object_get_string(arg);
	len = strlen(text);
	{
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "dir", json_object_new_string("out"));
		json_object_object_add(
			o, "raw_len",
			json_object_new_int64((int64_t)len * count));
		log_obj(o);
	}
	for (int64_t i = 0; i < count; i++)
		if (write_all(text, len) < 0)
			return 0;
	return 0;
}

static struct json_object *output_msg(const char *stream, size_t chunk)
{
	struct json_object *p = json_object_new_object();
	char *buf = malloc(chunk);

	memset(buf, 'A', chunk);
	json_object_object_add(p, "run", json_object_get(run_id));
	json_object_object_add(p, "stream", json_object_new_string(stream));
	json_object_object_add(p, "data", sbp_b64_new(buf, chunk));
	free(buf);
	return sbp_notification("output", p);
}

/* {"flood": {"stream": S, "chunk": N, "count": M}}: M output chunks. */
static int act_flood(struct json_object *arg)
{
	struct json_object *s, *c, *n;

	if (!json_object_object_get_ex(arg, "stream", &s) ||
	    !json_object_object_get_ex(arg, "chunk", &c) ||
	    !json_object_object_get_ex(arg, "count", &n))
		return -1;
	for (int64_t i = 0; i < json_object_get_int64(n); i++) {
		struct json_object *msg =
			output_msg(json_object_get_string(s),
				   (size_t)json_object_get_int64(c));
		const char *text = json_object_to_json_string_ext(
			msg, JSON_C_TO_STRING_PLAIN);
		int rc = write_all(text, strlen(text));

		if (rc == 0)
			rc = write_all("\n", 1);
		json_object_put(msg);
		if (rc < 0) {
			note("flood stopped: %s", strerror(-rc));
			break;
		}
	}
	note("flood sent");
	return 0;
}

/* {"storm": {"function": F, "count": M}}: M host calls, then M answers. */
static int act_storm(struct json_object *arg)
{
	struct json_object *f, *n;
	int64_t count;

	if (!json_object_object_get_ex(arg, "function", &f) ||
	    !json_object_object_get_ex(arg, "count", &n))
		return -1;
	count = json_object_get_int64(n);
	for (int64_t i = 0; i < count; i++) {
		struct json_object *p = json_object_new_object();
		struct json_object *id, *msg;
		char name[32];

		snprintf(name, sizeof(name), "s%lld", (long long)i);
		id = json_object_new_string(name);
		json_object_object_add(p, "run", json_object_get(run_id));
		json_object_object_add(p, "function", json_object_get(f));
		json_object_object_add(p, "args", json_object_new_array());
		json_object_object_add(p, "kwargs", json_object_new_object());
		msg = sbp_request(id, "host/call", p);
		json_object_put(id);
		if (send_msg(msg) < 0)
			count = i;
		json_object_put(msg);
	}
	for (int64_t i = 0; i < count; i++) {
		const char *method;

		if (read_frame(WAIT_MS, &method) <= 0) {
			note("storm: %lld of %lld answers", (long long)i,
			     (long long)count);
			break;
		}
	}
	return 0;
}

static void drain(void)
{
	const char *method;

	while (read_frame(DRAIN_MS, &method) > 0)
		;
}

/* Records what the parent gave the child: open descriptors, how 3 and 4
 * are open, what 0 and 1 are, and the environment's size. */
static void log_startup(void)
{
	struct json_object *o = json_object_new_object();
	struct json_object *fds = json_object_new_array();
	char path[64], target[256];
	size_t env = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0 && fileno(logfp) != fd)
			json_object_array_add(fds, json_object_new_int(fd));
	for (int fd = 0; fd <= 1; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		json_object_object_add(o, fd ? "fd1" : "fd0",
				       json_object_new_string(target));
	}
	for (char **e = environ; *e; e++)
		env++;
	json_object_object_add(o, "event", json_object_new_string("startup"));
	json_object_object_add(o, "fds", fds);
	json_object_object_add(
		o, "fd3_mode",
		json_object_new_int(fcntl(3, F_GETFL) & O_ACCMODE));
	json_object_object_add(
		o, "fd4_mode",
		json_object_new_int(fcntl(4, F_GETFL) & O_ACCMODE));
	json_object_object_add(o, "env", json_object_new_int((int)env));
	log_obj(o);
}

/* {"stderr": N}: N bytes of diagnostics on fd 2, in lines. */
static int act_stderr(struct json_object *arg)
{
	static const char line[] = "mockchild: a diagnostic line the parent "
				   "must read or discard, never block on\n";
	int64_t left = json_object_get_int64(arg);

	while (left > 0) {
		size_t n = left < (int64_t)sizeof(line) - 1 ? (size_t)left
							    : sizeof(line) - 1;

		if (write(2, line, n) < 0 && errno != EINTR) {
			note("write to fd 2 failed: %s", strerror(errno));
			return 0;
		}
		left -= (int64_t)n;
	}
	note("stderr sent");
	return 0;
}

static int act(struct json_object *a)
{
	json_object_object_foreach(a, key, val)
	{
		if (!strcmp(key, "read"))
			return act_read(val);
		if (!strcmp(key, "reply") || !strcmp(key, "reply_error"))
			return act_reply(val, !strcmp(key, "reply_error"));
		if (!strcmp(key, "send")) {
			struct json_object *copy = NULL;

			json_object_deep_copy(val, &copy, NULL);
			send_msg(copy);
			json_object_put(copy);
			return 0;
		}
		if (!strcmp(key, "raw") || !strcmp(key, "raw_repeat"))
			return act_raw(val, !strcmp(key, "raw_repeat"));
		if (!strcmp(key, "sleep_ms")) {
			usleep((useconds_t)json_object_get_int(val) * 1000);
			return 0;
		}
		if (!strcmp(key, "stderr"))
			return act_stderr(val);
		if (!strcmp(key, "flood"))
			return act_flood(val);
		if (!strcmp(key, "storm"))
			return act_storm(val);
		if (!strcmp(key, "close_out")) {
			close(OUT_FD);
			return 0;
		}
		if (!strcmp(key, "exit")) {
			note("exit %d", json_object_get_int(val));
			exit(json_object_get_int(val));
		}
		if (!strcmp(key, "signal")) {
			note("signal %d", json_object_get_int(val));
			signal(json_object_get_int(val), SIG_DFL);
			raise(json_object_get_int(val));
		}
		if (!strcmp(key, "drain")) {
			drain();
			exit(0);
		}
		return -1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	const char *script = argc > 1 ? argv[1] : getenv("MOCKCHILD_SCRIPT");
	const char *logpath = argc > 2 ? argv[2] : getenv("MOCKCHILD_LOG");
	struct json_object *actions;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	signal(SIGPIPE, SIG_IGN);
	if (!script || !logpath) {
		fprintf(stderr, "mockchild[%d]: usage: mockchild SCRIPT LOG\n",
			(int)getpid());
		return 4;
	}
	logfp = fopen(logpath, "a");
	actions = json_object_from_file(script);
	if (!logfp || !actions ||
	    !json_object_is_type(actions, json_type_array)) {
		fprintf(stderr,
			"mockchild[%d]: cannot load script '%s' or log '%s'\n",
			(int)getpid(), script, logpath);
		return 4;
	}
	log_startup();
	reader = sbp_reader_new(IN_FD, SBP_FRAME_MAX);
	last_id = NULL;
	run_id = NULL;
	for (size_t i = 0; i < json_object_array_length(actions); i++) {
		if (act(json_object_array_get_idx(actions, i)) < 0) {
			note("bad script action %zu", i);
			return 4;
		}
	}
	drain();
	return 0;
}
