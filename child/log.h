/* SPDX-License-Identifier: MIT */
/*
 * log.h - the child's own diagnostics: stderr only, never the protocol.
 *
 * Each line reads "sandbox[PID]: what failed: detail". Level 0 lines
 * (errors) always print; higher levels print when the parent's verbosity
 * setting reaches them.
 */
#ifndef SANDBOX_LOG_H
#define SANDBOX_LOG_H

extern int log_verbosity;

void log_line(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_line(0, __VA_ARGS__)
#define log_info(...)  log_line(1, __VA_ARGS__)
#define log_debug(...) log_line(2, __VA_ARGS__)
#define log_trace(...) log_line(3, __VA_ARGS__)

#endif
