/* SPDX-License-Identifier: MIT */
/* internal.h - shared state of libpysandbox's translation units. */
#ifndef PYSANDBOX_INTERNAL_H
#define PYSANDBOX_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <sys/types.h>

#include "pysandbox.h"
#include "sbproto.h"

#define EXPORT __attribute__((visibility("default")))

#define MAX_ENTRIES  256
#define MAX_HOST_FNS 256
#define MAX_TARGET   4096
#define MAX_LISTING  10000
#define MAX_GLOBS    64
#define MAX_FN_NAME  128
/* Malformed frames tolerated from the child in one session before it is
 * declared broken: the spec answers each and carries on, but a child
 * that only babbles must not keep the parent busy until the backstop. */
#define MAX_MALFORMED	   16
#define DEFAULT_GRACE_MS   5000
#define DEFAULT_REQUEST_MS 30000
/* How long the child may take to exit after shutdown or end of input
 * before SIGKILL (SPEC.md REQ-TIME-4, REQ-SHUT-3). */
#define CLOSE_WAIT_MS 2000
/* Longest wait for replies other than initialize and runs (REQ-TIME-3). */
#define OTHER_REQUEST_MS 5000
/* Bounds of a warm pool (REQ-WARM-8) and of its preload list, the
 * protocol's (schema/warm.json). */
#define MAX_PRELOAD	64
#define MAX_MODULE_NAME 128

struct host_fn {
	char *name;
	pysandbox_host_fn fn;
	void *userdata;
};

struct host_dir {
	char *target;
	const struct pysandbox_hostfs_ops *ops;
	void *userdata;
};

struct pysandbox_options {
	struct json_object *limits; /* object: name -> int */
	struct json_object *fs;	    /* array of filesystem entries */
	struct json_object *env;    /* object, NULL for the child's default */
	struct json_object *argv;   /* array, NULL for the default */
	char *cwd;
	char *child;
	bool defaults;
	int verbosity;
	int64_t grace_ms;
	int64_t request_ms;
	struct host_fn fns[MAX_HOST_FNS];
	size_t nfns;
	struct host_dir dirs[MAX_ENTRIES];
	size_t ndirs;
	char errmsg[512];
};

struct pysandbox_host_error {
	enum pysandbox_exc type;
	bool set;
	char message[1024];
};

struct pysandbox_dir {
	struct json_object *entries;
};

struct outbuf {
	char *data;
	size_t len;
	size_t cap;
};

enum state {
	ST_NEW,
	ST_READY,
	ST_ENDED,
};

/* The run in progress, if any. */
struct run {
	int64_t id;
	int64_t cancel_id; /* id of our cancel request, 0 before */
	size_t output;	   /* bytes of output seen in this run */
	bool truncated;
	struct outbuf out;
	struct outbuf err;
};

struct pysandbox {
	struct pysandbox_options *o;
	enum state state;
	pid_t pid;
	int to_child;	/* our end of the child's fd 3 */
	int from_child; /* our end of the child's fd 4 */
	int wake[2];	/* cancel() pokes the run loop through this pipe */
	struct sbp_reader *reader;
	size_t frame_max;
	int64_t next_id;
	int malformed;
	bool closing; /* shutdown sent: no child request is answered */
	struct json_object *info;
	int64_t wall_ms, output_bytes, host_call_bytes, file_bytes;
	int64_t warm_id; /* our unanswered warm request, 0 when none */
	char version[8]; /* for initialize; "" for SBP_VERSION */

	pysandbox_output_fn output_fn;
	void *output_ud;
	unsigned char *stdin_data;
	size_t stdin_len;
	char *filename; /* of the next execute, or NULL */

	pthread_mutex_t lock; /* guards running, cancel */
	bool running;
	bool cancel;
	struct run run;

	char ended[256]; /* reason and message of the ended notification */
	char errmsg[512];
	int rpc_code;
	struct json_object *rpc_data;
};

/* How __psb_spawn() starts a child. */
enum psb_spawn_flags {
	PSB_SPAWN_PLAIN = 0,
	/* Spawned by a SCHED_BATCH thread (the pool's refill thread): the
	 * child returns to SCHED_OTHER before exec. */
	PSB_SPAWN_SCHED_OTHER = 1 << 0,
};

/* error.c */
int __psb_fail(struct pysandbox *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int __psb_opt_fail(struct pysandbox_options *o, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int64_t __psb_now_ms(void);

/* session.c */
const char *__psb_child_path(const struct pysandbox_options *o);
int __psb_launch(struct pysandbox *s, const char *path,
		 enum psb_spawn_flags flags);
int __psb_send_initialize(struct pysandbox *s, int64_t deadline, int64_t *id);
int __psb_finish_initialize(struct pysandbox *s, int64_t id, int64_t deadline);
void __psb_forget_child(struct pysandbox *s);

/* options.c */
struct pysandbox_options *__psb_options_copy(const struct pysandbox_options *o);
struct json_object *__psb_init_params(const struct pysandbox *s);
bool __psb_valid_rel_path(const char *path);

/* trust.c */
/* Resolves PATH into REAL (PATH_MAX bytes) and checks that neither the
 * file nor a directory above it lets a user other than root and the
 * effective one replace it (SPEC.md REQ-SEC-12). 0, or PYSANDBOX_ESPAWN
 * with the message, naming the offending path and why, in S. */
int __psb_trusted_child(struct pysandbox *s, const char *path, char *real);

/* spawn.c */
int __psb_spawn(struct pysandbox *s, const char *path,
		enum psb_spawn_flags flags);
int __psb_reap(struct pysandbox *s, int64_t wait_ms, int *status);
void __psb_kill(struct pysandbox *s);
void __psb_end_child(struct pysandbox *s);
void __psb_describe_exit(int status, char *buf, size_t size);

/* io.c */
int __psb_send(struct pysandbox *s, struct json_object *msg, int64_t deadline);
int __psb_request(struct pysandbox *s, const char *method,
		  struct json_object *params, int64_t deadline,
		  struct json_object **result);
int __psb_send_request(struct pysandbox *s, const char *method,
		       struct json_object *params, int64_t deadline,
		       int64_t *id);
int __psb_wait_reply(struct pysandbox *s, int64_t id, int64_t deadline,
		     struct json_object **result);
int __psb_broken(struct pysandbox *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int64_t __psb_short_deadline(const struct pysandbox *s);
void __psb_drain(struct pysandbox *s, int64_t deadline);

/* host.c */
int __psb_handle_request(struct pysandbox *s, struct sbp_message *m);
int __psb_handle_output(struct pysandbox *s, struct json_object *params);

/* result.c */
int __psb_make_result(struct pysandbox *s, struct json_object *json,
		      struct pysandbox_result **out);
void __psb_outbuf_free(struct outbuf *b);
bool __psb_fatal_outcome(struct json_object *json);
bool __psb_valid_result(struct json_object *json);

#endif
