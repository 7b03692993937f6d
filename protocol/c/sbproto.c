/* SPDX-License-Identifier: MIT */
/* sbproto.c - frames, JSON-RPC envelope and base64 of protocol v1. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sbproto.h"

#define EXPORT __attribute__((visibility("default")))

static const struct {
	int code;
	const char *name;
} codes[] = {
	{SBP_PARSE_ERROR, "parse_error"},
	{SBP_INVALID_REQUEST, "invalid_request"},
	{SBP_METHOD_NOT_FOUND, "method_not_found"},
	{SBP_INVALID_PARAMS, "invalid_params"},
	{SBP_INTERNAL_ERROR, "internal_error"},
	{SBP_NOT_INITIALIZED, "not_initialized"},
	{SBP_ALREADY_INITIALIZED, "already_initialized"},
	{SBP_BUSY, "busy"},
	{SBP_SESSION_ENDED, "session_ended"},
	{SBP_FRAME_TOO_LARGE, "frame_too_large"},
	{SBP_UNSUPPORTED_VERSION, "unsupported_version"},
	{SBP_SETUP_FAILED, "setup_failed"},
	{SBP_FILESYSTEM_ERROR, "filesystem_error"},
	{SBP_NOT_FOUND, "not_found"},
	{SBP_NOT_TMPFS, "not_tmpfs"},
	{SBP_IS_DIRECTORY, "is_directory"},
	{SBP_HOST_ERROR, "host_error"},
	{SBP_FS_ERROR, "fs_error"},
};

EXPORT const char *sbp_code_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return NULL;
}

/* ---- frame reader --------------------------------------------------- */

struct sbp_reader {
	int fd;
	size_t max;	 /* frame limit, LF included */
	char *buf;	 /* max + 1 bytes: room for a NUL after a frame */
	size_t start;	 /* first unconsumed byte */
	size_t len;	 /* bytes buffered from start */
	size_t scanned;	 /* bytes after start known to hold no LF */
	bool discarding; /* inside an oversized frame, dropping to LF */
	bool eof;
};

EXPORT struct sbp_reader *sbp_reader_new(int fd, size_t max)
{
	struct sbp_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;

	r->fd = fd;
	r->max = max;
	r->buf = malloc(max + 1);
	if (!r->buf) {
		free(r);
		return NULL;
	}
	return r;
}

EXPORT void sbp_reader_free(struct sbp_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

static void reader_compact(struct sbp_reader *r)
{
	if (r->start == 0)
		return;
	memmove(r->buf, r->buf + r->start, r->len);
	r->start = 0;
}

/* A new buffer and a copy of the bytes buffered, not realloc(): once
 * glibc has raised its mmap threshold (after the first free of a frame
 * buffer) the old buffer lives on the heap, and realloc() copies all of
 * it, max + 1 bytes, into pages never touched before. In a C parent's
 * warm start that was 0.4-0.8 ms of the 1 ms it may take. */
EXPORT int sbp_reader_set_max(struct sbp_reader *r, size_t max)
{
	char *buf;

	if (max < r->len)
		return -EINVAL;

	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, r->buf + r->start, r->len);
	free(r->buf);

	r->buf = buf;
	r->start = 0;
	r->max = max;
	return 0;
}

EXPORT ssize_t sbp_reader_fill(struct sbp_reader *r)
{
	ssize_t n;

	reader_compact(r);

	/* A full buffer without LF is an oversized frame: next() drops it,
	 * so there is always room here when next() was called first. */
	if (r->len >= r->max)
		return -ENOBUFS;

	do {
		n = read(r->fd, r->buf + r->len, r->max - r->len);
	} while (n < 0 && errno == EINTR);

	if (n < 0)
		return -errno;
	if (n == 0)
		r->eof = true;
	r->len += (size_t)n;
	return n;
}

/* Drops buffered bytes of an oversized frame; true when its LF was seen. */
static bool reader_skip(struct sbp_reader *r)
{
	char *lf = memchr(r->buf + r->start, '\n', r->len);
	size_t n;

	if (!lf) {
		r->start += r->len;
		r->len = 0;
		return false;
	}

	n = (size_t)(lf - (r->buf + r->start)) + 1;
	r->start += n;
	r->len -= n;
	r->discarding = false;
	r->scanned = 0;
	return true;
}

EXPORT enum sbp_frame sbp_reader_next(struct sbp_reader *r, const char **line,
				      size_t *len)
{
	char *base, *lf;

	if (r->discarding)
		reader_skip(r);

	base = r->buf + r->start;
	lf = r->discarding
		     ? NULL
		     : memchr(base + r->scanned, '\n', r->len - r->scanned);
	if (lf) {
		*len = (size_t)(lf - base);
		*lf = '\0';
		*line = base;
		r->start += *len + 1;
		r->len -= *len + 1;
		r->scanned = 0;
		return SBP_FRAME_OK;
	}

	r->scanned = r->len;
	if (!r->discarding && r->len >= r->max) {
		/* Report now rather than at the LF, which may never come. */
		r->discarding = true;
		r->scanned = 0;
		reader_skip(r);
		return SBP_FRAME_OVERSIZED;
	}

	if (r->eof) {
		r->start += r->len;
		r->len = 0;
		r->scanned = 0;
		r->discarding = false;
		return SBP_FRAME_EOF;
	}
	return SBP_FRAME_NONE;
}

/* ---- frame writer --------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all N bytes; waits for room at most until DEADLINE (ms on the
 * monotonic clock, -1 for no limit). */
static int write_all(int fd, const char *p, size_t n, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	int64_t left;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return -errno;
		if (w == 0)
			return -EIO;

		left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

EXPORT int sbp_write_timeout(int fd, struct json_object *msg, size_t max,
			     int timeout_ms)
{
	const int flags =
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	size_t len;
	const char *s;
	char *frame;
	int ret;

	s = json_object_to_json_string_length(msg, flags, &len);
	if (!s)
		return -ENOMEM;
	if (len + 1 > max)
		return -EMSGSIZE;

	/* One write(2) per frame keeps frames whole on a shared pipe. */
	frame = malloc(len + 1);
	if (!frame)
		return -ENOMEM;
	memcpy(frame, s, len);
	frame[len] = '\n';

	ret = write_all(fd, frame, len + 1, deadline);
	free(frame);
	return ret;
}

EXPORT int sbp_write(int fd, struct json_object *msg, size_t max)
{
	return sbp_write_timeout(fd, msg, max, -1);
}

/* ---- JSON-RPC envelope ---------------------------------------------- */

EXPORT struct json_object *sbp_parse_json(const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(SBP_JSON_DEPTH);
	struct json_object *obj;

	if (!tok)
		return NULL;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);

	/* Incomplete input, or bytes left after the value, is not one
	 * message. */
	if (obj && (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != len)) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* Ids every peer can hold exactly: strings of at most SBP_ID_MAX bytes,
 * integers within JavaScript's safe range (SPEC: REQ-ID). */
static bool valid_id(struct json_object *id)
{
	const int64_t safe = 9007199254740991LL;
	int64_t v;

	switch (json_object_get_type(id)) {
	case json_type_string:
		return json_object_get_string_len(id) <= SBP_ID_MAX;
	case json_type_int:
		v = json_object_get_int64(id);
		return v >= -safe && v <= safe;
	default:
		return false;
	}
}

static bool plain_string(struct json_object *s)
{
	const char *p = json_object_get_string(s);

	return (size_t)json_object_get_string_len(s) == strlen(p);
}

static int parse_call(struct sbp_message *msg, struct json_object *method)
{
	struct json_object *params = NULL;

	if (!json_object_is_type(method, json_type_string) ||
	    !plain_string(method))
		return SBP_INVALID_REQUEST;

	if (json_object_object_get_ex(msg->root, "params", &params) &&
	    !json_object_is_type(params, json_type_object) &&
	    !json_object_is_type(params, json_type_array))
		return SBP_INVALID_REQUEST;

	msg->method = json_object_get_string(method);
	msg->params = params;
	msg->kind = msg->id ? SBP_REQUEST : SBP_NOTIFICATION;
	return 0;
}

static int parse_error_object(struct sbp_message *msg, struct json_object *e)
{
	struct json_object *code, *message;

	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "code", &code) ||
	    !json_object_is_type(code, json_type_int) ||
	    !json_object_object_get_ex(e, "message", &message) ||
	    !json_object_is_type(message, json_type_string))
		return SBP_INVALID_REQUEST;

	msg->kind = SBP_ERROR_RESPONSE;
	msg->error_code = json_object_get_int(code);
	msg->error_message = json_object_get_string(message);
	json_object_object_get_ex(e, "data", &msg->error_data);
	return 0;
}

static int parse_reply(struct sbp_message *msg)
{
	struct json_object *result, *error;
	bool has_result, has_error;

	has_result = json_object_object_get_ex(msg->root, "result", &result);
	has_error = json_object_object_get_ex(msg->root, "error", &error);
	if (has_result == has_error)
		return SBP_INVALID_REQUEST;

	if (has_error)
		return parse_error_object(msg, error);

	if (!msg->id)
		return SBP_INVALID_REQUEST;
	msg->kind = SBP_RESPONSE;
	msg->result = result;
	return 0;
}

EXPORT int sbp_parse(const char *line, size_t len, struct sbp_message *msg)
{
	struct json_object *version, *id = NULL, *method;

	memset(msg, 0, sizeof(*msg));
	msg->root = sbp_parse_json(line, len);
	if (!msg->root)
		return SBP_PARSE_ERROR;
	if (!json_object_is_type(msg->root, json_type_object))
		return SBP_INVALID_REQUEST;

	if (json_object_object_get_ex(msg->root, "id", &id) && id &&
	    valid_id(id))
		msg->id = id;

	if (!json_object_object_get_ex(msg->root, "jsonrpc", &version) ||
	    !json_object_is_type(version, json_type_string) ||
	    strcmp(json_object_get_string(version), "2.0") != 0)
		return SBP_INVALID_REQUEST;

	/* An id that is present but neither string nor integer (null is
	 * allowed only in error responses) makes the message invalid. */
	if (id && !msg->id &&
	    json_object_object_get_ex(msg->root, "method", NULL))
		return SBP_INVALID_REQUEST;

	if (json_object_object_get_ex(msg->root, "method", &method))
		return parse_call(msg, method);
	return parse_reply(msg);
}

EXPORT void sbp_message_clear(struct sbp_message *msg)
{
	json_object_put(msg->root);
	memset(msg, 0, sizeof(*msg));
}

static struct json_object *envelope(struct json_object *id)
{
	struct json_object *m = json_object_new_object();

	if (!m)
		return NULL;
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	if (id != (struct json_object *)-1)
		json_object_object_add(m, "id", json_object_get(id));
	return m;
}

EXPORT struct json_object *sbp_request(struct json_object *id,
				       const char *method,
				       struct json_object *params)
{
	struct json_object *m = envelope(id);

	if (!m) {
		json_object_put(params);
		return NULL;
	}
	json_object_object_add(m, "method", json_object_new_string(method));
	json_object_object_add(m, "params",
			       params ? params : json_object_new_object());
	return m;
}

EXPORT struct json_object *sbp_notification(const char *method,
					    struct json_object *params)
{
	return sbp_request((struct json_object *)-1, method, params);
}

EXPORT struct json_object *sbp_response(struct json_object *id,
					struct json_object *result)
{
	struct json_object *m = envelope(id);

	if (!m) {
		json_object_put(result);
		return NULL;
	}
	json_object_object_add(m, "result",
			       result ? result : json_object_new_object());
	return m;
}

EXPORT struct json_object *sbp_error(struct json_object *id, int code,
				     const char *message,
				     struct json_object *data)
{
	struct json_object *m = envelope(id);
	struct json_object *e = json_object_new_object();

	if (!m || !e) {
		json_object_put(m);
		json_object_put(e);
		json_object_put(data);
		return NULL;
	}
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	if (data)
		json_object_object_add(e, "data", data);
	json_object_object_add(m, "error", e);
	return m;
}

/* ---- base64 --------------------------------------------------------- */

EXPORT struct json_object *sbp_b64_new(const void *data, size_t len)
{
	size_t cap =
		sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	struct json_object *s;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	sodium_bin2base64(out, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
	s = json_object_new_string_len(out, (int)(cap - 1));
	free(out);
	return s;
}

EXPORT int sbp_b64_decode(struct json_object *obj, size_t max,
			  unsigned char **out, size_t *len)
{
	const char *s;
	size_t slen, cap, n;
	unsigned char *buf;

	if (!json_object_is_type(obj, json_type_string))
		return -EINVAL;

	s = json_object_get_string(obj);
	slen = (size_t)json_object_get_string_len(obj);
	cap = slen / 4 * 3;
	if (slen % 4 != 0)
		return -EINVAL;
	if (cap > max + 2)
		return -E2BIG;

	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	if (sodium_base642bin(buf, cap, s, slen, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(buf);
		return -EINVAL;
	}
	if (n > max) {
		free(buf);
		return -E2BIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* ---- typed field access --------------------------------------------- */

EXPORT struct json_object *sbp_field(struct json_object *obj, const char *name,
				     enum json_type type, bool *bad)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, name, &v))
		return NULL;
	if (!v || !json_object_is_type(v, type)) {
		*bad = true;
		return NULL;
	}
	return v;
}
