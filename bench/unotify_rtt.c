/* SPDX-License-Identifier: MIT */
/*
 * unotify_rtt - the raw cost of one seccomp user-notification round trip,
 * the floor under every call the sandbox forwards to its supervisor.
 *
 * A forked child loads a filter that sends newfstatat(2) to a listener
 * (SCMP_ACT_NOTIFY) and hands the listener to the parent over a socket.
 * The parent answers every notification with 0 at once, doing nothing
 * else: no memory read, no id check, no filesystem. The child times
 * CALLS calls and reports the mean per call.
 *
 * Usage: unotify_rtt [--sync] [--poll] [CALLS]
 *   --sync  set SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP on the listener (Linux
 *           6.6), as child/notify.c does where the kernel has it
 *   --poll  wait for each notification in poll(2) before receiving it, as
 *           a supervisor watching several descriptors must
 * Prints one JSON object:
 *   {"calls":N,"per_call_us":X,"mean_us":Y,"sync_wakeup":BOOL,"poll":BOOL}.
 * Exit status 1 on any failure, with a message on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#define SYNC_WAKE_UP 1ULL

#define WARMUP	  1000
#define MAX_CALLS 10000000L
#define BATCHES	  5

#define die(...)                                                               \
	do {                                                                   \
		fprintf(stderr, "unotify_rtt: " __VA_ARGS__);                  \
		fprintf(stderr, "\n");                                         \
		exit(1);                                                       \
	} while (0)

static int send_fd(int sock, int fd)
{
	char byte = 0;
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
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
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
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The child: filter, hand over the listener, then call. After the filter
 * only raw syscalls run, so that no libc path stats anything. */
static void child(int sock, long calls)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	double t0, per[BATCHES];
	struct stat st;
	long batch;
	int listener;

	if (!ctx || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("seccomp_init or no_new_privs failed");
	if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(newfstatat), 0))
		die("seccomp_rule_add failed");
	if (seccomp_load(ctx))
		die("seccomp_load failed (kernel without user notification?)");
	listener = seccomp_notify_fd(ctx);
	if (listener < 0 || send_fd(sock, listener) < 0)
		die("cannot pass the listener: %s", strerror(errno));
	close(listener);

	for (long i = 0; i < WARMUP; i++)
		syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0);
	batch = calls / BATCHES > 0 ? calls / BATCHES : 1;
	for (int b = 0; b < BATCHES; b++) {
		t0 = now_us();
		for (long i = 0; i < batch; i++)
			syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0);
		per[b] = (now_us() - t0) / batch;
	}

	if (write(sock, per, sizeof(per)) != sizeof(per))
		_exit(1);
	_exit(0);
}

/* The supervisor: answer each notification with success, nothing else. */
static void answer(int listener, long total, bool use_poll)
{
	struct pollfd pfd = {.fd = listener, .events = POLLIN};
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	for (long i = 0; i < total; i++) {
		if (use_poll && poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			die("SECCOMP_IOCTL_NOTIF_RECV: %s", strerror(errno));
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
			die("SECCOMP_IOCTL_NOTIF_SEND: %s", strerror(errno));
	}
}

static long parse_calls(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 1 || n > MAX_CALLS)
		die("calls must be 1..%ld, not '%s'", MAX_CALLS, s);
	return n;
}

int main(int argc, char **argv)
{
	bool sync = false, use_poll = false;
	long calls = 100000;
	int sv[2], listener, status;
	double per[BATCHES], best = 0, sum = 0;
	pid_t pid;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sync"))
			sync = true;
		else if (!strcmp(argv[i], "--poll"))
			use_poll = true;
		else
			calls = parse_calls(argv[i]);
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], calls);
	}
	close(sv[1]);

	listener = recv_fd(sv[0]);
	if (listener < 0)
		die("no listener from the child");
	if (sync &&
	    ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SYNC_WAKE_UP) < 0)
		die("SECCOMP_IOCTL_NOTIF_SET_FLAGS: %s", strerror(errno));
	answer(listener,
	       WARMUP + BATCHES * (calls / BATCHES > 0 ? calls / BATCHES : 1),
	       use_poll);

	if (read(sv[0], per, sizeof(per)) != sizeof(per))
		die("the child reported no result");
	for (int b = 0; b < BATCHES; b++) {
		best = b == 0 || per[b] < best ? per[b] : best;
		sum += per[b];
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("the child failed");
	printf("{\"calls\":%ld,\"per_call_us\":%.3f,\"mean_us\":%.3f,"
	       "\"sync_wakeup\":%s,\"poll\":%s}\n",
	       calls, best, sum / BATCHES, sync ? "true" : "false",
	       use_poll ? "true" : "false");
	return 0;
}
