/* SPDX-License-Identifier: MIT */
/* run.c - running the code and turning the result into an exit status. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sbproto.h"

#define PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Signals become a cancel request from a thread of their own, since
 * pysandbox_cancel() is not async-signal-safe. */
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pysandbox *sig_session;
static bool interrupted;

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		pthread_mutex_lock(&sig_lock);
		interrupted = true;
		if (sig_session)
			pysandbox_cancel(sig_session);
		pthread_mutex_unlock(&sig_lock);
	}
	return NULL;
}

static void watch_signals(struct pysandbox *s)
{
	static sigset_t set;
	pthread_t t;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sig_session = s;
	if (pthread_create(&t, NULL, signal_thread, &set) == 0)
		pthread_detach(t);
}

static void unwatch_signals(void)
{
	pthread_mutex_lock(&sig_lock);
	sig_session = NULL;
	pthread_mutex_unlock(&sig_lock);
}

static void stream_output(void *ud, enum pysandbox_stream stream,
			  const void *data, size_t len)
{
	cli_write_all(stream == PYSANDBOX_STDOUT ? STDOUT_FILENO
						 : STDERR_FILENO,
		      data, len);
}

static long long limit_of(struct pysandbox *s, const char *name)
{
	struct json_object *lim, *v;

	if (json_object_object_get_ex(pysandbox_info(s), "limits", &lim) &&
	    json_object_object_get_ex(lim, name, &v))
		return (long long)json_object_get_int64(v);
	return -1;
}

/* The one-line explanation of a refused run. */
static void explain(struct pysandbox *s, const struct pysandbox_result *r)
{
	int sig = pysandbox_result_signal(r);

	switch (pysandbox_result_outcome(r)) {
	case PYSANDBOX_TIMEOUT:
		fprintf(stderr,
			"pysandbox: timeout: wall time limit of %lld ms exceeded\n",
			limit_of(s, "wall_ms"));
		break;
	case PYSANDBOX_CPU_LIMIT:
		fprintf(stderr,
			"pysandbox: cpu_limit: CPU time limit of %lld ms exceeded\n",
			limit_of(s, "cpu_ms"));
		break;
	case PYSANDBOX_MEMORY_LIMIT:
		fprintf(stderr,
			"pysandbox: memory_limit: memory limit of %lld bytes exceeded\n",
			limit_of(s, "memory_bytes"));
		break;
	case PYSANDBOX_OUTPUT_LIMIT:
		fprintf(stderr,
			"pysandbox: output_limit: output limit of %lld bytes exceeded\n",
			limit_of(s, "output_bytes"));
		break;
	case PYSANDBOX_VIOLATION:
		fprintf(stderr,
			"pysandbox: violation: syscall %s (%d, %s) refused\n",
			pysandbox_result_violation_syscall(r) ?: "?",
			pysandbox_result_violation_number(r),
			pysandbox_result_violation_arch(r) ?: "?");
		break;
	case PYSANDBOX_CRASH:
		if (sig > 0)
			fprintf(stderr,
				"pysandbox: crash: the code was killed by signal %d (%s)\n",
				sig, strsignal(sig));
		else if (pysandbox_result_exit_status(r) >= 0)
			fprintf(stderr,
				"pysandbox: crash: the interpreter exited with status %d\n",
				pysandbox_result_exit_status(r));
		else
			fputs("pysandbox: crash: the interpreter ended unexpectedly\n",
			      stderr);
		break;
	case PYSANDBOX_CANCELLED:
		fputs("pysandbox: cancelled: the run was interrupted\n",
		      stderr);
		break;
	default:
		break;
	}
}

/* Like Python: the traceback, whose last line names the exception. */
static void print_exception(const struct pysandbox_result *r)
{
	const char *tb = pysandbox_result_exception_traceback(r);
	const char *type = pysandbox_result_exception_type(r);
	const char *msg = pysandbox_result_exception_message(r);
	char last[1024];
	size_t n;

	if (tb)
		fputs(tb, stderr);
	if (tb && tb[0] && tb[strlen(tb) - 1] != '\n')
		fputc('\n', stderr);

	snprintf(last, sizeof(last), "%s%s%s\n", type ?: "Exception",
		 msg && msg[0] ? ": " : "", msg ?: "");
	n = strlen(last);
	if (!tb || strlen(tb) < n || strcmp(tb + strlen(tb) - n, last) != 0)
		fputs(last, stderr);
}

static int status_of(const struct pysandbox_result *r)
{
	static const int table[] = {
		[PYSANDBOX_OK] = ST_OK,
		[PYSANDBOX_EXCEPTION] = ST_EXCEPTION,
		[PYSANDBOX_TIMEOUT] = ST_TIMEOUT,
		[PYSANDBOX_CPU_LIMIT] = ST_CPU_LIMIT,
		[PYSANDBOX_MEMORY_LIMIT] = ST_MEMORY_LIMIT,
		[PYSANDBOX_OUTPUT_LIMIT] = ST_OUTPUT_LIMIT,
		[PYSANDBOX_VIOLATION] = ST_VIOLATION,
		[PYSANDBOX_CRASH] = ST_CRASH,
		[PYSANDBOX_CANCELLED] = ST_CANCELLED,
	};
	enum pysandbox_outcome o = pysandbox_result_outcome(r);

	/* As a shell reports it: sys.exit(256) is 0, sys.exit(-1) is 255. */
	if (o == PYSANDBOX_EXIT)
		return pysandbox_result_exit_status(r) & 0xff;
	return table[o];
}

static void print_json(struct pysandbox *s, const struct pysandbox_result *r,
		       int status)
{
	struct json_object *o = json_object_new_object();
	size_t n;
	const void *d;

	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "outcome",
			       json_object_new_string(pysandbox_outcome_name(
				       pysandbox_result_outcome(r))));
	json_object_object_add(o, "result",
			       json_object_get(pysandbox_result_json(r)));
	d = pysandbox_result_stdout(r, &n);
	json_object_object_add(o, "stdout", cli_text(d, n));
	d = pysandbox_result_stderr(r, &n);
	json_object_object_add(o, "stderr", cli_text(d, n));
	json_object_object_add(
		o, "output_truncated",
		json_object_new_boolean(pysandbox_result_output_truncated(r)));
	json_object_object_add(o, "child", json_object_get(pysandbox_info(s)));
	puts(json_object_to_json_string_ext(o, PLAIN));
	json_object_put(o);
}

static int report(struct cli *c, struct pysandbox *s,
		  const struct pysandbox_result *r)
{
	int status = status_of(r);

	if (c->json) {
		print_json(s, r, status);
		return status;
	}
	if (pysandbox_result_outcome(r) == PYSANDBOX_EXCEPTION)
		print_exception(r);
	else
		explain(s, r);
	return status;
}

/* A string member of the refusal's data, or NULL. */
static const char *data_field(struct pysandbox *s, const char *name)
{
	struct json_object *v;

	if (json_object_object_get_ex(pysandbox_rpc_data(s), name, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* The child's own words, without the "code_name: " the library puts
 * before them. */
static const char *rpc_text(struct pysandbox *s)
{
	const char *msg = pysandbox_errmsg(s), *colon = strstr(msg, ": ");

	return colon ? colon + 2 : msg;
}

/* The filesystem entry the child could not set up. The working
 * directory comes as an entry without a source: --cwd names it. */
static int entry_failed(struct cli *c, struct pysandbox *s)
{
	const char *target = data_field(s, "target") ?: "?";
	const char *source = data_field(s, "source");
	const char *reason = data_field(s, "reason") ?: rpc_text(s);

	if (!source && c->cwd && !strcmp(target, c->cwd) &&
	    !strcmp(reason, "ENOENT"))
		return cli_fail(c, ST_BIND_SOURCE,
				"--cwd '%s' does not exist in the sandbox",
				target);
	if (!source && c->cwd && !strcmp(target, c->cwd))
		return cli_fail(c, ST_BIND_SOURCE, "--cwd '%s': %s", target,
				reason);
	if (!source)
		return cli_fail(c, ST_BIND_SOURCE, "filesystem entry '%s': %s",
				target, reason);
	return cli_fail(c, ST_BIND_SOURCE,
			"filesystem entry '%s' (source '%s'): %s", target,
			source, reason);
}

/* The option behind a JSON pointer of initialize's params
 * ("/limits/memory_bytes", "/filesystem/0/max_bytes"), or NULL. */
static const char *option_of(const struct cli *c, const char *field, char *buf,
			     size_t size)
{
	const char *opt;
	char *end;
	unsigned long n;

	if (!strncmp(field, "/limits/", 8)) {
		opt = cli_limit_option(field + 8);
		if (opt)
			snprintf(buf, size, "--%s", opt);
		return opt ? buf : NULL;
	}
	if (!strncmp(field, "/filesystem/", 12)) {
		n = strtoul(field + 12, &end, 10);
		if (end == field + 12 || n >= c->nentries)
			return NULL;
		return c->entries[n][0] ? c->entries[n] : "FILE";
	}
	if (!strcmp(field, "/cwd"))
		return "--cwd";
	if (!strncmp(field, "/env", 4))
		return "--env";
	if (!strncmp(field, "/argv", 5))
		return "ARGS";
	return NULL;
}

/* A value the child refused, named by the option that set it. */
static int value_refused(struct cli *c, struct pysandbox *s)
{
	const char *field = data_field(s, "field");
	const char *opt = field ? option_of(c, field, (char[64]){0}, 64) : NULL;

	if (opt)
		return cli_fail(c, ST_BAD_VALUE,
				"%s: the sandbox refused it: %s (field %s)",
				opt, rpc_text(s), field);
	return cli_fail(c, ST_BAD_VALUE,
			"the sandbox refused the configuration: %s (field %s)",
			rpc_text(s), field ?: "?");
}

/* The child refused initialize: say which part of the configuration. */
static int refused(struct cli *c, struct pysandbox *s)
{
	switch (pysandbox_rpc_code(s)) {
	case -32007:
		return entry_failed(c, s);
	case -32602:
		return value_refused(c, s);
	case -32006:
		return cli_fail(c, ST_NO_CHILD,
				"sandbox setup failed at step %s: %s",
				data_field(s, "step") ?: "?", rpc_text(s));
	case -32005:
		return cli_fail(c, ST_NO_CHILD,
				"sandbox refused protocol %s: %s", SBP_VERSION,
				rpc_text(s));
	}
	return cli_fail(c, ST_PROTOCOL, "the sandbox refused to start: %s",
			rpc_text(s));
}

static int start_failure(struct cli *c, struct pysandbox *s, int ret)
{
	if (ret == PYSANDBOX_EREMOTE)
		return refused(c, s);
	if (ret == PYSANDBOX_ESPAWN)
		return cli_fail(c, ST_NO_CHILD, "cannot start the sandbox: %s",
				pysandbox_errmsg(s));
	if (ret == -E2BIG)
		return cli_fail(c, ST_UNREADABLE, "configuration too large: %s",
				pysandbox_errmsg(s));
	return cli_fail(c, ST_PROTOCOL, "protocol failure: %s",
			pysandbox_errmsg(s));
}

static int run_failure(struct cli *c, struct pysandbox *s, int ret)
{
	if (ret == -E2BIG)
		return cli_fail(c, ST_UNREADABLE,
				"code and stdin do not fit in one frame: %s",
				pysandbox_errmsg(s));
	if (ret == PYSANDBOX_EREMOTE)
		return cli_fail(c, ST_PROTOCOL,
				"the sandbox refused the run: %s",
				pysandbox_errmsg(s));
	return cli_fail(c, ST_PROTOCOL, "protocol failure: %s",
			pysandbox_errmsg(s));
}

static int execute(struct cli *c, struct pysandbox *s, struct cli_diag *d)
{
	struct pysandbox_result *r;
	int ret;

	if (!c->json)
		pysandbox_set_output(s, stream_output, NULL);
	ret = c->stdin_len ? pysandbox_set_stdin(s, c->stdin_data, c->stdin_len)
			   : 0;
	if (!ret)
		ret = c->code ? pysandbox_execute(s, c->code, &r)
			      : pysandbox_execute_path(s, c->target, &r);
	cli_diag_flush(d);
	if (ret)
		return run_failure(c, s, ret);

	ret = report(c, s, r);
	pysandbox_result_free(r);
	return ret;
}

/* Starts S. Without -v the child's stderr is a pipe (the library gives
 * the child the CLI's stderr, so that is swapped for the pipe while it
 * starts), and a refusal the CLI explains in its own line drops the
 * child's line about it: one refusal, one line. With -v every
 * diagnostic goes straight to stderr, as the child writes it. */
static int start(struct cli *c, struct pysandbox *s, struct cli_diag **d)
{
	int saved = -1, wfd = -1, ret;

	*d = c->verbosity == 0 ? cli_diag_open(&wfd) : NULL;
	if (*d) {
		saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
		if (saved < 0 || dup2(wfd, STDERR_FILENO) < 0) {
			if (saved >= 0)
				close(saved);
			saved = -1;
		}
	}

	ret = pysandbox_start(s);

	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (wfd >= 0)
		close(wfd);
	cli_diag_release(*d, ret == PYSANDBOX_EREMOTE ? CLI_DIAG_DROP
						      : CLI_DIAG_FORWARD);
	return ret;
}

int cli_run(struct cli *c)
{
	struct pysandbox *s = pysandbox_new(c->o);
	struct cli_diag *d;
	int ret;

	if (!s)
		return cli_fail(c, ST_PROTOCOL, "out of memory");
	watch_signals(s);

	ret = start(c, s, &d);
	if (ret)
		ret = start_failure(c, s, ret);
	else if (interrupted)
		ret = cli_fail(c, ST_CANCELLED,
			       "cancelled: interrupted before the run started");
	else
		ret = execute(c, s, d);

	unwatch_signals();
	pysandbox_close(s);
	cli_diag_close(d);
	return ret;
}
