/* SPDX-License-Identifier: MIT */
/* diag.c - the child's diagnostics, held until its start is known. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Most bytes of diagnostics held during the start; more are dropped, so
 * that a child that floods its stderr cannot grow the CLI. */
#define HELD_MAX (64 * 1024)
/* How often the thread looks whether cli_diag_close() is waiting. */
#define TICK_MS 100
/* How long cli_diag_close() waits for a stderr that never goes quiet: a
 * descendant of the child may keep it open and busy after the child has
 * exited, and the CLI must not wait for that. */
#define CLOSE_MS 1000
/* Most reads of one pump, 4 KiB each: 1 MiB, the largest pipe buffer
 * an unprivileged writer can ask for (fs.pipe-max-size), so one pump
 * still takes everything written before it, but a writer that never
 * pauses cannot keep it, and the lock, for ever. */
#define PUMP_READS 256

enum diag_state { HOLDING, FORWARDING };

struct cli_diag {
	int rfd; /* read end of the child's stderr, non-blocking */
	pthread_t thread;
	pthread_mutex_t lock; /* guards everything below, and reads */
	enum diag_state state;
	bool stopping; /* cli_diag_close() is waiting for the thread */
	bool eof;
	char held[HELD_MAX];
	size_t nheld;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what the pipe holds now (PUMP_READS reads at most), held or
 * written to stderr as the state says; false once there is no more to
 * come (end of file, an error). Lock held: a line read is passed on
 * before anyone else reads. */
static bool pump_locked(struct cli_diag *d)
{
	char buf[4096];
	size_t room;
	ssize_t n;
	int i;

	for (i = 0; i < PUMP_READS && !d->eof; i++) {
		n = read(d->rfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0) {
			d->eof = true;
			break;
		}
		if (d->state == FORWARDING) {
			cli_write_all(STDERR_FILENO, buf, (size_t)n);
			continue;
		}
		room = sizeof(d->held) - d->nheld;
		room = (size_t)n < room ? (size_t)n : room;
		memcpy(d->held + d->nheld, buf, room);
		d->nheld += room;
	}
	return !d->eof;
}

/* Passes lines on as they come, until end of file, or until
 * cli_diag_close() waits and a tick passed without any, or CLOSE_MS
 * passed since it began to wait. */
static void *diag_thread(void *arg)
{
	struct cli_diag *d = arg;
	struct pollfd p = {.fd = d->rfd, .events = POLLIN};
	int64_t until = -1;
	bool more = true;
	int r;

	while (more) {
		r = poll(&p, 1, TICK_MS);
		pthread_mutex_lock(&d->lock);
		if (d->stopping && until < 0)
			until = now_ms() + CLOSE_MS;
		if (r > 0)
			more = pump_locked(d);
		else if (r == 0 && d->stopping)
			more = false;
		if (until >= 0 && now_ms() >= until)
			more = false;
		pthread_mutex_unlock(&d->lock);
	}
	return NULL;
}

struct cli_diag *cli_diag_open(int *wfd)
{
	struct cli_diag *d = calloc(1, sizeof(*d));
	int fds[2];

	if (!d)
		return NULL;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(d);
		return NULL;
	}

	d->rfd = fds[0];
	d->state = HOLDING;
	fcntl(d->rfd, F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&d->lock, NULL);
	if (pthread_create(&d->thread, NULL, diag_thread, d) != 0) {
		close(fds[0]);
		close(fds[1]);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return NULL;
	}
	*wfd = fds[1];
	return d;
}

void cli_diag_release(struct cli_diag *d, enum cli_diag_held held)
{
	if (!d)
		return;

	pthread_mutex_lock(&d->lock);
	pump_locked(d);
	if (held == CLI_DIAG_FORWARD)
		cli_write_all(STDERR_FILENO, d->held, d->nheld);
	d->nheld = 0;
	d->state = FORWARDING;
	pthread_mutex_unlock(&d->lock);
}

void cli_diag_flush(struct cli_diag *d)
{
	if (!d)
		return;

	pthread_mutex_lock(&d->lock);
	pump_locked(d);
	pthread_mutex_unlock(&d->lock);
}

void cli_diag_close(struct cli_diag *d)
{
	if (!d)
		return;

	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);

	pump_locked(d);
	close(d->rfd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
