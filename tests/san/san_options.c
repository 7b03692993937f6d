// SPDX-License-Identifier: MIT
/*
 * san_options.c - sanitizer settings compiled into the ASan + UBSan
 * builds of the supervisor and the C parent (tests/san.mk), and only
 * into them.
 *
 * Compiled in rather than read from ASAN_OPTIONS because the conformance
 * runner starts the child with an empty environment, and a parent may
 * clear it too.  Every report goes to SAN_LOG_DIR/<prog>.<pid> (the
 * make target fails when that directory is not empty afterwards) as well
 * as ending the process: a report in a process whose exit status nobody
 * checks (the jail's init, a child killed at the end of a case) is still
 * seen.
 *
 * SAN_DETECT_LEAKS is 0 or 1.  SAN_LSAN_SUPP names LeakSanitizer's
 * suppressions (tests/san/lsan.supp: known leaks, each with its report).
 *
 * With SAN_CANARY_LEAK in its environment, a program leaks one block at
 * start-up: tests/san/run.sh uses it to prove that a report made at the
 * very end of a session (after the privilege drop and the supervisor's
 * filter) reaches the directory it checks.
 */
#include <stdlib.h>

#ifndef SAN_LOG_DIR
#error "SAN_LOG_DIR must name the report directory"
#endif
#ifndef SAN_PROG
#error "SAN_PROG must name the program"
#endif
#ifndef SAN_DETECT_LEAKS
#error "SAN_DETECT_LEAKS must be 0 or 1"
#endif
#ifndef SAN_LSAN_SUPP
#error "SAN_LSAN_SUPP must name the suppressions file"
#endif

#define LOG "log_path=" SAN_LOG_DIR "/" SAN_PROG

#if SAN_DETECT_LEAKS
#define LEAKS ":detect_leaks=1"
#else
#define LEAKS ":detect_leaks=0"
#endif

/* fast_unwind_on_malloc=0: json-c and libc have no frame pointers, and
 * a leak's stack would stop at their first frame.  verify_asan_link_order
 * =0: the conformance suite preloads a fault shim into the child for
 * some cases (conformance/faultshim), ahead of the ASan runtime. */
#define ASAN_OPTIONS                                                           \
	LOG LEAKS ":halt_on_error=1:abort_on_error=0:exitcode=86"              \
		  ":detect_stack_use_after_return=1"                           \
		  ":strict_string_checks=1:check_initialization_order=1"       \
		  ":fast_unwind_on_malloc=0:verify_asan_link_order=0"

#define EXPORT __attribute__((visibility("default"), used))

EXPORT const char *__asan_default_options(void);
EXPORT const char *__lsan_default_options(void);
EXPORT const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return ASAN_OPTIONS;
}

const char *__lsan_default_options(void)
{
	return LOG ":exitcode=86:print_suppressions=0"
		   ":suppressions=" SAN_LSAN_SUPP;
}

const char *__ubsan_default_options(void)
{
	return LOG ":halt_on_error=1:print_stacktrace=1";
}

/* The block's only pointer is dropped, so LeakSanitizer reports it as
 * allocated from san_canary_leak. */
__attribute__((constructor)) static void san_canary_leak(void)
{
	static void *volatile block;

	if (!getenv("SAN_CANARY_LEAK"))
		return;
	block = malloc(4242);
	block = NULL;
	(void)block;
}
