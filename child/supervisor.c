/* SPDX-License-Identifier: MIT */
/* supervisor.c - session state machine and the parent's requests. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jail.h"
#include "log.h"
#include "policy.h"
#include "supervisor.h"

#define CHILD_VERSION	     "1.1.0"
#define START_TIMEOUT_MS     15000
#define CONFIGURE_TIMEOUT_MS 5000
/* Room for the supervisor's compiled filter (93 instructions today); at
 * 4 KiB it also fits a pipe's buffer, which the export writes at once. */
#define SUP_FILTER_MAX 512

uint64_t sup_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t sup_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void sup_send(struct sup *s, struct json_object *msg)
{
	int rc = sbp_write(PARENT_OUT, msg, s->frame_max);

	if (rc == -EMSGSIZE)
		log_error("protocol: dropped a message larger than the frame "
			  "limit (%zu)",
			  s->frame_max);
	else if (rc < 0) {
		log_error("protocol: parent unreachable: %s", strerror(-rc));
		s->quit = true;
	}
	json_object_put(msg);
}

void sup_reply_error(struct sup *s, struct json_object *id, int code,
		     const char *message, struct json_object *data)
{
	sup_send(s, sbp_error(id, code, message, data));
}

/* ---- initialize ------------------------------------------------------- */

static struct json_object *isolation_json(struct sup *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ns = json_object_new_array();
	static const char *const names[] = {"user", "pid", "net", "ipc", "uts"};
	size_t i;

	for (i = 0; s->iso.namespaces && i < 5; i++)
		json_object_array_add(ns, json_object_new_string(names[i]));
	json_object_object_add(o, "seccomp", json_object_new_boolean(1));
	json_object_object_add(o, "no_new_privs", json_object_new_boolean(1));
	json_object_object_add(
		o, "privileges_dropped",
		json_object_new_boolean(s->iso.privileges_dropped));
	/* The jail's uid as the host sees it (SPEC: isolation.uid); inside
	 * its own namespace it is JAIL_UID. */
	json_object_object_add(o, "uid",
			       json_object_new_int64(s->iso.host_uid));
	json_object_object_add(o, "landlock_abi",
			       json_object_new_int64(s->iso.landlock_abi));
	json_object_object_add(o, "namespaces", ns);
	json_object_object_add(o, "rlimits", json_object_new_boolean(1));
	json_object_object_add(
		o, "supervisor_filter",
		json_object_new_boolean(s->iso.supervisor_filter));
	return o;
}

/* The negotiated version, "1.MINOR" (SPEC: REQ-INIT-2). */
static struct json_object *version_json(struct sup *s)
{
	char v[16];

	snprintf(v, sizeof(v), "%d.%d", SBP_VERSION_MAJOR, s->cfg.minor);
	return json_object_new_string(v);
}

static struct json_object *initialize_result(struct sup *s, const char *python)
{
	struct json_object *r = json_object_new_object();
	struct json_object *child = json_object_new_object();
	struct json_object *py = json_object_new_object();
	struct json_object *caps = json_object_new_object();
	static const char *const cap_names[] = {"execute", "invoke", "tmpfs",
						"hostfs", "cancel"};
	size_t i;

	json_object_object_add(child, "name",
			       json_object_new_string("python-sandbox"));
	json_object_object_add(child, "version",
			       json_object_new_string(CHILD_VERSION));
	json_object_object_add(py, "version", json_object_new_string(python));
	json_object_object_add(py, "implementation",
			       json_object_new_string("cpython"));
	for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		json_object_object_add(caps, cap_names[i],
				       json_object_new_boolean(1));

	json_object_object_add(r, "protocol_version", version_json(s));
	json_object_object_add(r, "child", child);
	json_object_object_add(r, "python", py);
	json_object_object_add(r, "capabilities", caps);
	json_object_object_add(r, "isolation", isolation_json(s));
	json_object_object_add(r, "limits", config_limits_json(&s->cfg.limits));
	return r;
}

static struct json_object *step_data(const char *step, int err)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "step", json_object_new_string(step));
	json_object_object_add(
		d, "errno",
		json_object_new_string(strerrorname_np(err) ?: "EIO"));
	return d;
}

static void setup_failed(struct sup *s, struct json_object *id,
			 const char *step, int err)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s failed: %s; no code will run", step,
		 strerror(err));
	log_error("%s", msg);
	sup_reply_error(s, id, SBP_SETUP_FAILED, msg, step_data(step, err));
	s->ended_reason = "setup_failed";
	snprintf(s->ended_message, sizeof(s->ended_message), "%s", msg);
	if (s->jail_alive)
		spawn_kill(&s->jail);
	s->jail_alive = false;
	s->state = ST_ENDED;
}

/* A forwarded call while CPython starts. Host entries are not looked up
 * before the session is ready: the parent is still waiting for the
 * initialize answer. False on a violation. */
static bool start_notification(struct sup *s)
{
	switch (notify_handle(&s->notify)) {
	case NOTIFY_OK:
		return true;
	case NOTIFY_HOSTFS:
		notify_finish(&s->notify, -EACCES, 0);
		return true;
	default:
		return false;
	}
}

/* Which module of preload the jail could not import, and why. The name
 * is looked up in our own list: the jail's copy is only a hint. */
static void preload_failure(struct sup *s, struct json_object *m)
{
	struct json_object *v, *list = s->cfg.preload;
	const char *name = "";
	size_t i;

	if (json_object_object_get_ex(m, "module", &v))
		name = json_object_get_string(v);
	for (i = 0; list && i < json_object_array_length(list); i++) {
		const char *known = json_object_get_string(
			json_object_array_get_idx(list, i));

		if (strcmp(known, name) == 0)
			s->preload_module = known;
	}
	snprintf(s->preload_error, sizeof(s->preload_error), "%.200s",
		 json_object_object_get_ex(m, "message", &v)
			 ? json_object_get_string(v)
			 : "import failed");
}

/* Before the session is ready, what the jail writes to stdout and stderr
 * (a preloaded module's prints) goes to the child's log: everything
 * already in pipe FD, without waiting. False at end of file. */
static bool drain_pending(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char sink[4096];
	ssize_t n;

	while (poll(&p, 1, 0) > 0 && p.revents & (POLLIN | POLLHUP)) {
		n = read(fd, sink, sizeof(sink));
		if (n <= 0)
			return n < 0 && errno == EINTR;
		log_debug("jail start: %.*s", (int)(n < 200 ? n : 200), sink);
	}
	return true;
}

/*
 * The jail's next control message, parsed, in *MSG (NULL when it is not
 * JSON), serving its forwarded calls meanwhile: a thread of a preloaded
 * module may make one at any time, and the jail may hold its interpreter
 * lock while it waits. Fails at DEADLINE (ms), when the jail closes the
 * socket, or on a violation.
 */
static int await_jail(struct sup *s, uint64_t deadline,
		      struct json_object **msg)
{
	struct pollfd p[4] = {
		{.fd = s->jail.control, .events = POLLIN},
		{.fd = s->jail.listener, .events = POLLIN},
		{.fd = s->jail.err, .events = POLLIN},
		{.fd = s->jail.out, .events = POLLIN},
	};
	const char *line;
	size_t len;
	int i;

	while (sbp_reader_next(s->ctl, &line, &len) != SBP_FRAME_OK) {
		if (sup_now_ms() >= deadline)
			return -ETIMEDOUT;
		if (poll(p, 4, (int)(deadline - sup_now_ms())) < 0 &&
		    errno != EINTR)
			return -errno;
		if (p[1].revents & POLLIN && !start_notification(s))
			return -EPERM;
		for (i = 2; i < 4; i++)
			if (p[i].revents & (POLLIN | POLLHUP) &&
			    !drain_pending(p[i].fd))
				p[i].fd = -1;
		if (p[0].revents & (POLLIN | POLLHUP) &&
		    sbp_reader_fill(s->ctl) <= 0)
			return -ECHILD;
	}
	*msg = sbp_parse_json(line, len);
	return 0;
}

static bool message_is(struct json_object *m, const char *t)
{
	struct json_object *v;

	return m && json_object_object_get_ex(m, "t", &v) &&
	       strcmp(json_object_get_string(v), t) == 0;
}

/* A setup step the jail reports as failed ({"t": "fail"}), as an errno
 * and the step's name (kept in s->jail_step). */
static int jail_failed(struct sup *s, struct json_object *m, const char **step)
{
	struct json_object *v;
	int err = EPROTO;

	if (json_object_object_get_ex(m, "step", &v))
		snprintf(s->jail_step, sizeof(s->jail_step), "%s",
			 json_object_get_string(v));
	if (json_object_object_get_ex(m, "errno", &v) &&
	    json_object_get_int(v) > 0 && json_object_get_int(v) < 4096)
		err = json_object_get_int(v);
	log_error("jail setup failed at %s", s->jail_step);
	*step = s->jail_step;
	return -err;
}

static void took_ready(struct sup *s, struct json_object *m, char *python,
		       size_t size)
{
	struct json_object *v;

	json_object_object_get_ex(m, "python", &v);
	snprintf(python, size, "%s", json_object_get_string(v));
	json_object_object_get_ex(m, "landlock_abi", &v);
	s->iso.landlock_abi = json_object_get_int64(v);
}

/* Serves the jail's forwarded calls until it reports "ready". A jail
 * that ends while it imports a module of preload names that module. */
static int wait_ready(struct sup *s, char *python, size_t size,
		      const char **step)
{
	uint64_t deadline = sup_now_ms() + START_TIMEOUT_MS;
	struct json_object *m = NULL;
	int rc;

	*step = "jail start";
	for (;;) {
		rc = await_jail(s, deadline, &m);
		if (rc == -ECHILD && s->preload_module) {
			snprintf(s->preload_error, sizeof(s->preload_error),
				 "the jail ended while importing it");
			*step = "preload";
			return -ENOPKG;
		}
		if (rc)
			return rc;
		if (message_is(m, "preloading")) {
			preload_failure(s, m);
			json_object_put(m);
			continue;
		}
		break;
	}

	if (message_is(m, "ready"))
		took_ready(s, m, python, size);
	else if (message_is(m, "preload_failed")) {
		preload_failure(s, m);
		*step = "preload";
		rc = -ENOPKG;
	} else if (message_is(m, "fail"))
		rc = jail_failed(s, m, step);
	else
		rc = -EPROTO;
	json_object_put(m);
	return rc;
}

/* A warm jail started with the default environment, argv and frame
 * limit: it gets the session's now. The message is bounded like the
 * cold jail's config, not by the session's frame limit, which only the
 * answer must fit. */
static int configure_jail(struct sup *s, bool warm, const char **step)
{
	struct json_object *m = json_object_new_object();
	int rc;

	json_object_object_add(m, "t", json_object_new_string("configure"));
	json_object_object_add(m, "host_functions",
			       json_object_get(s->cfg.host_functions));
	if (warm) {
		json_object_object_add(m, "env", json_object_get(s->cfg.env));
		json_object_object_add(m, "argv", json_object_get(s->cfg.argv));
		json_object_object_add(
			m, "frame_bytes",
			json_object_new_int64(s->cfg.limits.frame_bytes));
	}
	rc = sbp_write_timeout(s->jail.control, m, SBP_FRAME_MAX,
			       CONFIGURE_TIMEOUT_MS);
	json_object_put(m);
	if (rc < 0)
		return rc;

	m = NULL;
	rc = await_jail(s, sup_now_ms() + CONFIGURE_TIMEOUT_MS, &m);
	if (!rc && message_is(m, "fail"))
		rc = jail_failed(s, m, step);
	else if (!rc && !message_is(m, "configured"))
		rc = -EPROTO;
	json_object_put(m);
	return rc;
}

/* The filesystem is opened before the supervisor drops root, so bind
 * sources and the sandbox package need not be reachable by the unprivileged
 * uid; lookups beneath them still run with the dropped identity. Without
 * root, tmpfs instances need the supervisor's own user namespace first. */
static const char step_filesystem[] = "filesystem";

/* The working directory must exist in the tree the parent described. */
static int check_cwd(struct sup *s)
{
	struct stat st;
	int rc = vfs_stat(s->cfg.vfs, s->cfg.cwd, 0, &st);

	if (!rc && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	return rc;
}

static int open_filesystem(struct sup *s, const char **step)
{
	const char *bad = NULL;
	int rc = 0;

	*step = step_filesystem;
	if (!vfs_finalized(s->cfg.vfs))
		rc = vfs_finalize(s->cfg.vfs, &bad);
	if (!rc) {
		rc = check_cwd(s);
		bad = s->cfg.cwd;
	}
	if (rc) {
		snprintf(s->fs_bad_target, sizeof(s->fs_bad_target), "%s",
			 bad ? bad : "");
		log_error("filesystem: '%s': %s", s->fs_bad_target,
			  strerror(-rc));
	}
	return rc;
}

/* REQ-INIT-8: which entry could not be set up, and why. */
static void filesystem_failed(struct sup *s, struct json_object *id, int err)
{
	struct json_object *d = json_object_new_object();
	const char *source = config_bind_source(&s->cfg, s->fs_bad_target);
	char msg[PATH_MAX + 64];

	json_object_object_add(d, "target",
			       json_object_new_string(s->fs_bad_target));
	json_object_object_add(
		d, "reason",
		json_object_new_string(strerrorname_np(err) ?: "EIO"));
	if (source)
		json_object_object_add(d, "source",
				       json_object_new_string(source));
	snprintf(msg, sizeof(msg), "filesystem entry '%s': %s",
		 s->fs_bad_target, strerror(err));
	sup_reply_error(s, id, SBP_FILESYSTEM_ERROR, msg, d);

	s->ended_reason = "setup_failed";
	snprintf(s->ended_message, sizeof(s->ended_message), "%.200s", msg);
	s->state = ST_ENDED;

	/* A warm jail is running: nothing of it may outlive the session,
	 * nor reach the layout freed after this answer. */
	if (s->jail_alive)
		spawn_kill(&s->jail);
	s->jail_alive = false;
}

static int confine(struct sup *s, const char **step)
{
	bool root = geteuid() == 0;
	int rc = root ? open_filesystem(s, step) : 0;

	if (!rc)
		rc = spawn_confine_self(s->drop_uid, s->drop_gid, &s->iso,
					step);
	if (!rc && !root)
		rc = open_filesystem(s, step);
	return rc;
}

/*
 * The supervisor's own filter depends on nothing of the session, so warm
 * compiles it and a warm initialize only hands it to the kernel: building
 * and compiling it with libseccomp took 0.17-0.2 ms of a warm start whose
 * target is 1 ms. A cold start compiles it in initialize, as before.
 */
static struct sock_filter sup_filter[SUP_FILTER_MAX];
static size_t sup_filter_len;

/* The compiled filter, read back from libseccomp through a pipe. */
static int compile_supervisor_filter(void)
{
	scmp_filter_ctx ctx = policy_build_supervisor();
	int p[2], rc;
	ssize_t n;

	if (!ctx)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = -errno;
		seccomp_release(ctx);
		return rc;
	}
	rc = seccomp_export_bpf(ctx, p[1]);
	close(p[1]);
	n = rc < 0 ? -1 : read(p[0], sup_filter, sizeof(sup_filter));
	close(p[0]);
	seccomp_release(ctx);

	if (rc < 0)
		return rc;
	if (n <= 0 || (size_t)n == sizeof(sup_filter) ||
	    n % sizeof(*sup_filter))
		return -EMSGSIZE;
	sup_filter_len = (size_t)n / sizeof(*sup_filter);
	return 0;
}

/* What seccomp_load() does with libseccomp's default attributes. */
static int load_supervisor_filter(void)
{
	struct sock_fprog prog = {.len = (unsigned short)sup_filter_len,
				  .filter = sup_filter};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

/* An optional layer: reported in isolation.supervisor_filter, and the
 * session goes on without it if the kernel refuses. */
static void confine_supervisor(struct sup *s)
{
	int rc = sup_filter_len ? 0 : compile_supervisor_filter();

	if (!rc)
		rc = load_supervisor_filter();
	if (rc < 0)
		log_error("supervisor filter not loaded: %s", strerror(-rc));
	s->iso.supervisor_filter = rc == 0;
}

/* Confines the jail and starts CPython in it, up to its "ready". */
static int start_jail(struct sup *s, const char **step)
{
	uint64_t t0 = sup_now_us();
	int rc = confine(s, step);

	if (rc)
		return rc;
	log_debug("timing: filesystem and namespaces %llu us",
		  (unsigned long long)(sup_now_us() - t0));

	rc = spawn_jail(&s->cfg, &s->ip, &s->jail, &s->iso, step);
	log_debug("timing: jail confined %llu us",
		  (unsigned long long)(sup_now_us() - t0));
	s->jail_alive = s->jail.init_pid > 0;
	if (rc)
		return rc;

	/* From here on only the jail needs our /proc files; others of our
	 * host uid should not be able to attach to the supervisor. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	*step = "notify";
	rc = notify_init(&s->notify, s->jail.listener, s->jail.pid,
			 s->jail.pidfd, s->cfg.vfs, s->cfg.cwd);
	s->ctl = sbp_reader_new(s->jail.control, s->cfg.limits.frame_bytes);
	if (!rc && !s->ctl)
		rc = -ENOMEM;
	if (!rc)
		rc = wait_ready(s, s->python, sizeof(s->python), step);
	log_debug("timing: python ready %llu us, %llu forwarded calls",
		  (unsigned long long)(sup_now_us() - t0),
		  (unsigned long long)s->notify.forwarded);
	return rc;
}

/* Hands the session to the ready jail and closes what setup needed. */
static int finish_start(struct sup *s, bool warm, const char **step)
{
	int rc;

	*step = "jail configure";
	rc = configure_jail(s, warm, step);
	if (!rc)
		rc = spawn_file_override(false);
	if (!rc)
		confine_supervisor(s);

	/* From here on a write to the jail must never block the supervisor
	 * (run_send_to_jail() gives up instead). */
	if (!rc && fcntl(s->jail.control, F_SETFL, O_NONBLOCK) < 0)
		rc = -errno;
	return rc;
}

/* A parameter error of initialize or warm; only a filesystem that cannot
 * be built ends the session, like any other setup failure. */
static void params_failed(struct sup *s, struct json_object *id, int code,
			  struct json_object *error)
{
	struct json_object *msg, *data;

	json_object_object_get_ex(error, "message", &msg);
	json_object_object_get_ex(error, "data", &data);
	sup_reply_error(s, id, code, json_object_get_string(msg),
			json_object_get(data));
	if (code == SBP_FILESYSTEM_ERROR) {
		s->state = ST_ENDED;
		s->ended_reason = "setup_failed";
		snprintf(s->ended_message, sizeof(s->ended_message), "%s",
			 json_object_get_string(msg));
	}
	json_object_put(error);
}

static void start_failed(struct sup *s, struct json_object *id,
			 const char *step, int rc)
{
	if (step == step_filesystem)
		filesystem_failed(s, id, -rc);
	else
		setup_failed(s, id, step, -rc);
}

static void session_ready(struct sup *s, struct json_object *id)
{
	s->frame_max = s->cfg.limits.frame_bytes;
	if (sbp_reader_set_max(s->in, s->frame_max) < 0) {
		setup_failed(s, id, "frame limit", ENOMEM);
		return;
	}
	s->state = ST_READY;
	sup_send(s, sbp_response(id, initialize_result(s, s->python)));
}

static void initialize_warm(struct sup *s, struct json_object *id,
			    struct json_object *params);

static void do_initialize(struct sup *s, struct json_object *id,
			  struct json_object *params)
{
	struct json_object *error = NULL;
	const char *step = "";
	int rc;

	if (s->state == ST_WARM) {
		initialize_warm(s, id, params);
		return;
	}
	rc = config_parse(params, &s->ip, &s->cfg, &error);
	if (rc) {
		params_failed(s, id, rc, error);
		config_clear(&s->cfg);
		return;
	}
	s->have_cfg = true;
	log_verbosity = s->cfg.verbosity;

	rc = start_jail(s, &step);
	if (!rc)
		rc = finish_start(s, false, &step);
	if (rc) {
		start_failed(s, id, step, rc);
		return;
	}
	session_ready(s, id);
}

/* ---- warm (protocol 1.1) ------------------------------------------------ */

static struct json_object *warm_result(struct sup *s)
{
	struct json_object *r = json_object_new_object();
	struct json_object *py = json_object_new_object();

	json_object_object_add(py, "version",
			       json_object_new_string(s->python));
	json_object_object_add(py, "implementation",
			       json_object_new_string("cpython"));
	json_object_object_add(r, "protocol_version", version_json(s));
	json_object_object_add(r, "python", py);
	json_object_object_add(r, "preloaded", json_object_get(s->cfg.preload));
	return r;
}

static void preload_failed(struct sup *s, struct json_object *id)
{
	struct json_object *d = json_object_new_object();
	char msg[400];

	snprintf(msg, sizeof(msg), "preload: %s", s->preload_error);
	json_object_object_add(d, "step", json_object_new_string("preload"));
	if (s->preload_module)
		json_object_object_add(
			d, "module", json_object_new_string(s->preload_module));
	sup_reply_error(s, id, SBP_SETUP_FAILED, msg, d);
	s->ended_reason = "setup_failed";
	snprintf(s->ended_message, sizeof(s->ended_message), "%.250s", msg);
	if (s->jail_alive)
		spawn_kill(&s->jail);
	s->jail_alive = false;
	s->state = ST_ENDED;
}

/* Starts the jail before the session is known (SPEC: REQ-WARM-3). */
static void do_warm(struct sup *s, struct json_object *id,
		    struct json_object *params)
{
	struct json_object *error = NULL;
	const char *step = "";
	int rc = config_parse_warm(params, &s->ip, &s->cfg, &error);

	if (rc) {
		params_failed(s, id, rc, error);
		config_clear(&s->cfg);
		return;
	}
	s->have_cfg = true;
	log_verbosity = s->cfg.verbosity;

	rc = start_jail(s, &step);
	if (rc == -ENOPKG && strcmp(step, "preload") == 0)
		preload_failed(s, id);
	else if (rc)
		start_failed(s, id, step, rc);
	else {
		/* A failure is retried, and reported, in initialize. */
		compile_supervisor_filter();
		s->state = ST_WARM;
		sup_send(s, sbp_response(id, warm_result(s)));
	}
}

/* The jail's address space in bytes, from /proc: what it already uses. */
static uint64_t jail_vm_bytes(struct sup *s)
{
	char path[64];
	unsigned long long pages = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", s->jail.pid);
	f = fopen(path, "re");
	if (!f)
		return UINT64_MAX;
	if (fscanf(f, "%llu", &pages) != 1) {
		fclose(f);
		return UINT64_MAX;
	}
	fclose(f);
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The jail's threads (a preloaded module may have started some). */
static uint64_t jail_threads(struct sup *s)
{
	char path[64], line[128];
	unsigned long long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", s->jail.pid);
	f = fopen(path, "re");
	if (!f)
		return UINT64_MAX;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %llu", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* The warm jail runs with every limit at its largest; the session's are
 * set from outside, where the jail cannot undo them (REQ-WARM-5/6). */
static int lower_limits(struct sup *s)
{
	const struct limits *l = &s->cfg.limits;
	const struct {
		int resource;
		uint64_t value;
	} set[] = {
		{RLIMIT_AS, l->memory_bytes},
		{RLIMIT_NOFILE, l->open_files},
		{RLIMIT_FSIZE, l->file_bytes},
		{RLIMIT_NPROC, l->threads + 1},
	};
	size_t i;

	uint64_t vm = jail_vm_bytes(s);

	if (vm == UINT64_MAX)
		return -ESRCH; /* the jail is gone */
	if (vm > l->memory_bytes)
		return -ENOMEM;
	if (jail_threads(s) > l->threads)
		return -EAGAIN;
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		struct rlimit rl = {set[i].value, set[i].value};

		if (prlimit(s->jail.pid, set[i].resource, &rl, NULL) < 0)
			return -errno;
	}
	return 0;
}

/* Applies a parsed session to the warm jail: its filesystem replaces the
 * default layout the jail started with, then its limits and process. */
static int apply_session(struct sup *s, const char **step)
{
	int rc = open_filesystem(s, step);

	if (rc)
		return rc;
	s->notify.vfs = s->cfg.vfs;
	snprintf(s->notify.cwd, sizeof(s->notify.cwd), "%s", s->cfg.cwd);

	/* What preloaded modules printed is not the session's output. */
	drain_pending(s->jail.out);
	drain_pending(s->jail.err);
	*step = "jail configure";
	if (sbp_reader_set_max(s->ctl, s->cfg.limits.frame_bytes) < 0)
		return -ENOMEM;

	*step = "rlimits";
	rc = lower_limits(s);
	if (!rc)
		rc = finish_start(s, true, step);
	return rc;
}

static void initialize_warm(struct sup *s, struct json_object *id,
			    struct json_object *params)
{
	struct json_object *error = NULL;
	struct config next, warm;
	const char *step = "";
	int rc = config_parse(params, &s->ip, &next, &error);

	if (!rc && next.minor != s->cfg.minor) {
		json_object_put(error);
		error = json_object_new_object();
		json_object_object_add(
			error, "message",
			json_object_new_string("protocol_version: warm "
					       "negotiated another version"));
		json_object_object_add(error, "data",
				       field_data("/protocol_version"));
		rc = SBP_INVALID_PARAMS;
	}
	if (rc) {
		params_failed(s, id, rc, error);
		config_clear(&next);
		return;
	}

	/* The warm jail's layout is dropped: the notify handler gets the
	 * session's tree before anything of the session runs. A session of
	 * the default layout alone keeps the one already built (about half
	 * a millisecond of mounts saved on the way to the answer). */
	warm = s->cfg;
	if (next.layout_only && warm.layout_only) {
		vfs_free(next.vfs);
		next.vfs = warm.vfs;
		warm.vfs = NULL;
	}
	s->cfg = next;
	s->cfg.preload = warm.preload;
	warm.preload = NULL;
	log_verbosity = s->cfg.verbosity;
	rc = apply_session(s, &step);
	if (rc)
		start_failed(s, id, step, rc);
	else
		session_ready(s, id);

	/* Only now: closing the warm layout's detached mounts takes the
	 * kernel about a millisecond, which the parent need not wait for. */
	config_clear(&warm);
}

/* ---- the other requests ----------------------------------------------- */

static void send_ended(struct sup *s, const char *reason, const char *msg)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "reason", json_object_new_string(reason));
	json_object_object_add(p, "message", json_object_new_string(msg));
	sup_send(s, sbp_notification("ended", p));
}

static void do_execute(struct sup *s, struct json_object *id,
		       struct json_object *params)
{
	run_start(s, id, false, params);
}

static void do_invoke(struct sup *s, struct json_object *id,
		      struct json_object *params)
{
	run_start(s, id, true, params);
}

static void do_cancel(struct sup *s, struct json_object *id,
		      struct json_object *params)
{
	bool running = s->state == ST_RUNNING;
	struct json_object *r = json_object_new_object();

	if (running)
		run_end(s, "cancelled");
	json_object_object_add(r, "cancelled",
			       json_object_new_boolean(running));
	sup_send(s, sbp_response(id, r));
}

static void do_shutdown(struct sup *s, struct json_object *id,
			struct json_object *params)
{
	/* A run that shutdown itself cancels is not why the session ended
	 * (SPEC: REQ-ENDED-1). */
	if (s->state == ST_RUNNING) {
		run_end(s, "cancelled");
		s->ended_reason = NULL;
	}
	sup_send(s, sbp_response(id, json_object_new_object()));
	if (s->ended_reason)
		send_ended(s, s->ended_reason, s->ended_message);
	else
		send_ended(s, "shutdown", "shutdown requested by the parent");
	s->quit = true;
}

#define IN(st) (1u << (st))

static const struct method {
	const char *name;
	unsigned states;
	void (*fn)(struct sup *, struct json_object *, struct json_object *);
	int since; /* the minor version that added it */
} methods[] = {
	{"warm", IN(ST_NEW), do_warm, 1},
	{"initialize", IN(ST_NEW) | IN(ST_WARM), do_initialize, 0},
	{"execute", IN(ST_READY), do_execute, 0},
	{"invoke", IN(ST_READY), do_invoke, 0},
	{"tmpfs/list", IN(ST_READY), export_list, 0},
	{"tmpfs/read", IN(ST_READY), export_read, 0},
	{"cancel", IN(ST_READY) | IN(ST_RUNNING), do_cancel, 0},
	{"shutdown", IN(ST_WARM) | IN(ST_READY) | IN(ST_RUNNING) | IN(ST_ENDED),
	 do_shutdown, 0},
};

/* A session that negotiated 1.0 knows no method of a later minor
 * (SPEC: REQ-VER-2); before negotiation every method is known. */
static bool in_version(struct sup *s, const struct method *m)
{
	return s->state == ST_NEW || !s->have_cfg || m->since <= s->cfg.minor;
}

/* The error for METHOD arriving in the wrong state. */
static void wrong_state(struct sup *s, struct json_object *id,
			const struct method *m)
{
	if (s->state == ST_ENDED)
		sup_reply_error(s, id, SBP_SESSION_ENDED,
				"the session has ended; only shutdown is "
				"accepted",
				NULL);
	else if (strcmp(m->name, "initialize") == 0 ||
		 strcmp(m->name, "warm") == 0)
		sup_reply_error(s, id, SBP_ALREADY_INITIALIZED,
				"the session is already initialized", NULL);
	else if (s->state == ST_NEW || s->state == ST_WARM)
		sup_reply_error(s, id, SBP_NOT_INITIALIZED, "initialize first",
				NULL);
	else
		sup_reply_error(s, id, SBP_BUSY, "a run is in progress", NULL);
}

struct json_object *field_data(const char *pointer)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "field", json_object_new_string(pointer));
	return d;
}

bool sup_same_id(struct json_object *a, struct json_object *b)
{
	return a && b && json_object_equal(a, b);
}

static void on_request(struct sup *s, struct sbp_message *m)
{
	size_t i;

	if (s->state == ST_RUNNING && sup_same_id(m->id, s->run.id)) {
		sup_reply_error(s, m->id, SBP_INVALID_REQUEST,
				"duplicate id of an outstanding request", NULL);
		return;
	}
	if (m->params && !json_object_is_type(m->params, json_type_object)) {
		sup_reply_error(s, m->id, SBP_INVALID_PARAMS,
				"params must be an object", field_data(""));
		return;
	}

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strcmp(methods[i].name, m->method) != 0 ||
		    !in_version(s, &methods[i]))
			continue;
		if (!(methods[i].states & IN(s->state)))
			wrong_state(s, m->id, &methods[i]);
		else
			methods[i].fn(s, m->id, m->params);
		return;
	}
	sup_reply_error(s, m->id, SBP_METHOD_NOT_FOUND, "unknown method", NULL);
}

static bool response_shaped(struct sbp_message *m)
{
	return json_object_is_type(m->root, json_type_object) &&
	       !json_object_object_get_ex(m->root, "method", NULL) &&
	       (json_object_object_get_ex(m->root, "result", NULL) ||
		json_object_object_get_ex(m->root, "error", NULL));
}

static void on_frame(struct sup *s, const char *line, size_t len)
{
	struct sbp_message m;
	int rc = sbp_parse(line, len, &m);

	if (rc == SBP_PARSE_ERROR)
		sup_reply_error(s, NULL, rc, "not a JSON text", NULL);
	else if (rc && response_shaped(&m))
		/* Never answer a response: two peers could answer each
		 * other forever (SPEC: responses are never answered). */
		log_info("protocol: ignored an invalid response");
	else if (rc)
		sup_reply_error(s, m.id, rc, "not a JSON-RPC 2.0 message",
				NULL);
	else if (m.kind == SBP_REQUEST)
		on_request(s, &m);
	else if (m.kind == SBP_RESPONSE || m.kind == SBP_ERROR_RESPONSE)
		run_on_host_reply(s, &m);
	/* Notifications from the parent: none defined; ignored. */
	sbp_message_clear(&m);
}

static void on_parent(struct sup *s)
{
	const char *line;
	size_t len;
	ssize_t n = sbp_reader_fill(s->in);

	if (n < 0 && n != -EAGAIN && n != -EINTR) {
		s->quit = true;
		return;
	}

	while (!s->quit) {
		switch (sbp_reader_next(s->in, &line, &len)) {
		case SBP_FRAME_OK:
			on_frame(s, line, len);
			continue;
		case SBP_FRAME_OVERSIZED:
			sup_reply_error(s, NULL, SBP_FRAME_TOO_LARGE,
					"frame exceeds the frame limit", NULL);
			continue;
		case SBP_FRAME_EOF:
			/* The parent is gone: end quietly (SPEC). */
			s->quit = true;
			return;
		case SBP_FRAME_NONE:
			return;
		}
	}
}

/* ---- the loop ----------------------------------------------------------- */

enum { P_PARENT, P_LISTENER, P_CONTROL, P_OUT, P_ERR, P_PIDFD, P_COUNT };

static void poll_set(struct sup *s, struct pollfd *p)
{
	bool jail = s->jail_alive;

	/* One host lookup at a time: other forwarded calls wait in the
	 * kernel until the parent has answered it. */
	bool listen = jail && s->notify.host.op == HOSTFS_NONE;

	p[P_PARENT] = (struct pollfd){.fd = PARENT_IN, .events = POLLIN};
	p[P_LISTENER] =
		(struct pollfd){listen ? s->jail.listener : -1, POLLIN, 0};
	p[P_CONTROL] = (struct pollfd){jail ? s->jail.control : -1, POLLIN, 0};
	p[P_OUT] = (struct pollfd){jail ? s->jail.out : -1, POLLIN, 0};
	p[P_ERR] = (struct pollfd){jail ? s->jail.err : -1, POLLIN, 0};
	p[P_PIDFD] = (struct pollfd){jail ? s->jail.init_pidfd : -1, POLLIN, 0};
}

static void internal_failure(struct sup *s, const char *what, int err);

static void on_notification(struct sup *s)
{
	switch (notify_handle(&s->notify)) {
	case NOTIFY_VIOLATION:
		run_on_violation(s);
		break;
	case NOTIFY_HOSTFS:
		hostfs_begin(s);
		break;
	case NOTIFY_OK:
	case -ENOENT: /* the jail is gone; its pidfd says so */
		break;
	default:
		internal_failure(s, "seccomp listener", EIO);
		break;
	}
}

static void dispatch(struct sup *s, struct pollfd *p)
{
	const short in = POLLIN | POLLHUP | POLLERR;

	if (p[P_LISTENER].revents & in)
		on_notification(s);
	if (p[P_OUT].revents & in && s->jail_alive)
		run_on_output(s, s->jail.out);
	if (p[P_ERR].revents & in && s->jail_alive)
		run_on_output(s, s->jail.err);
	if (p[P_CONTROL].revents & in && s->jail_alive)
		run_on_control(s);
	if (p[P_PIDFD].revents & in && s->jail_alive)
		run_on_exit(s);
	if (p[P_PARENT].revents & in)
		on_parent(s);
}

/*
 * The supervisor cannot go on (REQ-ENDED-2): the run in progress, the
 * only request that can be outstanding, is answered with internal_error,
 * the parent is told why the session ends, and the child exits non-zero.
 */
static void internal_failure(struct sup *s, const char *what, int err)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	log_error("%s", msg);
	if (s->state == ST_RUNNING)
		sup_reply_error(s, s->run.id, SBP_INTERNAL_ERROR, msg, NULL);
	send_ended(s, "internal_error", msg);
	s->failed = true;
	s->quit = true;
}

static void loop(struct sup *s)
{
	struct pollfd p[P_COUNT];

	while (!s->quit) {
		poll_set(s, p);
		if (poll(p, P_COUNT, run_poll_timeout(s)) < 0) {
			if (errno != EINTR)
				internal_failure(s, "poll", errno);
			continue;
		}
		dispatch(s, p);
		run_check_limits(s);
	}
}

static bool fds_ok(void)
{
	return fcntl(PARENT_IN, F_GETFD) >= 0 &&
	       fcntl(PARENT_OUT, F_GETFD) >= 0;
}

int supervisor_main(uid_t drop_uid, gid_t drop_gid)
{
	struct sup s = {.frame_max = SBP_FRAME_INITIAL,
			.hostfs_scratch = -1,
			.drop_uid = drop_uid,
			.drop_gid = drop_gid};
	int rc;

	if (!fds_ok()) {
		log_error("protocol: descriptors 3 and 4 must be open "
			  "(see protocol/SPEC.md)");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	fcntl(PARENT_IN, F_SETFD, FD_CLOEXEC);
	fcntl(PARENT_OUT, F_SETFD, FD_CLOEXEC);

	rc = config_find_install(&s.ip);
	if (rc) {
		log_error("install: sandbox-jail, the shim or the sandbox "
			  "package not found next to the executable: %s",
			  strerror(-rc));
		return 2;
	}
	rc = spawn_open_jail(s.ip.jail);
	if (rc) {
		log_error("install: cannot open '%s': %s", s.ip.jail,
			  strerror(-rc));
		return 2;
	}
	rc = spawn_open_shim(s.ip.preload);
	if (rc) {
		log_error("install: cannot open '%s': %s", s.ip.preload,
			  strerror(-rc));
		return 2;
	}
	s.in = sbp_reader_new(PARENT_IN, SBP_FRAME_INITIAL);
	if (!s.in)
		return 2;

	loop(&s);

	if (s.jail_alive)
		spawn_kill(&s.jail);
	run_clear(&s);
	json_object_put(s.hostfs_id);
	notify_clear(&s.notify);
	if (s.have_cfg)
		config_clear(&s.cfg);
	sbp_reader_free(s.ctl);
	sbp_reader_free(s.in);
	return s.failed ? 1 : 0;
}
