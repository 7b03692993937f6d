/* SPDX-License-Identifier: MIT */
/*
 * jail.h - the confined process: limits, Landlock, seccomp, then CPython.
 *
 * The supervisor starts the jail by executing sandbox-jail (installed
 * beside it; the only binary linked with libpython) with JAIL_ARG in
 * argv[1], in fresh namespaces, with descriptors 0 (stdin), 1
 * and 2 (output pipes) and JAIL_CONTROL_FD (a stream socket to the
 * supervisor) and nothing else. The jail reads its settings from the
 * control socket, confines itself, passes the seccomp listener to the
 * supervisor, starts CPython and then serves run commands until it is
 * killed. Nothing the jail does after the filter is loaded is trusted.
 *
 * Messages on the control socket are LF-terminated JSON objects with a
 * "t" member (docs/architecture.md, "Control channel").
 */
#ifndef SANDBOX_JAIL_H
#define SANDBOX_JAIL_H

#define JAIL_ARG "--jail-internal"

/* Descriptors that live only across the jail's exec. */
#define JAIL_EXE_FD	 4
#define JAIL_SHIM_FD	 5
#define JAIL_SHIM_FD_STR "5"

/* Where the supervisor mounts the in-sandbox Python package. */
#define JAIL_LIB_DIR "/usr/lib/python-sandbox"

/* Runs the jail; never returns. */
void jail_main(void) __attribute__((noreturn));

#endif
