/* SPDX-License-Identifier: MIT */
/*
 * bench_c - measurements through libpysandbox, the C parent.
 *
 * Usage:
 *   bench_c hostcall CALLS     per-call µs of sandbox.call('echo', i),
 *                              timed inside the sandbox
 *   bench_c rawpipe CALLS      the same round trip answered in C over plain
 *                              pipes to pipe_peer (next to this program)
 *   bench_c sessions N         N sequential sessions: start, run print,
 *                              close; start/run/close latencies and rate
 *   bench_c pool N SIZE        the same through a warm pool of SIZE
 *                              children (filled at the start of the clock)
 *   bench_c warmstart N        N pairs, alternating which goes first: a
 *                              cold start (pysandbox_new + pysandbox_start)
 *                              and a warm one (pysandbox_new +
 *                              pysandbox_pool_start on a pool of one child
 *                              given time to warm); their latencies
 *   bench_c rss                one idle session: VmRSS of its supervisor
 *   bench_c concurrent N       N sessions started and run at once from N
 *                              threads, their supervisors' RSS while idle
 *
 * The child is $PYSANDBOX_CHILD (or the library's default). Each command
 * prints one JSON object on stdout; exit status 1 on failure, with a
 * message on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pysandbox.h"

#define MAX_COUNT      1000000L
#define MAX_SESSIONS   256
#define LINE_MAX_BYTES 65536

#define die(...)                                                               \
	do {                                                                   \
		fprintf(stderr, "bench_c: " __VA_ARGS__);                      \
		fprintf(stderr, "\n");                                         \
		exit(1);                                                       \
	} while (0)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* {"p50":..,"min":..,"max":..} of N values (sorted in place). */
static void print_dist(const char *name, double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("\"%s\":{\"p50\":%.3f,\"p90\":%.3f,\"min\":%.3f,\"max\":%.3f}",
	       name, v[n / 2], v[n * 9 / 10], v[0], v[n - 1]);
}

static long parse_count(const char *s, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 1 || n > max)
		die("count must be 1..%ld, not '%s'", max, s);
	return n;
}

static int echo(void *userdata, const char *name, struct json_object *args,
		struct json_object *kwargs, struct json_object **value,
		struct pysandbox_host_error *error)
{
	*value = json_object_get(json_object_array_get_idx(args, 0));
	return 0;
}

/* A started session, cold, or from POOL when it is not NULL. */
static struct pysandbox *session_from(struct pysandbox_pool *pool)
{
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox *s;

	if (!o || pysandbox_options_expose(o, "echo", echo, NULL))
		die("cannot build options");
	s = pysandbox_new(o);
	pysandbox_options_free(o);
	if (!s)
		die("out of memory");
	if (pool ? pysandbox_pool_start(pool, s) : pysandbox_start(s))
		die("start: %s", pysandbox_errmsg(s));
	return s;
}

static struct pysandbox *session(void)
{
	return session_from(NULL);
}

/* Runs CODE, which must end ok; the caller frees the result. */
static struct pysandbox_result *run(struct pysandbox *s, const char *code)
{
	struct pysandbox_result *r = NULL;

	if (pysandbox_execute(s, code, &r))
		die("execute: %s", pysandbox_errmsg(s));
	if (pysandbox_result_outcome(r) != PYSANDBOX_OK)
		die("run ended %s: %s",
		    pysandbox_outcome_name(pysandbox_result_outcome(r)),
		    (const char *)pysandbox_result_stderr(r, NULL));
	return r;
}

static int cmd_hostcall(long calls)
{
	struct pysandbox *s = session();
	struct pysandbox_result *r;
	const char *out;
	char code[512], *end;
	double best, mean;

	snprintf(code, sizeof(code),
		 "import sandbox, time\n"
		 "call, n, us = sandbox.call, max(%ld // 5, 1), []\n"
		 "for i in range(200): call('echo', i)\n"
		 "for _ in range(5):\n"
		 "    t = time.perf_counter()\n"
		 "    for i in range(n): assert call('echo', i) == i\n"
		 "    us.append((time.perf_counter() - t) / n * 1e6)\n"
		 "print('%%.3f %%.3f' %% (min(us), sum(us) / 5))\n",
		 calls);
	r = run(s, code);
	out = pysandbox_result_stdout(r, NULL);
	best = strtod(out, &end);
	mean = strtod(end, NULL);
	printf("{\"calls\":%ld,\"per_call_us\":%.3f,\"mean_us\":%.3f}\n", calls,
	       best, mean);
	pysandbox_result_free(r);
	pysandbox_close(s);
	return 0;
}

/* ---- raw pipe baseline ------------------------------------------------ */

struct peer {
	pid_t pid;
	int in, out;
	char buf[LINE_MAX_BYTES];
	size_t start, end;
	double mean_us;
};

static void peer_start(struct peer *p, long calls)
{
	char exe[PATH_MAX], path[PATH_MAX + 16], n[32];
	int to[2], from[2];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (len < 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	exe[len] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(path, sizeof(path), "%s/pipe_peer", exe);
	snprintf(n, sizeof(n), "%ld", calls);
	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		die("pipe: %s", strerror(errno));

	p->pid = fork();
	if (p->pid < 0)
		die("fork: %s", strerror(errno));
	if (p->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		execl(path, "pipe_peer", n, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	p->out = to[1];
	p->in = from[0];
}

static char *peer_line(struct peer *p)
{
	for (;;) {
		char *nl = memchr(p->buf + p->start, '\n', p->end - p->start);
		ssize_t n;

		if (nl) {
			char *line = p->buf + p->start;

			*nl = '\0';
			p->start = (size_t)(nl - p->buf) + 1;
			return line;
		}
		if (p->start > 0) {
			memmove(p->buf, p->buf + p->start, p->end - p->start);
			p->end -= p->start;
			p->start = 0;
		}
		if (p->end == sizeof(p->buf))
			die("pipe_peer line over %d bytes", LINE_MAX_BYTES);
		n = read(p->in, p->buf + p->end, sizeof(p->buf) - p->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("pipe_peer ended early");
		p->end += (size_t)n;
	}
}

static void peer_write(struct peer *p, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(p->out, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write to pipe_peer: %s", strerror(errno));
		s += n;
		len -= (size_t)n;
	}
}

/* Answers one host/call the way a parent would: parse, call the function,
 * serialize the answer. Returns the per-call µs once pipe_peer is done,
 * otherwise -1. */
static double peer_answer(struct peer *p, const char *line)
{
	struct json_object *o = json_tokener_parse(line), *m, *params, *args;
	struct json_object *id, *reply, *result, *value = NULL;
	struct pysandbox_host_error *no_error = NULL;
	double done = -1;
	const char *text;
	size_t len;

	if (!o || !json_object_object_get_ex(o, "method", &m) ||
	    !json_object_object_get_ex(o, "params", &params))
		die("bad line from pipe_peer: '%s'", line);
	if (!strcmp(json_object_get_string(m), "bench/done")) {
		json_object_object_get_ex(params, "per_call_us", &m);
		done = json_object_get_double(m);
		json_object_object_get_ex(params, "mean_us", &m);
		p->mean_us = json_object_get_double(m);
		json_object_put(o);
		return done;
	}
	json_object_object_get_ex(o, "id", &id);
	json_object_object_get_ex(params, "args", &args);
	echo(NULL, "echo", args, NULL, &value, no_error);

	reply = json_object_new_object();
	result = json_object_new_object();
	json_object_object_add(result, "value", value);
	json_object_object_add(reply, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(reply, "id", json_object_get(id));
	json_object_object_add(reply, "result", result);
	text = json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN,
						 &len);
	peer_write(p, text, len);
	peer_write(p, "\n", 1);
	json_object_put(reply);
	json_object_put(o);
	return done;
}

static int cmd_rawpipe(long calls)
{
	static struct peer p;
	double per = -1;
	int status;

	peer_start(&p, calls);
	while (per < 0)
		per = peer_answer(&p, peer_line(&p));
	close(p.out);
	close(p.in);
	if (waitpid(p.pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("pipe_peer failed");
	printf("{\"calls\":%ld,\"per_call_us\":%.3f,\"mean_us\":%.3f}\n", calls,
	       per, p.mean_us);
	return 0;
}

/* ---- sessions ----------------------------------------------------------- */

/* N sessions in a row, cold or from POOL (filled here, inside the
 * clock): start, print('hi'), close. */
static void sessions_in_a_row(long n, struct pysandbox_pool *pool)
{
	double *start = calloc((size_t)n, sizeof(double));
	double *exec = calloc((size_t)n, sizeof(double));
	double *stop = calloc((size_t)n, sizeof(double));
	double t0 = now_ms(), total;

	if (!start || !exec || !stop)
		die("out of memory");
	if (pool && pysandbox_pool_fill(pool))
		die("pool: %s", pysandbox_pool_errmsg(pool));
	for (long i = 0; i < n; i++) {
		double a = now_ms(), b, c;
		struct pysandbox *s = session_from(pool);

		b = now_ms();
		pysandbox_result_free(run(s, "print('hi')"));
		c = now_ms();
		if (pysandbox_close(s))
			die("close failed");
		start[i] = b - a;
		exec[i] = c - b;
		stop[i] = now_ms() - c;
	}
	total = now_ms() - t0;

	printf("{\"sessions\":%ld,\"per_second\":%.2f,", n, n * 1e3 / total);
	print_dist("start_ms", start, n);
	putchar(',');
	print_dist("run_ms", exec, n);
	putchar(',');
	print_dist("close_ms", stop, n);
	free(start);
	free(exec);
	free(stop);
}

static int cmd_sessions(long n)
{
	sessions_in_a_row(n, NULL);
	printf("}\n");
	return 0;
}

static struct pysandbox_pool *new_pool(long size)
{
	struct pysandbox_pool *pool = pysandbox_pool_new(NULL);

	if (!pool)
		die("out of memory");
	if (pysandbox_pool_set_size(pool, (int)size))
		die("pool: %s", pysandbox_pool_errmsg(pool));
	return pool;
}

static void print_stats(struct pysandbox_pool *pool)
{
	struct pysandbox_pool_stats st;

	pysandbox_pool_stats(pool, &st);
	printf("\"warm\":%llu,\"cold\":%llu,\"discarded\":%llu",
	       (unsigned long long)st.warm, (unsigned long long)st.cold,
	       (unsigned long long)st.discarded);
}

static int cmd_pool(long n, long size)
{
	struct pysandbox_pool *pool = new_pool(size);

	sessions_in_a_row(n, pool);
	printf(",\"size\":%ld,", size);
	print_stats(pool);
	printf("}\n");
	if (pysandbox_pool_close(pool))
		die("pool close: %s", pysandbox_pool_errmsg(pool));
	return 0;
}

/* How long a warm child gets to answer warm before it is taken: several
 * times its start on a loaded machine, so that the warm start below is
 * measured on a child that is ready. */
#define WARM_UP_MS 250

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Milliseconds pysandbox_new + start (cold, or from POOL) take; the
 * session then runs print('hi') and closes, outside the clock. */
static double timed_start(struct pysandbox_pool *pool)
{
	double a = now_ms(), took;
	struct pysandbox *s = session_from(pool);

	took = now_ms() - a;
	pysandbox_result_free(run(s, "print('hi')"));
	if (pysandbox_close(s))
		die("close failed");
	return took;
}

static int cmd_warmstart(long n)
{
	double *warm = calloc((size_t)n, sizeof(double));
	double *cold = calloc((size_t)n, sizeof(double));
	struct pysandbox_pool *pool = new_pool(1);

	if (!warm || !cold)
		die("out of memory");
	if (pysandbox_pool_fill(pool))
		die("pool: %s", pysandbox_pool_errmsg(pool));
	for (long i = 0; i < n; i++) {
		/* The pool refilled during the last warm start; its child
		 * warms while we sleep. */
		sleep_ms(WARM_UP_MS);
		if (i % 2 == 0) {
			warm[i] = timed_start(pool);
			cold[i] = timed_start(NULL);
		} else {
			cold[i] = timed_start(NULL);
			warm[i] = timed_start(pool);
		}
	}

	printf("{\"pairs\":%ld,\"warm_ms\":[", n);
	for (long i = 0; i < n; i++)
		printf("%s%.4f", i ? "," : "", warm[i]);
	printf("],\"cold_ms\":[");
	for (long i = 0; i < n; i++)
		printf("%s%.4f", i ? "," : "", cold[i]);
	printf("],");
	print_stats(pool);
	printf("}\n");
	if (pysandbox_pool_close(pool))
		die("pool close: %s", pysandbox_pool_errmsg(pool));
	free(warm);
	free(cold);
	return 0;
}

/* ---- memory ------------------------------------------------------------- */

/* A field of /proc/PID/FILE (status, smaps_rollup) in KiB, -1 when
 * absent or unreadable: smaps_rollup of a non-dumpable supervisor needs
 * the right to trace it, which only root has. */
static long proc_kib(pid_t pid, const char *file, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':')
			kib = strtol(line + flen + 1, NULL, 10);
	fclose(f);
	return kib;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* The processes whose parent is PARENT, at most MAX of them. */
static int children_of(pid_t parent, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		die("opendir /proc: %s", strerror(errno));
	while ((e = readdir(d)) && n < max) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid > 0 && parent_of(pid) == parent)
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

/* Adds the VmRSS of the processes under supervisor SUP: the jail (the
 * process with no children) and, where the child runs one, the pid
 * namespace's init between the two. */
static void under_kib(pid_t sup, long *init, long *init_pss, long *jail)
{
	pid_t kids[4], grandkids[4];
	int n = children_of(sup, kids, 4);

	for (int i = 0; i < n; i++) {
		int m = children_of(kids[i], grandkids, 4);

		if (m == 0) {
			*jail += proc_kib(kids[i], "status", "VmRSS");
			continue;
		}
		*init += proc_kib(kids[i], "status", "VmRSS");
		*init_pss += proc_kib(kids[i], "smaps_rollup", "Pss");
		for (int j = 0; j < m; j++)
			*jail += proc_kib(grandkids[j], "status", "VmRSS");
	}
}

/* Prints the mean memory of every supervisor (our children) and of the
 * processes under each. */
static void print_memory(int expected)
{
	pid_t sup[MAX_SESSIONS];
	long rss = 0, anon = 0, pss = 0, init = 0, init_pss = 0, jail = 0;
	int n = children_of(getpid(), sup, MAX_SESSIONS);

	if (n != expected)
		die("found %d supervisors, expected %d", n, expected);
	for (int i = 0; i < n; i++) {
		long p = proc_kib(sup[i], "smaps_rollup", "Pss");

		rss += proc_kib(sup[i], "status", "VmRSS");
		anon += proc_kib(sup[i], "status", "RssAnon");
		pss = (pss < 0 || p < 0) ? -1 : pss + p;
		under_kib(sup[i], &init, &init_pss, &jail);
	}
	printf("\"sessions\":%d,\"supervisor_rss_kib\":%.1f,"
	       "\"supervisor_anon_kib\":%.1f,\"supervisor_pss_kib\":%.1f,"
	       "\"init_rss_kib\":%.1f,\"init_pss_kib\":%.1f,"
	       "\"jail_rss_kib\":%.1f",
	       n, (double)rss / n, (double)anon / n,
	       pss < 0 ? -1.0 : (double)pss / n, (double)init / n,
	       pss < 0 ? -1.0 : (double)init_pss / n, (double)jail / n);
}

static int cmd_rss(void)
{
	struct pysandbox *s = session();

	pysandbox_result_free(run(s, "print('hi')"));
	putchar('{');
	print_memory(1);
	printf("}\n");
	pysandbox_close(s);
	return 0;
}

struct worker {
	pthread_t thread;
	pthread_barrier_t *ready, *release;
	double start_ms, run_ms;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	double a = now_ms(), b;
	struct pysandbox *s = session();

	b = now_ms();
	pysandbox_result_free(run(s, "print('hi')"));
	w->start_ms = b - a;
	w->run_ms = now_ms() - b;
	pthread_barrier_wait(w->ready);
	pthread_barrier_wait(w->release);
	pysandbox_close(s);
	return NULL;
}

static int cmd_concurrent(long n)
{
	struct worker *w = calloc((size_t)n, sizeof(*w));
	double *start = calloc((size_t)n, sizeof(double));
	pthread_barrier_t ready, release;
	double t0 = now_ms(), all_ready;

	if (!w || !start)
		die("out of memory");
	pthread_barrier_init(&ready, NULL, (unsigned)n + 1);
	pthread_barrier_init(&release, NULL, (unsigned)n + 1);
	for (long i = 0; i < n; i++) {
		w[i].ready = &ready;
		w[i].release = &release;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]))
			die("pthread_create failed");
	}
	pthread_barrier_wait(&ready);
	all_ready = now_ms() - t0;

	printf("{\"wall_ms\":%.1f,", all_ready);
	for (long i = 0; i < n; i++)
		start[i] = w[i].start_ms;
	print_dist("start_ms", start, n);
	putchar(',');
	print_memory((int)n);
	printf("}\n");

	pthread_barrier_wait(&release);
	for (long i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	free(w);
	free(start);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "rss") && argc == 2)
		return cmd_rss();
	if (!strcmp(cmd, "pool") && argc == 4)
		return cmd_pool(parse_count(argv[2], 100000),
				parse_count(argv[3], PYSANDBOX_POOL_MAX));
	if (argc != 3)
		die("usage: bench_c hostcall|rawpipe CALLS | sessions|concurrent"
		    "|warmstart N | pool N SIZE | rss");
	if (!strcmp(cmd, "hostcall"))
		return cmd_hostcall(parse_count(argv[2], MAX_COUNT));
	if (!strcmp(cmd, "rawpipe"))
		return cmd_rawpipe(parse_count(argv[2], MAX_COUNT));
	if (!strcmp(cmd, "sessions"))
		return cmd_sessions(parse_count(argv[2], 100000));
	if (!strcmp(cmd, "warmstart"))
		return cmd_warmstart(parse_count(argv[2], 10000));
	if (!strcmp(cmd, "concurrent"))
		return cmd_concurrent(parse_count(argv[2], MAX_SESSIONS));
	die("unknown command '%s'", cmd);
}
