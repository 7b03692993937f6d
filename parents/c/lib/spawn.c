/* SPDX-License-Identifier: MIT */
/* spawn.c - starting, killing and reaping the child process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Descriptors at or above this number are out of the way of 0..4 when
 * the forked child rearranges its descriptors. */
#define FD_HIGH 10

/* Marks descriptors 5..MAX close-on-exec one by one: kernels before 5.11
 * have no close_range(CLOSE_RANGE_CLOEXEC). Async-signal-safe. */
static void cloexec_loop(long max)
{
	long fd;

	for (fd = 5; fd < max; fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

/*
 * Runs in the forked child, so only async-signal-safe calls (no malloc,
 * no stdio, no locks): moves the protocol ends to 3 and 4, points 0 and 1
 * at /dev/null, marks everything else close-on-exec and executes the
 * child. A failure is reported as an errno through ERRFD.
 */
static void __attribute__((noreturn))
exec_child(const char *path, int in, int out, int errfd, long maxfd,
	   enum psb_spawn_flags flags)
{
	char *const argv[] = {(char *)path, NULL};
	char *const envp[] = {NULL};
	struct sched_param other = {.sched_priority = 0};
	sigset_t none;
	int null, e;

	/* Out of the refill thread's SCHED_BATCH (a bare system call): the
	 * supervisor and the jail wake each other for every forwarded call
	 * and must be scheduled like any process. The nice value stays. */
	if (flags & PSB_SPAWN_SCHED_OTHER)
		sched_setscheduler(0, SCHED_OTHER, &other);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);

	in = fcntl(in, F_DUPFD_CLOEXEC, FD_HIGH);
	out = fcntl(out, F_DUPFD_CLOEXEC, FD_HIGH);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (in < 0 || out < 0 || null < 0 || dup2(in, 3) < 0 ||
	    dup2(out, 4) < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		goto fail;

	/* Everything from 5 up closes at exec; the error pipe stays open
	 * until then so that an exec failure can still be reported. */
	if (close_range(5, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		cloexec_loop(maxfd);

	execve(path, argv, envp);
fail:
	e = errno;
	while (write(errfd, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* Two socketpairs rather than pipes: send(MSG_NOSIGNAL) then reports a
 * dead child as EPIPE instead of raising SIGPIPE in the host program. */
static int make_channels(int in[2], int out[2], int err[2])
{
	in[0] = in[1] = out[0] = out[1] = err[0] = err[1] = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static void close_fds(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Reads the exec error, if any: 0 once the exec succeeded (the pipe
 * closed at exec), or the child's errno. */
static int exec_status(int errfd)
{
	ssize_t n;
	int e;

	do {
		n = read(errfd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static int spawn_failed(struct pysandbox *s, const char *path, int e)
{
	if (s->pid > 0)
		__psb_reap(s, -1, NULL);
	s->pid = 0;
	return __psb_fail(s, PYSANDBOX_ESPAWN, "cannot execute child '%s': %s",
			  path, strerror(e));
}

int __psb_spawn(struct pysandbox *s, const char *path,
		enum psb_spawn_flags flags)
{
	/* Computed before fork: sysconf is not async-signal-safe. */
	long maxfd = sysconf(_SC_OPEN_MAX) > 0 ? sysconf(_SC_OPEN_MAX) : 65536;
	int in[2], out[2], err[2], e;
	pid_t pid;

	e = -make_channels(in, out, err);
	if (e) {
		close_fds((int[]){in[0], in[1], out[0], out[1], err[0], err[1]},
			  6);
		return spawn_failed(s, path, e);
	}

	pid = fork();
	if (pid == 0)
		exec_child(path, in[1], out[1], err[1], maxfd, flags);

	e = errno;
	close_fds((int[]){in[1], out[1], err[1]}, 3);
	s->pid = pid > 0 ? pid : 0;
	s->to_child = in[0];
	s->from_child = out[0];
	if (pid > 0)
		e = exec_status(err[0]);
	close(err[0]);
	if (pid < 0 || e)
		return spawn_failed(s, path, e);

	fcntl(s->to_child, F_SETFL, O_NONBLOCK);
	fcntl(s->from_child, F_SETFL, O_NONBLOCK);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Waits until the child may have exited: on its pidfd when the kernel
 * gives one, else a short sleep. */
static void wait_exit(int pidfd, int64_t left_ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	if (pidfd < 0 || poll(&p, 1, (int)(left_ms < 1 ? 1 : left_ms)) < 0)
		sleep_ms(1);
}

/*
 * Waits up to WAIT_MS (forever when negative, used after SIGKILL) for the
 * child to exit and reaps it. 0 with *STATUS set, -ETIMEDOUT, or -ECHILD
 * when someone else reaped it (SIGCHLD ignored by the application).
 */
int __psb_reap(struct pysandbox *s, int64_t wait_ms, int *status)
{
	int64_t end = __psb_now_ms() + wait_ms;
	int st = 0, pidfd;
	pid_t r;

	if (s->pid <= 0)
		return -ECHILD;

	pidfd = wait_ms < 0 ? -1 : (int)syscall(SYS_pidfd_open, s->pid, 0);
	for (;;) {
		r = waitpid(s->pid, &st, wait_ms < 0 ? 0 : WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0)
			break;
		if (__psb_now_ms() >= end) {
			r = -2;
			break;
		}
		wait_exit(pidfd, end - __psb_now_ms());
	}
	if (pidfd >= 0)
		close(pidfd);
	if (r == -2)
		return -ETIMEDOUT;

	s->pid = 0;
	if (status)
		*status = st;
	return r < 0 ? -ECHILD : 0;
}

/* Kills the child's whole process group and reaps the child. */
void __psb_kill(struct pysandbox *s)
{
	if (s->pid <= 0)
		return;
	kill(-s->pid, SIGKILL);
	kill(s->pid, SIGKILL);
	__psb_reap(s, -1, NULL);
}

/* Ends the child as REQ-TIME-4 says: end of input first, so that a child
 * still listening exits cleanly, then SIGKILL after CLOSE_WAIT_MS. */
void __psb_end_child(struct pysandbox *s)
{
	if (s->to_child >= 0) {
		close(s->to_child);
		s->to_child = -1;
	}
	if (s->pid > 0 && __psb_reap(s, CLOSE_WAIT_MS, NULL) == -ETIMEDOUT)
		__psb_kill(s);
}

void __psb_describe_exit(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "ended with wait status %#x", status);
}
