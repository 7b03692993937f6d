/* SPDX-License-Identifier: MIT */
/*
 * fake_child.c - plays the child's side of protocol v1 for the C parent's
 * tests, and misbehaves on command.
 *
 * The initialize parameter env.FAKE_INIT picks a start-up behaviour: die,
 * diesaying (a diagnostic line on stderr first), silence, garbage
 * (endless malformed frames), garbage2 (two, then a good answer),
 * oversized (one 2 MiB frame, then a good answer), error (setup_failed,
 * after a diagnostic line as the real child writes one), version (answers
 * "2.0"), nullerror, linger (ignores shutdown), chatty (1 MiB of notifications
 * after its answer), nocaps (reports invoke, tmpfs, hostfs and cancel false),
 * noexec (reports execute false), stderrflood (a process writes to stderr
 * without a pause while the child lives), stderrorphan (the same for a
 * minute, outliving the child). The initialize answer echoes the params under
 * "echo".
 *
 * warm (protocol 1.1) answers with the preload list as imported, and the
 * initialize that follows reports it under "fake_warm" and answers
 * protocol_version 1.1 (refusing any other with invalid_params). A
 * preload module named fake_warm_MODE misbehaves instead: old
 * (method_not_found, as a 1.0 child), unsupported (unsupported_version),
 * missing (setup_failed, step preload; the session has ended), die,
 * silence, dieafter (answers, then exits 20 ms later), slow (answers
 * after 300 ms), linger (answers, then ignores end of input).
 *
 * Code to execute (inline, or an inline file given by path) is a script
 * of commands, one per line or separated by ';': print TEXT, eprint
 * TEXT, exception TYPE MSG, exit N, outcome NAME, host FUNC JSONARGS,
 * hostfs METHOD TARGET PATH, hostother (a host call for another run),
 * request, garbage, oversized N, die, silence (exits at end of input),
 * deaf (does not), flood, bigout N, wait (until cancel), stdin, sleep MS,
 * badresult, badresponse, badoutput, badtypes, errorreply, wrongid,
 * notify, fds (lists its descriptors and counts its environment), pid
 * (prints its process id). Invoke echoes
 * callable, args and kwargs as its value.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sbproto.h"

#define IN  3
#define OUT 4

static struct sbp_reader *reader;
static struct json_object *files; /* target -> base64 data */
static struct json_object *run_id;
static const char *init_mode = "";
static int64_t frame = 4194304;
static size_t out_bytes;
static struct json_object *warmed; /* preload list of a warm, or NULL */
static bool warm_failed;	   /* a warm failed: the session ended */

static void send_msg(struct json_object *msg)
{
	if (sbp_write(OUT, msg, SBP_FRAME_MAX) != 0)
		_exit(2);
	json_object_put(msg);
}

static void send_raw(const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(OUT, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(2);
		s += n;
		len -= (size_t)n;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Ignores everything, end of input included: only SIGKILL ends it. */
static void __attribute__((noreturn)) deaf(void)
{
	for (;;)
		pause();
}

/* Answers nothing but exits at end of input, as a child whose jail hangs
 * would. */
static void __attribute__((noreturn)) hang(void)
{
	char buf[4096];
	ssize_t n;

	do {
		n = read(IN, buf, sizeof(buf));
	} while (n > 0 || (n < 0 && errno == EINTR));
	_exit(0);
}

/* The next message from the parent; exits at end of input. */
static void next_msg(struct sbp_message *m)
{
	const char *line;
	size_t len;

	for (;;) {
		switch (sbp_reader_next(reader, &line, &len)) {
		case SBP_FRAME_OK:
			if (sbp_parse(line, len, m) == 0)
				return;
			sbp_message_clear(m);
			fprintf(stderr, "fake_child: malformed frame\n");
			continue;
		case SBP_FRAME_EOF:
			_exit(0);
		case SBP_FRAME_OVERSIZED:
			continue;
		case SBP_FRAME_NONE:
			if (sbp_reader_fill(reader) < 0)
				_exit(2);
		}
	}
}

static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static void output(const char *stream, const void *data, size_t len)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "run", json_object_get(run_id));
	json_object_object_add(p, "stream", jstr(stream));
	json_object_object_add(p, "data", sbp_b64_new(data, len));
	send_msg(sbp_notification("output", p));
	out_bytes += len;
}

static void print_line(const char *stream, const char *text)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s\n", text);

	output(stream, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
}

static struct json_object *usage(void)
{
	struct json_object *u = json_object_new_object();

	json_object_object_add(u, "wall_ms", json_object_new_int(3));
	json_object_object_add(u, "cpu_ms", json_object_new_int(2));
	json_object_object_add(u, "peak_memory_bytes",
			       json_object_new_int64(1 << 20));
	json_object_object_add(u, "stdout_bytes",
			       json_object_new_int64((int64_t)out_bytes));
	return u;
}

static struct json_object *result(const char *outcome)
{
	struct json_object *r = json_object_new_object();
	bool fatal = strcmp(outcome, "ok") && strcmp(outcome, "exception") &&
		     strcmp(outcome, "exit");

	json_object_object_add(r, "outcome", jstr(outcome));
	json_object_object_add(r, "session_usable",
			       json_object_new_boolean(!fatal));
	json_object_object_add(r, "exit_status", NULL);
	json_object_object_add(r, "exception", NULL);
	json_object_object_add(r, "usage", usage());
	json_object_object_add(r, "violation", NULL);
	json_object_object_add(r, "signal", NULL);
	return r;
}

static void finish(struct json_object *r)
{
	send_msg(sbp_response(run_id, r));
}

static void do_exception(char *arg)
{
	struct json_object *r = result("exception"), *e;
	char *msg = strchr(arg, ' ');

	if (msg)
		*msg++ = '\0';
	e = json_object_new_object();
	json_object_object_add(e, "type", jstr(arg));
	json_object_object_add(e, "message", jstr(msg ? msg : ""));
	json_object_object_add(e, "traceback",
			       jstr("Traceback (most recent call last):\n"));
	json_object_object_add(r, "exception", e);
	finish(r);
}

static void do_outcome(const char *name)
{
	struct json_object *r = result(name), *v;

	if (!strcmp(name, "violation")) {
		v = json_object_new_object();
		json_object_object_add(v, "syscall", jstr("socket"));
		json_object_object_add(v, "number", json_object_new_int(41));
		json_object_object_add(v, "arch", jstr("x86_64"));
		json_object_object_add(r, "violation", v);
	}
	if (!strcmp(name, "crash"))
		json_object_object_add(r, "signal", json_object_new_int(11));
	if (!strcmp(name, "exit"))
		json_object_object_add(r, "exit_status",
				       json_object_new_int(0));
	finish(r);
}

/* Sends a request to the parent and prints its reply on stdout. */
static void call_parent(const char *method, struct json_object *params)
{
	struct json_object *id = jstr("fake-1");
	struct sbp_message m;

	send_msg(sbp_request(id, method, params));
	json_object_put(id);
	for (;;) {
		next_msg(&m);
		if (m.kind == SBP_RESPONSE || m.kind == SBP_ERROR_RESPONSE)
			break;
		sbp_message_clear(&m);
	}
	print_line("stdout",
		   json_object_to_json_string_ext(
			   m.root, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE));
	sbp_message_clear(&m);
}

static void do_host(char *arg)
{
	struct json_object *p = json_object_new_object();
	char *args = strchr(arg, ' ');

	if (args)
		*args++ = '\0';
	json_object_object_add(p, "run", json_object_get(run_id));
	json_object_object_add(p, "function", jstr(arg));
	json_object_object_add(p, "args",
			       json_tokener_parse(args ? args : "[]"));
	json_object_object_add(p, "kwargs", json_object_new_object());
	call_parent("host/call", p);
}

static void do_hostfs(char *arg)
{
	struct json_object *p = json_object_new_object();
	char *target = strchr(arg, ' '), *path = NULL;
	char method[64];

	if (target) {
		*target++ = '\0';
		path = strchr(target, ' ');
	}
	if (path)
		*path++ = '\0';
	snprintf(method, sizeof(method), "hostfs/%s", arg);
	json_object_object_add(p, "run", json_object_get(run_id));
	json_object_object_add(p, "target", jstr(target ? target : "/h"));
	json_object_object_add(p, "path", jstr(path ? path : ""));
	call_parent(method, p);
}

static void do_oversized(long n)
{
	char *buf = malloc((size_t)n + 1);

	memset(buf, 'x', (size_t)n);
	buf[n] = '\n';
	send_raw(buf, (size_t)n + 1);
	free(buf);
}

static void do_bigout(long n)
{
	char chunk[4096];

	memset(chunk, 'a', sizeof(chunk));
	for (; n > 0; n -= (long)sizeof(chunk))
		output("stdout", chunk,
		       n < (long)sizeof(chunk) ? (size_t)n : sizeof(chunk));
}

static void __attribute__((noreturn)) do_flood(void)
{
	for (;;)
		do_bigout(65536);
}

/* Waits for the parent's cancel request and ends the run with it. */
static void do_wait(void)
{
	struct json_object *r;
	struct sbp_message m;

	for (;;) {
		next_msg(&m);
		if (m.kind == SBP_REQUEST && !strcmp(m.method, "cancel"))
			break;
		sbp_message_clear(&m);
	}
	/* The run's response precedes cancel's (REQ-CANCEL-3). */
	do_outcome("cancelled");
	r = json_object_new_object();
	json_object_object_add(r, "cancelled", json_object_new_boolean(1));
	send_msg(sbp_response(m.id, r));
	sbp_message_clear(&m);
}

static void do_stdin(struct json_object *params)
{
	struct json_object *d = NULL;
	unsigned char *buf;
	size_t len;

	json_object_object_get_ex(params, "stdin_data", &d);
	if (!d || sbp_b64_decode(d, SBP_FRAME_MAX, &buf, &len) != 0)
		return;
	output("stdout", buf, len);
	free(buf);
}

/* Broken messages aimed at the parent's outstanding run. */
static void do_broken(const char *cmd)
{
	char buf[256];
	const char *id = json_object_to_json_string(run_id);

	if (!strcmp(cmd, "badresponse"))
		snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":1,"
			 "\"error\":{}}\n",
			 id);
	else if (!strcmp(cmd, "badoutput"))
		snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"method\":\"output\","
			 "\"params\":{\"run\":%s,\"stream\":\"stdout\","
			 "\"data\":\"***\"}}\n",
			 id);
	else
		snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{"
			 "\"outcome\":\"ok\",\"exit_status\":\"x\"}}\n",
			 id);
	send_raw(buf, strlen(buf));
}

static void do_host_other_run(void)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "run", json_object_new_int(999999));
	json_object_object_add(p, "function", jstr("add"));
	json_object_object_add(p, "args", json_object_new_array());
	call_parent("host/call", p);
}

/* What the parent gave this process: open descriptors (fds 0 and 1 with
 * their targets) and the number of environment variables. */
static void do_fds(void)
{
	char line[1024] = "", path[300], target[256];
	extern char **environ;
	struct dirent *d;
	size_t n = 0;
	ssize_t len;
	DIR *dir = opendir("/proc/self/fd");

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || atoi(d->d_name) == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		n = strlen(line);
		snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "",
			 d->d_name);
		if (atoi(d->d_name) < 2)
			snprintf(line + strlen(line),
				 sizeof(line) - strlen(line), "=%s", target);
	}
	if (dir)
		closedir(dir);
	for (n = 0; environ[n]; n++)
		;
	snprintf(line + strlen(line), sizeof(line) - strlen(line), " env=%zu",
		 n);
	print_line("stdout", line);
}

static void do_misc(const char *cmd)
{
	if (!strcmp(cmd, "badresponse") || !strcmp(cmd, "badoutput") ||
	    !strcmp(cmd, "badtypes"))
		do_broken(cmd);
	else if (!strcmp(cmd, "hostother"))
		do_host_other_run();
	else if (!strcmp(cmd, "fds"))
		do_fds();
	else if (!strcmp(cmd, "pid")) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		print_line("stdout", buf);
	} else if (!strcmp(cmd, "garbage"))
		send_raw("garbage{\n", 9);
	else if (!strcmp(cmd, "wrongid"))
		send_msg(sbp_response(json_object_new_int(99999), NULL));
	else if (!strcmp(cmd, "notify"))
		send_msg(sbp_notification("fake/unknown", NULL));
	else if (!strcmp(cmd, "request"))
		call_parent("fake/bogus", NULL);
	else if (!strcmp(cmd, "die"))
		_exit(9);
	else if (!strcmp(cmd, "silence"))
		hang();
	else if (!strcmp(cmd, "deaf"))
		deaf();
	else if (!strcmp(cmd, "flood"))
		do_flood();
	else
		print_line("stderr", "fake_child: unknown command");
}

/* Runs one command; 1 when it sent the run's result. */
static int command(char *cmd, struct json_object *params)
{
	char *arg = strchr(cmd, ' ');

	if (arg)
		*arg++ = '\0';
	if (!strcmp(cmd, "print") || !strcmp(cmd, "eprint"))
		print_line(cmd[0] == 'e' ? "stderr" : "stdout", arg ? arg : "");
	else if (!strcmp(cmd, "exception"))
		return do_exception(arg ? arg : (char *)"Exception"), 1;
	else if (!strcmp(cmd, "exit")) {
		struct json_object *r = result("exit");

		json_object_object_add(
			r, "exit_status",
			json_object_new_int(arg ? atoi(arg) : 0));
		return finish(r), 1;
	} else if (!strcmp(cmd, "outcome"))
		return do_outcome(arg ? arg : "crash"), 1;
	else if (!strcmp(cmd, "host"))
		do_host(arg ? arg : (char *)"f");
	else if (!strcmp(cmd, "hostfs"))
		do_hostfs(arg ? arg : (char *)"stat");
	else if (!strcmp(cmd, "oversized"))
		do_oversized(arg ? atol(arg) : 100);
	else if (!strcmp(cmd, "bigout"))
		do_bigout(arg ? atol(arg) : 100);
	else if (!strcmp(cmd, "wait"))
		return do_wait(), 1;
	else if (!strcmp(cmd, "stdin"))
		do_stdin(params);
	else if (!strcmp(cmd, "sleep"))
		sleep_ms(arg ? atol(arg) : 100);
	else if (!strcmp(cmd, "badresult"))
		return finish(json_object_new_object()), 1;
	else if (!strcmp(cmd, "errorreply"))
		return send_msg(sbp_error(run_id, SBP_BUSY, "busy", NULL)), 1;
	else
		do_misc(cmd);
	return 0;
}

static void run_script(const char *script, struct json_object *params)
{
	char *copy = strdup(script), *save = NULL, *cmd;

	out_bytes = 0;
	for (cmd = strtok_r(copy, ";\n", &save); cmd;
	     cmd = strtok_r(NULL, ";\n", &save)) {
		while (*cmd == ' ')
			cmd++;
		if (*cmd && command(cmd, params)) {
			free(copy);
			return;
		}
	}
	free(copy);
	finish(result("ok"));
}

static void execute(struct sbp_message *m)
{
	struct json_object *code = NULL, *path = NULL, *data = NULL;
	unsigned char *buf;
	size_t len;

	json_object_object_get_ex(m->params, "code", &code);
	json_object_object_get_ex(m->params, "path", &path);
	if (code) {
		run_script(json_object_get_string(code), m->params);
		return;
	}
	if (!path ||
	    !json_object_object_get_ex(files, json_object_get_string(path),
				       &data) ||
	    sbp_b64_decode(data, SBP_FRAME_MAX, &buf, &len) != 0) {
		do_exception((char *)"FileNotFoundError no such file");
		return;
	}
	run_script((char *)buf, m->params);
	free(buf);
}

static void invoke(struct sbp_message *m)
{
	struct json_object *r = result("ok"), *v = json_object_new_object();
	struct json_object *x;
	const char *keys[] = {"callable", "args", "kwargs"};
	size_t i;

	for (i = 0; i < 3; i++)
		if (json_object_object_get_ex(m->params, keys[i], &x))
			json_object_object_add(v, keys[i], json_object_get(x));
	json_object_object_add(r, "value", v);
	finish(r);
}

static void remember_files(struct json_object *params)
{
	struct json_object *fs = NULL, *e, *type, *target, *data;
	size_t i;

	files = json_object_new_object();
	if (!json_object_object_get_ex(params, "filesystem", &fs))
		return;
	for (i = 0; i < json_object_array_length(fs); i++) {
		e = json_object_array_get_idx(fs, i);
		if (json_object_object_get_ex(e, "type", &type) &&
		    !strcmp(json_object_get_string(type), "file") &&
		    json_object_object_get_ex(e, "target", &target) &&
		    json_object_object_get_ex(e, "data", &data))
			json_object_object_add(files,
					       json_object_get_string(target),
					       json_object_get(data));
	}
}

static struct json_object *limits(struct json_object *params)
{
	static const char *const names[] = {
		"memory_bytes", "cpu_ms",	   "wall_ms",
		"output_bytes", "open_files",	   "threads",
		"frame_bytes",	"host_call_bytes", "file_bytes"};
	static const int64_t defs[] = {536870912, 10000,   30000,
				       16777216,  256,	   16,
				       4194304,	  1048576, 67108864};
	struct json_object *l = json_object_new_object(), *given = NULL, *v;
	size_t i;

	json_object_object_get_ex(params, "limits", &given);
	for (i = 0; i < 9; i++) {
		int64_t x = defs[i];

		if (given && json_object_object_get_ex(given, names[i], &v))
			x = json_object_get_int64(v);
		json_object_object_add(l, names[i], json_object_new_int64(x));
	}
	json_object_object_get_ex(l, "frame_bytes", &v);
	frame = json_object_get_int64(v);
	return l;
}

static void pick_mode(struct json_object *params)
{
	struct json_object *env, *mode;

	if (json_object_object_get_ex(params, "env", &env) &&
	    json_object_object_get_ex(env, "FAKE_INIT", &mode))
		init_mode = strdup(json_object_get_string(mode));
}

/* A process that writes diagnostic lines to stderr without a pause for
 * as long as this child lives (stderrflood), or for a minute whether it
 * lives or not (stderrorphan: a descendant that keeps the pipe open);
 * returns once it has written its first. */
static void flood_stderr(bool orphan)
{
	static const char line[] = "sandbox[0]: fake_child: flood\n";
	pid_t parent = getpid();
	int sync[2];
	char byte;

	if (pipe(sync) < 0)
		return;
	if (fork() != 0) {
		close(sync[1]);
		while (read(sync[0], &byte, 1) < 0 && errno == EINTR)
			;
		close(sync[0]);
		return;
	}
	close(sync[0]);
	if (orphan)
		alarm(60);
	else if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(0);
	for (;;) {
		if (write(2, line, sizeof(line) - 1) < 0)
			_exit(0);
		if (sync[1] >= 0) {
			close(sync[1]);
			sync[1] = -1;
		}
	}
}

/* Start-up misbehaviour; returns when initialize should be answered. */
static void misbehave_at_start(struct sbp_message *m)
{
	int i;

	if (!strcmp(init_mode, "diesaying"))
		dprintf(2, "sandbox[%d]: fake_child: giving up\n",
			(int)getpid());
	if (!strcmp(init_mode, "die") || !strcmp(init_mode, "diesaying"))
		_exit(3);
	if (!strcmp(init_mode, "silence"))
		hang();
	for (i = 0; !strcmp(init_mode, "garbage"); i++)
		send_raw("{not json\n", 10);
	if (!strcmp(init_mode, "garbage2")) {
		send_raw("{not json\n", 10);
		send_raw("[1,2]\n", 6);
	}
	if (!strcmp(init_mode, "oversized"))
		do_oversized(2 * 1024 * 1024);
	if (!strcmp(init_mode, "nullerror"))
		send_msg(
			sbp_error(NULL, SBP_INVALID_REQUEST, "nonsense", NULL));
	if (!strcmp(init_mode, "stderrflood") ||
	    !strcmp(init_mode, "stderrorphan"))
		flood_stderr(!strcmp(init_mode, "stderrorphan"));
}

/* 1 MiB of notifications the parent ignores, written before reading on:
 * more than the socket buffers hold, so a parent that does not read
 * while it writes its next request would deadlock with us. */
static void chatter(void)
{
	char pad[4097];
	struct json_object *p;
	int i;

	memset(pad, 'x', 4096);
	pad[4096] = '\0';
	for (i = 0; i < 256; i++) {
		p = json_object_new_object();
		json_object_object_add(p, "pad", jstr(pad));
		send_msg(sbp_notification("fake/chatter", p));
	}
}

/* Initialize after warm: the version warm negotiated, or invalid_params
 * (REQ-WARM-2); after a failed warm, session_ended. 1 when answered. */
static int refuse_after_warm(struct sbp_message *m)
{
	struct json_object *v = NULL;

	if (warm_failed) {
		send_msg(sbp_error(m->id, SBP_SESSION_ENDED,
				   "the session has ended (setup failed)",
				   NULL));
		return 1;
	}
	json_object_object_get_ex(m->params, "protocol_version", &v);
	if (!warmed || (v && !strcmp(json_object_get_string(v), "1.1")))
		return 0;
	send_msg(sbp_error(
		m->id, SBP_INVALID_PARAMS,
		"protocol_version: warm negotiated 1.1",
		json_tokener_parse("{\"field\":\"/protocol_version\"}")));
	return 1;
}

static void initialize(struct sbp_message *m)
{
	struct json_object *r;

	if (refuse_after_warm(m))
		return;
	r = json_object_new_object();
	pick_mode(m->params);
	misbehave_at_start(m);
	if (!strcmp(init_mode, "error")) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "step", jstr("seccomp"));
		dprintf(2, "sandbox[%d]: seccomp: filter refused\n",
			(int)getpid());
		send_msg(sbp_error(m->id, SBP_SETUP_FAILED,
				   "seccomp filter refused", d));
		return;
	}
	remember_files(m->params);
	json_object_object_add(r, "protocol_version",
			       jstr(!strcmp(init_mode, "version") ? "2.0"
				    : warmed			  ? "1.1"
								  : "1.0"));
	if (warmed)
		json_object_object_add(r, "fake_warm", json_object_get(warmed));
	json_object_object_add(r, "child",
			       json_tokener_parse("{\"name\":\"fake-child\","
						  "\"version\":\"0\"}"));
	if (!strcmp(init_mode, "nocaps"))
		json_object_object_add(
			r, "capabilities",
			json_tokener_parse("{\"execute\":true,\"invoke\":false,"
					   "\"tmpfs\":false,\"hostfs\":false,"
					   "\"cancel\":false}"));
	if (!strcmp(init_mode, "noexec"))
		json_object_object_add(
			r, "capabilities",
			json_tokener_parse("{\"execute\":false,\"invoke\":true,"
					   "\"tmpfs\":true,\"hostfs\":true,"
					   "\"cancel\":true}"));
	json_object_object_add(r, "limits", limits(m->params));
	json_object_object_add(r, "echo", json_object_get(m->params));
	send_msg(sbp_response(m->id, r));
	sbp_reader_set_max(reader, (size_t)frame);
	if (!strcmp(init_mode, "chatty"))
		chatter();
}

static const char *tmpfs_file(const char *path, size_t *len)
{
	static char big[200000];
	size_t i;

	if (!strcmp(path, "/tmp/out.txt")) {
		*len = 12;
		return "hello tmpfs\n";
	}
	if (strcmp(path, "/tmp/big.bin") != 0)
		return NULL;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	*len = sizeof(big);
	return big;
}

static void tmpfs_read(struct sbp_message *m)
{
	struct json_object *p = json_object_new_object(), *v;
	int64_t off = 0, n = frame / 2;
	size_t len;
	const char *data;

	json_object_object_get_ex(m->params, "path", &v);
	data = tmpfs_file(json_object_get_string(v), &len);
	if (!data) {
		json_object_put(p);
		send_msg(sbp_error(m->id, SBP_NOT_FOUND, "not_found", NULL));
		return;
	}
	if (json_object_object_get_ex(m->params, "offset", &v))
		off = json_object_get_int64(v);
	if (json_object_object_get_ex(m->params, "length", &v))
		n = json_object_get_int64(v);
	if (off > (int64_t)len)
		off = (int64_t)len;
	if (n > (int64_t)len - off)
		n = (int64_t)len - off;
	json_object_object_add(p, "data", sbp_b64_new(data + off, (size_t)n));
	json_object_object_add(p, "size", json_object_new_int64((int64_t)len));
	json_object_object_add(
		p, "eof", json_object_new_boolean(off + n >= (int64_t)len));
	send_msg(sbp_response(m->id, p));
}

static void tmpfs_list(struct sbp_message *m)
{
	struct json_object *v;

	json_object_object_get_ex(m->params, "path", &v);
	if (strcmp(json_object_get_string(v), "/tmp") != 0) {
		send_msg(sbp_error(m->id, SBP_NOT_TMPFS, "not_tmpfs", NULL));
		return;
	}
	send_msg(sbp_response(
		m->id, json_tokener_parse(
			       "{\"entries\":[{\"path\":\"/tmp/out.txt\","
			       "\"type\":\"file\",\"size\":12,\"mode\":420}],"
			       "\"truncated\":false}")));
}

static void shutdown_session(struct sbp_message *m)
{
	send_msg(sbp_response(m->id, NULL));
	if (!strcmp(init_mode, "linger"))
		deaf();
	send_msg(sbp_notification("ended",
				  json_tokener_parse("{\"reason\":\"shutdown\","
						     "\"message\":\"bye\"}")));
	_exit(0);
}

/* The misbehaviour a preload module fake_warm_MODE asks for, or "". */
static const char *warm_mode(struct json_object *preload)
{
	const char *name;
	size_t i;

	for (i = 0; i < json_object_array_length(preload); i++) {
		name = json_object_get_string(
			json_object_array_get_idx(preload, i));
		if (!strncmp(name, "fake_warm_", 10))
			return name + 10;
	}
	return "";
}

static void warm_error(struct sbp_message *m, int code, const char *msg)
{
	send_msg(sbp_error(m->id, code, msg, NULL));
}

static void warm(struct sbp_message *m)
{
	struct json_object *preload = NULL, *r;
	const char *mode;

	json_object_object_get_ex(m->params, "preload", &preload);
	mode = warm_mode(preload);
	if (!strcmp(mode, "old") || !strcmp(mode, "unsupported")) {
		warm_error(m,
			   mode[0] == 'o' ? SBP_METHOD_NOT_FOUND
					  : SBP_UNSUPPORTED_VERSION,
			   mode[0] == 'o' ? "method_not_found"
					  : "protocol_version: warm needs 1.1");
		return;
	}
	if (!strcmp(mode, "die"))
		_exit(3);
	if (!strcmp(mode, "silence"))
		hang();
	if (!strcmp(mode, "missing")) {
		warm_failed = true;
		send_msg(sbp_error(
			m->id, SBP_SETUP_FAILED,
			"preload: No module named 'fake_warm_missing'",
			json_tokener_parse("{\"step\":\"preload\",\"module\":"
					   "\"fake_warm_missing\"}")));
		return;
	}
	if (!strcmp(mode, "slow"))
		sleep_ms(300);

	warmed = preload ? json_object_get(preload) : json_object_new_array();
	r = json_object_new_object();
	json_object_object_add(r, "protocol_version", jstr("1.1"));
	json_object_object_add(
		r, "python",
		json_tokener_parse("{\"version\":\"3.11.2\","
				   "\"implementation\":\"cpython\"}"));
	json_object_object_add(r, "preloaded", json_object_get(warmed));
	send_msg(sbp_response(m->id, r));
	if (!strcmp(mode, "dieafter")) {
		sleep_ms(20);
		_exit(4);
	}
	if (!strcmp(mode, "linger"))
		deaf();
}

static void dispatch(struct sbp_message *m)
{
	run_id = m->id;
	if (!strcmp(m->method, "initialize"))
		initialize(m);
	else if (!strcmp(m->method, "warm"))
		warm(m);
	else if (!strcmp(m->method, "execute"))
		execute(m);
	else if (!strcmp(m->method, "invoke"))
		invoke(m);
	else if (!strcmp(m->method, "tmpfs/list"))
		tmpfs_list(m);
	else if (!strcmp(m->method, "tmpfs/read"))
		tmpfs_read(m);
	else if (!strcmp(m->method, "cancel"))
		send_msg(sbp_response(
			m->id, json_tokener_parse("{\"cancelled\":false}")));
	else if (!strcmp(m->method, "shutdown"))
		shutdown_session(m);
	else
		send_msg(sbp_error(m->id, SBP_METHOD_NOT_FOUND,
				   "method_not_found", NULL));
}

int main(void)
{
	struct sbp_message m;

	reader = sbp_reader_new(IN, SBP_FRAME_MAX);
	if (!reader)
		return 2;
	for (;;) {
		next_msg(&m);
		if (m.kind == SBP_REQUEST)
			dispatch(&m);
		sbp_message_clear(&m);
	}
}
