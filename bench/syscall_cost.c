/* SPDX-License-Identifier: MIT */
/*
 * syscall_cost - what each step of the supervisor's answer to a forwarded
 * stat costs on this machine, measured one step at a time outside the
 * sandbox, so that the gap between a forwarded call and a raw
 * notification round trip (unotify_rtt) can be attributed.
 *
 * The steps, as the supervisor makes them for one os.stat (see
 * docs/performance.md): read the path from the caller's memory
 * (process_vm_readv), open the node beneath its root (openat2, O_PATH,
 * RESOLVE_BENEATH), fstat and close it, write the struct stat back
 * (process_vm_writev), one poll turn, and reading the caller's CPU clock
 * (clock_getcpuclockid + clock_gettime). "getppid" is the cost of entering
 * the kernel at all. The "other process" is a forked child that sleeps.
 *
 * Usage: syscall_cost [DIR] [CALLS]   DIR holds the file opened (default
 * /tmp), CALLS per step (default 100000). Prints one JSON object
 * {"STEP": ns, ...}, each the fastest of 5 batches' mean. Exit status 1
 * on failure, with a message on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCHES	  5
#define MAX_CALLS 10000000L

#define die(...)                                                               \
	do {                                                                   \
		fprintf(stderr, "syscall_cost: " __VA_ARGS__);                 \
		fprintf(stderr, "\n");                                         \
		exit(1);                                                       \
	} while (0)

struct ctx {
	pid_t other;
	int root, pipe_rd;
	char path[64];
	struct stat st;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void step_getppid(struct ctx *c)
{
	(void)c;
	syscall(SYS_getppid);
}

static void step_readv(struct ctx *c)
{
	char buf[64];
	struct iovec local = {buf, sizeof(buf)};
	struct iovec remote = {c->path, sizeof(c->path)};

	/* The child is a fork: the same address holds the same path. */
	if (process_vm_readv(c->other, &local, 1, &remote, 1, 0) < 0)
		die("process_vm_readv: %s", strerror(errno));
}

static void step_writev(struct ctx *c)
{
	struct iovec local = {&c->st, sizeof(c->st)};
	struct iovec remote = {&c->st, sizeof(c->st)};

	if (process_vm_writev(c->other, &local, 1, &remote, 1, 0) < 0)
		die("process_vm_writev: %s", strerror(errno));
}

static void step_open_stat_close(struct ctx *c)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
			       .resolve =
				       RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	int fd =
		(int)syscall(SYS_openat2, c->root, "statme", &how, sizeof(how));

	if (fd < 0)
		die("openat2: %s", strerror(errno));
	if (fstat(fd, &c->st) < 0)
		die("fstat: %s", strerror(errno));
	close(fd);
}

static void step_poll(struct ctx *c)
{
	struct pollfd p = {.fd = c->pipe_rd, .events = POLLIN};

	if (poll(&p, 1, 0) < 0)
		die("poll: %s", strerror(errno));
}

static void step_cpu_clock(struct ctx *c)
{
	struct timespec ts;
	clockid_t clk;

	if (clock_getcpuclockid(c->other, &clk) || clock_gettime(clk, &ts))
		die("reading the other process's CPU clock failed");
}

static double measure(void (*step)(struct ctx *), struct ctx *c, long calls)
{
	long batch = calls / BATCHES > 0 ? calls / BATCHES : 1;
	double best = 0;

	for (long i = 0; i < 1000; i++)
		step(c);
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns(), per;

		for (long i = 0; i < batch; i++)
			step(c);
		per = (now_ns() - t0) / batch;
		best = b == 0 || per < best ? per : best;
	}
	return best;
}

static void setup(struct ctx *c, const char *dir)
{
	int fds[2], fd;

	c->root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->root < 0)
		die("open '%s': %s", dir, strerror(errno));
	fd = openat(c->root, "statme", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		die("create '%s/statme': %s", dir, strerror(errno));
	close(fd);
	if (pipe2(fds, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	c->pipe_rd = fds[0];
	snprintf(c->path, sizeof(c->path), "/tmp/statme");

	c->other = fork();
	if (c->other < 0)
		die("fork: %s", strerror(errno));
	if (c->other == 0) {
		pause();
		_exit(0);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*step)(struct ctx *);
	} steps[] = {
		{"getppid", step_getppid},
		{"process_vm_readv_64", step_readv},
		{"process_vm_writev_stat", step_writev},
		{"openat2_fstat_close", step_open_stat_close},
		{"poll", step_poll},
		{"cpu_clock_read", step_cpu_clock},
	};
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	long calls = 100000;
	struct ctx c = {0};
	char *end;

	if (argc > 2) {
		errno = 0;
		calls = strtol(argv[2], &end, 10);
		if (errno || *end || calls < 1 || calls > MAX_CALLS)
			die("calls must be 1..%ld, not '%s'", MAX_CALLS,
			    argv[2]);
	}
	setup(&c, dir);

	putchar('{');
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		printf("%s\"%s\":%.1f", i ? "," : "", steps[i].name,
		       measure(steps[i].step, &c, calls));
	printf("}\n");

	kill(c.other, SIGKILL);
	waitpid(c.other, NULL, 0);
	unlinkat(c.root, "statme", 0);
	return 0;
}
