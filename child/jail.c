/* SPDX-License-Identifier: MIT */
/* jail.c - confine this process, then run CPython for the supervisor. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"
#include "policy.h"
#include "pyjson.h"
#include "sbproto.h"

/* Landlock ABI 4+ net and ABI 6+ scope bits, absent from older headers. */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP	(1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define JAIL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define JAIL_SCOPE_SIGNAL	 (1ULL << 1)

/* The ruleset attribute as of ABI 6, laid out as the kernel expects. */
struct jail_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

/* The control channel, shared by the command loop and host calls from
 * any Python thread; the mutex gives one of them the socket at a time. */
static struct sbp_reader *control;
static pthread_mutex_t control_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t frame_max = SBP_FRAME_INITIAL;

/* Reports a setup failure to the supervisor, which tells the parent. */
static void __attribute__((noreturn)) fail(const char *step, int err)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "t", json_object_new_string("fail"));
	json_object_object_add(m, "step", json_object_new_string(step));
	json_object_object_add(m, "errno", json_object_new_int(err));
	sbp_write(JAIL_CONTROL_FD, m, frame_max);
	_exit(126);
}

static struct json_object *read_message(void)
{
	const char *line;
	size_t len;
	ssize_t n;

	for (;;) {
		switch (sbp_reader_next(control, &line, &len)) {
		case SBP_FRAME_OK:
			return sbp_parse_json(line, len);
		case SBP_FRAME_NONE:
			break;
		case SBP_FRAME_OVERSIZED:
			continue;
		case SBP_FRAME_EOF:
			/* The supervisor is gone: nothing left to serve. */
			_exit(0);
		}
		n = sbp_reader_fill(control);
		if (n < 0 && n != -EINTR)
			_exit(0);
	}
}

static uint64_t limit_of(struct json_object *cfg, const char *name)
{
	struct json_object *limits, *v;

	if (!json_object_object_get_ex(cfg, "limits", &limits) ||
	    !json_object_object_get_ex(limits, name, &v))
		fail("config", EINVAL);
	return (uint64_t)json_object_get_int64(v);
}

static void set_limit(int resource, rlim_t value, const char *step)
{
	struct rlimit rl = {.rlim_cur = value, .rlim_max = value};

	if (setrlimit(resource, &rl) < 0)
		fail(step, errno);
}

/* Soft and hard limits equal: an unprivileged process cannot raise a hard
 * limit, so the jail cannot undo them. CPU time is per run and belongs to
 * the supervisor (it adjusts RLIMIT_CPU from outside with prlimit). */
static void set_limits(struct json_object *cfg)
{
	set_limit(RLIMIT_CORE, 0, "rlimit core");
	set_limit(RLIMIT_AS, limit_of(cfg, "memory_bytes"), "rlimit as");
	set_limit(RLIMIT_NOFILE, limit_of(cfg, "open_files"), "rlimit nofile");
	set_limit(RLIMIT_FSIZE, limit_of(cfg, "file_bytes"), "rlimit fsize");
	set_limit(RLIMIT_MEMLOCK, 0, "rlimit memlock");
	set_limit(RLIMIT_MSGQUEUE, 0, "rlimit msgqueue");

	/* Threads, the main one included, count against RLIMIT_NPROC of
	 * the jail's uid in its own user namespace, where the only other
	 * process is the namespace's init (hence the + 1). */
	set_limit(RLIMIT_NPROC, limit_of(cfg, "threads") + 1, "rlimit nproc");
}

static long landlock_abi(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0,
		       LANDLOCK_CREATE_RULESET_VERSION);
}

/*
 * Landlock with no rules: the jail may not open, create, list or execute
 * anything by path itself, nor bind or connect TCP, nor reach abstract
 * sockets or signal outside its domain. Its files come as descriptors from
 * the supervisor, which Landlock does not restrict. Returns the ABI in
 * force, 0 when the kernel has no Landlock (reported, not fatal).
 */
static long apply_landlock(void)
{
	struct jail_ruleset_attr attr = {0};
	long abi = landlock_abi();
	size_t size = sizeof(uint64_t);
	int fd;

	if (abi < 1)
		return 0;

	attr.handled_access_fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (abi >= 4) {
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
					  LANDLOCK_ACCESS_NET_CONNECT_TCP;
		size = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		attr.scoped = JAIL_SCOPE_ABSTRACT_UNIX | JAIL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}

	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0)
		fail("landlock", errno);
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
		fail("landlock", errno);
	close(fd);
	return abi;
}

/* Passes the seccomp listener to the supervisor (SCM_RIGHTS). */
static void send_listener(int fd)
{
	char byte = 'L';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));

	if (sendmsg(JAIL_CONTROL_FD, &msg, 0) != 1)
		fail("send listener", errno);
}

/* Newer than Debian 12's headers (Linux 5.19). */
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The compiled filter, read back from libseccomp through a pipe. */
static int export_filter(scmp_filter_ctx ctx, struct sock_filter *prog,
			 size_t size, size_t *len)
{
	int p[2], rc;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	rc = seccomp_export_bpf(ctx, p[1]);
	close(p[1]);
	n = rc < 0 ? -1 : read(p[0], prog, size);
	close(p[0]);
	if (rc < 0)
		return rc;
	if (n <= 0 || (size_t)n == size || n % sizeof(*prog))
		return -EMSGSIZE;
	*len = (size_t)n / sizeof(*prog);
	return 0;
}

/*
 * Loads the filter with a listener. libseccomp 2.5 cannot ask for
 * WAIT_KILLABLE_RECV, without which a signal arriving while the
 * supervisor answers would make a forwarded call fail with EINTR, which
 * real path calls never do; so the filter is exported and loaded here,
 * without that flag only on kernels older than 5.19.
 */
static int load_filter(scmp_filter_ctx ctx)
{
	static struct sock_filter prog[BPF_MAXINSNS];
	struct sock_fprog fprog = {.filter = prog};
	size_t len = 0;
	int rc = export_filter(ctx, prog, sizeof(prog), &len), fd;

	if (rc < 0)
		return rc;
	fprog.len = (unsigned short)len;
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER |
				  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			  &fprog);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
	return fd < 0 ? -errno : fd;
}

static void apply_filter(void)
{
	const char *failed;
	scmp_filter_ctx ctx;
	int fd;

	errno = 0;
	ctx = policy_build(getpid(), &failed);
	if (!ctx)
		fail(failed, errno ? errno : ENOMEM);

	fd = load_filter(ctx);
	if (fd < 0)
		fail("seccomp filter", -fd);
	send_listener(fd);
	close(fd);
	seccomp_release(ctx);
}

/* ---- the _sandbox built-in module ----------------------------------- */

/* One request and its reply on the control socket, the GIL released
 * while waiting. NULL when the socket failed. */
static struct json_object *round_trip(struct json_object *req)
{
	struct json_object *reply = NULL;

	Py_BEGIN_ALLOW_THREADS;
	pthread_mutex_lock(&control_lock);
	if (sbp_write(JAIL_CONTROL_FD, req, frame_max) == 0)
		reply = read_message();
	pthread_mutex_unlock(&control_lock);
	Py_END_ALLOW_THREADS;
	return reply;
}

/* _sandbox.call(function: str, args: list, kwargs: dict) -> dict: one
 * host call; the reply holds "value" or "error" {"type", "message"}. */
static PyObject *py_call(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
	struct json_object *req, *args, *kwargs, *reply;
	PyObject *ret;

	if (argc != 3 || !PyUnicode_Check(argv[0]))
		return PyErr_Format(PyExc_TypeError,
				    "call(function, args, kwargs)");
	if (pyjson_from_py(argv[1], 0, &args) < 0)
		return NULL;
	if (pyjson_from_py(argv[2], 0, &kwargs) < 0) {
		json_object_put(args);
		return NULL;
	}

	req = json_object_new_object();
	json_object_object_add(req, "t", json_object_new_string("call"));
	json_object_object_add(
		req, "function",
		json_object_new_string(PyUnicode_AsUTF8(argv[0])));
	json_object_object_add(req, "args", args);
	json_object_object_add(req, "kwargs", kwargs);
	reply = round_trip(req);
	json_object_put(req);

	if (!reply)
		return PyErr_Format(PyExc_OSError,
				    "host call larger than the frame limit");
	ret = pyjson_to_py(reply, 0);
	json_object_put(reply);
	return ret;
}

static PyMethodDef sandbox_methods[] = {
	{"call", (PyCFunction)(void (*)(void))py_call, METH_FASTCALL,
	 "One host-call round trip."},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef sandbox_module = {
	PyModuleDef_HEAD_INIT,
	"_sandbox",
	NULL,
	-1,
	sandbox_methods,
	NULL,
	NULL,
	NULL,
	NULL,
};

static PyObject *init_sandbox_module(void)
{
	return PyModule_Create(&sandbox_module);
}

/* ---- CPython -------------------------------------------------------- */

static void set_environment(struct json_object *cfg)
{
	struct json_object *env;

	clearenv();
	if (!json_object_object_get_ex(cfg, "env", &env))
		return;
	json_object_object_foreach(env, name, value)
	{
		if (setenv(name, json_object_get_string(value), 1) < 0)
			fail("environment", errno);
	}
}

static void check_status(PyStatus st, const char *step)
{
	if (PyStatus_Exception(st))
		fail(step, EINVAL);
}

static void set_argv(PyConfig *config, struct json_object *cfg)
{
	struct json_object *argv;
	char *args[256];
	size_t i, n = 0;

	if (json_object_object_get_ex(cfg, "argv", &argv))
		n = json_object_array_length(argv);
	if (n > sizeof(args) / sizeof(args[0]))
		fail("argv", E2BIG);
	for (i = 0; i < n; i++)
		args[i] = (char *)json_object_get_string(
			json_object_array_get_idx(argv, i));
	check_status(PyConfig_SetBytesArgv(config, (Py_ssize_t)n, args),
		     "python argv");
}

/* CPython computes its own paths from HOME (getpath), which also sets
 * sys._stdlib_dir so frozen stdlib modules get their __file__; the sandbox
 * package is appended afterwards. */
/*
 * The isolated pre-configuration leaves LC_CTYPE at "C", where CPython
 * falls back to ASCII: print("café") would fail. The sandbox's default
 * environment is C.UTF-8, so UTF-8 mode and the environment's locale
 * give what bare python3.11 gives there.
 */
static void pre_initialize(void)
{
	PyPreConfig pre;

	PyPreConfig_InitIsolatedConfig(&pre);
	pre.utf8_mode = 1;
	pre.configure_locale = 1;
	check_status(Py_PreInitialize(&pre), "python pre-init");
}

static void start_python(struct json_object *cfg)
{
	PyConfig config;
	PyObject *path, *dir;

	PyImport_AppendInittab("_sandbox", init_sandbox_module);
	pre_initialize();
	PyConfig_InitIsolatedConfig(&config);
	config.write_bytecode = 0;

	/* As bare python3.11 does: SIGPIPE and SIGXFSZ ignored (so a full
	 * file is an OSError), SIGINT raising KeyboardInterrupt. */
	config.install_signal_handlers = 1;
	config.pathconfig_warnings = 0;
	check_status(PyConfig_SetString(&config, &config.home, L"/usr"),
		     "python home");
	check_status(PyConfig_SetString(&config, &config.executable,
					L"/usr/bin/python3.11"),
		     "python executable");
	set_argv(&config, cfg);

	check_status(Py_InitializeFromConfig(&config), "python init");
	PyConfig_Clear(&config);

	path = PySys_GetObject("path");
	dir = PyUnicode_FromString(JAIL_LIB_DIR);
	if (!path || !dir || PyList_Append(path, dir) < 0)
		fail("python path", ENOMEM);
	Py_DECREF(dir);
}

/* What the supervisor gets when the runner's answer cannot be sent as
 * JSON: the value an invoke returned is the only part that can fail. */
static struct json_object *not_json(void)
{
	struct json_object *out = json_object_new_object();
	struct json_object *e = json_object_new_object();
	PyObject *type, *value, *tb, *text;

	PyErr_Fetch(&type, &value, &tb);
	text = value ? PyObject_Str(value) : NULL;
	json_object_object_add(e, "type", json_object_new_string("TypeError"));
	json_object_object_add(
		e, "message",
		json_object_new_string(text && PyUnicode_Check(text)
					       ? PyUnicode_AsUTF8(text)
					       : "result is not JSON"));
	json_object_object_add(e, "traceback", json_object_new_string(""));
	Py_XDECREF(text);
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
	PyErr_Clear();

	json_object_object_add(out, "t", json_object_new_string("result"));
	json_object_object_add(out, "outcome",
			       json_object_new_string("exception"));
	json_object_object_add(out, "exception", e);
	return out;
}

/* Hands one command to sandbox._runner and returns its answer. */
static struct json_object *run_command(PyObject *handle,
				       struct json_object *cmd)
{
	PyObject *arg = pyjson_to_py(cmd, 0);
	PyObject *res = arg ? PyObject_CallOneArg(handle, arg) : NULL;
	struct json_object *out = NULL;

	Py_XDECREF(arg);
	if (!res) {
		/* The runner itself broke: user code can replace it. */
		PyErr_Clear();
		out = json_object_new_object();
		json_object_object_add(out, "t",
				       json_object_new_string("result"));
		json_object_object_add(out, "outcome",
				       json_object_new_string("crash"));
		return out;
	}
	if (pyjson_from_py(res, 0, &out) < 0)
		out = not_json();
	Py_DECREF(res);
	return out;
}

/* Room the supervisor needs around a result: envelope, usage, id. */
#define RESULT_MARGIN 4096

/* Sends a run's answer; one too large for a frame (a huge invoke value)
 * becomes a ValueError that says so (SPEC: REQ-INVOKE-4). */
static void send_result(struct json_object *out)
{
	struct json_object *e;
	int rc;

	Py_BEGIN_ALLOW_THREADS;
	pthread_mutex_lock(&control_lock);
	rc = sbp_write(JAIL_CONTROL_FD, out, frame_max - RESULT_MARGIN);
	if (rc == -EMSGSIZE) {
		e = json_object_new_object();
		json_object_object_add(e, "type",
				       json_object_new_string("ValueError"));
		json_object_object_add(
			e, "message",
			json_object_new_string("the result is too large for "
					       "the frame limit"));
		json_object_object_add(e, "traceback",
				       json_object_new_string(""));
		json_object_object_add(out, "outcome",
				       json_object_new_string("exception"));
		json_object_object_add(out, "exception", e);
		json_object_object_del(out, "value");
		sbp_write(JAIL_CONTROL_FD, out, frame_max);
	}
	pthread_mutex_unlock(&control_lock);
	Py_END_ALLOW_THREADS;
}

/* A warm jail learns its session's frame limit only at configure. */
static void apply_frame_limit(struct json_object *cmd)
{
	struct json_object *t, *v;

	if (!json_object_object_get_ex(cmd, "t", &t) ||
	    strcmp(json_object_get_string(t), "configure") != 0 ||
	    !json_object_object_get_ex(cmd, "frame_bytes", &v))
		return;
	frame_max = (size_t)json_object_get_int64(v);
	if (sbp_reader_set_max(control, frame_max) < 0)
		fail("config", ENOMEM);
}

static void serve(PyObject *handle)
{
	struct json_object *cmd, *out;

	for (;;) {
		Py_BEGIN_ALLOW_THREADS;
		pthread_mutex_lock(&control_lock);
		cmd = read_message();
		pthread_mutex_unlock(&control_lock);
		Py_END_ALLOW_THREADS;
		if (!cmd)
			continue;

		apply_frame_limit(cmd);
		out = run_command(handle, cmd);
		json_object_put(cmd);

		send_result(out);
		json_object_put(out);
	}
}

/* Tells the supervisor which module of preload failed, and why; the
 * session ends there (SPEC: REQ-WARM-3). */
static void preload_failed(const char *module)
{
	struct json_object *m = json_object_new_object();
	PyObject *type, *value, *tb, *text;

	PyErr_Fetch(&type, &value, &tb);
	text = value ? PyObject_Str(value) : NULL;
	json_object_object_add(m, "t",
			       json_object_new_string("preload_failed"));
	json_object_object_add(m, "module", json_object_new_string(module));
	json_object_object_add(
		m, "message",
		json_object_new_string(text && PyUnicode_Check(text)
					       ? PyUnicode_AsUTF8(text)
					       : "import failed"));
	sbp_write(JAIL_CONTROL_FD, m, frame_max);
	json_object_put(m);
	_exit(1);
}

/* A warm jail imports what the parent asked for before any session. */
static void preload(struct json_object *cfg)
{
	struct json_object *list;
	const char *name;
	PyObject *module;
	size_t i;

	if (!json_object_object_get_ex(cfg, "preload", &list))
		return;
	for (i = 0; i < json_object_array_length(list); i++) {
		name = json_object_get_string(
			json_object_array_get_idx(list, i));
		module = PyImport_ImportModule(name);
		if (!module)
			preload_failed(name);
		Py_DECREF(module);
	}
}

static void send_ready(long abi)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "t", json_object_new_string("ready"));
	json_object_object_add(m, "python", json_object_new_string(PY_VERSION));
	json_object_object_add(m, "landlock_abi", json_object_new_int64(abi));
	sbp_write(JAIL_CONTROL_FD, m, frame_max);
	json_object_put(m);
}

void jail_main(void)
{
	struct json_object *cfg;
	PyObject *runner, *handle;
	long abi;

	/* The loader has mapped the shim: its descriptor is no use now. */
	close(JAIL_SHIM_FD);

	/* The reader grows to the session's frame limit only once it is
	 * known: reserving the protocol's maximum up front would eat a
	 * small memory limit. */
	control = sbp_reader_new(JAIL_CONTROL_FD, SBP_FRAME_INITIAL);
	if (!control)
		_exit(126);
	cfg = read_message();
	if (!cfg)
		fail("config", EINVAL);
	frame_max = limit_of(cfg, "frame_bytes");
	if (sbp_reader_set_max(control, frame_max) < 0)
		fail("config", ENOMEM);

	/* Descriptor tables shrink later; glibc's per-thread arenas reserve
	 * 64 MiB of address space each, which RLIMIT_AS would count. */
	mallopt(M_ARENA_MAX, 2);

	set_environment(cfg);
	set_limits(cfg);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail("no_new_privs", errno);
	abi = apply_landlock();
	apply_filter();

	/* Untrusted from here on: CPython reads the stdlib through the
	 * filter like any other code. */
	start_python(cfg);

	runner = PyImport_ImportModule("sandbox._runner");
	handle = runner ? PyObject_GetAttrString(runner, "handle") : NULL;
	if (!handle) {
		PyErr_Print();
		fail("import sandbox._runner", ENOENT);
	}
	preload(cfg);
	json_object_put(cfg);
	send_ready(abi);
	serve(handle);
	_exit(0);
}
