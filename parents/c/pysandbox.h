/* SPDX-License-Identifier: MIT */
/*
 * pysandbox.h - libpysandbox, the C parent of python-sandbox.
 *
 * The library starts the sandbox binary (the "child") as a process and
 * speaks protocol v1.1 (protocol/SPEC.md; 1.0 with older children) with
 * it on the child's fds 3 and 4. A session is one child process: one Python
 *interpreter whose state persists across runs (pysandbox_execute,
 *pysandbox_invoke) until it is closed or a fatal outcome ends it.
 *
 * Typical use:
 *
 *	struct pysandbox_options *o = pysandbox_options_new();
 *	pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_WALL_MS, 5000);
 *	struct pysandbox *s = pysandbox_new(o);
 *	pysandbox_options_free(o);
 *	if (pysandbox_start(s) == 0 &&
 *	    pysandbox_execute(s, "print(6 * 7)", &r) == 0) {
 *		... pysandbox_result_outcome(r), pysandbox_result_stdout(r) ...
 *		pysandbox_result_free(r);
 *	} else {
 *		fprintf(stderr, "%s\n", pysandbox_errmsg(s));
 *	}
 *	pysandbox_close(s);
 *
 * Errors. Every function returning int returns 0 on success or a negative
 * code: a negative errno for failures of the caller's input or of the
 * system (-EINVAL bad argument, -ENOMEM, -EBUSY a run is in progress or
 * a pool's configuration changed after it started children,
 * -ESRCH nothing to cancel, -E2BIG a size bound was exceeded, -ENOTSUP
 * the child reports the feature's capability false), or one of
 * the PYSANDBOX_E* codes below for failures of the child. Sessions and
 * options keep a one-line message describing their last failure
 * (pysandbox_errmsg, pysandbox_options_errmsg). The library never prints,
 * never changes signal dispositions and keeps no global state.
 *
 * Threads. Distinct sessions and options may be used from distinct
 * threads at the same time. One session is used by one thread at a time,
 * except pysandbox_cancel(), which any thread may call while another
 * thread runs code in the session (but not concurrently with or after
 * pysandbox_close()). Callbacks (host functions, host directories,
 * output) run on the thread that called execute/invoke/start.
 *
 * Child processes. The child is started with fork+exec in its own process
 * group, with stdin and stdout on /dev/null, stderr inherited (it carries
 * the child's diagnostics), an empty environment and no other descriptor.
 * It is always reaped: by pysandbox_close(), or as soon as the session
 * fails; idle children of a warm pool by the pool (see "warm pools").
 * The library does not install a SIGCHLD handler; an application that
 * sets SIGCHLD to SIG_IGN loses only the child's exit status in
 * messages.
 */
#ifndef PYSANDBOX_H
#define PYSANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version; make reads it from here for pysandbox.pc, the
 * shared library's file name and pysandbox --version. */
#define PYSANDBOX_VERSION "1.1.0"

/* ---- errors ---------------------------------------------------------- */

/* Library-specific error codes, below every errno value. */
enum pysandbox_error {
	/* The child could not be started: not found, not executable,
	 * one that a user other than root and the effective one could
	 * replace (SPEC.md REQ-SEC-12: the resolved file or a directory
	 * above it owned by such a user, or writable by group or others
	 * unless a sticky directory; the message names that path),
	 * fork/exec failed, or it exited before answering initialize. */
	PYSANDBOX_ESPAWN = -4001,
	/* The child broke the protocol: more than 16 malformed or
	 * oversized frames in a session, a reply or notification of the
	 * wrong shape (a RunResult without a known outcome, output that is
	 * not base64), an unsupported protocol version. The session has
	 * ended and the child has been reaped. */
	PYSANDBOX_EPROTO = -4002,
	/* The child closed its end or exited while a reply was due. It
	 * has been reaped; the message tells its exit status. */
	PYSANDBOX_ECHILD = -4003,
	/* The child neither answered nor read within the backstop (see
	 * pysandbox_options_set_backstop). The session has ended; the child
	 * got end of input, then SIGKILL 2 s later, and has been reaped. */
	PYSANDBOX_ETIMEDOUT = -4004,
	/* The child answered the request with a JSON-RPC error. The
	 * session may still be usable; see pysandbox_rpc_code() and
	 * pysandbox_rpc_data(). */
	PYSANDBOX_EREMOTE = -4005,
	/* The session has ended (a fatal outcome, a failure above, or it
	 * was never started) and takes no more requests. */
	PYSANDBOX_EENDED = -4006,
};

/* A static description of CODE (any value the library returns). */
const char *pysandbox_strerror(int code);

/* ---- options --------------------------------------------------------- */

struct pysandbox_options;

enum pysandbox_limit {
	PYSANDBOX_LIMIT_MEMORY_BYTES,
	PYSANDBOX_LIMIT_CPU_MS,
	PYSANDBOX_LIMIT_WALL_MS,
	PYSANDBOX_LIMIT_OUTPUT_BYTES,
	PYSANDBOX_LIMIT_OPEN_FILES,
	PYSANDBOX_LIMIT_THREADS,
	PYSANDBOX_LIMIT_HOST_CALL_BYTES,
	PYSANDBOX_LIMIT_FRAME_BYTES,
	PYSANDBOX_LIMIT_FILE_BYTES,
	PYSANDBOX_LIMIT_COUNT
};

/* The protocol name of LIMIT ("memory_bytes"), or NULL. */
const char *pysandbox_limit_name(enum pysandbox_limit limit);

enum pysandbox_device {
	PYSANDBOX_DEVICE_NULL,
	PYSANDBOX_DEVICE_ZERO,
	PYSANDBOX_DEVICE_URANDOM,
};

/* New options with every setting at the protocol's default (and the
 * default filesystem layout on). NULL on allocation failure. The caller
 * owns the result and frees it with pysandbox_options_free(). */
struct pysandbox_options *pysandbox_options_new(void);
void pysandbox_options_free(struct pysandbox_options *o);

/* The message of the last failed pysandbox_options_* call on O. Valid
 * until the next call on O. */
const char *pysandbox_options_errmsg(const struct pysandbox_options *o);

/* Sets LIMIT to VALUE (bytes, milliseconds or a count, as the name says).
 * -EINVAL when VALUE is negative, 0 for a limit other than output_bytes
 * and file_bytes (whose protocol ranges start at 0: with 0, any output
 * ends the run with PYSANDBOX_OUTPUT_LIMIT, and a file write fails with
 * EFBIG), or out of the protocol's range for frame_bytes (65536 ..=
 * 67108864). The child checks the rest and refuses initialize with
 * PYSANDBOX_EREMOTE / invalid_params when it disagrees. */
int pysandbox_options_set_limit(struct pysandbox_options *o,
				enum pysandbox_limit limit, int64_t value);

/*
 * Filesystem entries, in order; a later entry at the same target replaces
 * an earlier one. TARGET must be an absolute normalized sandbox path (no
 * ".", "..", "//" or trailing "/"), at most 4096 bytes; at most 256
 * entries. Strings and bytes are copied. -EINVAL for a bad target, -E2BIG
 * for too many entries, -ENOMEM.
 */

/* A read-only host directory or file SOURCE at TARGET. SOURCE is checked
 * by the child when the session starts. */
int pysandbox_options_add_bind(struct pysandbox_options *o, const char *source,
			       const char *target);

/* Adds an fnmatch glob (relative to the bind root, no leading "/") to
 * the include or exclude list of the most recently added bind. -EINVAL
 * when the last entry added is not a bind, -E2BIG beyond 64 globs. */
int pysandbox_options_bind_include(struct pysandbox_options *o,
				   const char *glob);
int pysandbox_options_bind_exclude(struct pysandbox_options *o,
				   const char *glob);

/* Inline read-only file: LEN bytes at DATA (copied), with MODE (e.g.
 * 0644). The whole initialize request, inline files included, must fit in
 * the protocol's first frame (1 MiB): pysandbox_start() fails with -E2BIG
 * otherwise. */
int pysandbox_options_add_file(struct pysandbox_options *o, const char *target,
			       const void *data, size_t len, unsigned int mode);

/* Writable in-memory directory. MAX_BYTES / MAX_FILES of 0 keep the
 * child's defaults (64 MiB, 4096 files). */
int pysandbox_options_add_tmpfs(struct pysandbox_options *o, const char *target,
				int64_t max_bytes, int64_t max_files);

int pysandbox_options_add_device(struct pysandbox_options *o,
				 const char *target,
				 enum pysandbox_device device);

/* Directory entry types of host directories. */
enum pysandbox_file_type {
	PYSANDBOX_FILE,
	PYSANDBOX_DIR,
};

/* Collects a listing; see pysandbox_dir_add(). */
struct pysandbox_dir;

/* Adds NAME (copied, one path component) to a listing. -EINVAL for a bad
 * name, -E2BIG beyond 10000 entries, -ENOMEM. */
int pysandbox_dir_add(struct pysandbox_dir *dir, const char *name,
		      enum pysandbox_file_type type);

/*
 * Callbacks answering the child's hostfs requests for one host
 * directory. PATH is relative to the directory ("" for its root),
 * normalized, without "..". Each returns 0 or one of -ENOENT, -ENOTDIR,
 * -EISDIR, -EACCES (any other value is reported to the code as EACCES).
 * A NULL callback answers -ENOENT.
 */
struct pysandbox_hostfs_ops {
	int (*stat)(void *userdata, const char *path,
		    enum pysandbox_file_type *type, uint64_t *size,
		    unsigned int *mode);
	/* *DATA is malloc()ed by the callback and freed by the library;
	 * files larger than the file_bytes limit are refused (EACCES). */
	int (*read)(void *userdata, const char *path, void **data, size_t *len);
	int (*list)(void *userdata, const char *path,
		    struct pysandbox_dir *dir);
};

/* A directory at TARGET whose contents OPS serve on demand. OPS and
 * USERDATA must outlive every session created from O. */
int pysandbox_options_add_host_dir(struct pysandbox_options *o,
				   const char *target,
				   const struct pysandbox_hostfs_ops *ops,
				   void *userdata);

/* Whether the child prepends its default layout (stdlib, /dev/null,
 * /tmp, ...). On by default. */
int pysandbox_options_set_defaults(struct pysandbox_options *o, bool on);

/* Sets variable NAME of the code's environment. The first call replaces
 * the child's default environment (PATH, HOME, LANG) with the variables
 * set here. -EINVAL when NAME is empty or contains '='. */
int pysandbox_options_set_env(struct pysandbox_options *o, const char *name,
			      const char *value);

/* sys.argv of the code: ARGC strings (copied). Default [""]. */
int pysandbox_options_set_argv(struct pysandbox_options *o, int argc,
			       const char *const *argv);

/* The code's working directory, an absolute sandbox path. Default /tmp. */
int pysandbox_options_set_cwd(struct pysandbox_options *o, const char *cwd);

/* The child binary. When unset: $PYSANDBOX_CHILD (ignored in setuid
 * programs), then PREFIX/libexec/python-sandbox/sandbox, PREFIX being
 * the library's install prefix. Each start resolves its symbolic links,
 * checks it as PYSANDBOX_ESPAWN says and executes the resolved file. */
int pysandbox_options_set_child(struct pysandbox_options *o, const char *path);

/* Detail of the child's stderr diagnostics, 0..3. */
int pysandbox_options_set_verbosity(struct pysandbox_options *o, int level);

/* The backstop (SPEC.md REQ-TIME-3): a run whose result has not come
 * GRACE_MS after its wall limit, initialize unanswered after REQUEST_MS,
 * or any other request unanswered after the smaller of REQUEST_MS and
 * 5000 ms ends the session with PYSANDBOX_ETIMEDOUT. A cancelled run
 * gets GRACE_MS from the cancel. Defaults 5000 and 30000; each
 * 1 ..= 3600000. */
int pysandbox_options_set_backstop(struct pysandbox_options *o,
				   int64_t grace_ms, int64_t request_ms);

/* ---- host functions --------------------------------------------------- */

/* The Python exception a host function's failure becomes in the code. */
enum pysandbox_exc {
	PYSANDBOX_EXC_SANDBOX_ERROR,
	PYSANDBOX_EXC_VALUE_ERROR,
	PYSANDBOX_EXC_TYPE_ERROR,
	PYSANDBOX_EXC_KEY_ERROR,
	PYSANDBOX_EXC_INDEX_ERROR,
	PYSANDBOX_EXC_LOOKUP_ERROR,
	PYSANDBOX_EXC_PERMISSION_ERROR,
	PYSANDBOX_EXC_FILE_NOT_FOUND_ERROR,
	PYSANDBOX_EXC_TIMEOUT_ERROR,
	PYSANDBOX_EXC_RUNTIME_ERROR,
};

/* The Python name of EXC ("ValueError"), or NULL. */
const char *pysandbox_exc_name(enum pysandbox_exc exc);

struct pysandbox_host_error;

/* Makes the current host call fail with Python exception TYPE and a
 * printf-style message (truncated to 1023 bytes). */
void pysandbox_host_error_set(struct pysandbox_host_error *error,
			      enum pysandbox_exc type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A host function. ARGS (array) and KWARGS (object) are borrowed for the
 * call. On success return 0 and store a new reference in *VALUE (or leave
 * it NULL for None); the library takes ownership. On failure return
 * non-zero after pysandbox_host_error_set() (without it the code sees
 * SandboxError "host function NAME failed"). A value whose JSON exceeds
 * the host_call_bytes limit becomes a SandboxError.
 */
typedef int (*pysandbox_host_fn)(void *userdata, const char *name,
				 struct json_object *args,
				 struct json_object *kwargs,
				 struct json_object **value,
				 struct pysandbox_host_error *error);

/* Lets the code call FN as NAME: an ASCII identifier of at most 128
 * characters, not exposed before (-EINVAL), at most 256 host functions
 * (-E2BIG). USERDATA must outlive every session created from O. */
int pysandbox_options_expose(struct pysandbox_options *o, const char *name,
			     pysandbox_host_fn fn, void *userdata);

/* ---- sessions -------------------------------------------------------- */

struct pysandbox;
struct pysandbox_result;

/* A session configured by a copy of O (O may be freed right after).
 * Nothing is started yet. NULL on allocation failure. */
struct pysandbox *pysandbox_new(const struct pysandbox_options *o);

/* Starts the child and sends initialize. 0 when the child accepted the
 * configuration; otherwise PYSANDBOX_ESPAWN, PYSANDBOX_EREMOTE (e.g.
 * invalid_params, filesystem_error, setup_failed: see pysandbox_rpc_*),
 * PYSANDBOX_EPROTO, PYSANDBOX_ECHILD, PYSANDBOX_ETIMEDOUT, -E2BIG (the
 * configuration does not fit in the first frame), -EINVAL (already
 * started). After a failure the session has ended; close it. */
int pysandbox_start(struct pysandbox *s);

/* One line describing the session's last failure ("" if none). Valid
 * until the next call on S. */
const char *pysandbox_errmsg(const struct pysandbox *s);

/* After PYSANDBOX_EREMOTE: the JSON-RPC error code (e.g. -32007) and its
 * "data" member (borrowed, may be NULL), valid until the next call on S. */
int pysandbox_rpc_code(const struct pysandbox *s);
struct json_object *pysandbox_rpc_data(const struct pysandbox *s);

/* The initialize result (versions, capabilities, isolation layers in
 * force, effective limits), borrowed; NULL before a successful start. */
struct json_object *pysandbox_info(const struct pysandbox *s);

enum pysandbox_stream {
	PYSANDBOX_STDOUT,
	PYSANDBOX_STDERR,
};

/* Receives the code's output as it is produced, in order. */
typedef void (*pysandbox_output_fn)(void *userdata,
				    enum pysandbox_stream stream,
				    const void *data, size_t len);

/* With FN set, output goes to FN and results carry none; with NULL (the
 * default) it is collected into each result. Either way at most the
 * output_bytes limit per run is kept; the child ends a run producing more
 * with outcome output_limit. */
void pysandbox_set_output(struct pysandbox *s, pysandbox_output_fn fn,
			  void *userdata);

/* Bytes the code reads from its stdin during the next run only (copied).
 * -E2BIG beyond 64 MiB; the run itself fails with -E2BIG when the request
 * (stdin grows by a third in base64) does not fit the frame limit. */
int pysandbox_set_stdin(struct pysandbox *s, const void *data, size_t len);

/* The file name the next execute reports in tracebacks and __file__
 * (copied; NULL for the default: "<string>", or the path). */
int pysandbox_set_filename(struct pysandbox *s, const char *filename);

/*
 * Runs CODE (or the sandbox file PATH) in the session's __main__ and
 * stores a new result in *RESULT, owned by the caller. A returned result
 * may have any outcome, including fatal ones, after which the session has
 * ended. Errors: -EINVAL (not started / bad argument), -EBUSY (a run is
 * in progress in another thread), -E2BIG (request over the frame limit),
 * -ENOTSUP (the child's capabilities say execute, or for
 * pysandbox_invoke() invoke, is false: nothing is sent, the session goes
 * on),
 * PYSANDBOX_EENDED, PYSANDBOX_EREMOTE, PYSANDBOX_EPROTO, PYSANDBOX_ECHILD,
 * PYSANDBOX_ETIMEDOUT (the last three end the session).
 */
int pysandbox_execute(struct pysandbox *s, const char *code,
		      struct pysandbox_result **result);
int pysandbox_execute_path(struct pysandbox *s, const char *path,
			   struct pysandbox_result **result);

/* Calls CALLABLE ("module.attr", "__main__.f") with ARGS (array or NULL)
 * and KWARGS (object or NULL), both borrowed. The return value is in
 * pysandbox_result_value(). Errors as pysandbox_execute(). */
int pysandbox_invoke(struct pysandbox *s, const char *callable,
		     struct json_object *args, struct json_object *kwargs,
		     struct pysandbox_result **result);

/* Asks the child to cancel the run in progress; that run then ends with
 * outcome "cancelled" (fatal). Safe from any thread; returns at once.
 * -ESRCH when no run is in progress, -ENOTSUP when the child's
 * capabilities say cancel is false. */
int pysandbox_cancel(struct pysandbox *s);

/* Reading back tmpfs files needs a usable session: after a fatal outcome
 * these return PYSANDBOX_EENDED (protocol 1.0 has no tmpfs requests in
 * the ended state), and -ENOTSUP when the child's capabilities say tmpfs
 * is false.
 *
 * Lists the tmpfs directory PATH recursively. *RESULT receives a new
 * reference to the child's answer {"entries":[...],"truncated":BOOL}.
 * PYSANDBOX_EREMOTE with not_found / not_tmpfs for bad paths. */
int pysandbox_tmpfs_list(struct pysandbox *s, const char *path,
			 struct json_object **result);

/* Reads the whole tmpfs file PATH into a new malloc()ed buffer (*DATA,
 * NUL-terminated for convenience, freed by the caller) of *LEN bytes.
 * -E2BIG when the file is larger than MAX bytes. */
int pysandbox_tmpfs_read(struct pysandbox *s, const char *path, size_t max,
			 void **data, size_t *len);

/* Shuts the session down as SPEC.md REQ-SHUT-3 says (shutdown request;
 * the child's last frames read and dropped until it closes fd 4; end of
 * input; SIGKILL if it has not exited 2 s after the shutdown answer),
 * reaps the child and frees S, whatever happens. Returns 0 when the
 * child ended cleanly or had already been reaped, PYSANDBOX_ETIMEDOUT
 * when it had to be killed, or the error of the shutdown request. S may
 * be NULL; otherwise S is freed and must not be used again. */
int pysandbox_close(struct pysandbox *s);

/* ---- warm pools ------------------------------------------------------ */

/*
 * A warm pool keeps children started ahead of need (SPEC.md "warm"): each
 * is spawned and sent warm, so that it confines its jail, starts Python
 * and imports the preload modules before any session is known. A session
 * started from the pool then costs only initialize, about a millisecond
 * instead of a cold start's tens.
 *
 * Each child serves one session only (REQ-WARM-8): a session started
 * from the pool owns its child exactly as pysandbox_start() would have
 * it, is closed with pysandbox_close(), and its child is never returned
 * to the pool. Nothing of one session is visible in the next; what a
 * warm session can see that a cold one could not is the interpreter's
 * state after the preload imports (REQ-WARM-7).
 *
 * Refill. Each pool has one thread of its own, started by the first
 * pysandbox_pool_fill() or pysandbox_pool_start() and joined by
 * pysandbox_pool_close(), with every signal blocked. It spawns a
 * replacement whenever the pool is short of children and sends it warm
 * without waiting for the answer, which is read when a session takes
 * that child; it also reaps idle children that exited, within a second.
 * pysandbox_pool_start() wakes it only once its own child has answered
 * initialize, so that the replacement's fork, exec and jail set-up do not
 * compete with that initialize for the CPU. The thread runs SCHED_BATCH
 * when the thread that started it was SCHED_OTHER, so that this wake-up
 * never preempts the caller: the fork waits for a free CPU or the next
 * tick. Its children go back to SCHED_OTHER before exec; their nice value
 * is the application's. A start thus costs the initialize of a warm child
 * and nothing else. After a failed spawn the
 * thread waits for the next pysandbox_pool_start() or _fill() rather
 * than retrying in a loop. If the thread cannot be created, the pool
 * refills on the thread that called pysandbox_pool_start(), after its
 * session has started.
 *
 * Fallbacks. A child that refuses warm as a 1.0 child does
 * (method_not_found, unsupported_version) is started with initialize as
 * 1.0 says (REQ-WARM-1). A warm that failed (setup_failed, e.g. a
 * preload module that does not exist; the child exited; no answer within
 * the session's initialize backstop) discards that child and starts the
 * session on a fresh cold child: the error reaches the caller only when
 * that fails too. pysandbox_pool_errmsg() tells why the last child was
 * discarded, and the stats count it as discarded.
 *
 * Back-off. A child that failed before a session reached it (its warm
 * failed, it exited while idle) usually fails again the same way: after
 * one, the pool starts no child for 200 ms, doubling with each such
 * failure in a row up to 30 s, and sessions meanwhile start cold; a
 * session started on a warm child ends the back-off. The message then
 * ends with "(no child started for N ms)". After a pause the pool keeps
 * one child only, and fills up to its size again once a session has
 * started on a child of the pool (the warm answer is read then), so a
 * configuration that still fails costs one child per pause. A child that
 * cannot be spawned at all stops the refill until the next
 * pysandbox_pool_start() or _fill() instead, with no back-off.
 *
 * Idle children that exit are reaped by the refill thread, and all
 * others by pysandbox_pool_close().
 * A C library has no destructor at process exit: a program that exits
 * without closing its pool leaves no session behind, since every idle
 * child gets end of input when the program's descriptors close and
 * exits, but they are then reaped by init rather than by the program.
 *
 * Root. A child started as root drops its privileges in warm, before the
 * session is known (REQ-WARM-9): the sources of a pooled session's bind
 * entries must be readable by the dropped identity (uid 65534). One that
 * is not is refused, by pysandbox_pool_start() with PYSANDBOX_EREMOTE /
 * filesystem_error or, with the current child, when the code opens it
 * (PermissionError), where a cold start would have read it.
 *
 * Threads. pysandbox_pool_start(), pysandbox_pool_fill() and
 * pysandbox_pool_stats() may be called from several threads at once on
 * one pool; a mutex guards the idle children, and no lock is held while
 * a child is spawned or a session waits for its child. The children are
 * forked from the refill thread as from any other: between fork and exec
 * the library calls only async-signal-safe functions. Configure the
 * pool (set_size, add_preload) before any of them, from one thread;
 * pysandbox_pool_close() must not run concurrently with any other call
 * on the pool. Sessions started from a pool follow the session rules
 * above and may outlive it.
 */

/* The largest pool size. */
#define PYSANDBOX_POOL_MAX 64

struct pysandbox_pool;

/* A new pool of size 2 (as in the PHP and Node parents) without preload
 * modules, starting its children
 * with the child binary, verbosity and backstop of a copy of O (NULL:
 * the defaults); the rest of O is ignored, each session brings its own
 * options. Nothing is started yet. NULL on allocation failure. Free it
 * with pysandbox_pool_close(), once. */
struct pysandbox_pool *pysandbox_pool_new(const struct pysandbox_options *o);

/* The message of the last failed pysandbox_pool_* call on P, or why the
 * last child was discarded or the refill thread failed ("" if none), as
 * a copy taken under the pool's lock (hence P not const). Valid until
 * the next pysandbox_pool_errmsg() or pysandbox_pool_close() on P; call
 * it from one thread at a time. */
const char *pysandbox_pool_errmsg(struct pysandbox_pool *p);

/* How many warm children P keeps ready, 1 ..= PYSANDBOX_POOL_MAX
 * (-EINVAL otherwise). -EBUSY once the pool has started children (a
 * pysandbox_pool_fill() that started none leaves it configurable). */
int pysandbox_pool_set_size(struct pysandbox_pool *p, int size);

/* Adds MODULE (copied) to the modules each child imports in warm, in
 * order: a dotted name of ASCII identifiers of at most 128 characters
 * (-EINVAL otherwise), at most 64 modules (-E2BIG). -EBUSY once the pool
 * has started children. */
int pysandbox_pool_add_preload(struct pysandbox_pool *p, const char *module);

/* Starts children on the calling thread, without waiting for their warm
 * answers, until the pool's size are idle or starting, and starts the
 * refill thread. 0, or the first failure (PYSANDBOX_ESPAWN when the
 * child cannot be executed, -ENOMEM), with the message in
 * pysandbox_pool_errmsg(). During a back-off (see "warm pools") it
 * starts nothing and returns 0, and after one it starts one child at
 * most until a session has started on a child of the pool. Optional:
 * the refill thread, which pysandbox_pool_start() starts too, fills the
 * pool as well. */
int pysandbox_pool_fill(struct pysandbox_pool *p);

/*
 * Starts the session S (new from pysandbox_new(), not started) on an
 * idle child of P: waits for that child's warm answer if it has not come
 * yet (bounded by S's initialize backstop), sends initialize with S's
 * options, then wakes the refill thread. With no idle child, S starts
 * cold on a new child. The child binary is P's; the rest is S's. Returns and
 * leaves S exactly as pysandbox_start() does: 0 when the child accepted
 * the configuration; otherwise the same errors, S has ended, close it.
 * The pool itself stays usable either way.
 */
int pysandbox_pool_start(struct pysandbox_pool *p, struct pysandbox *s);

/* Counters of a pool since pysandbox_pool_new(). */
struct pysandbox_pool_stats {
	uint64_t warm;	       /* sessions started on a warm child */
	uint64_t cold;	       /* sessions started cold: the pool was empty,
				* a child refused warm, or one was discarded */
	uint64_t discarded;    /* idle children reaped unused: their warm
				* failed, or they exited while idle */
	uint64_t spawned;      /* children started ahead of need */
	unsigned int idle;     /* children waiting now (warm or warming) */
	unsigned int starting; /* children being spawned now */
};

/* Copies P's counters into *STATS. */
void pysandbox_pool_stats(struct pysandbox_pool *p,
			  struct pysandbox_pool_stats *stats);

/* Closes P: joins the refill thread (waiting for a spawn in progress),
 * then every idle child gets end of input, those still running after
 * 2 s get SIGKILL, and all are reaped; then P is freed. Sessions
 * started from P are not touched. 0, or PYSANDBOX_ETIMEDOUT when a child
 * had to be killed. P may be NULL; otherwise P is freed and must not be
 * used again, not even closed a second time (as a session after
 * pysandbox_close()). */
int pysandbox_pool_close(struct pysandbox_pool *p);

/* ---- results --------------------------------------------------------- */

enum pysandbox_outcome {
	PYSANDBOX_OK,
	PYSANDBOX_EXCEPTION,
	PYSANDBOX_EXIT,
	PYSANDBOX_TIMEOUT,
	PYSANDBOX_CPU_LIMIT,
	PYSANDBOX_MEMORY_LIMIT,
	PYSANDBOX_OUTPUT_LIMIT,
	PYSANDBOX_VIOLATION,
	PYSANDBOX_CRASH,
	PYSANDBOX_CANCELLED,
};

/* The protocol name of OUTCOME ("memory_limit"), or NULL. */
const char *pysandbox_outcome_name(enum pysandbox_outcome outcome);

/* Accessors. Strings and json objects are borrowed from R and valid until
 * pysandbox_result_free(R). Absent values read as NULL, or -1 for
 * numbers. */
enum pysandbox_outcome
pysandbox_result_outcome(const struct pysandbox_result *r);
bool pysandbox_result_session_usable(const struct pysandbox_result *r);
int pysandbox_result_exit_status(const struct pysandbox_result *r);
int pysandbox_result_signal(const struct pysandbox_result *r);
const char *pysandbox_result_exception_type(const struct pysandbox_result *r);
const char *
pysandbox_result_exception_message(const struct pysandbox_result *r);
const char *
pysandbox_result_exception_traceback(const struct pysandbox_result *r);
struct json_object *pysandbox_result_value(const struct pysandbox_result *r);

/* A usage counter by protocol name ("wall_ms", "cpu_ms",
 * "peak_memory_bytes", "host_calls", ...), -1 when absent. */
int64_t pysandbox_result_usage(const struct pysandbox_result *r,
			       const char *name);

/* Violation details: syscall name, number, architecture. */
const char *
pysandbox_result_violation_syscall(const struct pysandbox_result *r);
int pysandbox_result_violation_number(const struct pysandbox_result *r);
const char *pysandbox_result_violation_arch(const struct pysandbox_result *r);

/* Output collected when no output callback was set: never NULL, always
 * NUL-terminated after *LEN bytes (LEN may be NULL). And whether output
 * beyond output_bytes was dropped. */
const void *pysandbox_result_stdout(const struct pysandbox_result *r,
				    size_t *len);
const void *pysandbox_result_stderr(const struct pysandbox_result *r,
				    size_t *len);
bool pysandbox_result_output_truncated(const struct pysandbox_result *r);

/* The RunResult object exactly as the child sent it. */
struct json_object *pysandbox_result_json(const struct pysandbox_result *r);

void pysandbox_result_free(struct pysandbox_result *r);

#ifdef __cplusplus
}
#endif

#endif
