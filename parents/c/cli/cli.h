/* SPDX-License-Identifier: MIT */
/* cli.h - the pysandbox command: shared declarations. */
#ifndef PYSANDBOX_CLI_H
#define PYSANDBOX_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "pysandbox.h"

/* Exit statuses besides the program's own (docs/cli.md has the table). */
enum cli_status {
	ST_OK = 0,
	ST_EXCEPTION = 1,
	ST_CPU_LIMIT = 113,
	ST_MEMORY_LIMIT = 114,
	ST_OUTPUT_LIMIT = 115,
	ST_VIOLATION = 116,
	ST_CRASH = 117,
	ST_CANCELLED = 118,
	ST_NO_FILE = 120,
	ST_UNREADABLE = 121,
	ST_BIND_SOURCE = 122,
	ST_BAD_VALUE = 123,
	ST_TIMEOUT = 124,
	ST_USAGE = 125,
	ST_NO_CHILD = 126,
	ST_PROTOCOL = 127,
};

/* Largest stdin passed to the code: the child takes at most 1 MiB of
 * stdin_data (it writes it into a pipe before the code runs), so more
 * is refused here, before a child is started. */
#define CLI_STDIN_MAX (1024 * 1024)

struct cli {
	struct pysandbox_options *o;
	const char *code;   /* -c CODE */
	const char *script; /* FILE */
	char **args;	    /* arguments after FILE or CODE */
	int nargs;
	bool json;
	bool frame_set;
	int verbosity;
	char *target; /* sandbox path of the script */
	char *stdin_data;
	size_t stdin_len;
	const char *cwd; /* --cwd */
	char **entries;	 /* what added each filesystem entry, in order */
	size_t nentries;
};

/* Prints "pysandbox: MESSAGE" on stderr (and, with --json, an error
 * object on stdout) and returns STATUS. */
int cli_fail(const struct cli *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records that filesystem entry number c->nentries came from WHAT
 * ("--tmpfs /out:1K"), for messages naming the option; 0 or an exit
 * status. */
int cli_note_entry(struct cli *c, const char *opt, const char *arg);

/* The option that set limit NAME ("memory_bytes"), without "--", or NULL. */
const char *cli_limit_option(const char *name);

/* Parses the command line into C. 0 to go on, -1 when --help/--version
 * answered, else an exit status. */
int cli_parse(struct cli *c, int argc, char **argv);

/* Writes N bytes at P to FD, retrying after signals; gives up silently
 * on an error (the terminal or pipe is gone: nothing to report it to). */
void cli_write_all(int fd, const char *p, size_t n);

/* Reads all of FD, at most MAX bytes, into a new NUL-terminated buffer.
 * 0, -E2BIG or -errno. */
int cli_read_fd(int fd, size_t max, char **buf, size_t *len);

/* Reads host file PATH (at most 1 MiB, for an inline entry) into a new
 * buffer; 0 or an exit status (after a message). */
int cli_read_host_file(struct cli *c, const char *path, char **buf, size_t *len,
		       unsigned int *mode);

/* Loads FILE (the script) as an inline file entry at /sandbox/NAME and
 * reads stdin; 0 or an exit status. */
int cli_load_inputs(struct cli *c);

/* DATA (N bytes of untrusted output) as a new JSON string, invalid UTF-8
 * replaced by U+FFFD. NULL on allocation failure. */
struct json_object *cli_text(const void *data, size_t n);

/* Starts the session and runs the code; returns the exit status. */
int cli_run(struct cli *c);

/*
 * The child's diagnostics without -v. A refusal at start is explained by
 * the CLI in one line, so the child's own line about it is dropped; every
 * other diagnostic is passed on to stderr, in order with the CLI's own
 * messages (call cli_diag_flush() before one).
 */
struct cli_diag;

enum cli_diag_held {
	CLI_DIAG_DROP,	  /* the CLI explains the start's failure itself */
	CLI_DIAG_FORWARD, /* the start succeeded, or failed unexplained */
};

/* A pipe for the child's stderr, its write end in *WFD (close-on-exec;
 * the caller closes it once the child has it), and a thread that holds
 * what comes until cli_diag_release(). NULL on failure. */
struct cli_diag *cli_diag_open(int *wfd);

/* Ends the holding: what was written so far is dropped or forwarded, as
 * HELD says; what comes later is forwarded as it comes. D may be NULL. */
void cli_diag_release(struct cli_diag *d, enum cli_diag_held held);

/* Forwards what the child has written so far. D may be NULL. */
void cli_diag_flush(struct cli_diag *d);

/* Forwards the rest, waiting for end of file (the child has exited), a
 * quiet tick or at most a second, and frees D. D may be NULL. */
void cli_diag_close(struct cli_diag *d);

#endif
