/* SPDX-License-Identifier: MIT */
/*
 * pipe_peer - the "child" end of the raw JSON-lines baseline for host
 * calls. It plays the sandbox's part with none of the sandbox: it writes
 * a host/call request shaped like SPEC.md's on stdout, reads the answer
 * line on stdin, parses it with json-c and checks the id and the value,
 * CALLS times in 5 batches, timing the round trips. Each parent's raw baseline
 * (bench_c rawpipe, hostcall.mjs raw, hostcall.php raw) starts this
 * program and answers it in its own language, exactly as it would answer
 * the child.
 *
 * Usage: pipe_peer CALLS
 * The last line it writes is a notification
 *   {"jsonrpc":"2.0","method":"bench/done",
 *    "params":{"per_call_us":X,"mean_us":Y}}
 * (X the mean round trip of the fastest batch, the least disturbed by other
 * processes; Y that of all calls), after which it exits 0. Exit status 1 on any
 * failure (a message on stderr), including an answer line over 64 KiB.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARMUP	       200
#define MAX_CALLS      10000000L
#define BATCHES	       5
#define LINE_MAX_BYTES 65536

#define die(...)                                                               \
	do {                                                                   \
		fprintf(stderr, "pipe_peer: " __VA_ARGS__);                    \
		fprintf(stderr, "\n");                                         \
		exit(1);                                                       \
	} while (0)

struct reader {
	char buf[LINE_MAX_BYTES];
	size_t start, end;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void write_all(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(1, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* The next line (without its newline), NUL-terminated in place. */
static char *read_line(struct reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		ssize_t n;

		if (nl) {
			char *line = r->buf + r->start;

			*nl = '\0';
			r->start = (size_t)(nl - r->buf) + 1;
			return line;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == sizeof(r->buf))
			die("answer line over %d bytes", LINE_MAX_BYTES);
		n = read(0, r->buf + r->end, sizeof(r->buf) - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("the parent closed the pipe");
		r->end += (size_t)n;
	}
}

static void check_answer(const char *line, long id)
{
	struct json_object *o = json_tokener_parse(line), *res, *v, *jid;

	if (!o || !json_object_object_get_ex(o, "id", &jid) ||
	    json_object_get_int64(jid) != id ||
	    !json_object_object_get_ex(o, "result", &res) ||
	    !json_object_object_get_ex(res, "value", &v) ||
	    json_object_get_int64(v) != id)
		die("bad answer to call %ld: '%s'", id, line);
	json_object_put(o);
}

/* One round trip: request out, answer in, answer checked. */
static void call(struct reader *r, long id)
{
	struct json_object *req = json_object_new_object();
	struct json_object *params = json_object_new_object();
	struct json_object *args = json_object_new_array();
	const char *text;
	size_t len;

	json_object_array_add(args, json_object_new_int64(id));
	json_object_object_add(params, "run", json_object_new_int(1));
	json_object_object_add(params, "function",
			       json_object_new_string("echo"));
	json_object_object_add(params, "args", args);
	json_object_object_add(params, "kwargs", json_object_new_object());
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int64(id));
	json_object_object_add(req, "method",
			       json_object_new_string("host/call"));
	json_object_object_add(req, "params", params);

	text = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN,
						 &len);
	write_all(text, len);
	write_all("\n", 1);
	json_object_put(req);

	check_answer(read_line(r), id);
}

int main(int argc, char **argv)
{
	static struct reader r;
	char *end, done[160];
	long calls, batch;
	double t0, per, best = 0, sum = 0;
	int len;

	if (argc != 2)
		die("usage: pipe_peer CALLS");
	errno = 0;
	calls = strtol(argv[1], &end, 10);
	if (errno || *end || calls < 1 || calls > MAX_CALLS)
		die("calls must be 1..%ld, not '%s'", MAX_CALLS, argv[1]);

	for (long i = 0; i < WARMUP; i++)
		call(&r, i);
	batch = calls / BATCHES > 0 ? calls / BATCHES : 1;
	for (int b = 0; b < BATCHES; b++) {
		t0 = now_us();
		for (long i = 0; i < batch; i++)
			call(&r, WARMUP + b * batch + i);
		per = (now_us() - t0) / batch;
		best = b == 0 || per < best ? per : best;
		sum += per;
	}

	len = snprintf(done, sizeof(done),
		       "{\"jsonrpc\":\"2.0\",\"method\":\"bench/done\","
		       "\"params\":{\"per_call_us\":%.3f,\"mean_us\":%.3f}}\n",
		       best, sum / BATCHES);
	write_all(done, (size_t)len);
	return 0;
}
