/* SPDX-License-Identifier: MIT */
/* io.c - frames to and from the child, bounded in size and in time. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* Ends the session for good: the child is stopped and reaped before this
 * returns, so that no failure path leaves a process behind. */
int __psb_broken(struct pysandbox *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);

	__psb_end_child(s);
	s->state = ST_ENDED;
	return code;
}

int64_t __psb_short_deadline(const struct pysandbox *s)
{
	int64_t ms = s->o->request_ms;

	return __psb_now_ms() + (ms < OTHER_REQUEST_MS ? ms : OTHER_REQUEST_MS);
}

static int remaining(int64_t deadline)
{
	int64_t left = deadline - __psb_now_ms();

	if (left <= 0)
		return 0;
	return left > 60000 ? 60000 : (int)left;
}

/* Waits until the child takes more input. Meanwhile its frames are read
 * into the frame buffer, so that a child blocked writing to us while we
 * write to it cannot deadlock the two (REQ-CONC-1), up to one frame
 * limit of backlog. */
static int wait_writable(struct pysandbox *s, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{.fd = s->to_child, .events = POLLOUT},
		{.fd = s->reader ? s->from_child : -1, .events = POLLIN},
	};
	int n;

	for (;;) {
		n = poll(pfd, 2, remaining(deadline));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && pfd[0].revents)
			return 0;

		/* A full buffer, end of file or an error: stop watching;
		 * the frame loop reports them once the write is done. */
		if (n > 0 && pfd[1].revents && sbp_reader_fill(s->reader) <= 0)
			pfd[1].fd = -1;
		if (__psb_now_ms() >= deadline)
			return -ETIMEDOUT;
	}
}

static int write_all(struct pysandbox *s, struct iovec *iov, int64_t deadline)
{
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;
	int ret;

	while (iov[0].iov_len + iov[1].iov_len > 0) {
		n = sendmsg(s->to_child, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if (n < 0 && (ret = wait_writable(s, deadline)) != 0)
			return ret;
		for (; n > 0 && iov[0].iov_len + iov[1].iov_len > 0;) {
			struct iovec *v = iov[0].iov_len ? &iov[0] : &iov[1];
			size_t k =
				(size_t)n < v->iov_len ? (size_t)n : v->iov_len;

			v->iov_base = (char *)v->iov_base + k;
			v->iov_len -= k;
			n -= (ssize_t)k;
		}
	}
	return 0;
}

/* Sends MSG (owned) as one frame. -E2BIG leaves the session usable: the
 * frame was never started. */
int __psb_send(struct pysandbox *s, struct json_object *msg, int64_t deadline)
{
	const int flags =
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	struct iovec iov[2];
	const char *text;
	size_t len;
	int ret;

	if (!msg)
		return __psb_fail(s, -ENOMEM, "out of memory");
	text = json_object_to_json_string_length(msg, flags, &len);
	if (len + 1 > s->frame_max) {
		json_object_put(msg);
		return __psb_fail(
			s, -E2BIG,
			"message of %zu bytes exceeds the frame limit of %zu bytes",
			len + 1, s->frame_max);
	}

	iov[0] = (struct iovec){(void *)text, len};
	iov[1] = (struct iovec){"\n", 1};
	ret = write_all(s, iov, deadline);
	json_object_put(msg);

	if (ret == -ETIMEDOUT)
		return __psb_broken(
			s, PYSANDBOX_ETIMEDOUT,
			"child stopped reading its input; session ended");
	if (ret)
		return __psb_broken(s, PYSANDBOX_ECHILD,
				    "cannot write to child: %s",
				    strerror(-ret));
	return 0;
}

int __psb_send_request(struct pysandbox *s, const char *method,
		       struct json_object *params, int64_t deadline,
		       int64_t *id)
{
	struct json_object *jid = json_object_new_int64(s->next_id);
	struct json_object *msg = sbp_request(jid, method, params);

	json_object_put(jid);
	*id = s->next_id++;
	return __psb_send(s, msg, deadline);
}

/* EOF from the child: it closed fd 4 or exited. */
static int child_gone(struct pysandbox *s)
{
	char how[128] = "closed its output";
	int st;

	if (__psb_reap(s, 1000, &st) == 0)
		__psb_describe_exit(st, how, sizeof(how));

	if (s->ended[0])
		return __psb_broken(s, PYSANDBOX_ECHILD,
				    "child %s after ending the session (%s)",
				    how, s->ended);
	return __psb_broken(s, PYSANDBOX_ECHILD,
			    "child %s while a reply was due", how);
}

static int malformed(struct pysandbox *s, int code, struct json_object *id)
{
	const char *name = sbp_code_name(code);

	if (s->closing)
		return 0;
	if (++s->malformed > MAX_MALFORMED)
		return __psb_broken(
			s, PYSANDBOX_EPROTO,
			"child sent %d malformed frames (last: %s); session ended",
			s->malformed, name);

	/* The spec answers every malformed frame and carries on. */
	return __psb_send(s, sbp_error(id, code, name, NULL),
			  __psb_short_deadline(s));
}

/* Has "result" or "error" and no "method": a response, even a broken
 * one, which is never answered (REQ-BAD-4). */
static bool response_shaped(struct json_object *root)
{
	return json_object_is_type(root, json_type_object) &&
	       !json_object_object_get_ex(root, "method", NULL) &&
	       (json_object_object_get_ex(root, "result", NULL) ||
		json_object_object_get_ex(root, "error", NULL));
}

static bool is_id(struct json_object *jid, int64_t id)
{
	return jid && json_object_is_type(jid, json_type_int) &&
	       json_object_get_int64(jid) == id;
}

/* A broken response fails our request if it names it, and is otherwise
 * dropped without a reply. */
static int bad_response(struct pysandbox *s, struct sbp_message *m, int64_t id)
{
	if (!is_id(m->id, id))
		return 0;
	return __psb_broken(s, PYSANDBOX_EPROTO,
			    "child sent a malformed response; session ended");
}

/* An error with id null names no request of ours (REQ-BAD-10). */
static int on_error(struct pysandbox *s, struct sbp_message *m, int64_t id)
{
	const char *name = sbp_code_name(m->error_code);

	if (!is_id(m->id, id))
		return 0;

	s->rpc_code = m->error_code;
	json_object_put(s->rpc_data);
	s->rpc_data = json_object_get(m->error_data);
	return __psb_fail(s, PYSANDBOX_EREMOTE, "%s: %s", name ? name : "error",
			  m->error_message);
}

static int on_notification(struct pysandbox *s, struct sbp_message *m)
{
	struct json_object *reason = NULL, *message = NULL;

	if (!strcmp(m->method, "output"))
		return __psb_handle_output(s, m->params);
	if (strcmp(m->method, "ended") != 0 ||
	    !json_object_is_type(m->params, json_type_object))
		return 0;

	json_object_object_get_ex(m->params, "reason", &reason);
	json_object_object_get_ex(m->params, "message", &message);
	snprintf(s->ended, sizeof(s->ended), "%s: %s",
		 reason ? json_object_get_string(reason) : "unknown",
		 message ? json_object_get_string(message) : "");
	return 0;
}

/* 1 when the reply to ID arrived (in *RESULT), 0 to keep waiting. */
static int handle_frame(struct pysandbox *s, const char *line, size_t len,
			int64_t id, struct json_object **result)
{
	struct sbp_message m;
	int ret = sbp_parse(line, len, &m);

	if (ret) {
		ret = response_shaped(m.root) ? bad_response(s, &m, id)
					      : malformed(s, ret, m.id);
		sbp_message_clear(&m);
		return ret;
	}

	switch (m.kind) {
	case SBP_RESPONSE:
		ret = is_id(m.id, id);
		if (ret)
			*result = json_object_get(m.result);
		break;
	case SBP_ERROR_RESPONSE:
		ret = on_error(s, &m, id);
		break;
	case SBP_REQUEST:
		ret = __psb_handle_request(s, &m);
		break;
	case SBP_NOTIFICATION:
		ret = on_notification(s, &m);
		break;
	}
	sbp_message_clear(&m);
	return ret;
}

static int drain_frames(struct pysandbox *s, int64_t id,
			struct json_object **result)
{
	const char *line;
	size_t len;
	int ret;

	for (;;) {
		switch (sbp_reader_next(s->reader, &line, &len)) {
		case SBP_FRAME_NONE:
			return 0;
		case SBP_FRAME_EOF:
			return child_gone(s);
		case SBP_FRAME_OVERSIZED:
			ret = malformed(s, SBP_FRAME_TOO_LARGE, NULL);
			break;
		case SBP_FRAME_OK:
			ret = handle_frame(s, line, len, id, result);
			break;
		}
		if (ret)
			return ret;
	}
}

/* Sends the cancel request that pysandbox_cancel() asked for, and
 * shortens the backstop to the grace period: a cancelled run must end
 * promptly or the child is killed. */
static int send_cancel(struct pysandbox *s, int64_t *deadline)
{
	int64_t grace = __psb_now_ms() + s->o->grace_ms;
	bool wanted;

	pthread_mutex_lock(&s->lock);
	wanted = s->running && s->cancel && !s->run.cancel_id;
	pthread_mutex_unlock(&s->lock);
	if (!wanted)
		return 0;

	if (grace < *deadline)
		*deadline = grace;
	return __psb_send_request(s, "cancel", NULL, *deadline,
				  &s->run.cancel_id);
}

static int wait_readable(struct pysandbox *s, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{.fd = s->from_child, .events = POLLIN},
		{.fd = s->wake[0], .events = POLLIN},
	};
	char drain[64];
	int n;

	do {
		n = poll(pfd, 2, remaining(deadline));
	} while (n < 0 && errno == EINTR);

	if (n < 0)
		return __psb_broken(s, -errno, "poll: %s", strerror(errno));
	if (n == 0 && __psb_now_ms() >= deadline)
		return __psb_broken(
			s, PYSANDBOX_ETIMEDOUT,
			"child sent no reply within the backstop; session ended");
	if (pfd[1].revents & POLLIN)
		while (read(s->wake[0], drain, sizeof(drain)) > 0)
			;
	return 0;
}

int __psb_wait_reply(struct pysandbox *s, int64_t id, int64_t deadline,
		     struct json_object **result)
{
	ssize_t n;
	int ret;

	*result = NULL;
	for (;;) {
		ret = drain_frames(s, id, result);
		if (ret)
			return ret < 0 ? ret : 0;

		ret = send_cancel(s, &deadline);
		if (!ret)
			ret = wait_readable(s, deadline);
		if (ret)
			return ret;

		n = sbp_reader_fill(s->reader);
		if (n < 0 && n != -EAGAIN)
			return __psb_broken(s, PYSANDBOX_ECHILD,
					    "cannot read from child: %s",
					    strerror((int)-n));
	}
}

/* Reads and drops the child's output until end of file or DEADLINE:
 * after shutdown nothing is answered, but the child must not block on
 * a full fd 4 (REQ-SHUT-3). */
void __psb_drain(struct pysandbox *s, int64_t deadline)
{
	struct pollfd pfd = {.fd = s->from_child, .events = POLLIN};
	char buf[4096];
	ssize_t n;
	int ready;

	for (;;) {
		ready = poll(&pfd, 1, remaining(deadline));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return;
		n = read(s->from_child, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
	}
}

int __psb_request(struct pysandbox *s, const char *method,
		  struct json_object *params, int64_t deadline,
		  struct json_object **result)
{
	int64_t id;
	int ret;

	ret = __psb_send_request(s, method, params, deadline, &id);
	if (ret)
		return ret;
	return __psb_wait_reply(s, id, deadline, result);
}
