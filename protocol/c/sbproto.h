/* SPDX-License-Identifier: MIT */
/*
 * sbproto.h - protocol v1 building blocks shared by every C program of the
 * project: the child, the C parent and the mock child (protocol/SPEC.md).
 *
 * Frames are one JSON-RPC 2.0 message per LF-terminated UTF-8 line. The
 * reader never buffers more than the frame limit: an oversized frame is
 * discarded up to its LF and reported once. Messages are parsed with
 * json-c; byte payloads are base64 (libsodium, original variant).
 *
 * Nothing here prints or allocates behind the caller's back beyond what
 * each function documents; all functions are safe to use from several
 * threads on distinct objects. Errors are 0 or a negative errno unless a
 * function says otherwise.
 */
#ifndef SBPROTO_H
#define SBPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#define SBP_VERSION	  "1.1"
#define SBP_VERSION_MAJOR 1
#define SBP_VERSION_MINOR 1

/* Frame limits (bytes, LF included): before initialize, and allowed range
 * of limits.frame_bytes. */
#define SBP_FRAME_INITIAL (1024 * 1024)
#define SBP_FRAME_MIN	  (64 * 1024)
#define SBP_FRAME_MAX	  (64 * 1024 * 1024)

/* Longest string id, in bytes. */
#define SBP_ID_MAX 256

/* Deepest JSON nesting accepted; deeper input is a parse error. */
#define SBP_JSON_DEPTH 64

/* The error-code registry of SPEC.md. */
enum sbp_code {
	SBP_PARSE_ERROR = -32700,
	SBP_INVALID_REQUEST = -32600,
	SBP_METHOD_NOT_FOUND = -32601,
	SBP_INVALID_PARAMS = -32602,
	SBP_INTERNAL_ERROR = -32603,
	SBP_NOT_INITIALIZED = -32000,
	SBP_ALREADY_INITIALIZED = -32001,
	SBP_BUSY = -32002,
	SBP_SESSION_ENDED = -32003,
	SBP_FRAME_TOO_LARGE = -32004,
	SBP_UNSUPPORTED_VERSION = -32005,
	SBP_SETUP_FAILED = -32006,
	SBP_FILESYSTEM_ERROR = -32007,
	SBP_NOT_FOUND = -32008,
	SBP_NOT_TMPFS = -32009,
	SBP_IS_DIRECTORY = -32010,
	SBP_HOST_ERROR = -32050,
	SBP_FS_ERROR = -32051,
};

/* The registry name of CODE ("busy"), or NULL for an unregistered code. */
const char *sbp_code_name(int code);

/* ---- frame reader --------------------------------------------------- */

struct sbp_reader;

enum sbp_frame {
	SBP_FRAME_NONE,	     /* no complete frame buffered: read more */
	SBP_FRAME_OK,	     /* *line, *len hold one frame, LF stripped */
	SBP_FRAME_OVERSIZED, /* a frame over the limit was dropped */
	SBP_FRAME_EOF,	     /* peer closed; any partial frame dropped */
};

/* A reader of frames from FD, at most MAX bytes each (LF included).
 * Returns NULL on allocation failure. Does not own FD. */
struct sbp_reader *sbp_reader_new(int fd, size_t max);
void sbp_reader_free(struct sbp_reader *r);

/* Changes the frame limit (after initialize). Returns -EINVAL when MAX is
 * smaller than a frame already buffered. */
int sbp_reader_set_max(struct sbp_reader *r, size_t max);

/* One read(2) from the descriptor into the buffer; call when it is
 * readable. Returns bytes read (> 0), 0 at end of file, or -errno
 * (-EAGAIN for a non-blocking descriptor with nothing to read). */
ssize_t sbp_reader_fill(struct sbp_reader *r);

/* The next complete frame, if any. *LINE stays valid until the next call
 * on R and is NUL-terminated at *LEN. An oversized frame is reported once,
 * when its end is seen or as soon as it exceeds the limit. */
enum sbp_frame sbp_reader_next(struct sbp_reader *r, const char **line,
			       size_t *len);

/* ---- frame writer --------------------------------------------------- */

/* Serializes MSG as one frame and writes it all to FD, retrying on EINTR
 * and waiting with poll(2) on EAGAIN. -EMSGSIZE when the frame would
 * exceed MAX (nothing is written), -EPIPE when the peer is gone. */
int sbp_write(int fd, struct json_object *msg, size_t max);

/* As sbp_write(), for a non-blocking FD whose reader may be hostile:
 * gives up with -ETIMEDOUT when the peer leaves no room for TIMEOUT_MS
 * (a partial frame may then have been written: the stream is unusable). */
int sbp_write_timeout(int fd, struct json_object *msg, size_t max,
		      int timeout_ms);

/* ---- JSON-RPC envelope ---------------------------------------------- */

enum sbp_kind {
	SBP_REQUEST,
	SBP_NOTIFICATION,
	SBP_RESPONSE,
	SBP_ERROR_RESPONSE,
};

/* A parsed message. Every pointer borrows from ROOT, which the message
 * owns until sbp_message_clear(). */
struct sbp_message {
	enum sbp_kind kind;
	struct json_object *root;
	struct json_object *id;	    /* NULL for notifications */
	const char *method;	    /* requests and notifications */
	struct json_object *params; /* may be NULL */
	struct json_object *result; /* responses */
	int error_code;		    /* error responses */
	const char *error_message;  /* error responses */
	struct json_object *error_data;
};

/*
 * Parses one frame. Returns 0, or SBP_PARSE_ERROR (not JSON, not UTF-8,
 * nested deeper than SBP_JSON_DEPTH, trailing bytes) or SBP_INVALID_REQUEST
 * (JSON but not a JSON-RPC 2.0 message: wrong "jsonrpc", bad id type, NUL
 * in the method name, params neither object nor array...). For
 * SBP_INVALID_REQUEST, MSG->id holds the id when one could be read (so the
 * error can answer it) and MSG->root owns it; clear MSG in every case.
 */
int sbp_parse(const char *line, size_t len, struct sbp_message *msg);

/* Parses one JSON text of LEN bytes as strictly as sbp_parse() does
 * (UTF-8, SBP_JSON_DEPTH, nothing after the value), without requiring a
 * JSON-RPC envelope. A new reference, or NULL when it is not JSON. Note
 * that the JSON text "null" also yields NULL. */
struct json_object *sbp_parse_json(const char *line, size_t len);
void sbp_message_clear(struct sbp_message *msg);

/* Builders. Each takes ownership of the json_object arguments (params,
 * result, data; ID is copied) and returns a new message, or NULL on
 * allocation failure. A NULL id makes "id": null. */
struct json_object *sbp_request(struct json_object *id, const char *method,
				struct json_object *params);
struct json_object *sbp_notification(const char *method,
				     struct json_object *params);
struct json_object *sbp_response(struct json_object *id,
				 struct json_object *result);
struct json_object *sbp_error(struct json_object *id, int code,
			      const char *message, struct json_object *data);

/* ---- base64 --------------------------------------------------------- */

/* A new json string holding DATA base64-encoded, or NULL. */
struct json_object *sbp_b64_new(const void *data, size_t len);

/* Decodes the base64 string OBJ into a new buffer (*OUT, NUL-terminated
 * for convenience, freed with free()) of *LEN bytes, refusing more than
 * MAX decoded bytes. -EINVAL for a non-string or invalid base64, -E2BIG,
 * -ENOMEM. */
int sbp_b64_decode(struct json_object *obj, size_t max, unsigned char **out,
		   size_t *len);

/* ---- typed field access --------------------------------------------- */

/* Field NAME of object OBJ if present with JSON type TYPE; NULL if absent.
 * *BAD is set to true when the field is present with another type (or is
 * null), so "absent" and "wrong type" stay distinct. */
struct json_object *sbp_field(struct json_object *obj, const char *name,
			      enum json_type type, bool *bad);

#endif
