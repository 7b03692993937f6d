/* SPDX-License-Identifier: MIT */
/* run.c - one execute or invoke: limits, output, host calls, result. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"
#include "supervisor.h"

/* Output is relayed in chunks small enough that a notification always
 * fits in the smallest frame, base64 and envelope included. */
#define OUTPUT_CHUNK (32 * 1024)
#define MAX_STDIN    (1024 * 1024)

static const char *const host_error_types[] = {
	"ValueError",	"TypeError",	   "KeyError",		"IndexError",
	"LookupError",	"PermissionError", "FileNotFoundError", "TimeoutError",
	"RuntimeError", "SandboxError",
};

static uint64_t jail_cpu_ns(struct sup *s)
{
	struct timespec ts;

	/* Once reaped, wait4 told the jail's final total. */
	if (s->jail.pid <= 0)
		return s->jail.cpu_ns;

	/* The clock id is looked up once: the lookup costs a system call
	 * of its own, on the path of every forwarded call. */
	if (!s->jail.have_cpu_clock &&
	    clock_getcpuclockid(s->jail.pid, &s->jail.cpu_clock) == 0)
		s->jail.have_cpu_clock = true;

	/* Gone but not yet reported by its reaper: no progress to count,
	 * and no underflow into a CPU limit it never hit. */
	if (!s->jail.have_cpu_clock ||
	    clock_gettime(s->jail.cpu_clock, &ts) < 0)
		return s->run.cpu_start_ns;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Peak resident memory of the jail, from the kernel's own count. */
static uint64_t jail_peak_bytes(struct sup *s)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	if (s->jail.pid <= 0)
		return s->jail.peak_bytes;
	snprintf(path, sizeof(path), "/proc/%d/status", s->jail.pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* An honest jail has at most one host call outstanding and always reads
 * its reply; a jail that leaves no room on its socket for this long has
 * stopped reading on purpose. */
#define JAIL_WRITE_TIMEOUT_MS 1000

int run_send_to_jail(struct sup *s, struct json_object *msg)
{
	int rc = sbp_write_timeout(s->jail.control, msg,
				   s->cfg.limits.frame_bytes,
				   JAIL_WRITE_TIMEOUT_MS);

	json_object_put(msg);
	if (rc == -ETIMEDOUT)
		log_info("run: the jail stopped reading its control socket");
	return rc;
}

/* ---- start -------------------------------------------------------------- */

/* What is wrong with a run's params: a message and the member's JSON
 * Pointer (SPEC: REQ-BAD-9). */
struct param_error {
	const char *msg;
	const char *field;
};

static int param_error(struct param_error *e, const char *field,
		       const char *msg)
{
	e->field = field;
	e->msg = msg;
	return -1;
}

/* Copies string member NAME, if present, into CMD. */
static int copy_string(struct json_object *params, const char *name,
		       const char *pointer, struct json_object *cmd,
		       struct param_error *e)
{
	bool wrong = false;
	struct json_object *v =
		sbp_field(params, name, json_type_string, &wrong);

	if (wrong)
		return param_error(e, pointer, "must be a string");
	if (v)
		json_object_object_add(cmd, name, json_object_get(v));
	return 0;
}

static int copy_execute(struct json_object *params, struct json_object *cmd,
			struct param_error *e)
{
	bool code, path;

	if (copy_string(params, "code", "/code", cmd, e) ||
	    copy_string(params, "path", "/path", cmd, e) ||
	    copy_string(params, "filename", "/filename", cmd, e))
		return -1;

	code = json_object_object_get_ex(cmd, "code", NULL);
	path = json_object_object_get_ex(cmd, "path", NULL);
	if (code == path)
		return param_error(
			e, "/code",
			"execute needs exactly one of code and path");
	return 0;
}

static int copy_invoke(struct json_object *params, struct json_object *cmd,
		       struct param_error *e)
{
	bool wrong = false;
	struct json_object *v;

	if (copy_string(params, "callable", "/callable", cmd, e))
		return -1;
	if (!json_object_object_get_ex(cmd, "callable", NULL))
		return param_error(e, "/callable", "invoke needs callable");

	v = sbp_field(params, "args", json_type_array, &wrong);
	if (wrong)
		return param_error(e, "/args", "args must be an array");
	json_object_object_add(
		cmd, "args", v ? json_object_get(v) : json_object_new_array());

	v = sbp_field(params, "kwargs", json_type_object, &wrong);
	if (wrong)
		return param_error(e, "/kwargs", "kwargs must be an object");
	json_object_object_add(cmd, "kwargs",
			       v ? json_object_get(v)
				 : json_object_new_object());
	return 0;
}

static int copy_stdin(struct json_object *params, struct json_object *cmd,
		      struct param_error *e)
{
	bool wrong = false;
	struct json_object *v =
		sbp_field(params, "stdin_data", json_type_string, &wrong);
	unsigned char *buf;
	size_t len;

	if (wrong || (v && sbp_b64_decode(v, MAX_STDIN, &buf, &len) < 0))
		return param_error(
			e, "/stdin_data",
			"stdin_data must be base64 of at most 1 MiB");
	if (v) {
		free(buf);
		json_object_object_add(cmd, "stdin", json_object_get(v));
	}
	return 0;
}

/*
 * Gives this run its CPU budget as a kernel limit too, in case the
 * supervisor is slow to notice: whole seconds, rounded up, plus one, as
 * the soft limit (SIGXCPU). Not the hard limit: RLIMIT_CPU counts the
 * whole session, nothing can raise a hard limit again, and the next run
 * would be killed early. The supervisor's own accounting is what
 * enforces cpu_ms.
 */
static void set_cpu_backstop(struct sup *s)
{
	uint64_t used = s->run.cpu_start_ns / 1000000000ULL;
	uint64_t budget = (s->cfg.limits.cpu_ms + 999) / 1000;
	struct rlimit rl;

	if (prlimit(s->jail.pid, RLIMIT_CPU, NULL, &rl) == 0) {
		rl.rlim_cur = used + budget + 1;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		if (prlimit(s->jail.pid, RLIMIT_CPU, &rl, NULL) == 0)
			return;
	}
	log_info("run: cpu backstop not set: %s", strerror(errno));
}

int run_start(struct sup *s, struct json_object *id, bool invoke,
	      struct json_object *params)
{
	struct json_object *cmd = json_object_new_object();
	struct json_object *none = json_object_new_object();
	struct param_error e = {0};
	int rc;

	json_object_object_add(
		cmd, "t",
		json_object_new_string(invoke ? "invoke" : "execute"));
	if (!params)
		params = none; /* params may be omitted (SPEC) */
	rc = invoke ? copy_invoke(params, cmd, &e)
		    : copy_execute(params, cmd, &e);
	if (!rc)
		rc = copy_stdin(params, cmd, &e);
	json_object_put(none);
	if (rc) {
		json_object_put(cmd);
		sup_reply_error(s, id, SBP_INVALID_PARAMS, e.msg,
				field_data(e.field));
		return -1;
	}

	/* What sandbox.context() tells the code about its run. */
	json_object_object_add(cmd, "run", json_object_get(id));
	json_object_object_add(cmd, "limits",
			       config_limits_json(&s->cfg.limits));

	memset(&s->run, 0, sizeof(s->run));
	s->run.id = json_object_get(id);
	s->run.invoke = invoke;
	s->run.started_ms = sup_now_ms();
	s->run.deadline_ms = s->run.started_ms + s->cfg.limits.wall_ms;
	s->run.cpu_start_ns = jail_cpu_ns(s);
	s->run.forwarded_start = s->notify.forwarded;
	set_cpu_backstop(s);
	s->state = ST_RUNNING;

	if (run_send_to_jail(s, cmd) < 0)
		run_end(s, "crash");
	return 0;
}

/* ---- output ------------------------------------------------------------- */

static void send_output(struct sup *s, bool err, const char *buf, size_t n)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "run", json_object_get(s->run.id));
	json_object_object_add(
		p, "stream", json_object_new_string(err ? "stderr" : "stdout"));
	json_object_object_add(p, "data", sbp_b64_new(buf, n));
	sup_send(s, sbp_notification("output", p));
}

/* Reads one chunk from FD; returns bytes read, 0 at EOF or nothing. */
static ssize_t relay(struct sup *s, int fd)
{
	char buf[OUTPUT_CHUNK];
	bool err = fd == s->jail.err;
	uint64_t *count = err ? &s->run.err_bytes : &s->run.out_bytes;
	uint64_t room;
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0 || s->state != ST_RUNNING)
		return n; /* between runs: nobody to deliver to */

	room = s->cfg.limits.output_bytes -
	       (s->run.out_bytes + s->run.err_bytes);
	if ((uint64_t)n > room) {
		if (room)
			send_output(s, err, buf, (size_t)room);
		*count += room;
		run_end(s, "output_limit");
		return n;
	}
	*count += (uint64_t)n;
	send_output(s, err, buf, (size_t)n);
	return n;
}

void run_on_output(struct sup *s, int fd)
{
	relay(s, fd);
}

/* Everything already written to the pipes belongs before the result. */
static void drain(struct sup *s)
{
	int fds[2] = {s->jail.out, s->jail.err};
	int i, fl;

	for (i = 0; i < 2; i++) {
		fl = fcntl(fds[i], F_GETFL);
		fcntl(fds[i], F_SETFL, fl | O_NONBLOCK);
		while (s->state == ST_RUNNING && relay(s, fds[i]) > 0)
			;
		fcntl(fds[i], F_SETFL, fl);
	}
}

/* ---- result ------------------------------------------------------------- */

static bool fatal(const char *outcome)
{
	return strcmp(outcome, "ok") != 0 && strcmp(outcome, "exception") &&
	       strcmp(outcome, "exit") != 0;
}

static struct json_object *usage_json(struct sup *s, uint64_t cpu_ns,
				      uint64_t peak)
{
	struct json_object *u = json_object_new_object();

#define U(k, v)                                                                \
	json_object_object_add(u, k, json_object_new_int64((int64_t)(v)))
	U("wall_ms", sup_now_ms() - s->run.started_ms);
	U("cpu_ms", cpu_ns > s->run.cpu_start_ns
			    ? (cpu_ns - s->run.cpu_start_ns) / 1000000
			    : 0);
	U("peak_memory_bytes", peak);
	U("forwarded_calls", s->notify.forwarded - s->run.forwarded_start);
	U("host_calls", s->run.host_calls);
	U("stdout_bytes", s->run.out_bytes);
	U("stderr_bytes", s->run.err_bytes);
#undef U
	return u;
}

static struct json_object *violation_json(struct sup *s)
{
	struct json_object *v = json_object_new_object();
	const char *arch = "x86_64", *name = "unknown";
	int nr = s->notify.violation_nr;

	if (nr >= 0)
		name = policy_syscall_name(nr, s->notify.violation_arch, &arch);
	json_object_object_add(v, "syscall", json_object_new_string(name));
	json_object_object_add(v, "number",
			       json_object_new_int64(nr >= 0 ? nr : 0));
	json_object_object_add(v, "arch", json_object_new_string(arch));
	return v;
}

/* Copies FIELD from the jail's answer when it has the expected type. */
static void take(struct json_object *r, struct json_object *from,
		 const char *field, enum json_type type)
{
	struct json_object *v;

	if (from && json_object_object_get_ex(from, field, &v) &&
	    json_object_is_type(v, type))
		json_object_object_add(r, field, json_object_get(v));
	else
		json_object_object_add(r, field, NULL);
}

static struct json_object *exception_json(struct json_object *from)
{
	struct json_object *e, *r;

	if (!from || !json_object_object_get_ex(from, "exception", &e) ||
	    !json_object_is_type(e, json_type_object))
		return NULL;
	r = json_object_new_object();
	take(r, e, "type", json_type_string);
	take(r, e, "message", json_type_string);
	take(r, e, "traceback", json_type_string);
	return r;
}

static struct json_object *result_json(struct sup *s, const char *outcome,
				       int status, uint64_t cpu, uint64_t peak)
{
	struct json_object *r = json_object_new_object();
	struct json_object *from = s->run.result;
	struct json_object *v;

	json_object_object_add(r, "outcome", json_object_new_string(outcome));
	json_object_object_add(r, "session_usable",
			       json_object_new_boolean(!fatal(outcome)));
	if (strcmp(outcome, "exit") == 0)
		take(r, from, "exit_status", json_type_int);
	else if (strcmp(outcome, "crash") == 0 && WIFEXITED(status))
		json_object_object_add(
			r, "exit_status",
			json_object_new_int(WEXITSTATUS(status)));
	else
		json_object_object_add(r, "exit_status", NULL);
	json_object_object_add(r, "exception", exception_json(from));
	if (s->run.invoke && strcmp(outcome, "ok") == 0 && from &&
	    json_object_object_get_ex(from, "value", &v))
		json_object_object_add(r, "value", json_object_get(v));
	json_object_object_add(r, "usage", usage_json(s, cpu, peak));
	json_object_object_add(
		r, "violation",
		strcmp(outcome, "violation") == 0 ? violation_json(s) : NULL);
	json_object_object_add(r, "signal",
			       WIFSIGNALED(status)
				       ? json_object_new_int(WTERMSIG(status))
				       : NULL);
	return r;
}

static void send_result(struct sup *s, struct json_object *r)
{
	struct json_object *msg = sbp_response(s->run.id, r);
	int rc = sbp_write(PARENT_OUT, msg, s->frame_max);

	json_object_put(msg);
	if (rc != -EMSGSIZE)
		return;

	/* The value or traceback does not fit in a frame: say so rather
	 * than lose the run's end. */
	sup_reply_error(s, s->run.id, SBP_INTERNAL_ERROR,
			"run result exceeds frame_bytes", NULL);
}

static void finish(struct sup *s, const char *outcome, int status, uint64_t cpu,
		   uint64_t peak)
{
	struct json_object *r = result_json(s, outcome, status, cpu, peak);

	s->state = fatal(outcome) ? ST_ENDED : ST_READY;
	if (fatal(outcome)) {
		s->ended_reason = "fatal_outcome";
		snprintf(s->ended_message, sizeof(s->ended_message),
			 "a run ended with outcome %s", outcome);
	}
	send_result(s, r);
	run_clear(s);
}

void run_clear(struct sup *s)
{
	json_object_put(s->run.id);
	json_object_put(s->run.call_id);
	json_object_put(s->run.result);
	memset(&s->run, 0, sizeof(s->run));
}

void run_end(struct sup *s, const char *outcome)
{
	uint64_t cpu = jail_cpu_ns(s), peak = jail_peak_bytes(s);
	int status = 0;

	if (s->state != ST_RUNNING)
		return;

	/* Ending a run for any fatal reason ends the jail with it. */
	if (fatal(outcome) && s->jail_alive) {
		s->run.killed_for = outcome;
		status = spawn_kill(&s->jail);
		hostfs_abort(s);
		s->jail_alive = false;
		/* What the jail wrote before dying still counts. */
		drain(s);
		if (s->state != ST_RUNNING)
			return; /* the drain itself hit the output limit */
		status = 0;	/* our SIGKILL is not the program's signal */
	}
	finish(s, outcome, status, cpu, peak);
}

/* ---- events ------------------------------------------------------------- */

static bool valid_outcome(const char *o)
{
	static const char *const ok[] = {"ok", "exception", "exit",
					 "memory_limit"};
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(o, ok[i]) == 0)
			return true;
	return false;
}

/* The jail broke the control channel: the run (or, between runs, the
 * session) ends as a crash. */
static void jail_misbehaved(struct sup *s)
{
	if (s->state == ST_RUNNING) {
		run_end(s, "crash");
		return;
	}
	spawn_kill(&s->jail);
	s->jail_alive = false;
	s->state = ST_ENDED;
}

static void reply_to_jail(struct sup *s, const char *type, const char *msg,
			  struct json_object *value)
{
	struct json_object *m = json_object_new_object();
	struct json_object *e;

	json_object_object_add(m, "t", json_object_new_string("reply"));
	if (type) {
		e = json_object_new_object();
		json_object_object_add(e, "type", json_object_new_string(type));
		json_object_object_add(e, "message",
				       json_object_new_string(msg));
		json_object_object_add(m, "error", e);
	} else {
		json_object_object_add(m, "value", value);
	}
	if (run_send_to_jail(s, m) == -ETIMEDOUT)
		jail_misbehaved(s);
}

static bool declared(struct sup *s, const char *name)
{
	size_t i, n = json_object_array_length(s->cfg.host_functions);

	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(
				   s->cfg.host_functions, i)),
			   name) == 0)
			return true;
	return false;
}

static void on_call(struct sup *s, struct json_object *m, size_t len)
{
	struct json_object *fn, *args, *kwargs, *p;
	char id[32];

	if (s->state != ST_RUNNING || s->run.call_id)
		return reply_to_jail(s, "SandboxError",
				     "host calls are possible only during a "
				     "run, one at a time",
				     NULL);
	if (!json_object_object_get_ex(m, "function", &fn) ||
	    !json_object_is_type(fn, json_type_string) ||
	    !json_object_object_get_ex(m, "args", &args) ||
	    !json_object_is_type(args, json_type_array) ||
	    !json_object_object_get_ex(m, "kwargs", &kwargs) ||
	    !json_object_is_type(kwargs, json_type_object))
		return reply_to_jail(s, "TypeError", "malformed host call",
				     NULL);
	if (!declared(s, json_object_get_string(fn)))
		return reply_to_jail(s, "SandboxError", "no such host function",
				     NULL);
	if (len > s->cfg.limits.host_call_bytes)
		return reply_to_jail(s, "SandboxError",
				     "host call larger than host_call_bytes",
				     NULL);

	p = json_object_new_object();
	json_object_object_add(p, "run", json_object_get(s->run.id));
	json_object_object_add(p, "function", json_object_get(fn));
	json_object_object_add(p, "args", json_object_get(args));
	json_object_object_add(p, "kwargs", json_object_get(kwargs));
	snprintf(id, sizeof(id), "h%llu", (unsigned long long)++s->next_call);
	s->run.call_id = json_object_new_string(id);
	s->run.host_calls++;
	sup_send(s, sbp_request(s->run.call_id, "host/call", p));
}

static bool bounded_string(struct json_object *o, const char *field, size_t max)
{
	struct json_object *v;

	return json_object_object_get_ex(o, field, &v) &&
	       json_object_is_type(v, json_type_string) &&
	       (size_t)json_object_get_string_len(v) <= max &&
	       (max == SIZE_MAX || json_object_get_string_len(v) > 0);
}

/* The exception the jail reports: all three strings, the type short. */
static bool valid_exception(struct json_object *m, bool required)
{
	struct json_object *e;

	if (!json_object_object_get_ex(m, "exception", &e) || !e)
		return !required;
	return json_object_is_type(e, json_type_object) &&
	       bounded_string(e, "type", 1024) &&
	       bounded_string(e, "message", SIZE_MAX) &&
	       bounded_string(e, "traceback", SIZE_MAX);
}

/* The jail may be anything by now: its answer must be one a real run
 * produces, or the run is reported as a crash. */
static bool valid_result(struct json_object *m, const char *outcome)
{
	struct json_object *st;
	int64_t status;

	if (strcmp(outcome, "exit") == 0) {
		if (!json_object_object_get_ex(m, "exit_status", &st) ||
		    !json_object_is_type(st, json_type_int))
			return false;
		status = json_object_get_int64(st);
		return status >= 0 && status <= 255;
	}
	return valid_exception(m, strcmp(outcome, "exception") == 0);
}

static void on_result(struct sup *s, struct json_object *m)
{
	struct json_object *o;
	const char *outcome;

	if (s->state != ST_RUNNING)
		return;
	if (!json_object_object_get_ex(m, "outcome", &o) ||
	    !json_object_is_type(o, json_type_string) ||
	    !valid_outcome(json_object_get_string(o)) ||
	    !valid_result(m, json_object_get_string(o))) {
		log_info("run: the jail sent an invalid result");
		run_end(s, "crash");
		return;
	}
	outcome = json_object_get_string(o);
	s->run.result = json_object_get(m);
	drain(s);
	if (s->state == ST_RUNNING)
		run_end(s, outcome);
}

static void on_jail_message(struct sup *s, const char *line, size_t len)
{
	struct json_object *m = sbp_parse_json(line, len);
	struct json_object *t;
	const char *type = "";

	/* Whoever in the jail waits for an answer gets one. */
	if (!m) {
		reply_to_jail(s, "SandboxError", "malformed message", NULL);
		return;
	}

	if (m && json_object_object_get_ex(m, "t", &t) &&
	    json_object_is_type(t, json_type_string))
		type = json_object_get_string(t);

	if (strcmp(type, "call") == 0)
		on_call(s, m, len);
	else if (strcmp(type, "result") == 0)
		on_result(s, m);
	else
		log_info("run: ignored a jail message of type '%s'", type);
	json_object_put(m);
}

void run_on_control(struct sup *s)
{
	const char *line;
	size_t len;
	ssize_t n = sbp_reader_fill(s->ctl);

	if (n == 0 || (n < 0 && n != -EAGAIN && n != -EINTR))
		return; /* the pidfd reports the jail's end */

	for (;;) {
		switch (sbp_reader_next(s->ctl, &line, &len)) {
		case SBP_FRAME_OK:
			on_jail_message(s, line, len);
			continue;
		case SBP_FRAME_OVERSIZED:
			/* Only a host call can be this large. */
			reply_to_jail(s, "SandboxError",
				      "host call larger than the frame limit",
				      NULL);
			continue;
		default:
			return;
		}
	}
}

/* Why a jail died that the supervisor did not kill. */
static const char *exit_outcome(struct sup *s, int status)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

	/* RLIMIT_CPU's soft limit (the backstop) sends SIGXCPU; a hard
	 * limit the parent's environment set would kill with SIGKILL. */
	if (sig == SIGXCPU || sig == SIGKILL)
		return "cpu_limit";

	/* The filter kills on a foreign architecture or x32 number. */
	if (sig == SIGSYS) {
		s->notify.violated = true;
		s->notify.violation_nr = -1;
		return "violation";
	}
	return "crash";
}

void run_on_exit(struct sup *s)
{
	int status = spawn_kill(&s->jail);

	hostfs_abort(s);
	s->jail_alive = false;
	if (s->state == ST_RUNNING) {
		drain(s);
		if (s->state == ST_RUNNING) {
			finish(s, exit_outcome(s, status), status,
			       jail_cpu_ns(s), jail_peak_bytes(s));
		}
	}
	s->state = ST_ENDED;
}

void run_on_violation(struct sup *s)
{
	const char *arch;
	const char *name = policy_syscall_name(s->notify.violation_nr,
					       s->notify.violation_arch, &arch);

	log_info("violation: %s (%d, %s)", name, s->notify.violation_nr, arch);
	if (s->state == ST_RUNNING) {
		run_end(s, "violation");
		return;
	}
	/* Outside a run (a background thread): the session ends. */
	spawn_kill(&s->jail);
	s->jail_alive = false;
	s->state = ST_ENDED;
}

static const char *host_error_type(struct json_object *data)
{
	struct json_object *t;
	size_t i;

	if (!data || !json_object_object_get_ex(data, "type", &t) ||
	    !json_object_is_type(t, json_type_string))
		return "SandboxError";
	for (i = 0; i < sizeof(host_error_types) / sizeof(*host_error_types);
	     i++)
		if (strcmp(json_object_get_string(t), host_error_types[i]) == 0)
			return host_error_types[i];
	return "SandboxError";
}

void run_on_host_reply(struct sup *s, struct sbp_message *m)
{
	struct json_object *v = NULL;
	size_t len;

	if (hostfs_on_reply(s, m))
		return;
	if (s->state != ST_RUNNING || !sup_same_id(m->id, s->run.call_id)) {
		log_info("protocol: ignored a response to an unknown id");
		return;
	}
	json_object_put(s->run.call_id);
	s->run.call_id = NULL;

	if (m->kind == SBP_ERROR_RESPONSE) {
		reply_to_jail(s,
			      m->error_code == SBP_HOST_ERROR
				      ? host_error_type(m->error_data)
				      : "SandboxError",
			      m->error_message, NULL);
		return;
	}
	if (!json_object_is_type(m->result, json_type_object) ||
	    !json_object_object_get_ex(m->result, "value", &v)) {
		reply_to_jail(s, "SandboxError",
			      "the host's answer has no value", NULL);
		return;
	}
	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &len);
	if (len > s->cfg.limits.host_call_bytes) {
		reply_to_jail(s, "SandboxError",
			      "host call result larger than host_call_bytes",
			      NULL);
		return;
	}
	reply_to_jail(s, NULL, NULL, json_object_get(v));
}

/* ---- limits ------------------------------------------------------------- */

void run_check_limits(struct sup *s)
{
	uint64_t now = sup_now_ms();

	if (s->state != ST_RUNNING || !s->jail_alive)
		return;
	if (now >= s->run.deadline_ms) {
		run_end(s, "timeout");
		return;
	}
	/* One clock read per loop turn; run_poll_timeout() reuses it. */
	s->run.cpu_used_ms = (jail_cpu_ns(s) - s->run.cpu_start_ns) / 1000000;
	if (s->run.cpu_used_ms >= s->cfg.limits.cpu_ms)
		run_end(s, "cpu_limit");
}

int run_poll_timeout(struct sup *s)
{
	uint64_t now = sup_now_ms(), wall, cpu_left, used;

	if (s->state != ST_RUNNING)
		return -1;

	wall = s->run.deadline_ms > now ? s->run.deadline_ms - now : 0;
	used = s->run.cpu_used_ms;
	cpu_left =
		s->cfg.limits.cpu_ms > used ? s->cfg.limits.cpu_ms - used : 0;

	/* Two cores can burn CPU time twice as fast as the clock runs. */
	cpu_left = cpu_left / 2 + 1;
	return (int)(wall < cpu_left ? wall : cpu_left);
}
