/* SPDX-License-Identifier: MIT */
/* pool.c - warm pools: children started and warmed ahead of need. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_POOL_SIZE 2
/* How often the refill thread looks for idle children that exited. */
#define SWEEP_MS 1000
/* The version warm needs (REQ-WARM-2), whatever a cold initialize says. */
#define WARM_VERSION "1.1"
/* After a child failed before its session reached it, no child is
 * started for RETRY_MIN_MS, doubling with each failure in a row up to
 * RETRY_MAX_MS, as the Node parent does: a preload module that does not
 * exist fails every warm alike, and each doomed child costs a fork, an
 * exec and a jail. */
#define RETRY_MIN_MS 200
#define RETRY_MAX_MS 30000

/* An idle child is a session object that never started: it owns the
 * process, its descriptors and its reader, and the id of its warm
 * request, whose answer is read when a session takes it. */
struct pysandbox_pool {
	struct pysandbox_options *o; /* child, verbosity, backstop */
	int size;
	struct json_object *preload; /* array of strings */
	bool frozen;		     /* configuration used: no more changes */

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;  /* the refill thread waits on it */
	pthread_t thread;
	bool thread_running;
	bool stopping;	  /* pysandbox_pool_close() is waiting for the thread */
	bool paused;	  /* a start failed: no refill until the next call */
	int failures;	  /* children failed in a row before a session */
	int64_t retry_at; /* no child is started before (monotonic ms) */
	struct pysandbox *idle[PYSANDBOX_POOL_MAX];
	size_t nidle; /* idle[0] is the oldest, taken first */
	int spawning; /* children being started outside the lock */
	struct pysandbox_pool_stats stats;
	char errmsg[512];
	char errmsg_copy[512]; /* what pysandbox_pool_errmsg() returned */
};

static int pool_fail(struct pysandbox_pool *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pool_fail(struct pysandbox_pool *p, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

/* After a child that started but failed before a session reached it
 * (its warm failed, it exited idle), pauses the starting of children;
 * the reason, already in errmsg, gets the pause. A child that cannot be
 * spawned at all pauses the refill until the next call instead (paused),
 * so that a fixed binary is used at once. Lock held. */
static void backoff_locked(struct pysandbox_pool *p)
{
	int64_t pause = RETRY_MIN_MS;
	size_t len = strlen(p->errmsg);
	int i;

	for (i = 0; i < p->failures && pause < RETRY_MAX_MS; i++)
		pause *= 2;
	if (pause > RETRY_MAX_MS)
		pause = RETRY_MAX_MS;
	p->failures++;
	p->retry_at = __psb_now_ms() + pause;
	snprintf(p->errmsg + len, sizeof(p->errmsg) - len,
		 " (no child started for %lld ms)", (long long)pause);
}

static bool backing_off_locked(const struct pysandbox_pool *p)
{
	return p->retry_at > __psb_now_ms();
}

/* A condition variable on the monotonic clock: timed waits must not
 * follow changes of the wall clock. */
static int init_cond(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int ret;

	if (pthread_condattr_init(&attr) != 0)
		return -1;
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return ret ? -1 : 0;
}

EXPORT struct pysandbox_pool *
pysandbox_pool_new(const struct pysandbox_options *o)
{
	struct pysandbox_pool *p = calloc(1, sizeof(*p));
	bool locked = false;

	if (!p)
		return NULL;

	p->size = DEFAULT_POOL_SIZE;
	p->o = o ? __psb_options_copy(o) : pysandbox_options_new();
	p->preload = json_object_new_array();
	if (p->o && p->preload && pthread_mutex_init(&p->lock, NULL) == 0) {
		locked = true;
		if (init_cond(&p->wake) == 0)
			return p;
	}

	if (locked)
		pthread_mutex_destroy(&p->lock);
	pysandbox_options_free(p->o);
	json_object_put(p->preload);
	free(p);
	return NULL;
}

/* A copy, so that the refill thread, which writes errmsg under the
 * lock, never changes what a caller is reading. */
EXPORT const char *pysandbox_pool_errmsg(struct pysandbox_pool *p)
{
	pthread_mutex_lock(&p->lock);
	memcpy(p->errmsg_copy, p->errmsg, sizeof(p->errmsg_copy));
	pthread_mutex_unlock(&p->lock);
	return p->errmsg_copy;
}

static int set_size_locked(struct pysandbox_pool *p, int size)
{
	if (p->frozen)
		return pool_fail(
			p, -EBUSY,
			"the pool has started children: its size is fixed");
	if (size < 1 || size > PYSANDBOX_POOL_MAX)
		return pool_fail(p, -EINVAL, "pool size %d is outside 1..%d",
				 size, PYSANDBOX_POOL_MAX);
	p->size = size;
	return 0;
}

/* Under the lock: a fill that started nothing leaves the refill thread
 * running, paused, and the pool open to configuration. */
EXPORT int pysandbox_pool_set_size(struct pysandbox_pool *p, int size)
{
	int ret;

	pthread_mutex_lock(&p->lock);
	ret = set_size_locked(p, size);
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* A dotted name of ASCII identifiers ("json", "xml.etree.ElementTree"). */
static bool valid_module(const char *name)
{
	size_t i, len = strlen(name);
	bool start = true;

	if (len == 0 || len > MAX_MODULE_NAME)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c == '.' && !start) {
			start = true;
			continue;
		}
		if (!(c == '_' || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') ||
		      (!start && c >= '0' && c <= '9')))
			return false;
		start = false;
	}
	return !start;
}

static int add_preload_locked(struct pysandbox_pool *p, const char *module)
{
	if (p->frozen)
		return pool_fail(
			p, -EBUSY,
			"the pool has started children: its preload list is fixed");
	if (!module || !valid_module(module))
		return pool_fail(
			p, -EINVAL,
			"preload module '%s' is not a dotted name of at most %d ASCII characters",
			module ? module : "(null)", MAX_MODULE_NAME);
	if (json_object_array_length(p->preload) >= MAX_PRELOAD)
		return pool_fail(p, -E2BIG, "more than %d preload modules",
				 MAX_PRELOAD);
	if (json_object_array_add(p->preload, json_object_new_string(module)))
		return pool_fail(p, -ENOMEM, "out of memory");
	return 0;
}

EXPORT int pysandbox_pool_add_preload(struct pysandbox_pool *p,
				      const char *module)
{
	int ret;

	pthread_mutex_lock(&p->lock);
	ret = add_preload_locked(p, module);
	pthread_mutex_unlock(&p->lock);
	return ret;
}

static struct json_object *warm_params(const struct pysandbox_pool *p)
{
	struct json_object *params = json_object_new_object();

	json_object_object_add(params, "protocol_version",
			       json_object_new_string(WARM_VERSION));
	json_object_object_add(params, "preload", json_object_get(p->preload));
	json_object_object_add(params, "verbosity",
			       json_object_new_int(p->o->verbosity));
	return params;
}

/* A new child with warm sent, its answer left for the session that takes
 * it. NULL on failure, with the reason in *ERR / ERRMSG. */
static struct pysandbox *warm_child(struct pysandbox_pool *p,
				    enum psb_spawn_flags flags, int *err,
				    char *errmsg, size_t size)
{
	struct pysandbox *w = pysandbox_new(p->o);
	int64_t deadline = __psb_now_ms() + OTHER_REQUEST_MS;
	int ret;

	if (!w) {
		*err = -ENOMEM;
		snprintf(errmsg, size, "out of memory");
		return NULL;
	}
	ret = __psb_launch(w, __psb_child_path(p->o), flags);
	if (!ret)
		ret = __psb_send_request(w, "warm", warm_params(p), deadline,
					 &w->warm_id);
	if (!ret)
		return w;

	*err = ret;
	snprintf(errmsg, size, "%s", pysandbox_errmsg(w));
	__psb_end_child(w);
	pysandbox_close(w);
	return NULL;
}

/* Frees an idle child whose process has already been reaped. */
static void free_idle(struct pysandbox *w)
{
	w->warm_id = 0;
	pysandbox_close(w);
}

/* Reaps, without waiting, the idle children that have exited (REQ-WARM-8:
 * a warm child may exit at any time), so that none lingers as a zombie
 * and none is handed to a session. Called with the lock held. */
static void sweep_locked(struct pysandbox_pool *p)
{
	size_t i, kept = 0;
	char how[128];
	pid_t r;
	int st = 0;

	for (i = 0; i < p->nidle; i++) {
		struct pysandbox *w = p->idle[i];

		/* ECHILD: SIGCHLD ignored, the kernel reaped it already. */
		r = waitpid(w->pid, &st, WNOHANG);
		if (r != w->pid && !(r < 0 && errno == ECHILD)) {
			p->idle[kept++] = w;
			continue;
		}

		snprintf(how, sizeof(how), "exited");
		if (r == w->pid)
			__psb_describe_exit(st, how, sizeof(how));
		pool_fail(p, PYSANDBOX_ECHILD, "idle child %d %s; discarded",
			  (int)w->pid, how);
		backoff_locked(p);
		w->pid = 0;
		free_idle(w);
		p->stats.discarded++;
	}
	p->nidle = kept;
}

/* Starts one child outside the lock and adds it to the idle list; the
 * lock is held on entry and on return. 0 or the failure, recorded. */
static int spawn_one_locked(struct pysandbox_pool *p,
			    enum psb_spawn_flags flags)
{
	struct pysandbox *w;
	char msg[512];
	int err = 0;

	p->spawning++;
	pthread_mutex_unlock(&p->lock);
	w = warm_child(p, flags, &err, msg, sizeof(msg));
	pthread_mutex_lock(&p->lock);
	p->spawning--;

	if (!w)
		return pool_fail(p, err, "%s", msg);
	p->idle[p->nidle++] = w;
	p->stats.spawned++;
	return 0;
}

/* After a failed child, one child until a session starts on a child of
 * the pool (which ends the failures in a row): a configuration that still
 * fails then costs one child per back-off, not size. */
static bool full_locked(const struct pysandbox_pool *p)
{
	int target = p->failures > 0 ? 1 : p->size;

	return (int)p->nidle + p->spawning >= target;
}

/* Moves the calling thread from SCHED_OTHER to SCHED_BATCH, as any thread
 * may without privilege; true when it did. The kernel never lets a
 * SCHED_BATCH thread that wakes preempt a running one (sched(7): "mildly
 * disfavored"): woken by pysandbox_pool_start() just before that returns,
 * the refill thread took the caller's CPU for its fork and exec, and the
 * new child's own start with it, 0.5-2.5 ms of a 1 ms warm start on a
 * busy machine. Now it waits for a free CPU or the next tick. Another
 * policy, the application's choice, is left alone. The policy is asked
 * of the kernel (0: this thread), not pthread_getschedparam(): glibc
 * answers that from what it cached when the creating thread last asked,
 * and an application that then switched to SCHED_IDLE or SCHED_FIFO with
 * sched_setscheduler() would have its children run SCHED_OTHER. */
static bool batch_policy(void)
{
	struct sched_param param = {.sched_priority = 0};

	return sched_getscheduler(0) == SCHED_OTHER &&
	       sched_setscheduler(0, SCHED_BATCH, &param) == 0;
}

/*
 * The refill thread: starts a child whenever the pool is short of one,
 * so that a session's start never waits for a fork and exec, and reaps
 * idle children that exited (REQ-WARM-8) every SWEEP_MS. After a failed
 * start it pauses until the next pysandbox_pool_start() or _fill(), so
 * that a child that cannot start is not retried in a loop, and after any
 * failed child it starts none until the back-off ends.
 */
static void *refill_thread(void *arg)
{
	struct pysandbox_pool *p = arg;
	enum psb_spawn_flags flags =
		batch_policy() ? PSB_SPAWN_SCHED_OTHER : PSB_SPAWN_PLAIN;
	struct timespec until;
	int64_t wait;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		sweep_locked(p);
		wait = backing_off_locked(p) ? p->retry_at - __psb_now_ms()
					     : SWEEP_MS;
		if (!p->paused && !full_locked(p) && !backing_off_locked(p)) {
			if (spawn_one_locked(p, flags) != 0)
				p->paused = true;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		wait = wait < SWEEP_MS ? wait : SWEEP_MS;
		until.tv_sec += wait / 1000;
		until.tv_nsec += (wait % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &until);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Starts the refill thread if it is not running, with every signal
 * blocked: the application's handlers never run on it. Lock held. A
 * pool whose thread cannot start refills in pysandbox_pool_start()
 * instead. */
static void start_thread_locked(struct pysandbox_pool *p)
{
	sigset_t all, old;

	if (p->thread_running)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->thread_running =
		pthread_create(&p->thread, NULL, refill_thread, p) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Lets the refill thread go on after a session took a child, or refills
 * here when there is no thread. */
static void wake_refill(struct pysandbox_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->paused = false;
	start_thread_locked(p);
	if (p->thread_running)
		pthread_cond_signal(&p->wake);
	else
		while (!full_locked(p) && !backing_off_locked(p) &&
		       spawn_one_locked(p, PSB_SPAWN_PLAIN) == 0)
			;
	pthread_mutex_unlock(&p->lock);
}

EXPORT int pysandbox_pool_fill(struct pysandbox_pool *p)
{
	bool was_frozen;
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	was_frozen = p->frozen;
	p->frozen = true;
	sweep_locked(p);
	while (!ret && !full_locked(p) && !backing_off_locked(p))
		ret = spawn_one_locked(p, PSB_SPAWN_PLAIN);

	/* Nothing started: the configuration may still change (a missing
	 * child binary, fixed before the next call). */
	if (!was_frozen && p->nidle == 0 && p->spawning == 0 &&
	    p->stats.spawned == 0)
		p->frozen = false;

	/* After a failure the thread waits for the next call, as after its
	 * own failures. */
	p->paused = ret != 0;
	start_thread_locked(p);
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* The oldest idle child, or NULL. */
static struct pysandbox *take(struct pysandbox_pool *p)
{
	struct pysandbox *w = NULL;

	pthread_mutex_lock(&p->lock);
	p->frozen = true;
	if (p->nidle > 0) {
		w = p->idle[0];
		p->nidle--;
		memmove(p->idle, p->idle + 1, p->nidle * sizeof(p->idle[0]));
	}
	pthread_mutex_unlock(&p->lock);
	return w;
}

/* Moves W's process into the session S, which has none yet. */
static void adopt(struct pysandbox *s, struct pysandbox *w)
{
	s->pid = w->pid;
	s->to_child = w->to_child;
	s->from_child = w->from_child;
	s->reader = w->reader;
	s->next_id = w->next_id;
	s->warm_id = w->warm_id;

	w->pid = 0;
	w->to_child = w->from_child = -1;
	w->reader = NULL;
	free_idle(w);
}

/* A warm answer whose version is 1.x, x >= 1. */
static int accept_warm(struct pysandbox *s, struct json_object *res)
{
	struct json_object *ver = NULL;
	const char *v;

	json_object_object_get_ex(res, "protocol_version", &ver);
	v = json_object_is_type(ver, json_type_string)
		    ? json_object_get_string(ver)
		    : "";
	if (strncmp(v, "1.", 2) != 0 || !strcmp(v, "1.0") ||
	    strlen(v) >= sizeof(s->version)) {
		json_object_put(res);
		return __psb_broken(
			s, PYSANDBOX_EPROTO,
			"child answered warm with protocol_version '%s', not 1.1 or later",
			v);
	}
	snprintf(s->version, sizeof(s->version), "%s", v);
	json_object_put(res);
	return 0;
}

/* Reads the answer to warm: 0 when the child is warm, 1 when it refused
 * warm as a 1.0 child does (it is still new and takes initialize as 1.0
 * says, REQ-WARM-1), or the failure, after which it has been reaped. */
static int await_warm(struct pysandbox *s, int64_t deadline)
{
	struct json_object *res;
	int ret = __psb_wait_reply(s, s->warm_id, deadline, &res);

	s->warm_id = 0;
	if (ret == PYSANDBOX_EREMOTE &&
	    (s->rpc_code == SBP_METHOD_NOT_FOUND ||
	     s->rpc_code == SBP_UNSUPPORTED_VERSION)) {
		snprintf(s->version, sizeof(s->version), "1.0");
		s->rpc_code = 0;
		json_object_put(s->rpc_data);
		s->rpc_data = NULL;
		s->errmsg[0] = '\0';
		return 1;
	}
	if (ret == PYSANDBOX_EREMOTE)
		__psb_end_child(s);
	if (ret)
		return ret;
	return accept_warm(s, res);
}

/* Starts S on the idle child W. *RETRY tells a failure of the child
 * before the session reached it (the warm failed, or the child died
 * while idle): then a fresh child is worth a try. */
static int start_warm(struct pysandbox *s, struct pysandbox *w, bool *was_warm,
		      bool *retry)
{
	int64_t deadline = __psb_now_ms() + s->o->request_ms, id;
	int ret;

	adopt(s, w);
	ret = await_warm(s, deadline);
	*retry = ret < 0;
	if (ret < 0)
		return ret;
	*was_warm = ret == 0;

	ret = __psb_send_initialize(s, deadline, &id);
	if (!ret)
		ret = __psb_finish_initialize(s, id, deadline);

	/* Initialize maps a closed child to ESPAWN; one that died idle
	 * says nothing of the session's configuration. */
	*retry = ret == PYSANDBOX_ESPAWN || ret == PYSANDBOX_ECHILD;
	return ret;
}

static int start_cold(struct pysandbox_pool *p, struct pysandbox *s)
{
	int64_t deadline = __psb_now_ms() + s->o->request_ms, id;
	int ret = __psb_launch(s, __psb_child_path(p->o), PSB_SPAWN_PLAIN);

	if (!ret)
		ret = __psb_send_initialize(s, deadline, &id);
	if (!ret)
		ret = __psb_finish_initialize(s, id, deadline);
	return ret;
}

static void count(struct pysandbox_pool *p, uint64_t *counter)
{
	pthread_mutex_lock(&p->lock);
	(*counter)++;
	pthread_mutex_unlock(&p->lock);
}

/* Starts S on the oldest idle child. A child that fails before the
 * session reaches it is discarded, and a fresh cold child is the last
 * resort: only its failure is the session's. One warm attempt at most,
 * so that a pool of broken children (a preload module that is missing)
 * costs one failed answer, not all of them. */
static int start_pooled(struct pysandbox_pool *p, struct pysandbox *s)
{
	struct pysandbox *w = take(p);
	bool was_warm = false, retry = false;
	int ret;

	if (w) {
		ret = start_warm(s, w, &was_warm, &retry);
		if (!ret) {
			pthread_mutex_lock(&p->lock);
			(*(was_warm ? &p->stats.warm : &p->stats.cold))++;
			p->failures = 0;
			pthread_mutex_unlock(&p->lock);
			return 0;
		}
		if (!retry)
			return ret;

		pthread_mutex_lock(&p->lock);
		p->stats.discarded++;
		pool_fail(p, ret, "warm child discarded: %s",
			  pysandbox_errmsg(s));
		backoff_locked(p);
		pthread_mutex_unlock(&p->lock);
		__psb_end_child(s);
		__psb_forget_child(s);
	}

	ret = start_cold(p, s);
	if (!ret)
		count(p, &p->stats.cold);
	return ret;
}

EXPORT int pysandbox_pool_start(struct pysandbox_pool *p, struct pysandbox *s)
{
	int ret;

	if (s->state != ST_NEW)
		return __psb_fail(s, -EINVAL, "session already started");

	/* As in pysandbox_start(): ended until initialize succeeds. The
	 * refill waits until then, so that the replacement's start does
	 * not compete with this child's initialize for the CPU. */
	s->state = ST_ENDED;
	ret = start_pooled(p, s);
	wake_refill(p);
	if (ret) {
		__psb_end_child(s);
		return ret;
	}
	s->state = ST_READY;
	return 0;
}

EXPORT void pysandbox_pool_stats(struct pysandbox_pool *p,
				 struct pysandbox_pool_stats *stats)
{
	pthread_mutex_lock(&p->lock);
	*stats = p->stats;
	stats->idle = (unsigned int)p->nidle;
	stats->starting = (unsigned int)p->spawning;
	pthread_mutex_unlock(&p->lock);
}

/* Stops the refill thread; a child it is starting joins the idle list. */
static void stop_thread(struct pysandbox_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->thread_running)
		pthread_join(p->thread, NULL);
}

/* End of input for every idle child at once, then one shared grace
 * period for all of them (REQ-TIME-4), then SIGKILL for the rest. */
EXPORT int pysandbox_pool_close(struct pysandbox_pool *p)
{
	int64_t deadline, left;
	size_t i;
	int ret = 0;

	if (!p)
		return 0;

	stop_thread(p);
	for (i = 0; i < p->nidle; i++) {
		close(p->idle[i]->to_child);
		p->idle[i]->to_child = -1;
	}
	deadline = __psb_now_ms() + CLOSE_WAIT_MS;
	for (i = 0; i < p->nidle; i++) {
		left = deadline - __psb_now_ms();
		if (__psb_reap(p->idle[i], left > 0 ? left : 0, NULL) ==
		    -ETIMEDOUT) {
			__psb_kill(p->idle[i]);
			ret = PYSANDBOX_ETIMEDOUT;
		}
		free_idle(p->idle[i]);
	}

	json_object_put(p->preload);
	pysandbox_options_free(p->o);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return ret;
}
