/* SPDX-License-Identifier: MIT */
/* spawn.c - drop the supervisor's privileges and start the jail. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"
#include "log.h"
#include "policy.h"
#include "sbproto.h"
#include "spawn.h"

#define JAIL_START_TIMEOUT_MS 10000

static int jail_exe = -1;
static int shim = -1;

int spawn_open_jail(const char *path)
{
	jail_exe = open(path, O_PATH | O_CLOEXEC);
	return jail_exe < 0 ? -errno : 0;
}

int spawn_file_override(bool on)
{
	const uint32_t bits = (1u << CAP_DAC_OVERRIDE) |
			      (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER);
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if (on)
		d[0].effective |= bits & d[0].permitted;
	else
		d[0].effective &= ~bits;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int spawn_open_shim(const char *path)
{
	shim = open(path, O_RDONLY | O_CLOEXEC);
	return shim < 0 ? -errno : 0;
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, data, strlen(data));
	err = errno;
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -(n < 0 ? err : EIO);
}

/* Maps inside id INSIDE of PID's user namespace onto OUTSIDE of ours. */
static int write_maps(const char *pid, unsigned inside, unsigned outside)
{
	char path[64], map[64];
	int rc;

	snprintf(path, sizeof(path), "/proc/%s/setgroups", pid);
	rc = write_file(path, "deny");
	if (rc)
		return rc;

	snprintf(map, sizeof(map), "%u %u 1\n", inside, outside);
	snprintf(path, sizeof(path), "/proc/%s/uid_map", pid);
	rc = write_file(path, map);
	if (rc)
		return rc;

	snprintf(path, sizeof(path), "/proc/%s/gid_map", pid);
	return write_file(path, map);
}

static int drop_root(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -errno;

	/* Changing uid made us non-dumpable, which hands our /proc files
	 * to root; we need them to write our own id maps. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int spawn_confine_self(uid_t drop_uid, gid_t drop_gid, struct isolation *iso,
		       const char **step)
{
	uid_t uid;
	gid_t gid;
	char map[32];
	int rc;

	if (geteuid() == 0) {
		*step = "drop privileges";
		rc = drop_root(drop_uid, drop_gid);
		if (rc)
			return rc;
		iso->privileges_dropped = true;
	}
	uid = geteuid();
	gid = getegid();
	iso->host_uid = uid;

	*step = "supervisor user namespace";
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -errno;

	rc = write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	if (!rc)
		rc = write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1\n", gid);
	if (!rc)
		rc = write_file("/proc/self/gid_map", map);
	return rc;
}

/* ---- the jail's side of the clone: no malloc, no stdio -------------- */

struct child_args {
	int sync;
	int control, out, err;
	int status; /* write end: the jail's end, for the supervisor */
	char *const *argv;
	char *const *envp;
};

/* What the reaper tells the supervisor about the jail's end. */
struct jail_end {
	int status;
	uint64_t cpu_ns;
	uint64_t peak_bytes;
};

static uint64_t rusage_cpu_ns(const struct rusage *ru)
{
	return ((uint64_t)ru->ru_utime.tv_sec + (uint64_t)ru->ru_stime.tv_sec) *
		       1000000000ULL +
	       ((uint64_t)ru->ru_utime.tv_usec +
		(uint64_t)ru->ru_stime.tv_usec) *
		       1000ULL;
}

/*
 * Pid 1 of the jail's pid namespace: only waits. The kernel ignores
 * signals a namespace's init sends itself with the default action, so the
 * jail must not be init, or os.kill(os.getpid(), SIGTERM) and abort()
 * would not end it. When the jail ends, its status and usage go to the
 * supervisor (which is not its parent); killing this process kills the
 * jail with it.
 */
static void __attribute__((noreturn)) reaper(pid_t jail, int status_fd)
{
	struct jail_end end = {0};
	struct rusage ru;
	pid_t r;

	do {
		r = wait4(jail, &end.status, 0, &ru);
	} while (r < 0 && errno == EINTR);

	if (r == jail) {
		end.cpu_ns = rusage_cpu_ns(&ru);
		end.peak_bytes = (uint64_t)ru.ru_maxrss * 1024;
		if (write(status_fd, &end, sizeof(end)) != sizeof(end))
			_exit(125);
	}
	_exit(0);
}

/* A host running real-time (SCHED_FIFO, SCHED_RR) would hand that
 * priority to the untrusted code, which could then keep every thread of
 * the same or lower priority, the supervisor's timer included, off its
 * CPU; the filter stops the jail changing its policy, so it is lowered
 * here, which needs no privilege. */
static void drop_realtime(void)
{
	struct sched_param normal = {0};
	int policy = sched_getscheduler(0) & ~SCHED_RESET_ON_FORK;

	if ((policy == SCHED_FIFO || policy == SCHED_RR) &&
	    sched_setscheduler(0, SCHED_OTHER, &normal) < 0)
		_exit(125);
}

static void __attribute__((noreturn)) exec_jail(const struct child_args *a)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	drop_realtime();

	if (null < 0 || dup2(null, 0) < 0 || dup2(a->out, 1) < 0 ||
	    dup2(a->err, 2) < 0 || dup2(a->control, JAIL_CONTROL_FD) < 0 ||
	    dup2(jail_exe, JAIL_EXE_FD) < 0 || dup2(shim, JAIL_SHIM_FD) < 0)
		_exit(125);

	/* Only the descriptors the jail needs survive the exec; it closes
	 * the shim's once the loader has mapped it. */
	fcntl(JAIL_EXE_FD, F_SETFD, FD_CLOEXEC);
	syscall(SYS_close_range, JAIL_SHIM_FD + 1, ~0U, 0);
	if (chdir("/") < 0)
		_exit(125);

	syscall(SYS_execveat, JAIL_EXE_FD, "", a->argv, a->envp, AT_EMPTY_PATH);
	_exit(125);
}

static void __attribute__((noreturn)) child(const struct child_args *a)
{
	char byte;
	pid_t jail;

	/* Wait until the supervisor has written our id maps. */
	if (read(a->sync, &byte, 1) != 1)
		_exit(125);

	if (sethostname("sandbox", 7) < 0)
		_exit(125);

	jail = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
	if (jail < 0)
		_exit(125);
	if (jail == 0)
		exec_jail(a);

	if (dup2(a->status, 3) < 0)
		_exit(125);
	syscall(SYS_close_range, 4, ~0U, 0);
	reaper(jail, 3);
}

static pid_t clone_jail(int *pidfd)
{
	const unsigned long flags = CLONE_NEWUSER | CLONE_NEWPID |
				    CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
				    CLONE_PIDFD | SIGCHLD;

	/* Raw clone: fork semantics with namespaces and a pidfd, which
	 * glibc's fork() cannot give. */
	return (pid_t)syscall(SYS_clone, flags, NULL, pidfd, NULL, 0);
}

/* ---- the supervisor's side ------------------------------------------ */

static int make_channels(int control[2], int out[2], int err[2], int sync[2],
			 int status[2])
{
	const int on = 1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) < 0)
		return -errno;

	/* The listener's message then carries the jail's pid as we see it:
	 * the jail is our grandchild, its pid is otherwise unknown here. */
	if (setsockopt(control[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)))
		return -errno;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(sync, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static int send_config(int fd, const struct config *cfg)
{
	struct json_object *m = json_object_new_object();
	int rc;

	json_object_object_add(m, "t", json_object_new_string("config"));
	json_object_object_add(m, "limits", config_limits_json(&cfg->limits));
	json_object_object_add(m, "env", json_object_get(cfg->env));
	json_object_object_add(m, "argv", json_object_get(cfg->argv));
	if (cfg->preload)
		json_object_object_add(m, "preload",
				       json_object_get(cfg->preload));
	rc = sbp_write(fd, m, SBP_FRAME_MAX);
	json_object_put(m);
	return rc;
}

/* The jail's own report of a setup step that failed, if it sent one. */
static int read_failure(int fd, char first, const char **step)
{
	static char buf[512];
	struct json_object *m, *s, *e;
	size_t n = 0;
	int err = EPROTO;

	buf[n++] = first;
	while (n < sizeof(buf) - 1 && read(fd, buf + n, 1) == 1 &&
	       buf[n] != '\n')
		n++;
	buf[n] = '\0';

	m = json_tokener_parse(buf);
	*step = "jail setup";
	if (m && json_object_object_get_ex(m, "step", &s) &&
	    json_object_object_get_ex(m, "errno", &e)) {
		snprintf(buf, sizeof(buf), "jail: %s",
			 json_object_get_string(s));
		*step = buf;
		err = json_object_get_int(e);
	}
	json_object_put(m);
	return -(err > 0 ? err : EPROTO);
}

/* The listener (SCM_RIGHTS) and the jail's pid (SCM_CREDENTIALS). */
static int take_control(struct msghdr *msg, int *listener, pid_t *pid)
{
	struct cmsghdr *c;
	struct ucred cred;

	*listener = -1;
	*pid = -1;
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS)
			memcpy(listener, CMSG_DATA(c), sizeof(int));
		if (c->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			*pid = cred.pid;
		}
	}
	return *listener >= 0 && *pid > 0 ? 0 : -EPROTO;
}

static int receive_listener(struct jail *j, const char **step)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int)) +
			 CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct pollfd pfd = {.fd = j->control, .events = POLLIN};

	*step = "jail start";
	if (poll(&pfd, 1, JAIL_START_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	if (recvmsg(j->control, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;
	if (byte != 'L')
		return byte == '{' ? read_failure(j->control, byte, step)
				   : -EPROTO;
	if (take_control(&msg, &j->listener, &j->pid) < 0)
		return -EPROTO;

	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	return j->pidfd < 0 ? -errno : 0;
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

static int start(const struct child_args *a, struct jail *j, const char **step)
{
	char pid[16];

	*step = "clone jail";
	j->init_pid = clone_jail(&j->init_pidfd);
	if (j->init_pid < 0)
		return -errno;
	if (j->init_pid == 0)
		child(a);

	*step = "jail user namespace";
	snprintf(pid, sizeof(pid), "%d", j->init_pid);
	return write_maps(pid, JAIL_UID, 0);
}

int spawn_jail(const struct config *cfg, const struct install_paths *ip,
	       struct jail *j, struct isolation *iso, const char **step)
{
	int control[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	int sync[2] = {-1, -1}, status[2] = {-1, -1};
	char preload[] = "LD_PRELOAD=/proc/self/fd/" JAIL_SHIM_FD_STR;
	char *argv[] = {"sandbox-jail", JAIL_ARG, NULL};
	char *envp[] = {preload, NULL};
	struct child_args a;
	int rc;

	memset(j, 0, sizeof(*j));
	j->pid = j->init_pid = -1;
	j->pidfd = j->init_pidfd = j->listener = -1;

	*step = "jail channels";
	rc = make_channels(control, out, err, sync, status);
	a = (struct child_args){sync[0],   control[1], out[1], err[1],
				status[1], argv,       envp};
	if (!rc)
		rc = start(&a, j, step);
	if (!rc && write(sync[1], "g", 1) != 1)
		rc = -errno;
	close_pair(sync);
	j->control = control[0];
	j->out = out[0];
	j->err = err[0];
	j->status = status[0];
	close(control[1]);
	close(out[1]);
	close(err[1]);
	close(status[1]);
	if (rc)
		return rc;

	*step = "jail config";
	rc = send_config(j->control, cfg);
	if (!rc)
		rc = receive_listener(j, step);
	iso->namespaces = true;
	return rc;
}

/* The jail's status and usage, when the reaper saw it end. */
static bool read_end(struct jail *j, int *status)
{
	struct jail_end end;

	fcntl(j->status, F_SETFL, O_NONBLOCK);
	if (read(j->status, &end, sizeof(end)) != sizeof(end))
		return false;
	*status = end.status;
	j->cpu_ns = end.cpu_ns;
	j->peak_bytes = end.peak_bytes;
	return true;
}

int spawn_kill(struct jail *j)
{
	struct rusage ru = {0};
	int status = 0, init_status;

	if (j->init_pid <= 0)
		return 0;

	/* Killing the namespace's init kills every process in it. */
	syscall(SYS_pidfd_send_signal, j->init_pidfd, SIGKILL, NULL, 0);
	while (wait4(j->init_pid, &init_status, 0, &ru) < 0 && errno == EINTR)
		;
	if (!read_end(j, &status))
		status = W_EXITCODE(0, SIGKILL);

	j->init_pid = -1;
	j->pid = -1;
	return status;
}
