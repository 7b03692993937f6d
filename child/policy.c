/* SPDX-License-Identifier: MIT */
/* policy.c - the seccomp policy of the jail (docs/architecture.md). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "policy.h"

/* Calls not in the table: "not implemented" is what programs expect from
 * a kernel that lacks a call, and they fall back gracefully. */
#define POLICY_DEFAULT SCMP_ACT_ERRNO(ENOSYS)

#define A(n, w)                                                                \
	{                                                                      \
		n, POL_ALLOW, 0, w                                             \
	}
#define F(n, w)                                                                \
	{                                                                      \
		n, POL_FORWARD, 0, w                                           \
	}
#define K(n, w)                                                                \
	{                                                                      \
		n, POL_KILL, 0, w                                              \
	}
#define E(n, e, w)                                                             \
	{                                                                      \
		n, POL_ERRNO, e, w                                             \
	}

const struct policy_rule policy_rules[] = {
	/* Descriptors the jail already holds: native speed. */
	A("read", "I/O on held descriptors"),
	A("write", "I/O on held descriptors"),
	A("readv", "I/O on held descriptors"),
	A("writev", "I/O on held descriptors"),
	A("pread64", "I/O on held descriptors"),
	A("pwrite64", "I/O on held descriptors"),
	A("preadv", "I/O on held descriptors"),
	A("pwritev", "I/O on held descriptors"),
	A("preadv2", "I/O on held descriptors"),
	A("pwritev2", "I/O on held descriptors"),
	A("lseek", "I/O on held descriptors"),
	A("sendfile", "I/O between held descriptors"),
	A("copy_file_range", "I/O between held descriptors"),
	A("splice", "I/O between held descriptors"),
	A("tee", "I/O between held descriptors"),
	A("close", "descriptor table"),
	A("close_range", "descriptor table"),
	A("dup", "descriptor table"),
	A("dup2", "descriptor table"),
	A("dup3", "descriptor table"),
	F("flock", "locks: the jail's own files only, never the host's"),
	A("fstat", "metadata of a held descriptor"),
	A("fstatfs", "metadata of a held descriptor"),
	A("fsync", "held files"),
	A("fdatasync", "held files"),
	A("ftruncate", "held files; tmpfs quota bounds growth"),
	A("fallocate", "held files; tmpfs quota bounds growth"),
	A("fadvise64", "held files"),
	A("fchmod", "held files; the kernel checks ownership"),
	A("getdents64", "listing a held directory"),
	A("getdents", "listing a held directory"),
	/* Memory: bounded by RLIMIT_AS. */
	A("mmap", "memory; RLIMIT_AS bounds it"),
	A("munmap", "memory"),
	A("mprotect", "memory"),
	A("mremap", "memory; RLIMIT_AS bounds it"),
	A("madvise", "memory"),
	A("msync", "memory"),
	A("mincore", "memory"),
	A("brk", "memory; RLIMIT_AS bounds it"),
	A("membarrier", "memory ordering between threads"),
	/* Threads, signals to itself, time. */
	A("futex", "thread synchronisation"),
	A("futex_waitv", "thread synchronisation"),
	A("set_robust_list", "thread start"),
	A("get_robust_list", "thread start"),
	A("set_tid_address", "thread start"),
	A("rseq", "restartable sequences (glibc)"),
	A("arch_prctl", "thread-local storage"),
	A("rt_sigaction", "own signal handlers"),
	A("rt_sigprocmask", "own signal mask"),
	A("rt_sigreturn", "return from own handler"),
	A("rt_sigpending", "own signals"),
	A("rt_sigtimedwait", "own signals"),
	A("rt_sigsuspend", "own signals"),
	A("sigaltstack", "own signal stack"),
	A("pause", "waiting"),
	A("nanosleep", "waiting; wall limit bounds it"),
	A("clock_nanosleep", "waiting; wall limit bounds it"),
	A("clock_gettime", "time"),
	A("clock_getres", "time"),
	A("gettimeofday", "time"),
	A("time", "time"),
	A("getitimer", "own timers"),
	A("setitimer", "own timers"),
	A("alarm", "own timers"),
	A("timer_create", "own timers"),
	A("timer_settime", "own timers"),
	A("timer_gettime", "own timers"),
	A("timer_getoverrun", "own timers"),
	A("timer_delete", "own timers"),
	A("timerfd_create", "own timers"),
	A("timerfd_settime", "own timers"),
	A("timerfd_gettime", "own timers"),
	A("getrandom", "entropy"),
	A("sched_yield", "scheduling of own threads"),
	A("sched_getaffinity", "scheduling of own threads"),
	A("sched_getparam", "scheduling of own threads"),
	A("sched_getscheduler", "scheduling of own threads"),
	A("sched_get_priority_max", "scheduling of own threads"),
	A("sched_get_priority_min", "scheduling of own threads"),
	A("restart_syscall", "kernel restart of an interrupted call"),
	A("exit", "thread exit"),
	A("exit_group", "process exit"),
	A("wait4", "no children exist: ECHILD"),
	A("waitid", "no children exist: ECHILD"),
	/* Waiting on held descriptors. */
	A("poll", "waiting on held descriptors"),
	A("ppoll", "waiting on held descriptors"),
	A("select", "waiting on held descriptors"),
	A("pselect6", "waiting on held descriptors"),
	A("epoll_create", "waiting on held descriptors"),
	A("epoll_create1", "waiting on held descriptors"),
	A("epoll_ctl", "waiting on held descriptors"),
	A("epoll_wait", "waiting on held descriptors"),
	A("epoll_pwait", "waiting on held descriptors"),
	A("epoll_pwait2", "waiting on held descriptors"),
	A("eventfd", "in-process events"),
	A("eventfd2", "in-process events"),
	A("pipe", "in-process pipes"),
	A("pipe2", "in-process pipes"),
	A("signalfd", "own signals"),
	A("signalfd4", "own signals"),
	/* Identity, read only. */
	A("getpid", "identity"),
	A("gettid", "identity"),
	A("getppid", "identity"),
	A("getuid", "identity"),
	A("geteuid", "identity"),
	A("getgid", "identity"),
	A("getegid", "identity"),
	A("getresuid", "identity"),
	A("getresgid", "identity"),
	A("getgroups", "identity"),
	A("getpgrp", "identity"),
	A("getpgid", "identity"),
	A("getsid", "identity"),
	A("capget", "identity"),
	A("uname", "the jail's own UTS namespace"),
	A("sysinfo", "system load and memory totals"),
	A("times", "own usage"),
	A("getrusage", "own usage"),
	A("getcpu", "scheduling"),
	A("getpriority", "scheduling"),
	F("umask", "the mask the supervisor applies to the jail's files"),
	A("getrlimit", "own limits"),
	A("setrlimit", "own limits; hard = soft, cannot be raised"),
	A("shutdown", "the control socket"),
	/* Path-based calls: the supervisor answers from the virtual tree. */
	F("open", "path: virtual filesystem"),
	F("openat", "path: virtual filesystem"),
	F("creat", "path: virtual filesystem"),
	F("stat", "path: virtual filesystem"),
	F("lstat", "path: virtual filesystem"),
	F("newfstatat", "path: virtual filesystem (also glibc's fstat)"),
	F("access", "path: virtual filesystem"),
	F("faccessat", "path: virtual filesystem"),
	F("faccessat2", "path: virtual filesystem"),
	F("readlink", "path: virtual filesystem"),
	F("readlinkat", "path: virtual filesystem"),
	F("getcwd", "the virtual working directory"),
	F("chdir", "the virtual working directory"),
	F("fchdir", "the virtual working directory"),
	F("mkdir", "path: writable only in a tmpfs"),
	F("mkdirat", "path: writable only in a tmpfs"),
	F("rmdir", "path: writable only in a tmpfs"),
	F("unlink", "path: writable only in a tmpfs"),
	F("unlinkat", "path: writable only in a tmpfs"),
	F("rename", "path: writable only in a tmpfs"),
	F("renameat", "path: writable only in a tmpfs"),
	F("renameat2", "path: writable only in a tmpfs"),
	F("symlink", "path: writable only in a tmpfs"),
	F("symlinkat", "path: writable only in a tmpfs"),
	F("truncate", "path: writable only in a tmpfs"),
	F("chmod", "path: writable only in a tmpfs"),
	F("fchmodat", "path: writable only in a tmpfs"),
	F("utimensat", "path: writable only in a tmpfs"),
	/* Refused with an errno the program can handle. */
	E("openat2", ENOSYS, "glibc falls back to openat"),
	E("statx", ENOSYS, "glibc falls back to newfstatat"),
	E("statfs", ENOSYS, "no filesystem statistics of the host"),
	E("clone3", ENOSYS,
	  "arguments in memory cannot be checked; glibc falls back to clone"),
	E("fork", EPERM, "no processes"),
	E("vfork", EPERM, "no processes"),
	E("execve", EPERM, "no programs"),
	E("execveat", EPERM, "no programs"),
	E("socket", EACCES, "no network"),

	E("link", EPERM, "hard links are not supported"),
	E("linkat", EPERM, "hard links are not supported"),
	E("mknod", EPERM, "no devices"),
	E("mknodat", EPERM, "no devices"),
	E("chown", EPERM, "one user in the jail"),
	E("lchown", EPERM, "one user in the jail"),
	E("fchown", EPERM, "one user in the jail"),
	E("fchownat", EPERM, "one user in the jail"),
	E("setuid", EPERM, "one user in the jail"),
	E("setgid", EPERM, "one user in the jail"),
	E("setreuid", EPERM, "one user in the jail"),
	E("setregid", EPERM, "one user in the jail"),
	E("setresuid", EPERM, "one user in the jail"),
	E("setresgid", EPERM, "one user in the jail"),
	E("setgroups", EPERM, "one user in the jail"),
	E("setfsuid", EPERM, "one user in the jail"),
	E("setfsgid", EPERM, "one user in the jail"),
	E("setpgid", EPERM, "no process groups"),
	E("setsid", EPERM, "no sessions"),
	E("setpriority", EPERM, "no scheduling changes"),
	E("sched_setaffinity", EPERM, "no scheduling changes"),
	E("sched_setscheduler", EPERM, "no scheduling changes"),
	E("sched_setparam", EPERM, "no scheduling changes"),
	E("memfd_create", EPERM, "shared memory escapes RLIMIT accounting"),
	E("memfd_secret", EPERM, "shared memory escapes RLIMIT accounting"),
	E("inotify_init", ENOSYS, "no change notification"),
	E("inotify_init1", ENOSYS, "no change notification"),
	E("fanotify_init", EPERM, "no change notification"),
	E("setxattr", ENOTSUP, "no extended attributes"),
	E("lsetxattr", ENOTSUP, "no extended attributes"),
	E("fsetxattr", ENOTSUP, "no extended attributes"),
	E("getxattr", ENOTSUP, "no extended attributes"),
	E("lgetxattr", ENOTSUP, "no extended attributes"),
	E("fgetxattr", ENOTSUP, "no extended attributes"),
	E("listxattr", ENOTSUP, "no extended attributes"),
	E("llistxattr", ENOTSUP, "no extended attributes"),
	E("flistxattr", ENOTSUP, "no extended attributes"),
	E("removexattr", ENOTSUP, "no extended attributes"),
	E("lremovexattr", ENOTSUP, "no extended attributes"),
	E("fremovexattr", ENOTSUP, "no extended attributes"),
	E("io_setup", ENOSYS, "no kernel AIO"),
	E("landlock_create_ruleset", ENOSYS, "already confined"),
	E("mlock", EPERM, "no locked memory"),
	E("mlock2", EPERM, "no locked memory"),
	E("mlockall", EPERM, "no locked memory"),
	/* No business in a sandbox: the run ends as a violation. */
	K("ptrace", "debugging other processes"),
	K("process_vm_readv", "other processes' memory"),
	K("process_vm_writev", "other processes' memory"),
	K("process_madvise", "other processes' memory"),
	K("kcmp", "comparing other processes"),
	E("pidfd_open", EPERM,
	  "no other processes to watch (asyncio probes it)"),
	K("pidfd_getfd", "other processes' descriptors"),
	E("pidfd_send_signal", EPERM,
	  "no pidfd can be had: pidfd_open is refused"),
	K("tkill", "signals by thread id only"),
	K("io_uring_setup", "io_uring bypasses the filter"),
	K("io_uring_enter", "io_uring bypasses the filter"),
	K("io_uring_register", "io_uring bypasses the filter"),
	K("bpf", "kernel programs"),
	K("perf_event_open", "kernel attack surface"),
	K("userfaultfd", "kernel race amplifier"),
	K("keyctl", "kernel keyrings"),
	K("add_key", "kernel keyrings"),
	K("request_key", "kernel keyrings"),
	K("mount", "mounts"),
	K("umount2", "mounts"),
	K("pivot_root", "mounts"),
	E("chroot", EPERM, "no root changes (programs test for it)"),
	K("fsopen", "mounts"),
	K("fsconfig", "mounts"),
	K("fsmount", "mounts"),
	K("fspick", "mounts"),
	K("move_mount", "mounts"),
	K("open_tree", "mounts"),
	K("mount_setattr", "mounts"),
	K("setns", "namespaces"),
	K("unshare", "namespaces"),
	K("open_by_handle_at", "opens by inode, bypassing paths"),
	K("name_to_handle_at", "inode handles"),
	K("seccomp", "filters are the supervisor's"),
	K("personality", "execution domain changes"),
	K("modify_ldt", "segment tricks"),
	K("iopl", "hardware access"),
	K("ioperm", "hardware access"),
	K("kexec_load", "host administration"),
	K("kexec_file_load", "host administration"),
	K("init_module", "host administration"),
	K("finit_module", "host administration"),
	K("delete_module", "host administration"),
	K("reboot", "host administration"),
	K("swapon", "host administration"),
	K("swapoff", "host administration"),
	K("acct", "host administration"),
	K("quotactl", "host administration"),
	K("syslog", "host administration"),
	E("settimeofday", EPERM, "the host's clock"),
	E("clock_settime", EPERM, "the host's clock"),
	K("adjtimex", "host administration"),
	K("clock_adjtime", "host administration"),
	K("sethostname", "host administration"),
	K("setdomainname", "host administration"),
	K("vhangup", "host administration"),
	K("move_pages", "other processes' memory"),
	K("migrate_pages", "other processes' memory"),
	K("lookup_dcookie", "kernel attack surface"),
};

const size_t policy_nrules = sizeof(policy_rules) / sizeof(policy_rules[0]);

static uint32_t action_of(const struct policy_rule *r)
{
	switch (r->action) {
	case POL_ALLOW:
		return SCMP_ACT_ALLOW;
	case POL_FORWARD:
	case POL_KILL:
		return SCMP_ACT_NOTIFY;
	case POL_ERRNO:
		break;
	}
	return SCMP_ACT_ERRNO((uint32_t)r->err);
}

static int add_table(scmp_filter_ctx ctx, const char **failed)
{
	size_t i;
	int nr;

	for (i = 0; i < policy_nrules; i++) {
		nr = seccomp_syscall_resolve_name(policy_rules[i].name);

		/* A name this libseccomp does not know falls to the
		 * default (ENOSYS), which is never more permissive. */
		if (nr == __NR_SCMP_ERROR)
			continue;

		/* libseccomp refuses rules that repeat the default. */
		if (action_of(&policy_rules[i]) == POLICY_DEFAULT)
			continue;
		if (seccomp_rule_add(ctx, action_of(&policy_rules[i]), nr, 0) <
		    0) {
			*failed = policy_rules[i].name;
			return -1;
		}
	}
	return 0;
}

/*
 * clone: threads only. Every namespace flag, CLONE_PTRACE, CLONE_VFORK,
 * CLONE_PARENT and CLONE_UNTRACED must be clear, the thread flags set, and
 * the upper 32 bits zero (the kernel ignores them; a rule must not).
 */
static int add_clone(scmp_filter_ctx ctx)
{
	const uint64_t need = CLONE_VM | CLONE_FS | CLONE_FILES |
			      CLONE_SIGHAND | CLONE_THREAD;
	const uint64_t deny = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
			      CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
			      CLONE_NEWNET | CLONE_PTRACE | CLONE_VFORK |
			      CLONE_PARENT | CLONE_UNTRACED | CLONE_PIDFD |
			      0xffffffff00000000ULL;
	int rc;

	rc = seccomp_rule_add(
		ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		SCMP_A0_64(SCMP_CMP_MASKED_EQ, need | deny, need));
	if (rc < 0)
		return rc;

	/* A process rather than a thread: refused like fork. A thread
	 * clone with unexpected flags matches neither rule: ENOSYS. */
	return seccomp_rule_add(
		ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
		SCMP_A0_64(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
}

/* Signals: to itself only. SELF is the jail's pid in its namespace. */
static int add_signals(scmp_filter_ctx ctx, int self)
{
	const uint64_t me = (uint64_t)self;
	int rc = 0;

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
			       SCMP_A0_64(SCMP_CMP_EQ, me));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(kill), 1,
			       SCMP_A0_64(SCMP_CMP_NE, me));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			       SCMP_A0_64(SCMP_CMP_EQ, me));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(tgkill), 1,
			       SCMP_A0_64(SCMP_CMP_NE, me));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_tgsigqueueinfo),
			       1, SCMP_A0_64(SCMP_CMP_EQ, me));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_NOTIFY,
			       SCMP_SYS(rt_tgsigqueueinfo), 1,
			       SCMP_A0_64(SCMP_CMP_NE, me));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigqueueinfo),
			       1, SCMP_A0_64(SCMP_CMP_EQ, me));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(rt_sigqueueinfo),
			       1, SCMP_A0_64(SCMP_CMP_NE, me));
	return rc;
}

/* ioctl: terminal queries and descriptor flags only; a full 64-bit match,
 * so high bits cannot smuggle another request number past the rule. */
static int add_ioctl(scmp_filter_ctx ctx)
{
	static const uint64_t ok[] = {TCGETS,  TIOCGWINSZ, FIONREAD,
				      FIONBIO, FIOCLEX,	   FIONCLEX};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1_64(SCMP_CMP_EQ, ok[i])) < 0)
			return -1;
	/* Other requests match no rule: the default, ENOSYS. */
	return 0;
}

/* prctl: naming threads and reading state. */
static int add_prctl(scmp_filter_ctx ctx)
{
	static const uint64_t ok[] = {PR_SET_NAME,	   PR_GET_NAME,
				      PR_GET_DUMPABLE,	   PR_CAPBSET_READ,
				      PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP,
				      0x53564d41 /* PR_SET_VMA */};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				     SCMP_A0_64(SCMP_CMP_EQ, ok[i])) < 0)
			return -1;
	/* Other options match no rule: the default, ENOSYS. */
	return 0;
}

/*
 * fcntl: descriptor flags, pipe sizes and seals run natively; record
 * locks are forwarded, because a lock the jail took on a host file it
 * reads would block the host's own writers. F_SETOWN, F_SETSIG,
 * F_SETLEASE and F_NOTIFY are refused (ENOSYS): they aim signals at
 * other processes or watch the host. The kernel reads the command as an
 * unsigned int, so only its low 32 bits are compared.
 */
static int add_fcntl(scmp_filter_ctx ctx)
{
	static const uint64_t native[] = {
		F_DUPFD,      F_GETFD,	    F_SETFD,	 F_GETFL,
		F_SETFL,      F_GETOWN,	    F_GETSIG,	 F_DUPFD_CLOEXEC,
		F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS};
	static const uint64_t locks[] = {F_GETLK,     F_SETLK,
					 F_SETLKW,    F_OFD_GETLK,
					 F_OFD_SETLK, F_OFD_SETLKW};
	const uint64_t low = 0xffffffffULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(native) / sizeof(*native); i++)
		rc |= seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
			SCMP_A1_64(SCMP_CMP_MASKED_EQ, low, native[i]));
	for (i = 0; i < sizeof(locks) / sizeof(*locks); i++)
		rc |= seccomp_rule_add(
			ctx, SCMP_ACT_NOTIFY, SCMP_SYS(fcntl), 1,
			SCMP_A1_64(SCMP_CMP_MASKED_EQ, low, locks[i]));
	return rc;
}

/*
 * socketpair: connected AF_UNIX stream pairs only, which reach nothing but
 * each other (asyncio's self-pipe needs one). A stream socket refuses a
 * destination address, so sendto and sendmsg on them can name none;
 * datagram pairs could name host sockets by path and stay refused.
 */
static int add_sockets(scmp_filter_ctx ctx)
{
	const uint64_t type_mask = 0xf; /* SOCK_NONBLOCK, SOCK_CLOEXEC aside */
	int rc = 0;

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 2,
			       SCMP_A0_64(SCMP_CMP_EQ, AF_UNIX),
			       SCMP_A1_64(SCMP_CMP_MASKED_EQ,
					  type_mask | 0xffffffff00000000ULL,
					  SOCK_STREAM));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvfrom), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockname), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getpeername), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 0);
	return rc;
}

/* Limits of itself only; the hard limits were set before the filter and
 * an unprivileged process cannot raise them. */
static int add_misc(scmp_filter_ctx ctx)
{
	int rc = 0;

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1,
			       SCMP_A0_64(SCMP_CMP_EQ, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prlimit64),
			       1, SCMP_A0_64(SCMP_CMP_NE, 0));
	/* The jail's only sockets are unix stream sockets (the control
	 * socket and socketpair()s), which name no destination. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 0);
	return rc;
}

scmp_filter_ctx policy_build(int self, const char **failed)
{
	scmp_filter_ctx ctx = seccomp_init(POLICY_DEFAULT);

	*failed = "seccomp_init";
	if (!ctx)
		return NULL;

	/* Only the native architecture: i386 and x32 entry points, and
	 * numbers with the x32 bit, hit the bad-architecture action, which
	 * notifies the supervisor so the violation can be named. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY) <
		    0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0)
		goto fail;

	if (add_table(ctx, failed) < 0)
		goto fail;
	*failed = "argument rules";
	if (add_clone(ctx) < 0 || add_signals(ctx, self) < 0 ||
	    add_ioctl(ctx) < 0 || add_prctl(ctx) < 0 || add_misc(ctx) < 0 ||
	    add_fcntl(ctx) < 0 || add_sockets(ctx) < 0)
		goto fail;
	return ctx;

fail:
	seccomp_release(ctx);
	return NULL;
}

enum policy_action policy_notified(int nr)
{
	size_t i;

	for (i = 0; i < policy_nrules; i++)
		if (policy_rules[i].action == POL_FORWARD &&
		    seccomp_syscall_resolve_name(policy_rules[i].name) == nr)
			return POL_FORWARD;

	/* add_fcntl() forwards only the record-lock commands. */
	if (nr == SCMP_SYS(fcntl))
		return POL_FORWARD;

	/* Every other notification is a KILL rule or a signal to another
	 * process: both end the run. */
	return POL_KILL;
}

const char *policy_syscall_name(int nr, uint32_t arch, const char **arch_name)
{
	static __thread char name[32];
	uint32_t scmp = SCMP_ARCH_X86_64;
	char *s;

	*arch_name = "x86_64";
	if (arch == SCMP_ARCH_X86) {
		scmp = SCMP_ARCH_X86;
		*arch_name = "x86";
	} else if (arch != SCMP_ARCH_X86_64) {
		*arch_name = "unknown";
		return "unknown";
	} else if (nr & POLICY_X32_BIT) {
		scmp = SCMP_ARCH_X32;
		*arch_name = "x32";
	}

	/* libseccomp names x32 calls by their full number. */
	s = seccomp_syscall_resolve_num_arch(scmp, nr);
	snprintf(name, sizeof(name), "%s", s ? s : "unknown");
	free(s);
	return name;
}

/*
 * The supervisor's own filter, loaded once the jail runs: what a session
 * needs and nothing else, so a supervisor subverted by bytes it parses
 * can start no process, open no socket and touch no other process than
 * the jail (through the pidfd and process_vm_* it already uses).
 */
static const char *const supervisor_calls[] = {
	/* protocol and pipes */
	"read",
	"write",
	"readv",
	"writev",
	"pread64",
	"pwrite64",
	"lseek",
	"close",
	"poll",
	"ppoll",
	"fcntl",
	"flock",
	"dup",
	"dup3",
	/* the jail */
	"ioctl",
	"process_vm_readv",
	"process_vm_writev",
	"pidfd_getfd",
	"pidfd_send_signal",
	"wait4",
	"waitid",
	"prlimit64",
	/* the virtual filesystem and hostfs */
	"open",
	"openat",
	"openat2",
	"fstat",
	"newfstatat",
	"statx",
	"readlink",
	"readlinkat",
	"access",
	"faccessat",
	"faccessat2",
	"mkdirat",
	"mknodat",
	"symlinkat",
	"unlinkat",
	"renameat",
	"renameat2",
	"fchmodat",
	"fchmod",
	"utimensat",
	"ftruncate",
	"getdents64",
	"memfd_create",
	"fsopen",
	"fsconfig",
	"fsmount",
	"open_tree",
	"mount_setattr",
	"umask",
	"chmod",
	"truncate",
	"rename",
	"mkdir",
	"rmdir",
	"unlink",
	"symlink",
	/* the process itself */
	"mmap",
	"munmap",
	"mremap",
	"mprotect",
	"madvise",
	"brk",
	"futex",
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"clock_gettime",
	"clock_getres",
	"gettimeofday",
	"nanosleep",
	"clock_nanosleep",
	"getrandom",
	"getpid",
	"gettid",
	"getuid",
	"geteuid",
	"getgid",
	"getegid",
	"exit",
	"exit_group",
	/* a poll interrupted by SIGSTOP/SIGCONT or a debugger resumes */
	"restart_syscall",
	/* file-permission override off for the jail, on for read-back */
	"capget",
	"capset",
};

scmp_filter_ctx policy_build_supervisor(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	size_t i;
	int nr;

	if (!ctx)
		return NULL;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS) < 0)
		goto fail;

	for (i = 0; i < sizeof(supervisor_calls) / sizeof(*supervisor_calls);
	     i++) {
		nr = seccomp_syscall_resolve_name(supervisor_calls[i]);
		if (nr != __NR_SCMP_ERROR &&
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0)
			goto fail;
	}
	return ctx;

fail:
	seccomp_release(ctx);
	return NULL;
}

void policy_print_markdown(void)
{
	static const char *const label[] = {"allow", "forward", "kill",
					    "errno"};
	size_t i;

	printf("| syscall | action | why |\n|---|---|---|\n");
	for (i = 0; i < policy_nrules; i++) {
		const struct policy_rule *r = &policy_rules[i];

		if (r->action == POL_ERRNO)
			printf("| %s | errno %s | %s |\n", r->name,
			       strerrorname_np(r->err), r->why);
		else
			printf("| %s | %s | %s |\n", r->name, label[r->action],
			       r->why);
	}
}
