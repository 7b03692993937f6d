/* SPDX-License-Identifier: MIT */
/*
 * supervisor.h - the child's protocol side: one session with one parent.
 *
 * The supervisor reads the parent's frames on fd 3, writes its own on
 * fd 4, starts the jail at initialize, answers the jail's forwarded calls,
 * relays host calls and output, enforces the per-run limits and reports
 * every run as one RunResult (protocol/SPEC.md).
 */
#ifndef SANDBOX_SUPERVISOR_H
#define SANDBOX_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "config.h"
#include "notify.h"
#include "sbproto.h"
#include "spawn.h"

#define PARENT_IN  3
#define PARENT_OUT 4

enum sup_state {
	ST_NEW,
	ST_WARM, /* protocol 1.1: the jail started, no session yet */
	ST_READY,
	ST_RUNNING,
	ST_ENDED,
};

struct run {
	struct json_object *id; /* the execute or invoke request's id */
	bool invoke;
	uint64_t started_ms, deadline_ms;
	uint64_t cpu_start_ns;
	uint64_t cpu_used_ms; /* as of the last limit check */
	uint64_t out_bytes, err_bytes;
	uint64_t host_calls, forwarded_start;
	const char *killed_for;	     /* outcome when the supervisor killed */
	struct json_object *call_id; /* host call awaiting the parent */
	struct json_object *result;  /* the jail's answer, if it gave one */
};

struct sup {
	enum sup_state state;
	struct sbp_reader *in;
	size_t frame_max;
	struct config cfg;
	bool have_cfg;
	struct install_paths ip;
	struct isolation iso;
	struct jail jail;
	bool jail_alive;
	struct sbp_reader *ctl;
	struct notify notify;
	struct run run;
	uint64_t next_call;
	struct json_object *hostfs_id; /* hostfs request awaiting the parent */
	const char *hostfs_method;
	int hostfs_scratch;
	uint64_t hostfs_listings;
	char fs_bad_target[PATH_MAX]; /* the entry vfs_finalize refused */
	char python[32];	      /* the jail's version, once ready */
	char preload_error[256];      /* why a module of preload failed */
	const char *preload_module;   /* that module (in cfg.preload) */
	char jail_step[64];	  /* a setup step the jail reported failed */
	const char *ended_reason; /* for the "ended" notification */
	char ended_message[256];
	uid_t drop_uid;
	gid_t drop_gid;
	bool quit;
	bool failed; /* an internal error ended the session */
};

/* Runs one session to its end; returns the process exit status. */
int supervisor_main(uid_t drop_uid, gid_t drop_gid);

/* ---- shared between supervisor.c, run.c and export.c ---------------- */

uint64_t sup_now_ms(void);
uint64_t sup_now_us(void);
bool sup_same_id(struct json_object *a, struct json_object *b);

/* {"field": POINTER}: the data of an invalid_params error. */
struct json_object *field_data(const char *pointer);
void sup_send(struct sup *s, struct json_object *msg);
void sup_reply_error(struct sup *s, struct json_object *id, int code,
		     const char *message, struct json_object *data);

/* run.c */
int run_start(struct sup *s, struct json_object *id, bool invoke,
	      struct json_object *params);
void run_on_control(struct sup *s);
void run_on_output(struct sup *s, int fd);
void run_on_exit(struct sup *s);
void run_on_violation(struct sup *s);
void run_on_host_reply(struct sup *s, struct sbp_message *m);
void run_check_limits(struct sup *s);
void run_end(struct sup *s, const char *outcome);
/* Releases what a run holds, answered or not (a session can end in one). */
void run_clear(struct sup *s);
int run_poll_timeout(struct sup *s);
int run_send_to_jail(struct sup *s, struct json_object *msg);

/* hostfs.c */
void hostfs_begin(struct sup *s);
bool hostfs_on_reply(struct sup *s, struct sbp_message *m);
void hostfs_abort(struct sup *s);

/* export.c */
void export_list(struct sup *s, struct json_object *id,
		 struct json_object *params);
void export_read(struct sup *s, struct json_object *id,
		 struct json_object *params);

#endif
