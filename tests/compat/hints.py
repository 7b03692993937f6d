"""Likely causes of a sandbox difference, judged from the failure text.

Only `run.py --propose` uses these, to draft rows of docs/compatibility.md
for a person to check: a hint is never a reason on its own. The table is
ordered: the first pattern that matches wins, so specific causes come
before the general ones they would also match.
"""

import re

# (category, pattern, text). The text is written as the reason column of
# docs/compatibility.md would say it.
HINTS = [
    ("asyncio", r"_make_self_pipe|_UnixSelectorEventLoop|asyncio/.*socketpair",
     "sandbox bug: asyncio cannot create an event loop, socketpair() is refused (EACCES)"),
    ("selfpipe", r"socket\.socketpair\(\)|socketpair\(",
     "sandbox bug: socketpair(AF_UNIX) is refused (EACCES)"),
    ("semlock", r"SemLock|sem_open",
     "needs POSIX semaphores: multiprocessing's SemLock has no /dev/shm (ENOENT)"),
    ("multiprocessing", r"multiprocessing/|ProcessPoolExecutor",
     "starts a multiprocessing process: fork is refused (EPERM)"),
    ("subprocess",
     r"_fork_exec|os\.fork\(\)|posix_spawn|os\.execv|os\.spawn|Popen|os\.system|"
     r"os\.popen|requires a shell|\.fork\(\)\n|fork\(\): \[Errno 1\]|"
     r"spawn_python|assert_python_(ok|failure)|run_python_until_end",
     "runs a program or the interpreter in a subprocess: fork/exec are refused (EPERM)"),
    ("program", r"command is not found|could not find libc|Unable to find C library|"
     r"find_library|command to run|Need the \w+ command|requires (ip|ifconfig)|"
     r"not available|could not locate runnable browser|#!/bin/bash|needed for test",
     "needs a program (compiler, tar, shell, browser...): none can run in the sandbox"),
    ("pty", r"out of pty devices|openpty|/dev/ptmx",
     "needs a pseudo-terminal: there is no /dev/ptmx"),
    ("resolve", r"gaierror|Name or service not known|name resolution",
     "no network: name resolution fails"),
    ("socket", r"socket|Errno 97\]|IPv6 support required",
     "no network: socket() is refused (EACCES)"),
    ("ascii",
     r"FS_NONASCII|'ascii' codec|non-ASCII|non-ascii|utf-8 filesystem|ascii as filesystem|"
     r"cannot handle this filename|Unicode-friendly|Unicode filesystem|"
     r"encoded to the filesystem encoding|not encodable to ascii|Unable to encode|"
     r"Locale cannot encode|LC_CTYPE locale is 'C'|no attribute 'skip'|cannot encode file name",
     "sandbox bug: the interpreter starts in the C locale with ASCII filesystem and stdio "
     "encodings (not UTF-8)"),
    ("locale", r"unsupported locale setting|cannot set the system default locale|Cannot set locale",
     "sandbox bug: setlocale(LC_ALL, \"\") fails for the default LANG=C.UTF-8 "
     "(no /usr/lib/locale)"),
    ("site", r"invoked with -S|need user site|ENABLE_USER_SITE",
     "sandbox bug: the site module is not imported (sys.flags.no_site is 1)"),
    ("bytecode", r"writing bytecode|byte-compile disabled|dont_write_bytecode",
     "the sandbox does not write bytecode (sys.dont_write_bytecode is true)"),
    ("erofs", r"Read-only file system: '/usr/lib/python3",
     "read-only standard library: unlinking a missing .pyc there is EROFS, as on any "
     "read-only mount; test.support's forget() only ignores ENOENT"),
    ("sitecustomize", r"sitecustomize",
     "Debian's sitecustomize.py is a symlink out of the standard-library bind (EACCES)"),
    ("root", r"uid not found: 0|gid not found: 0|0 doesn't have an entry",
     "sandbox bug: the jail's /etc/passwd and /etc/group have no root (uid/gid 0) entry"),
    ("dac", r"CAP_DAC_OVERRIDE|can't set the directory read-only",
     "sandbox bug: tmpfs permission bits are not enforced (a 0444 file or 0555 directory "
     "stays writable)"),
    ("symlink", r"symlink|broken_link|followlinks|islink|Permission denied: '/tmp/",
     "sandbox bug: an absolute symlink inside the tmpfs is refused (EACCES)"),
    ("mode", r"AssertionError: (420 != 438|493 != 509)",
     "sandbox bug: files and directories made in the tmpfs ignore the jail's umask"),
    ("opath", r"Bad file descriptor: '",
     "sandbox bug: O_PATH opens fail (EBADF before 38246a3)"),
    ("slash", r"Invalid argument: '.*/'",
     "sandbox bug: a path with a trailing slash is EINVAL (the kernel says EISDIR/ENOENT)"),
    ("link", r"os\.link|link\(\): \[Errno 1\]",
     "hard links are refused (EPERM)"),
    ("layout", r"No such file or directory: '/usr/bin/python3|/usr/include/",
     "the layout has neither the interpreter binary (sys.executable) nor the C headers"),
    ("xattr", r"extended attribute",
     "extended attributes are refused (EOPNOTSUPP)"),
    ("rlimit", r"not allowed to raise maximum limit|-1 != 67108864|FD limit reached",
     "a resource limit the sandbox sets cannot be raised by the code"),
    ("statfs", r"Errno 38\] Function not implemented: '",
     "statfs/statvfs is refused (ENOSYS)"),
    ("enosys", r"Errno 38\]|38 != 9",
     "refused by the policy with ENOSYS (sched_rr_get_interval, terminal ioctls)"),
    ("violation", r"violation \(syscall",
     "the call ends the run as a violation"),
    ("timeout", r"per-test timeout",
     "hangs: waits forever for a thread that could not open its socket"),
    ("efbig", r"File too large|largefile support",
     "file size limit (RLIMIT_FSIZE)"),
    ("eperm", r"\[Errno 1\] Operation not permitted|PermissionError\(1,",
     "refused by the policy (EPERM): one user, no scheduling changes, no devices"),
]

COMPILED = [(cat, re.compile(pat), text) for cat, pat, text in HINTS]


def first_line(detail: str) -> str:
    """The most telling line of a failure: the exception at the bottom."""
    lines = [ln.strip() for ln in detail.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


def hint(detail: str) -> tuple:
    """(category, text) of the likely cause; ("?", last line) if unknown."""
    for cat, pattern, text in COMPILED:
        if pattern.search(detail):
            return cat, text
    return "?", "?? " + first_line(detail)
