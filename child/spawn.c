/* SPDX-License-Identifier: MIT */
/* spawn.c - drop the supervisor's privileges and start the jail. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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

static int self_exe = -1;
static int shim = -1;

int spawn_open_self(void)
{
	self_exe = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	return self_exe < 0 ? -errno : 0;
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
	char *const *argv;
	char *const *envp;
};

static void __attribute__((noreturn)) child(const struct child_args *a)
{
	char byte;
	int null;

	/* Wait until the supervisor has written our id maps. */
	if (read(a->sync, &byte, 1) != 1)
		_exit(125);

	if (sethostname("sandbox", 7) < 0)
		_exit(125);

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(a->out, 1) < 0 ||
	    dup2(a->err, 2) < 0 || dup2(a->control, JAIL_CONTROL_FD) < 0 ||
	    dup2(self_exe, JAIL_EXE_FD) < 0 || dup2(shim, JAIL_SHIM_FD) < 0)
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

static int make_channels(int control[2], int out[2], int err[2], int sync[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) < 0)
		return -errno;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(sync, O_CLOEXEC) < 0)
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

static int receive_listener(int fd, const char **step)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct cmsghdr *c;
	int listener;

	*step = "jail start";
	if (poll(&pfd, 1, JAIL_START_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	if (recvmsg(fd, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;

	c = CMSG_FIRSTHDR(&msg);
	if (byte != 'L' || !c || c->cmsg_type != SCM_RIGHTS)
		return byte == '{' ? read_failure(fd, byte, step) : -EPROTO;
	memcpy(&listener, CMSG_DATA(c), sizeof(int));
	return listener;
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
	int rc;

	*step = "clone jail";
	j->pid = clone_jail(&j->pidfd);
	if (j->pid < 0)
		return -errno;
	if (j->pid == 0)
		child(a);

	*step = "jail user namespace";
	snprintf(pid, sizeof(pid), "%d", j->pid);
	rc = write_maps(pid, JAIL_UID, 0);
	if (rc)
		return rc;
	return 0;
}

int spawn_jail(const struct config *cfg, const struct install_paths *ip,
	       struct jail *j, struct isolation *iso, const char **step)
{
	int control[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	int sync[2] = {-1, -1};
	char preload[] = "LD_PRELOAD=/proc/self/fd/" JAIL_SHIM_FD_STR;
	char *argv[] = {"sandbox-jail", JAIL_ARG, NULL};
	char *envp[] = {preload, NULL};
	struct child_args a;
	int rc;

	memset(j, 0, sizeof(*j));
	j->pid = -1;

	*step = "jail channels";
	rc = make_channels(control, out, err, sync);
	a = (struct child_args){sync[0], control[1], out[1],
				err[1],	 argv,	     envp};
	if (!rc)
		rc = start(&a, j, step);
	if (!rc && write(sync[1], "g", 1) != 1)
		rc = -errno;
	close_pair(sync);
	if (rc)
		goto out;

	*step = "jail config";
	rc = send_config(control[0], cfg);
	if (!rc)
		rc = receive_listener(control[0], step);
	if (rc >= 0) {
		j->listener = rc;
		rc = 0;
	}
	iso->namespaces = true;

out:
	j->control = control[0];
	j->out = out[0];
	j->err = err[0];
	close(control[1]);
	close(out[1]);
	close(err[1]);
	return rc;
}

int spawn_kill(struct jail *j)
{
	struct rusage ru = {0};
	int status = 0;

	if (j->pid <= 0)
		return 0;

	syscall(SYS_pidfd_send_signal, j->pidfd, SIGKILL, NULL, 0);
	while (wait4(j->pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	j->pid = -1;
	j->cpu_ns =
		((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
			1000000000ULL +
		((uint64_t)ru.ru_utime.tv_usec +
		 (uint64_t)ru.ru_stime.tv_usec) *
			1000ULL;
	j->peak_bytes = (uint64_t)ru.ru_maxrss * 1024;
	return status;
}
