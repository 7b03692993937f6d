"""The attack table: every case the suite runs, as data.

Routes: "py" (Python's own API), "libc" (libc through ctypes, or libc's
syscall()), "raw" (an mmap'd machine-code stub: no libc at all), "msg"
(bytes written to the control socket, fd 3, from inside the jail) and
"frame" (raw protocol frames from the parent side).  Where one attack is
reachable by several routes it appears once per route, with the route as
the last part of its id.  Each case asserts exactly one expectation.
"""

from __future__ import annotations

import json
from typing import Any

from kit import Case, Expect, Session, outcome, stdout, violation

CASES: list[Case] = []

# x86_64 numbers used below (asm/unistd_64.h); the filter table test
# reads the whole header instead.
NR = dict(
    clock_settime=227, read=0, open=2, close=3, stat=4, ioctl=16, pipe=22, getpid=39,
    socket=41, connect=42, sendmsg=46, clone=56, fork=57, vfork=58,
    execve=59, kill=62, uname=63, fcntl=72, chdir=80, getppid=110,
    personality=135, prctl=157, chroot=161, mount=165, umount2=166,
    pivot_root=155, sethostname=170, iopl=172, ioperm=173,
    init_module=175, modify_ldt=154, reboot=169, acct=163, swapon=167,
    settimeofday=164, syslog=103, ptrace=101, tkill=200, tgkill=234,
    add_key=248, keyctl=250, openat=257, unshare=272, perf_event_open=298,
    rt_tgsigqueueinfo=297, rt_sigqueueinfo=129, name_to_handle_at=303,
    open_by_handle_at=304, setns=308, process_vm_readv=310,
    process_vm_writev=311, kcmp=312, seccomp=317, bpf=321, execveat=322,
    userfaultfd=323, memfd_create=319, prlimit64=302, kexec_load=246,
    io_uring_setup=425, io_uring_enter=426, io_uring_register=427,
    open_tree=428, move_mount=429, fsopen=430, fsconfig=431, fsmount=432,
    fspick=433, pidfd_open=434, clone3=435, pidfd_getfd=438,
    pidfd_send_signal=424, mount_setattr=442, openat2=437,
    process_madvise=440, memfd_secret=447, landlock_create_ruleset=444,
)
X32 = 0x40000000
BAD = (1 << 64) - 1            # every argument -1
HI = 1 << 32                   # a bit only a 64-bit comparison sees

CLONE_THREAD_FLAGS = 0x00000100 | 0x00000200 | 0x00000400 | 0x00000800 \
    | 0x00010000               # VM | FS | FILES | SIGHAND | THREAD


def add(*cases: Case) -> None:
    CASES.extend(cases)


def both(cid: str, cat: str, what: str, call: str, expect: Expect,
         pre: str = "", **kw: Any) -> None:
    """One attack by two routes: libc's syscall() and the raw stub."""
    for route, fn in (("libc", "sc"), ("raw", "raw")):
        add(Case(f"{cid}-{route}", cat, (route,), what,
                 f"{pre}out({fn}({call}))\n", expect, **kw))


# ---------------------------------------------------------------------------
# Filter: calls the kernel filter itself kills, by number, by both routes.

KILLED = [
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise",
    "kcmp", "pidfd_getfd", "tkill",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf",
    "perf_event_open", "userfaultfd", "keyctl", "add_key", "mount",
    "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount",
    "fspick", "move_mount", "open_tree", "mount_setattr", "setns",
    "unshare", "open_by_handle_at", "name_to_handle_at", "seccomp",
    "personality", "modify_ldt", "iopl", "ioperm", "kexec_load",
    "init_module", "reboot", "swapon", "acct", "syslog", "sethostname",
]
for name in KILLED:
    both(f"F-KILL-{name.upper()}", "filter",
         f"{name} with harmless bad arguments ends the run as a violation",
         f"{NR[name]}, -1, -1, -1, -1, -1, -1", violation(name, NR[name]))

ERRNO = [("fork", "EPERM"), ("vfork", "EPERM"), ("execve", "EPERM"),
         ("execveat", "EPERM"), ("clone3", "ENOSYS"), ("openat2", "ENOSYS"),
         ("memfd_create", "EPERM"), ("memfd_secret", "EPERM"),
         ("socket", "EACCES"), ("landlock_create_ruleset", "ENOSYS"),
         # refused with an errno so that programs probing them go on
         ("chroot", "EPERM"), ("pidfd_open", "EPERM"),
         ("pidfd_send_signal", "EPERM"), ("settimeofday", "EPERM")]
for name, err in ERRNO:
    both(f"F-ERRNO-{name.upper()}", "filter",
         f"{name} is refused with {err} before the kernel sees it",
         f"{NR[name]}, 0, 0, 0, 0, 0, 0", stdout(err + "\n"))

# Entry points and numbers outside the native table.
add(
    Case("F-X32-GETPID-libc", "filter", ("libc",),
         "an x32 number (0x40000000 bit) ends the run as a violation",
         f"sc({X32 | 39})\n", outcome("violation")),
    Case("F-X32-PTRACE-raw", "filter", ("raw",),
         "x32 ptrace (521) through the stub ends the run as a violation",
         f"raw({X32 | 521}, 0, 0, 0, 0)\n", outcome("violation")),
    Case("F-X32-REPORT-libc", "filter", ("libc",),
         "the violation names the x32 call, its number and arch x32",
         f"sc({X32 | 39})\n", violation("getpid", X32 | 39, "x32")),
    Case("F-X32-SIGNAL-libc", "filter", ("libc",),
         "a violation result carries signal null (REQ-RUN-4)",
         f"sc({X32 | 39})\n", Expect("signal", "==", None)),
    Case("F-X32-CPU-libc", "filter", ("libc",),
         "usage.cpu_ms of a run killed by the filter is sane",
         f"sc({X32 | 39})\n", Expect("usage.cpu_ms", "<=", 60000)),
    Case("F-I386-GETPID-raw", "filter", ("raw",),
         "int 0x80 (the i386 entry) ends the run as a violation",
         "i386(20)\n", outcome("violation")),
    Case("F-I386-EXECVE-raw", "filter", ("raw",),
         "i386 execve (11) through int 0x80 ends the run as a violation",
         "i386(11, 0, 0, 0)\n", outcome("violation")),
    Case("F-I386-REPORT-raw", "filter", ("raw",),
         "the violation names the i386 call, its number and arch x86",
         "i386(20)\n", violation("getpid", 20, "x86")),
    Case("F-NR-HIGHBITS-PTRACE-raw", "filter", ("raw",),
         "ptrace with bit 32 of the number set is still ptrace",
         f"raw({HI | 101}, 0, 0, 0, 0)\n", violation("ptrace", 101)),
)
for nr in (461, 600, 1000, 0x3FFFFFFF):
    both(f"F-NR-UNKNOWN-{nr:#x}", "filter",
         f"unknown number {nr:#x} is ENOSYS (the default action)",
         f"{nr}, 0, 0, 0", stdout("ENOSYS\n"))
both("F-NR-NEGATIVE", "filter",
     "a negative number other than -1 (0x80001000) ends the run",
     "0x80001000, 0, 0, 0", outcome("violation"))
both("F-NR-MINUS1", "filter", "the pseudo number -1 is ENOSYS", "-1",
     stdout("ENOSYS\n"))

# Argument-checked rules: the upper 32 bits cannot smuggle a value past.
both("F-ARG-CLONE-HI", "filter",
     "clone with thread flags plus bit 32 is refused (ENOSYS)",
     f"{NR['clone']}, {CLONE_THREAD_FLAGS | HI}, 0, 0, 0, 0",
     stdout("ENOSYS\n"))
both("F-ARG-CLONE-NEWUSER", "filter",
     "clone of a thread into a new user namespace is refused (ENOSYS)",
     f"{NR['clone']}, {CLONE_THREAD_FLAGS | 0x10000000}, 0, 0, 0, 0",
     stdout("ENOSYS\n"))
both("F-ARG-CLONE-PROCESS", "filter",
     "clone without CLONE_THREAD (a new process) is EPERM",
     f"{NR['clone']}, 17, 0, 0, 0, 0", stdout("EPERM\n"))
both("F-ARG-KILL-HI", "filter",
     "kill of own pid with bit 32 set in pid is another target: killed",
     f"{NR['kill']}, os.getpid() | {HI}, 0", violation("kill", NR["kill"]))
both("F-ARG-KILL-OTHER", "filter", "kill(pid, 0) of another pid of the"
     " jail's namespace (its init) is killed",
     f"{NR['kill']}, OTHER_PID, 0", violation("kill", NR["kill"]))
both("F-ARG-KILL-OTHER-SIGKILL", "filter", "kill(pid, SIGKILL) of the"
     " jail's init is killed", f"{NR['kill']}, OTHER_PID, 9",
     violation("kill", NR["kill"]))
both("F-ARG-KILL-ALL", "filter", "kill(-1, 0) of every process is killed",
     f"{NR['kill']}, -1, 0", violation("kill", NR["kill"]))
both("F-ARG-KILL-PGRP", "filter", "kill(0, 0) of the process group is killed",
     f"{NR['kill']}, 0, 0", violation("kill", NR["kill"]))
both("F-ARG-KILL-NEGPGRP", "filter", "kill(-pid, 0) of a group is killed",
     f"{NR['kill']}, -os.getpid(), 0", violation("kill", NR["kill"]))
both("F-ARG-KILL-SELF", "filter", "kill(own pid, 0) is allowed",
     f"{NR['kill']}, os.getpid(), 0", stdout("ok\n"))
both("F-ARG-TGKILL-OTHER", "filter", "tgkill to another group is killed",
     f"{NR['tgkill']}, OTHER_PID, OTHER_PID, 0",
     violation("tgkill", NR["tgkill"]))
both("F-ARG-SIGQUEUE-OTHER", "filter",
     "rt_sigqueueinfo to another pid is killed",
     f"{NR['rt_sigqueueinfo']}, OTHER_PID, 0, 0",
     violation("rt_sigqueueinfo", NR["rt_sigqueueinfo"]))
both("F-ARG-TGSIGQUEUE-OTHER", "filter",
     "rt_tgsigqueueinfo to another group is killed",
     f"{NR['rt_tgsigqueueinfo']}, OTHER_PID, OTHER_PID, 0, 0",
     violation("rt_tgsigqueueinfo", NR["rt_tgsigqueueinfo"]))
both("F-ARG-IOCTL-HI", "filter",
     "ioctl FIONBIO with bit 32 of the request set is ENOSYS",
     f"{NR['ioctl']}, 0, {0x5421 | HI}, 0", stdout("ENOSYS\n"))
both("F-ARG-IOCTL-TIOCSTI", "filter", "ioctl TIOCSTI is ENOSYS",
     f"{NR['ioctl']}, 0, 0x5412, 0", stdout("ENOSYS\n"))
both("F-ARG-PRCTL-HI", "filter",
     "prctl PR_GET_DUMPABLE with bit 32 of the option set is ENOSYS",
     f"{NR['prctl']}, {3 | HI}, 0, 0, 0, 0", stdout("ENOSYS\n"))
both("F-ARG-PRCTL-DUMPABLE", "filter", "prctl PR_SET_DUMPABLE is ENOSYS",
     f"{NR['prctl']}, 4, 1, 0, 0, 0", stdout("ENOSYS\n"))
both("F-ARG-PRCTL-SECCOMP", "filter",
     "prctl PR_SET_SECCOMP (a filter of one's own) is ENOSYS",
     f"{NR['prctl']}, 22, 2, 0, 0, 0", stdout("ENOSYS\n"))
both("F-ARG-PRCTL-PTRACER", "filter", "prctl PR_SET_PTRACER any is ENOSYS",
     f"{NR['prctl']}, 0x59616d61, -1, 0, 0, 0", stdout("ENOSYS\n"))
both("F-ARG-PRLIMIT-OTHER", "filter", "prlimit64 on pid 1 (named) is EPERM",
     f"{NR['prlimit64']}, 1, 9, 0, 0", stdout("EPERM\n"))
both("F-ARG-SENDMSG-OTHERFD", "filter",
     "sendmsg reaches the kernel, which refuses a descriptor that is no socket",
     f"{NR['sendmsg']}, 0, 0, 0", stdout("ENOTSOCK\n"))
both("F-ARG-SENDMSG-HI", "filter",
     "sendmsg with bit 32 set in fd: the kernel takes the low 32 bits",
     f"{NR['sendmsg']}, {3 | HI}, 0, 0", stdout("EFAULT\n"))
both("F-ARG-PRLIMIT-RAISE", "filter",
     "prlimit64(0) raising RLIMIT_AS above its hard limit is EPERM",
     f"{NR['prlimit64']}, 0, 9, _ct.addressof(lim), 0", stdout("EPERM\n"),
     pre="lim = (_ct.c_ulong * 2)(1 << 46, 1 << 46)\n")

# Processes by Python's own API.
PY_PROC = [
    ("P-FORK-py", "os.fork()", "PermissionError"),
    ("P-EXECV-py", "os.execv('/usr/bin/python3.11', ['x'])",
     "PermissionError"),
    ("P-SUBPROCESS-py", "import subprocess\nsubprocess.run(['true'])",
     "PermissionError"),
    ("P-POSIX-SPAWN-py", "os.posix_spawn('/bin/true', ['true'], {})",
     "PermissionError"),
    ("P-MULTIPROCESSING-py",
     "import multiprocessing as m\np = m.Process(target=print)\np.start()",
     "PermissionError"),
    ("P-PTY-py", "import pty\npty.fork()", "OSError"),
]
for cid, code, exc in PY_PROC:
    add(Case(cid, "process", ("py",), f"{code.splitlines()[-1]} fails",
             "import os\n" + code, Expect("exception.type", "==", exc),
             prelude=False))
add(Case("P-SYSTEM-py", "process", ("py",),
         "os.system() cannot start a shell (status 127)",
         "out(os.system('id'))\n", stdout("32512\n")))

# Sockets of every family, by Python and by raw socket().
FAMILIES = {"UNIX": 1, "INET": 2, "INET6": 10, "NETLINK": 16,
            "PACKET": 17, "ALG": 38, "VSOCK": 40, "BLUETOOTH": 31,
            "CAN": 29, "XDP": 44}
for fam, num in FAMILIES.items():
    both(f"N-SOCKET-{fam}", "network", f"socket(AF_{fam}) is EACCES",
         f"{NR['socket']}, {num}, 1, 0", stdout("EACCES\n"))
add(
    Case("N-TCP-CANARY-py", "network", ("py",),
         "a TCP connection to the host's canary listener is impossible",
         "import socket\nout(s2e(socket.create_connection,"
         " ('127.0.0.1', CANARY['tcp_port']), 1))\n", stdout("EACCES\n")),
    Case("N-UNIX-CANARY-py", "network", ("py",),
         "the canary's pathname unix socket cannot be reached",
         "import socket\n"
         "out(s2e(lambda: socket.socket(socket.AF_UNIX).connect("
         "CANARY['unix_path'])))\n", stdout("EACCES\n")),
    Case("N-ABSTRACT-CANARY-py", "network", ("py",),
         "the canary's abstract unix socket cannot be reached",
         "import socket\n"
         "out(s2e(lambda: socket.socket(socket.AF_UNIX).connect("
         "'\\0' + CANARY['abstract'])))\n", stdout("EACCES\n")),
    Case("N-SOCKETPAIR-py", "network", ("py",),
         "socketpair() gives a connected unix stream pair, reaching only itself",
         "import socket\na, b = socket.socketpair()\na.send(b'x')\n"
         "out(b.recv(1).decode())\n", stdout("x\n")),
    Case("N-SOCKETPAIR-DGRAM-py", "network", ("py",),
         "a datagram socketpair (which could name host sockets) is refused",
         "import socket\n"
         "out(s2e(lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)))\n",
         stdout("ENOSYS\n")),
    Case("N-SOCKETPAIR-INET-py", "network", ("py",),
         "an AF_INET socketpair is refused",
         "import socket\n"
         "out(s2e(lambda: socket.socketpair(socket.AF_INET)))\n",
         stdout("ENOSYS\n")),
    Case("N-CONNECT-FD3-raw", "network", ("raw",),
         "connect() on the control socket to the abstract canary: ENOSYS",
         "import struct\nname = b'\\0' + CANARY['abstract'].encode()\n"
         "addr = struct.pack('H', 1) + name\n"
         "buf = _ct.create_string_buffer(addr)\n"
         f"out(raw({NR['connect']}, 3, _ct.addressof(buf), len(addr)))\n",
         stdout("ENOSYS\n")),
)

# ---------------------------------------------------------------------------
# Paths: what the supervisor resolves for the jail.  CANARY['path'] is a
# host file outside every mount; "@BIND@" (replaced by the runner) is a
# host directory holding symlinks out, a FIFO and a socket.

BIND = {"filesystem": [{"type": "bind", "source": "@BIND@",
                        "target": "/data"}]}
HOSTDEV = {"filesystem": [{"type": "bind", "source": "/dev",
                           "target": "/hostdev"}]}


def path(cid: str, what: str, code: str, err: str, **kw: Any) -> None:
    add(Case(cid, "path", ("py",), what, code, stdout(err + "\n"), **kw))


path("V-CANARY-OPEN", "the canary file outside every mount is ENOENT",
     "out(s2e(open, CANARY['path']))\n", "ENOENT")
path("V-DOTDOT-ROOT", "/../../ above the root stays at the root",
     "out(s2e(open, '/../../..' + CANARY['path']))\n", "ENOENT")
path("V-DOTDOT-TMP", "/tmp/../../ cannot climb out of the sandbox",
     "out(s2e(open, '/tmp/../../../../' + CANARY['path']))\n", "ENOENT")
path("V-DOTDOT-REL", "a relative ../ chain from the cwd stays inside",
     "os.chdir('/tmp')\nout(s2e(open, '../' * 40 + CANARY['path'][1:]))\n",
     "ENOENT")
path("V-DOTDOT-OPENAT", "openat(dirfd of /usr, ../..) stays inside",
     "fd = os.open('/usr', os.O_RDONLY | os.O_DIRECTORY)\n"
     "out(s2e(os.open, '../' * 30 + CANARY['path'][1:], os.O_RDONLY,"
     " dir_fd=fd))\n", "ENOENT")
path("V-SHADOW", "the host's /etc/shadow is not in the sandbox",
     "out(s2e(open, '/etc/shadow'))\n", "ENOENT")
add(Case("V-PASSWD-py", "path", ("py",),
         "/etc/passwd is the sandbox's own file: root and sandbox",
         "out(open('/etc/passwd').read().count('\\n'))\n", stdout("2\n")))
path("V-BIND-ABS-SYMLINK", "a symlink in a bind to an absolute host path",
     "out(s2e(open, '/data/abs'))\n", "EACCES", init=BIND)
path("V-BIND-REL-SYMLINK", "a symlink in a bind climbing out with ../",
     "out(s2e(open, '/data/rel'))\n", "EACCES", init=BIND)
path("V-BIND-DIR-SYMLINK", "a directory symlink in a bind to /etc",
     "out(s2e(os.listdir, '/data/etcdir'))\n", "EACCES", init=BIND)
path("V-BIND-THROUGH-SYMLINK", "a path through a directory symlink",
     "out(s2e(open, '/data/etcdir/hostname'))\n", "EACCES", init=BIND)
path("V-BIND-CHAIN-SYMLINK", "a symlink to a symlink that leaves",
     "out(s2e(open, '/data/chain'))\n", "EACCES", init=BIND)
path("V-BIND-FIFO", "a FIFO in a bind cannot be opened (O_NONBLOCK)",
     "out(s2e(os.open, '/data/fifo', os.O_RDONLY | os.O_NONBLOCK))\n",
     "EACCES", init=BIND)
path("V-BIND-FIFO-PATH", "a FIFO in a bind with O_PATH is EACCES too",
     "out(s2e(os.open, '/data/fifo', os.O_PATH))\n", "EACCES", init=BIND)
path("V-BIND-SOCKET", "a socket file in a bind cannot be opened",
     "out(s2e(os.open, '/data/sock', os.O_RDONLY))\n", "EACCES", init=BIND)
path("V-BIND-DEVICE", "a device node in a bound host /dev is EACCES",
     "out(s2e(os.open, '/hostdev/null', os.O_RDONLY))\n", "EACCES",
     init=HOSTDEV)
path("V-BIND-DEVICE-PATH", "a device node with O_PATH is EACCES",
     "out(s2e(os.open, '/hostdev/null', os.O_PATH))\n", "EACCES",
     init=HOSTDEV)
path("V-BIND-DEVFD", "/hostdev/fd (-> /proc/self/fd) leaves the bind",
     "out(s2e(os.listdir, '/hostdev/fd'))\n", "EACCES", init=HOSTDEV)
path("V-PROC-SELF-MEM", "/proc does not exist in the jail",
     "out(s2e(open, '/proc/self/mem', 'rb'))\n", "ENOENT")
path("V-PROC-ROOT", "/proc/1/root of the host is out of reach",
     "out(s2e(open, '/proc/1/root' + CANARY['path']))\n", "ENOENT")
path("V-DEV-FD", "/dev/fd/3 does not exist",
     "out(s2e(open, '/dev/fd/3'))\n", "ENOENT")
path("V-DEV-PTMX", "/dev/ptmx does not exist",
     "out(s2e(open, '/dev/ptmx'))\n", "ENOENT")
path("V-PREFIX-TMPX", "/tmpx is not /tmp", "out(s2e(os.stat, '/tmpx'))\n",
     "ENOENT")
path("V-PREFIX-PYX", "/usr/lib/python3.11x is not the stdlib",
     "out(s2e(os.stat, '/usr/lib/python3.11x'))\n", "ENOENT")
path("V-PREFIX-NULLX", "/dev/nullx is not /dev/null",
     "out(s2e(os.stat, '/dev/nullx'))\n", "ENOENT")
path("V-PREFIX-GLOB", "a non-.so file in the library bind is hidden",
     "out(s2e(os.stat, '/usr/lib/x86_64-linux-gnu/libc.a'))\n", "ENOENT")
path("V-FLAG-TMPFILE-RO", "O_TMPFILE outside a tmpfs is EROFS",
     "out(s2e(os.open, '/usr', os.O_TMPFILE | os.O_RDWR))\n", "EROFS")
path("V-FLAG-CREAT-EXCL", "O_CREAT|O_EXCL on an existing file is EEXIST",
     "out(s2e(os.open, '/etc/passwd', os.O_CREAT | os.O_EXCL | os.O_WRONLY))\n",
     "EEXIST")
path("V-FLAG-CREAT-RO", "O_CREAT of a new name in a bind is EROFS",
     "out(s2e(os.open, '/usr/lib/python3.11/evil.py', os.O_CREAT | os.O_WRONLY))\n",
     "EROFS")
path("V-FLAG-WRONLY-RO", "write access to a bound file is EROFS",
     "out(s2e(os.open, '/usr/lib/python3.11/os.py', os.O_WRONLY))\n", "EROFS")
path("V-FLAG-TRUNC-RO", "O_RDONLY|O_TRUNC on a bound file is EROFS",
     "out(s2e(os.open, '/usr/lib/python3.11/os.py', os.O_RDONLY | os.O_TRUNC))\n",
     "EROFS")
path("V-FLAG-URANDOM-W", "write access to /dev/urandom is EACCES",
     "out(s2e(os.open, '/dev/urandom', os.O_WRONLY))\n", "EACCES")
path("V-FLAG-NOFOLLOW", "O_NOFOLLOW on a final symlink is ELOOP",
     "os.symlink('/tmp/t', '/tmp/l')\nopen('/tmp/t', 'w').close()\n"
     "out(s2e(os.open, '/tmp/l', os.O_RDONLY | os.O_NOFOLLOW))\n", "ELOOP")
path("V-FLAG-DIRECTORY-FILE", "O_DIRECTORY on a file is ENOTDIR",
     "out(s2e(os.open, '/etc/passwd', os.O_DIRECTORY))\n", "ENOTDIR")
path("V-FLAG-ACCMODE3", "O_ACCMODE 3 is EINVAL",
     "out(s2e(os.open, '/etc/passwd', 3))\n", "EINVAL")
path("V-FLAG-CREAT-DIRECTORY", "O_CREAT|O_DIRECTORY is EINVAL",
     "out(s2e(os.open, '/tmp/x', os.O_CREAT | os.O_DIRECTORY))\n", "EINVAL")
path("V-FLAG-ALLBITS", "open with every flag bit set is EINVAL",
     "out(s2e(os.open, '/tmp/y', -1))\n", "EINVAL")
add(Case("V-FLAG-HIBITS-raw", "path", ("raw",),
         "openat flags with bit 32 set still cannot write a bound file",
         "p = _ct.create_string_buffer(b'/usr/lib/python3.11/os.py')\n"
         f"out(raw({NR['openat']}, -100, _ct.addressof(p), {HI | 1}, 0))\n",
         stdout("EROFS\n")))
path("V-LONG-PATH", "a path of 5000 bytes is ENAMETOOLONG",
     "out(s2e(os.stat, '/tmp/' + 'a/' * 2500))\n", "ENAMETOOLONG")
path("V-LONG-COMPONENT", "a 256-byte component is ENAMETOOLONG",
     "out(s2e(open, '/tmp/' + 'a' * 256, 'w'))\n", "ENAMETOOLONG")
add(Case("V-HUGE-PATH-raw", "path", ("raw",),
         "an unterminated 1 MiB path is ENAMETOOLONG, read page by page",
         "b = _ct.create_string_buffer(b'/' * (1 << 20), 1 << 20)\n"
         f"out(raw({NR['open']}, _ct.addressof(b), 0, 0))\n",
         stdout("ENAMETOOLONG\n")))
add(Case("V-UNTERMINATED-raw", "path", ("raw",),
         "a path running into an unmapped page is EFAULT",
         "m = _mm.mmap(-1, 8192)\nbase = _ct.addressof(_ct.c_char.from_buffer(m))\n"
         "_libc.mprotect(_ct.c_void_p(base + 4096), 4096, 0)\n"
         "m[4096 - 10:4096] = b'/tmpaaaaaa'\n"
         f"out(raw({NR['open']}, base + 4086, 0, 0))\n", stdout("EFAULT\n")))
add(Case("V-NULLPTR-raw", "path", ("raw",), "a NULL path pointer is EFAULT",
         f"out(raw({NR['open']}, 0, 0, 0))\n", stdout("EFAULT\n")))
add(Case("V-KERNELPTR-raw", "path", ("raw",),
         "a kernel-space path pointer is EFAULT",
         f"out(raw({NR['stat']}, 0xffffffff81000000, 0, 0))\n",
         stdout("EFAULT\n")))
add(Case("V-STATBUF-KERNEL-raw", "path", ("raw",),
         "stat into a kernel-space buffer is EFAULT, not a kernel write",
         "p = _ct.create_string_buffer(b'/etc/passwd')\n"
         f"out(raw({NR['stat']}, _ct.addressof(p), 0xffffffff81000000))\n",
         stdout("EFAULT\n")))
add(Case("V-NUL-raw", "path", ("raw",),
         "bytes after a NUL are not part of the path",
         "p = _ct.create_string_buffer(b'/etc/passwd\\0/../../shadow')\n"
         f"r = raw({NR['open']}, _ct.addressof(p), 0, 0)\nout(r)\n",
         stdout("ok\n")))
path("V-NUL-py", "Python refuses a NUL inside a path",
     "try:\n    open('/etc/passwd\\0x')\nexcept ValueError:\n"
     "    out('ValueError')\n", "ValueError")
path("V-UTF8-INVALID", "invalid UTF-8 names work inside a tmpfs",
     "open(b'/tmp/\\xff\\xfe', 'w').close()\nout(os.listdir(b'/tmp'))\n",
     "[b'\\xff\\xfe']")
path("V-UTF8-ESCAPE", "invalid UTF-8 with ../ stays inside",
     "out(s2e(open, b'/\\xff/../etc/shadow'))\n", "ENOENT")

ORACLE = ("def probe(p):\n"
          "    r = []\n"
          "    for f in (os.stat, os.lstat, os.listdir, os.chdir, open,\n"
          "              os.readlink, lambda q: os.access(q, os.F_OK) or\n"
          "              os.stat(q)):\n"
          "        r.append(s2e(f, p))\n"
          "    r.append(s2e(os.open, p, os.O_CREAT | os.O_WRONLY))\n"
          "    r.append(s2e(os.mkdir, p))\n"
          "    return r\n")
path("V-ORACLE-CANARY", "every call on the canary path equals a missing one",
     ORACLE + "out(probe(CANARY['path']) == probe(CANARY['path'] + '.no'))\n",
     "True")
path("V-ORACLE-ROOTDIR", "/root (exists on the host) looks like /nope",
     ORACLE + "out(probe('/root') == probe('/nope'))\n", "True")
path("V-ORACLE-ETC", "/etc/hostname looks like /etc/nope",
     ORACLE + "out(probe('/etc/hostname') == probe('/etc/nope'))\n", "True")
path("V-ORACLE-BINDLINK", "a symlink out of a bind gives no host existence",
     ORACLE + "out(probe('/data/etcdir/hostname') =="
     " probe('/data/etcdir/nope'))\n", "True", init=BIND)

RACE_SWAP = r'''
import threading, time
secret = CANARY['secret']
stop = False
target = CANARY['path']
def swapper():
    while not stop:
        for i in range(50):
            try:
                os.unlink('/tmp/x')
            except OSError:
                pass
            try:
                if i % 2:
                    os.symlink(target, '/tmp/x')
                else:
                    os.symlink('../' * 20 + target[1:], '/tmp/x')
            except OSError:
                pass
            try:
                os.unlink('/tmp/x')
            except OSError:
                pass
            open('/tmp/x', 'w').close()
seen = opened = 0
t = threading.Thread(target=swapper)
t.start()
end = time.monotonic() + CANARY['race_seconds']
while time.monotonic() < end:
    try:
        with open('/tmp/x') as f:
            opened += 1
            if secret in f.read():
                seen += 1
    except OSError:
        pass
stop = True
t.join()
out(seen if opened else 'the race never opened the file')
'''
path("V-RACE-SYMLINK-SWAP", "a file/symlink swap race in /tmp never opens"
     " the host file", RACE_SWAP, "0")
RACE_RENAME = RACE_SWAP.replace(
    "open('/tmp/x', 'w').close()",
    "open('/tmp/f', 'w').close()\n"
    "            os.symlink(target, '/tmp/s') if not os.path.lexists('/tmp/s')"
    " else None\n"
    "            os.rename('/tmp/s' if i % 2 else '/tmp/f', '/tmp/x')")
path("V-RACE-RENAME-SWAP", "rename() swapping a symlink over a file never"
     " opens the host file", RACE_RENAME, "0")
RACE_DIR = r'''
import threading, time
secret = CANARY['secret']
top, name = os.path.split(CANARY['path'])
os.mkdir('/tmp/d')
with open('/tmp/d/' + name, 'w') as f:
    f.write('mine')
os.symlink('/tmp/d', '/tmp/dl')
targets = ['/tmp/d', top, '../' * 20 + top[1:]]
stop = False
def flip():
    i = 0
    while not stop:
        os.symlink(targets[i % 3], '/tmp/dl.new')
        os.rename('/tmp/dl.new', '/tmp/dl')
        i += 1
seen = opened = 0
t = threading.Thread(target=flip)
t.start()
end = time.monotonic() + CANARY['race_seconds']
while time.monotonic() < end:
    try:
        with open('/tmp/dl/' + name) as f:
            opened += 1
            if secret in f.read():
                seen += 1
    except OSError:
        pass
stop = True
t.join()
out(seen if opened else 'the race never opened the file')
'''
path("V-RACE-SYMLINK-DIR-SWAP", "a tmpfs directory symlink flipped between"
     " /tmp and the canary's host directory never opens the host file",
     RACE_DIR, "0")
RACE_MEM = r'''
import threading, time
buf = _ct.create_string_buffer(256)
good = b'/etc/passwd\0'
bad = CANARY['path'].encode() + b'\0'
stop = False
def flip():
    while not stop:
        _ct.memmove(buf, good, len(good))
        _ct.memmove(buf, bad, len(bad))
t = threading.Thread(target=flip)
t.start()
seen = opened = 0
rbuf = _ct.create_string_buffer(4096)
end = time.monotonic() + CANARY['race_seconds']
while time.monotonic() < end:
    fd = _libc.open(buf, 0)
    if fd >= 0:
        opened += 1
        n = _libc.read(fd, rbuf, 4096)
        if CANARY['secret'].encode() in rbuf.raw[:max(n, 0)]:
            seen += 1
        _libc.close(fd)
stop = True
t.join()
out(seen if opened else 'the race never opened /etc/passwd')
'''
add(Case("V-RACE-PATH-MEMORY-libc", "path", ("libc",),
         "a thread rewriting the path buffer during open never reaches the"
         " host file (the supervisor reads it once)", RACE_MEM, stdout("0\n")))

# ---------------------------------------------------------------------------
# Messages: bytes written to the control socket (fd 3) from inside the
# jail.  Nothing the jail sends is trusted.

def msg(cid: str, what: str, code: str, expect: Expect, **kw: Any) -> None:
    add(Case(cid, "message", ("msg",), what, code, expect, **kw))


def forge(obj: dict[str, Any]) -> str:
    line = json.dumps(obj)
    return f"os.write(3, {line!r}.encode() + b'\\n')\nimport time\ntime.sleep(2)\n"


msg("M-GARBAGE", "a few non-JSON lines on fd 3 do not stop the run",
    "os.write(3, b'not json\\n' * 10)\nout('done')\n", stdout("done\n"))
msg("M-REPLY-FLOOD-GARBAGE", "1000 non-JSON lines whose error replies the"
    " jail never reads: the run still ends within wall_ms",
    "os.write(3, b'not json\\n' * 1000)\nimport time\ntime.sleep(60)\n",
    Expect("usage.wall_ms", "<=", 3000), init={"limits": {"wall_ms": 2000}},
    timeout=5)
msg("M-REPLY-FLOOD-CALLS", "100000 undeclared calls whose refusals the jail"
    " never reads: the run still ends within wall_ms",
    "import json\nl = json.dumps({'t': 'call', 'function': 'nope', 'args': [],"
    " 'kwargs': {}}).encode() + b'\\n'\nfor i in range(100):\n"
    "    os.write(3, l * 1000)\nimport time\ntime.sleep(60)\n",
    Expect("usage.wall_ms", "<=", 3000), init={"limits": {"wall_ms": 2000}},
    timeout=5)
msg("M-FLOOD-LINES", "200000 empty objects on fd 3 do not wedge the supervisor",
    "for i in range(20):\n    os.write(3, b'{}\\n' * 10000)\nout('done')\n",
    stdout("done\n"))
msg("M-OVERSIZED-FRAME", "a line beyond frame_bytes on fd 3 is dropped",
    "chunk = b'x' * 65536\nfor i in range(80):\n    os.write(3, chunk)\n"
    "os.write(3, b'\\n')\nout('done')\n", stdout("done\n"))
msg("M-FORGED-TIMEOUT", "a forged result with outcome timeout is a crash",
    forge({"t": "result", "outcome": "timeout"}), outcome("crash"))
msg("M-FORGED-VIOLATION", "a forged result with outcome violation is a crash",
    forge({"t": "result", "outcome": "violation"}), outcome("crash"))
msg("M-FORGED-OUTCOME-TYPE", "a result whose outcome is not a string",
    forge({"t": "result", "outcome": 7}), outcome("crash"))
msg("M-FORGED-EXIT-STATUS-BIG", "a forged exit_status of 2**40 (outside"
    " REQ-RUN-3's 0..255) ends the run as a crash",
    forge({"t": "result", "outcome": "exit", "exit_status": 1 << 40}),
    outcome("crash"))
msg("M-FORGED-EXIT-STATUS-NEG", "a forged exit_status of -1 ends the run"
    " as a crash",
    forge({"t": "result", "outcome": "exit", "exit_status": -1}),
    outcome("crash"))
msg("M-FORGED-EXC-TYPE-LONG", "a forged exception type of 5000 chars"
    " (the schema allows 1024) ends the run as a crash",
    forge({"t": "result", "outcome": "exception",
           "exception": {"type": "A" * 5000, "message": "m",
                         "traceback": "t"}}),
    outcome("crash"))
msg("M-FORGED-EXC-FRAME", "a forged exception message near frame_bytes"
    " still yields a response within frame_bytes (REQ-RUN-6)",
    "import json, time\nm = '\\u00e9' * 10000 + 'm' * 35000\n"
    "os.write(3, json.dumps({'t': 'result', 'outcome': 'exception',"
    " 'exception': {'type': 'E', 'message': m, 'traceback': 't'}}).encode()"
    " + b'\\n')\ntime.sleep(2)\n",
    Expect("longest_frame", "<=", 65536),
    init={"limits": {"frame_bytes": 65536, "host_call_bytes": 1024}})
msg("M-CALL-NESTED-40", "an honest host call whose argument nests 40 lists"
    " deep is answered (json-c's default depth is 32)",
    "import sandbox\nv = []\nfor _ in range(40):\n    v = [v]\n"
    "out(sandbox.call('add', v))\n", stdout("3\n"),
    init={"host_functions": [{"name": "add"}], "limits": {"wall_ms": 4000}},
    host=lambda p: {"result": {"value": 3}})
msg("M-FORGED-EXC-MISSING", "a forged exception outcome without an"
    " exception ends the run as a crash",
    forge({"t": "result", "outcome": "exception"}),
    outcome("crash"))
msg("M-FORGED-READY", "ready and fail messages mid-run are ignored",
    "os.write(3, b'{\"t\":\"ready\"}\\n{\"t\":\"fail\",\"step\":\"x\","
    "\"errno\":1}\\n')\nout('done')\n", stdout("done\n"))

CALL = ("import json, select\n"
        "def call(obj):\n"
        "    os.write(3, json.dumps(obj).encode() + b'\\n')\n"
        "    buf = b''\n"
        "    while not buf.endswith(b'\\n'):\n"
        "        if not select.select([3], [], [], 3)[0]:\n"
        "            return 'no answer'\n"
        "        buf += os.read(3, 1 << 20)\n"
        "    r = json.loads(buf)\n"
        "    return r['error']['type'] if 'error' in r else r.get('value')\n")
msg("M-CALL-UNDECLARED", "a call of an undeclared function is refused"
    " in the jail (REQ-HOST-1)",
    CALL + "out(call({'t': 'call', 'function': 'system', 'args': ['id'],"
    " 'kwargs': {}}))\n", stdout("SandboxError\n"),
    init={"host_functions": [{"name": "add"}]})
msg("M-CALL-BADTYPES", "a call whose function is a number is TypeError",
    CALL + "out(call({'t': 'call', 'function': 5, 'args': [],"
    " 'kwargs': {}}))\n", stdout("TypeError\n"))
msg("M-CALL-ARGS-OBJECT", "a call whose args is an object is TypeError",
    CALL + "out(call({'t': 'call', 'function': 'add', 'args': {},"
    " 'kwargs': {}}))\n", stdout("TypeError\n"),
    init={"host_functions": [{"name": "add"}]})
RAWCALL = ("import select\n"
           "def rawcall(frame):\n"
           "    os.write(3, frame + b'\\n')\n"
           "    buf = b''\n"
           "    while not buf.endswith(b'\\n'):\n"
           "        if not select.select([3], [], [], 3)[0]:\n"
           "            return 'no answer'\n"
           "        buf += os.read(3, 1 << 20)\n"
           "    return 'error' if b'\"error\"' in buf else 'value'\n")
msg("M-CALL-DEEP-NESTING", "a call nested 100000 levels deep gets an"
    " error answer rather than hanging the run",
    RAWCALL + "d = b'[' * 100000 + b']' * 100000\n"
    "out(rawcall(b'{\"t\":\"call\",\"function\":\"add\",\"args\":'"
    " + d + b',\"kwargs\":{}}'))\n", stdout("error\n"),
    init={"host_functions": [{"name": "add"}]})
msg("M-CALL-BAD-UTF8", "a call whose function name is invalid UTF-8 gets"
    " an error answer",
    RAWCALL + "out(rawcall(b'{\"t\":\"call\",\"function\":"
    "\"ad\\xff\",\"args\":[],\"kwargs\":{}}'))\n", stdout("error\n"),
    init={"host_functions": [{"name": "add"}]})
msg("M-CALL-NOT-JSON", "a call frame that is not JSON gets an error"
    " answer rather than hanging the run",
    RAWCALL + "out(rawcall(b'{\"t\":\"call\",\"function\":'))\n",
    stdout("error\n"), init={"host_functions": [{"name": "add"}]})
msg("M-CALL-TOO-BIG", "a call beyond host_call_bytes fails in the jail"
    " with SandboxError (REQ-HOST-2)",
    "import sandbox\ntry:\n    sandbox.call('add', 'x' * 5000)\n"
    "except Exception as e:\n    out(type(e).__name__)\n",
    stdout("SandboxError\n"),
    init={"host_functions": [{"name": "add"}],
          "limits": {"host_call_bytes": 1024}})
msg("M-CALL-TWO-AT-ONCE", "two raw call frames at once: the second is"
    " refused, one at a time",
    "import json\nline = json.dumps({'t': 'call', 'function': 'add',"
    " 'args': [], 'kwargs': {}}).encode() + b'\\n'\n"
    "os.write(3, line + line)\nimport select\nbuf = b''\n"
    "while buf.count(b'\\n') < 2:\n"
    "    select.select([3], [], [], 5)\n    buf += os.read(3, 65536)\n"
    "out(sum(b'one at a time' in l for l in buf.split(b'\\n')))\n",
    stdout("1\n"), init={"host_functions": [{"name": "add"}]})

SCM = r'''
class iovec(_ct.Structure):
    _fields_ = [("base", _ct.c_void_p), ("len", _ct.c_size_t)]
class msghdr(_ct.Structure):
    _fields_ = [("name", _ct.c_void_p), ("namelen", _ct.c_uint),
                ("iov", _ct.POINTER(iovec)), ("iovlen", _ct.c_size_t),
                ("control", _ct.c_void_p), ("controllen", _ct.c_size_t),
                ("flags", _ct.c_int)]
def send_fds(fds, data=b'{}\n'):
    n = len(fds)
    clen = 16 + 4 * n
    cbuf = _ct.create_string_buffer((clen + 7) & ~7)
    _ct.memmove(cbuf, (_ct.c_size_t * 1)(clen), 8)
    _ct.memmove(_ct.addressof(cbuf) + 8, (_ct.c_int * 2)(1, 1), 8)
    _ct.memmove(_ct.addressof(cbuf) + 16, (_ct.c_int * n)(*fds), 4 * n)
    d = _ct.create_string_buffer(data, len(data))
    iov = iovec(_ct.addressof(d), len(data))
    m = msghdr(None, 0, _ct.pointer(iov), 1, _ct.addressof(cbuf), len(cbuf), 0)
    return sc(46, 3, _ct.addressof(m), 0)
'''
msg("M-SCM-RIGHTS-FLOOD", "descriptors sent over fd 3 with SCM_RIGHTS do not"
    " pile up in the supervisor: forwarded opens still work after 12000",
    SCM + "import time\nfds = [os.open('/dev/null', 0) for _ in range(200)]\n"
    "for _ in range(60):\n    send_fds(fds)\n    os.stat('/etc')\n"
    "time.sleep(0.3)\nout((send_fds(fds), s2e(open, '/etc/passwd')))\n",
    stdout("('ok', 'ok')\n"), init={"limits": {"open_files": 1024}})
msg("M-SCM-RIGHTS-LISTENER", "a descriptor sent mid-run is not taken as a"
    " new notification listener: violations still end the run",
    SCM + "r, w = os.pipe()\nsend_fds([r, w])\n"
    f"sc({NR['ptrace']}, 0, 0, 0, 0)\n", violation("ptrace", NR["ptrace"]))
msg("M-FORWARD-THREADS", "forwarded calls from 12 threads at once are each"
    " answered for their own thread",
    "import threading\nbad = []\n"
    "def work(i):\n    p = '/tmp/t%d' % i\n    open(p, 'w').write(str(i))\n"
    "    for _ in range(300):\n"
    "        if open(p).read() != str(i) or os.stat(p).st_size != len(str(i)):\n"
    "            bad.append(i)\n"
    "ts = [threading.Thread(target=work, args=(i,)) for i in range(12)]\n"
    "[t.start() for t in ts]\n[t.join() for t in ts]\nout(len(bad))\n",
    stdout("0\n"))
msg("M-SUP-FD-LEAK", "5000 forwarded opens and closes leak nothing in the"
    " supervisor",
    "for _ in range(5000):\n    os.close(os.open('/etc/passwd', 0))\n"
    "out(s2e(open, '/etc/group'))\n", stdout("ok\n"))
msg("M-FD-EXHAUSTION", "with the jail's descriptors exhausted a forwarded"
    " open is EMFILE, and the session goes on",
    "fs = []\ntry:\n    while True:\n        fs.append(os.open('/dev/null', 0))\n"
    "except OSError as e:\n    first = _ename(e.errno)\n"
    "r = s2e(open, '/etc/passwd')\nfor f in fs: os.close(f)\n"
    "out((first, r, s2e(open, '/etc/passwd')))\n",
    stdout("('EMFILE', 'EMFILE', 'ok')\n"), init={"limits": {"open_files": 64}})


# Parent-side raw frames around a run (the "frame" route).
def drive_answer(answer: Any) -> Any:
    def driver(s: Session, case: Case) -> dict[str, Any]:
        res = s.initialize(host_functions=[{"name": "f"}],
                           limits={"host_call_bytes": 1024})
        assert "result" in res, res
        code = ("import sandbox\ntry:\n    sandbox.call('f')\n"
                "except Exception as e:\n    print(type(e).__name__)\n")
        return s.execute(code, host=lambda p: answer)
    return driver


add(
    Case("M-ANSWER-TOO-BIG-frame", "message", ("frame",),
         "a host/call answer beyond host_call_bytes fails the call with"
         " SandboxError (REQ-HOST-3)", "", stdout("SandboxError\n"),
         driver=drive_answer({"result": {"value": "x" * 4000}})),
    Case("M-ANSWER-NOT-OBJECT-frame", "message", ("frame",),
         "a host/call answer whose result is not an object",
         "", stdout("SandboxError\n"), driver=drive_answer({"result": 5})),
    Case("M-ANSWER-NO-VALUE-frame", "message", ("frame",),
         "a host/call answer without value fails the call (REQ-HOST-4, -6)",
         "", stdout("SandboxError\n"), driver=drive_answer({"result": {}})),
)

# ---------------------------------------------------------------------------
# Resources: every limit holds against code that tries to get around it.

def res(cid: str, what: str, code: str, expect: Expect, limits: dict[str, int],
        routes: tuple[str, ...] = ("py",), **kw: Any) -> None:
    init = {**kw.pop("init", {}), "limits": limits}
    add(Case(cid, "resource", routes, what, code, expect, init=init, **kw))


MEM = {"memory_bytes": 256 << 20}
res("R-MEM-BYTEARRAY", "a 1 GiB bytearray hits memory_bytes",
    "x = bytearray(1 << 30)\n", outcome("memory_limit"), MEM)
res("R-MEM-MMAP-ANON", "a 1 GiB anonymous mmap is ENOMEM",
    "out(s2e(_mm.mmap, -1, 1 << 30))\n", stdout("ENOMEM\n"), MEM)
res("R-MEM-MMAP-SHARED", "a 1 GiB shared anonymous mmap is ENOMEM",
    "out(s2e(_mm.mmap, -1, 1 << 30, flags=_mm.MAP_SHARED))\n",
    stdout("ENOMEM\n"), MEM)
res("R-MEM-MMAP-NORESERVE", "MAP_NORESERVE does not lift RLIMIT_AS",
    "_libc.mmap.restype = _ct.c_long\n"
    "r = _libc.mmap(None, _ct.c_size_t(1 << 30), 3, 0x22 | 0x4000, -1, 0)\n"
    "out(_ename(_ct.get_errno()) if r == -1 else 'mapped')\n",
    stdout("ENOMEM\n"), MEM, routes=("libc",))
res("R-MEM-MREMAP", "growing a mapping with mremap is bounded too",
    "m = _mm.mmap(-1, 1 << 20)\nout(s2e(m.resize, 1 << 30))\n",
    stdout("ENOMEM\n"), MEM)
res("R-MEM-THREAD-STACKS", "256 MiB thread stacks cannot exceed memory_bytes",
    "import threading, time\nthreading.stack_size(256 << 20)\n"
    "ts = [threading.Thread(target=time.sleep, args=(1,)) for _ in range(3)]\n"
    "[t.start() for t in ts]\n", Expect("exception.type", "==", "RuntimeError"),
    MEM)
res("R-MEM-RAISE-RLIMIT", "RLIMIT_AS cannot be raised back (hard = soft)",
    "import resource\ns, h = resource.getrlimit(resource.RLIMIT_AS)\n"
    "out(s == h == 256 << 20)\n", stdout("True\n"), MEM)
res("R-THREAD-BOMB", "1000 threads stop at the threads limit",
    "import threading, time\n"
    "ts = [threading.Thread(target=time.sleep, args=(2,)) for _ in range(1000)]\n"
    "[t.start() for t in ts]\n", Expect("exception.type", "==", "RuntimeError"),
    {"threads": 8})
res("R-THREAD-BOMB-COUNT", "exactly threads - 1 extra threads can run",
    "import threading, time\nn = 0\ntry:\n    for _ in range(100):\n"
    "        threading.Thread(target=time.sleep, args=(2,)).start()\n"
    "        n += 1\nexcept RuntimeError:\n    pass\nout(n)\n",
    stdout("7\n"), {"threads": 8})
res("R-CPU-PY", "a Python busy loop hits cpu_ms", "while True: pass\n",
    outcome("cpu_limit"), {"cpu_ms": 300})
NATIVE_LOOP = ("loop = _mm.mmap(-1, 4096, prot=7)\nloop.write(b'\\xeb\\xfe')\n"
               "f = _ct.CFUNCTYPE(None)(_ct.addressof(_ct.c_char.from_buffer(loop)))\n")
res("R-CPU-NATIVE-BLOCKED", "native code spinning with every signal blocked"
    " hits cpu_ms", "import signal\n"
    "signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals))\n"
    + NATIVE_LOOP + "f()\n", outcome("cpu_limit"), {"cpu_ms": 300},
    routes=("raw",))
res("R-CPU-NATIVE-THREADS", "four native spinning threads hit cpu_ms",
    "import threading\n" + NATIVE_LOOP +
    "for _ in range(4):\n    threading.Thread(target=f, daemon=True).start()\n"
    "f()\n", outcome("cpu_limit"), {"cpu_ms": 400, "threads": 8},
    routes=("raw",))
res("R-CPU-IGNORE-XCPU", "ignoring SIGXCPU does not escape cpu_ms",
    "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
    "while True: pass\n", outcome("cpu_limit"), {"cpu_ms": 300})
res("R-WALL-SLEEP", "sleeping forever hits wall_ms",
    "import time\ntime.sleep(1e6)\n", outcome("timeout"), {"wall_ms": 400})
res("R-WALL-PAUSE", "pause() with signals blocked hits wall_ms",
    "import signal\n"
    "signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals))\n"
    "signal.pause()\n", outcome("timeout"), {"wall_ms": 400})
res("R-WALL-FUTEX", "a raw futex wait forever hits wall_ms",
    "w = _ct.c_int(0)\nraw(202, _ct.addressof(w), 0, 0, 0, 0, 0)\n",
    outcome("timeout"), {"wall_ms": 400}, routes=("raw",))
res("R-WALL-READ-FD3", "blocking on the control socket hits wall_ms",
    "os.read(3, 1)\n", outcome("timeout"), {"wall_ms": 400})
res("R-OUT-FLOOD", "a stdout flood hits output_bytes",
    "while True:\n    os.write(1, b'x' * 65536)\n", outcome("output_limit"),
    {"output_bytes": 1000})
res("R-OUT-FLOOD-STDERR", "a stderr flood hits output_bytes",
    "while True:\n    os.write(2, b'x' * 65536)\n", outcome("output_limit"),
    {"output_bytes": 1000})
res("R-OUT-FLOOD-THREAD", "a flood from a background thread hits"
    " output_bytes", "import threading, time\n"
    "def f():\n    while True:\n        os.write(1, b'y' * 4096)\n"
    "threading.Thread(target=f, daemon=True).start()\ntime.sleep(10)\n",
    outcome("output_limit"), {"output_bytes": 1000})
res("R-OUT-EXACT", "a flood delivers exactly output_bytes",
    "while True:\n    os.write(1, b'x' * 65536)\n",
    Expect("usage.stdout_bytes", "==", 1000), {"output_bytes": 1000})
res("R-RECURSION", "unbounded recursion without a limit crashes the jail,"
    " not the supervisor", "import sys\nsys.setrecursionlimit(10 ** 8)\n"
    "def f(n):\n    return f(n + 1) + 1\nf(0)\n",
    Expect("outcome", "in", ("exception", "crash", "memory_limit")),
    {"memory_bytes": 128 << 20})
res("R-SIGSYS-HANDLER", "a SIGSYS handler does not catch a violation",
    "import signal\nsignal.signal(signal.SIGSYS, lambda *a: None)\n"
    f"sc({NR['ptrace']}, 0, 0, 0, 0)\n", violation("ptrace", NR["ptrace"]), {})
res("R-ABORT", "abort() ends the run as a crash", "os.abort()\n",
    outcome("crash"), {})
res("R-CRASH-USAGE", "usage.cpu_ms of a run that crashed is sane",
    "os.abort()\n", Expect("usage.cpu_ms", "<=", 60000), {})
res("R-CRASH-PEAK", "usage.peak_memory_bytes of a crashed run is not 0",
    "os.abort()\n", Expect("usage.peak_memory_bytes", "range", (1, 1 << 40)),
    {})
res("R-CORE-RLIMIT", "core dumps are off (RLIMIT_CORE 0, 0)",
    "import resource\nout(resource.getrlimit(resource.RLIMIT_CORE))\n",
    stdout("(0, 0)\n"), {})
res("R-FSIZE", "file_bytes stops a file at its limit (EFBIG)",
    "f = os.open('/tmp/big', os.O_CREAT | os.O_WRONLY)\n"
    "os.write(f, b'x' * 10000)\nout(s2e(os.write, f, b'x'))\n",
    stdout("EFBIG\n"),
    {"file_bytes": 4096})
res("R-TMPFS-BYTES", "a tmpfs stops at max_bytes (ENOSPC)",
    "f = os.open('/q/big', os.O_CREAT | os.O_WRONLY)\n"
    "out(s2e(lambda: [os.write(f, b'x' * 65536) for _ in range(100)]))\n",
    stdout("ENOSPC\n"), {},
    init={"filesystem": [{"type": "tmpfs", "target": "/q",
                          "max_bytes": 1 << 20}]})
res("R-TMPFS-FILES", "a tmpfs stops at max_files (ENOSPC)",
    "out(s2e(lambda: [open('/q/%d' % i, 'w').close() for i in range(100)]))\n",
    stdout("ENOSPC\n"), {},
    init={"filesystem": [{"type": "tmpfs", "target": "/q", "max_files": 10}]})
res("R-OPEN-FILES", "open_files stops descriptors at EMFILE",
    "out(s2e(lambda: [os.pipe() for _ in range(100)]))\n", stdout("EMFILE\n"),
    {"open_files": 32})

# ---------------------------------------------------------------------------
# Leaks: what the jail can learn about the host.

def leak(cid: str, what: str, code: str, text: str, **kw: Any) -> None:
    add(Case(cid, "leak", ("py",), what, code, stdout(text + "\n"), **kw))


leak("L-HOSTNAME", "the hostname is the jail's own",
     "import socket\nout(socket.gethostname())\n", "sandbox")
leak("L-ENV", "the environment is exactly the default",
     "out(sorted(os.environ.items()))\n",
     "[('HOME', '/tmp'), ('LANG', 'C.UTF-8'), ('PATH', '/usr/bin:/bin')]")
leak("L-FDS", "no inherited descriptor: only 0, 1, 2 and 3 are open",
     "import fcntl\nfds = []\nfor fd in range(1024):\n    try:\n"
     "        fcntl.fcntl(fd, fcntl.F_GETFD)\n        fds.append(fd)\n"
     "    except OSError:\n        pass\nout(fds)\n", "[0, 1, 2, 3]")
leak("L-FD3-KIND", "fd 3 is a socket (the control channel), nothing else",
     "import stat\nout(stat.S_ISSOCK(os.fstat(3).st_mode))\n", "True")
leak("L-PROC", "/proc is absent", "out(os.path.exists('/proc'))\n", "False")
leak("L-SYS", "/sys is absent", "out(os.path.exists('/sys'))\n", "False")
leak("L-LS-ROOT", "the root lists only the default layout",
     "out(sorted(os.listdir('/')))\n", "['dev', 'etc', 'lib', 'tmp', 'usr']")
leak("L-LS-DEV", "/dev lists only null, urandom, zero",
     "out(sorted(os.listdir('/dev')))\n", "['null', 'urandom', 'zero']")
leak("L-LS-ETC", "/etc lists only group, ld.so.cache, passwd",
     "out(sorted(os.listdir('/etc')))\n", "['group', 'ld.so.cache', 'passwd']")
leak("L-LS-USR", "/usr lists only lib", "out(sorted(os.listdir('/usr')))\n",
     "['lib']")
leak("L-TMP-EMPTY", "a fresh session's /tmp is empty",
     "out(os.listdir('/tmp'))\n", "[]")
leak("L-IDS", "the jail's ids are 1000", "out((os.getuid(), os.geteuid(),"
     " os.getgid(), os.getegid(), os.getgroups()))\n",
     "(1000, 1000, 1000, 1000, [])")
leak("L-PIDS", "the jail's pid and parent are those of a fresh pid"
     " namespace (pid 1 or 2, parent 0 or 1), not host pids",
     "out((os.getpid() < 3, os.getppid() < 2))\n", "(True, True)")
leak("L-CWD", "the working directory is /tmp", "out(os.getcwd())\n", "/tmp")
leak("L-CAPS", "the jail holds no capability",
     "hdr = (_ct.c_uint32 * 2)(0x20080522, 0)\ndata = (_ct.c_uint32 * 6)()\n"
     "sc(125, _ct.addressof(hdr), _ct.addressof(data))\n"
     "out(list(data))\n", "[0, 0, 0, 0, 0, 0]")
leak("L-NO-NEW-PRIVS", "no_new_privs is set",
     "out(_libc.prctl(39, 0, 0, 0, 0))\n", "1")
leak("L-SECCOMP-MODE", "the filter is in force (PR_GET_SECCOMP is 2)",
     "out(_libc.prctl(21, 0, 0, 0, 0))\n", "2")
leak("L-DUMPABLE-CORE", "the canary path gives no trace in directory"
     " listings of the synthetic root", "out(CANARY['top'].split('/')[1] in"
     " os.listdir('/') and CANARY['top'].split('/')[1] != 'tmp')\n", "False")

# ---------------------------------------------------------------------------
# Python-level escapes, each followed to the OS boundary.

def esc(cid: str, what: str, code: str, expect: Expect,
        routes: tuple[str, ...] = ("py",), **kw: Any) -> None:
    add(Case(cid, "python", routes, what, code, expect, **kw))


esc("Y-SUBCLASS-POPEN", "Popen found by walking object subclasses still"
    " cannot start a process",
    "import subprocess\n"
    "P = [c for c in object.__subclasses__() if c.__name__ == 'Popen'][0]\n"
    "try:\n    P(['/bin/sh', '-c', 'id'])\nexcept OSError as e:\n"
    "    out(_ename(e.errno))\n", stdout("EPERM\n"))
esc("Y-SUBCLASS-GLOBALS", "os functions recovered through a subclass's"
    " __init__.__globals__ are the confined ones",
    "g = [c.__init__.__globals__ for c in object.__subclasses__()"
    " if c.__name__ == '_wrap_close'][0]\n"
    "out(s2e(g['execv'], '/bin/sh', ['sh']))\n", stdout("EPERM\n"))
esc("Y-FRAME-RUNNER", "the runner's module reached through frames gives"
    " no more than the code has: an undeclared host call is refused",
    "import sys\nf = sys._getframe()\nwhile f.f_back:\n    f = f.f_back\n"
    "g = f.f_globals\nsb = g.get('sandbox') or __import__('sandbox')\n"
    "try:\n    sb.call('open', '/etc/shadow')\nexcept Exception as e:\n"
    "    out(type(e).__name__)\n", stdout("SandboxError\n"))
esc("Y-CTYPES-FORK", "libc fork() through ctypes is EPERM",
    "r = _libc.fork()\nout(_ename(_ct.get_errno()) if r < 0 else 'forked')\n",
    stdout("EPERM\n"), routes=("libc",))
esc("Y-CTYPES-EXECV", "libc execv() through ctypes is EPERM",
    "argv = (_ct.c_char_p * 2)(b'sh', None)\n"
    "r = _libc.execv(b'/bin/sh', argv)\nout(_ename(_ct.get_errno()))\n",
    stdout("EPERM\n"), routes=("libc",))
esc("Y-CTYPES-UNSHARE", "libc unshare() through ctypes is a violation",
    "_libc.unshare(0x10000000)\n", violation("unshare", NR["unshare"]),
    routes=("libc",))
esc("Y-LOAD-SO", "an arbitrary .so copied into /tmp loads but runs under"
    " the same filter",
    "import glob, shutil\n"
    "src = glob.glob('/usr/lib/python3.11/lib-dynload/_json*.so')[0]\n"
    "shutil.copy(src, '/tmp/evil.so')\n_ct.CDLL('/tmp/evil.so')\n"
    f"sc({NR['ptrace']}, 0, 0, 0, 0)\n", violation("ptrace", NR["ptrace"]),
    routes=("libc",))
esc("Y-LOAD-HOST-SO", "a library outside the sandbox cannot be loaded",
    "try:\n    _ct.CDLL('/usr/lib/x86_64-linux-gnu/libc.a')\n"
    "except OSError:\n    out('OSError')\n", stdout("OSError\n"))
esc("Y-OS-SYSTEM-SHELL", "os.popen cannot start a shell",
    "out(s2e(lambda: os.popen('id').read()))\n", stdout("EPERM\n"))
esc("Y-MULTIPROCESSING-POOL", "a multiprocessing pool cannot start (no"
    " /dev/shm for its semaphores)",
    "import multiprocessing\ntry:\n    multiprocessing.Pool(2)\n"
    "except Exception as e:\n    out(type(e).__name__)\n",
    stdout("FileNotFoundError\n"))

# ---------------------------------------------------------------------------
# Held descriptors of bound host files: what the jail can do to the host
# file through a descriptor the supervisor opened for it.  /data/data is
# owned by the supervisor's own host uid.

def host_probe(params: dict[str, Any]) -> dict[str, Any]:
    """Host function "probe": can the host lock PATH itself right now?"""
    import fcntl
    path, kind = params["args"]
    with open(path, "r+") as f:
        try:
            if kind == "flock":
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return {"result": {"value": "blocked"}}
    return {"result": {"value": "free"}}


PROBE = {**BIND, "host_functions": [{"name": "probe"}]}


def held(cid: str, what: str, code: str, text: str, **kw: Any) -> None:
    add(Case(cid, "path", ("py",), what,
             "fd = os.open('/data/data', os.O_RDONLY)\n" + code,
             stdout(text + "\n"), init=kw.pop("init", BIND), **kw))


held("V-HELD-FCHMOD", "fchmod of a bound host file is EROFS",
     "out(s2e(os.fchmod, fd, 0o777))\n", "EROFS")
held("V-HELD-UTIME", "utime of a bound host file is EROFS",
     "out(s2e(os.utime, fd, (0, 0)))\n", "EROFS")
held("V-HELD-FTRUNCATE", "ftruncate of a read-only descriptor is EINVAL",
     "out(s2e(os.truncate, fd, 0))\n", "EINVAL")
held("V-HELD-FALLOCATE", "fallocate of a read-only descriptor is EBADF",
     "out(s2e(os.posix_fallocate, fd, 0, 100))\n", "EBADF")
held("V-HELD-WRITE", "write to a read-only descriptor is EBADF",
     "out(s2e(os.write, fd, b'x'))\n", "EBADF")
held("V-HELD-MMAP-SHARED-W", "a shared writable mapping of a bound file is"
     " EACCES", "out(s2e(_mm.mmap, fd, 0, flags=_mm.MAP_SHARED,"
     " prot=_mm.PROT_READ | _mm.PROT_WRITE))\n", "EACCES")
held("V-HELD-MPROTECT-W", "mprotect cannot upgrade a shared read-only"
     " mapping of a bound file to writable",
     "_libc.mmap.restype = _ct.c_long\n"
     "a = _libc.mmap(None, 4096, 1, 1, fd, 0)\n"
     "r = _libc.mprotect(_ct.c_void_p(a), 4096, 3)\n"
     "out(_ename(_ct.get_errno()) if r else 'writable')\n", "EACCES")
held("V-HELD-REOPEN-FCNTL", "F_SETFL cannot turn a read-only descriptor"
     " into a writable one", "import fcntl\n"
     "fcntl.fcntl(fd, fcntl.F_SETFL, os.O_RDWR | os.O_APPEND)\n"
     "out(s2e(os.write, fd, b'x'))\n", "EBADF")
held("V-HELD-FLOCK-HOST", "an exclusive flock by the jail does not block"
     " the host's own flock of a bound file",
     "import fcntl, sandbox\nfcntl.flock(fd, fcntl.LOCK_EX)\n"
     "out(sandbox.call('probe', CANARY['bind_dir'] + '/data', 'flock'))\n",
     "free", init=PROBE, host=host_probe)
held("V-HELD-POSIXLOCK-HOST", "a POSIX read lock by the jail does not block"
     " the host's write lock of a bound file",
     "import fcntl, sandbox\nfcntl.lockf(fd, fcntl.LOCK_SH)\n"
     "out(sandbox.call('probe', CANARY['bind_dir'] + '/data', 'lockf'))\n",
     "free", init=PROBE, host=host_probe)

# More resolution corners.
path("V-OPATH-FILE", "O_PATH of a readable file opens (open(2), vfs.h)",
     "out(s2e(os.open, '/etc/passwd', os.O_PATH))\n", "ok")
path("V-OPATH-NOFOLLOW-LINK", "O_PATH|O_NOFOLLOW of a tmpfs symlink is ELOOP,"
     " the documented limit (docs/architecture.md: the kernel will not"
     " inject an O_PATH file, and a link cannot be opened read-only)",
     "os.symlink('/etc/passwd', '/tmp/l')\n"
     "out(s2e(os.open, '/tmp/l', os.O_PATH | os.O_NOFOLLOW))\n", "ELOOP")
path("V-OPENAT-PIPEFD", "openat relative to a pipe is ENOTDIR",
     "r, w = os.pipe()\nout(s2e(os.open, 'x', os.O_RDONLY, dir_fd=r))\n",
     "ENOTDIR")
path("V-OPENAT-CONTROLFD", "openat relative to the control socket is"
     " ENOTDIR", "out(s2e(os.open, 'x', os.O_RDONLY, dir_fd=3))\n", "ENOTDIR")
path("V-OPENAT-BADFD", "openat relative to a closed descriptor is EBADF",
     "out(s2e(os.open, 'x', os.O_RDONLY, dir_fd=900))\n", "EBADF")
path("V-FCHDIR-FILE", "fchdir to a file is ENOTDIR",
     "fd = os.open('/etc/passwd', 0)\nout(s2e(os.fchdir, fd))\n", "ENOTDIR")
add(Case("V-GETCWD-SMALL-raw", "path", ("raw",),
         "getcwd into a 2-byte buffer is ERANGE",
         "b = _ct.create_string_buffer(2)\n"
         "out(raw(79, _ct.addressof(b), 2))\n", stdout("ERANGE\n")))
add(Case("V-PROTNONE-raw", "path", ("raw",),
         "a path in a PROT_NONE page is EFAULT",
         "m = _mm.mmap(-1, 4096)\nm[:5] = b'/etc\\0'\n"
         "a = _ct.addressof(_ct.c_char.from_buffer(m))\n"
         "_libc.mprotect(_ct.c_void_p(a), 4096, 0)\n"
         f"out(raw({NR['open']}, a, 0, 0))\n", stdout("EFAULT\n")))
path("V-RENAME-OUT", "rename from the tmpfs into a bind is EXDEV",
     "open('/tmp/f', 'w').close()\n"
     "out(s2e(os.rename, '/tmp/f', '/usr/lib/python3.11/f'))\n", "EXDEV")
path("V-LINK", "hard links are EPERM",
     "open('/tmp/f', 'w').close()\nout(s2e(os.link, '/tmp/f', '/tmp/g'))\n",
     "EPERM")
# A tmpfs symlink's target is a sandbox path (resolved from the sandbox
# root, as Linux would): the canary's host path is not in the sandbox.
path("V-TMPFS-SYMLINK-OUT", "a tmpfs symlink to the canary's host path is"
     " ENOENT", "os.symlink(CANARY['path'], '/tmp/l')\n"
     "out(s2e(open, '/tmp/l'))\n", "ENOENT")
path("V-TMPFS-SYMLINK-DOTDOT", "a tmpfs symlink climbing with ../ stays in"
     " the sandbox (ENOENT)",
     "os.symlink('../' * 20 + 'etc/shadow', '/tmp/l')\n"
     "out(s2e(open, '/tmp/l'))\n", "ENOENT")
path("V-TMPFS-SYMLINK-MAGIC", "tmpfs symlinks to /proc/self/root,"
     " /proc/1/cwd and /dev/fd reach no host file (ENOENT)",
     "r = []\nfor i, t in enumerate(('/proc/self/root', '/proc/1/cwd',"
     " '/proc/1/root', '/dev/fd/0/..')):\n"
     "    os.symlink(t, '/tmp/m%d' % i)\n"
     "    r.append(s2e(open, '/tmp/m%d' % i + CANARY['path']))\n"
     "out(sorted(set(r)))\n", "['ENOENT']")
path("V-TMPFS-SYMLINK-BIND-OUT", "a tmpfs symlink into a bind's symlink"
     " that leads out keeps the bind's rule (EACCES)",
     "os.symlink('/data/abs', '/tmp/a')\nos.symlink('/data', '/tmp/d')\n"
     "out((s2e(open, '/tmp/a'), s2e(open, '/tmp/d/etcdir/hostname')))\n",
     "('EACCES', 'EACCES')", init=BIND)
path("V-TMPFS-SYMLINK-WRITE-RO", "writes through a tmpfs directory symlink"
     " to / change nothing outside the tmpfs",
     "os.symlink('/', '/tmp/r')\nf = '/tmp/r/etc/passwd'\n"
     "out([s2e(open, f, 'w'), s2e(os.truncate, f, 0), s2e(os.chmod, f, 0o777),"
     " s2e(os.utime, f), s2e(os.unlink, f), s2e(os.mkdir, '/tmp/r/usr/x'),"
     " s2e(os.symlink, 'x', '/tmp/r/etc/x'), s2e(os.rename, f, '/tmp/p'),"
     " s2e(os.rename, '/tmp/r/tmp', '/tmp/r/t2'), s2e(os.rmdir, '/tmp/r/tmp'),"
     " open('/etc/passwd').read().count('\\n')])\n",
     "['EROFS', 'EROFS', 'EROFS', 'EROFS', 'EROFS', 'EROFS', 'EROFS', 'EXDEV',"
     " 'EXDEV', 'EBUSY', 2]")
path("V-DIRFD-VIA-LINK-RETARGET", "a directory descriptor keeps naming"
     " its directory after a tmpfs link that also opened it is retargeted",
     "os.mkdir('/tmp/c')\n"
     "fd = os.open('/etc', os.O_RDONLY | os.O_DIRECTORY)\n"
     "os.symlink('/etc', '/tmp/L')\n"
     "os.close(os.open('/tmp/L', os.O_RDONLY | os.O_DIRECTORY))\n"
     "os.unlink('/tmp/L')\nos.symlink('/tmp/c', '/tmp/L')\n"
     "out((s2e(os.stat, 'passwd', dir_fd=fd),"
     " s2e(os.open, 'x', os.O_CREAT | os.O_WRONLY, dir_fd=fd),"
     " os.listdir('/tmp/c')))\n", "('ok', 'EROFS', [])")
RACE_ROOTFLIP = r'''
import threading, time
os.makedirs('/tmp/d/etc')
os.symlink('d', '/tmp/x')
open('/tmp/x/etc/passwd', 'w').write('mine')
stop = False
def flip():
    i = 0
    while not stop:
        os.symlink('/' if i % 2 else 'd', '/tmp/x.new')
        os.rename('/tmp/x.new', '/tmp/x')
        i += 1
t = threading.Thread(target=flip)
t.start()
end = time.monotonic() + CANARY['race_seconds']
while time.monotonic() < end:
    for op in (lambda: open('/tmp/x/etc/passwd', 'w').write('pwned'),
               lambda: os.mkdir('/tmp/x/etc/newdir'),
               lambda: os.rename('/tmp/x/etc/passwd', '/tmp/x/etc/p2'),
               lambda: os.rename('/tmp/x/etc/p2', '/tmp/x/etc/passwd'),
               lambda: os.rmdir('/tmp/x/etc/newdir')):
        try:
            op()
        except OSError:
            pass
stop = True
t.join()
out((open('/etc/passwd').read().count('\n'), sorted(os.listdir('/etc')),
     'pwned' in open('/etc/passwd').read()))
'''
path("V-RACE-ROOTLINK-WRITE", "a path component flipped between a tmpfs"
     " directory and a symlink to / never lets a write leave the tmpfs",
     RACE_ROOTFLIP, "(2, ['group', 'ld.so.cache', 'passwd'], False)")
path("V-MKDIR-ROOT", "mkdir in the synthetic root is EROFS",
     "out(s2e(os.mkdir, '/proc'))\n", "EROFS")
path("V-CHMOD-BIND", "chmod of a bound stdlib file is EROFS",
     "out(s2e(os.chmod, '/usr/lib/python3.11/os.py', 0o777))\n", "EROFS")
path("V-MKNOD-TMP", "mknod of a FIFO in the tmpfs is EPERM",
     "out(s2e(os.mkfifo, '/tmp/fifo'))\n", "EPERM")


# Background threads outlive their run.
def drive_two(first: str, second: str, pause: float = 0.0,
              **init: Any) -> Any:
    """Two runs of one session, PAUSE seconds without a run between."""
    def driver(s: Session, case: Case) -> dict[str, Any]:
        import time
        from kit import PRELUDE
        res = s.initialize(**init)
        assert "result" in res, res
        s.execute(PRELUDE + first, host=case.host)
        time.sleep(pause)
        s.output = {"stdout": b"", "stderr": b""}
        res = s.request("execute", {"code": second}, host=case.host)
        if "error" in res:
            return {"error": res["error"]}
        return res["result"]
    return driver


add(
    Case("M-BACKGROUND-FORWARD-frame", "message", ("frame",),
         "a thread doing forwarded calls across runs does not disturb the"
         " next run", "", stdout("alive\n"),
         driver=drive_two(
             "import threading\ndef f():\n    while True:\n"
             "        os.stat('/etc/passwd')\n"
             "threading.Thread(target=f, daemon=True).start()\n",
             "import time\ntime.sleep(0.2)\nprint('alive')\n")),
    Case("M-BACKGROUND-VIOLATION-frame", "message", ("frame",),
         "a violation between runs ends the session: the next execute is"
         " refused with session_ended", "", Expect("error.code", "==", -32003),
         driver=drive_two(
             "import threading, time\ndef f():\n    time.sleep(0.1)\n"
             f"    sc({NR['ptrace']}, 0, 0, 0, 0)\n"
             "threading.Thread(target=f, daemon=True).start()\n",
             "pass\n", pause=0.5)),
)


def drive_init(limits: dict[str, int]) -> Any:
    """Initialize only: the result, or the error's step."""
    def driver(s: Session, case: Case) -> dict[str, Any]:
        res = s.initialize(limits=limits)
        if "error" in res:
            return {"init": f"error {res['error'].get('data')}"}
        r = s.execute("print('ran')")
        return {"init": "ok", **r}
    return driver


add(Case("R-MEM-MIN-SETUP-frame", "resource", ("frame",),
         "the smallest memory_bytes the spec allows (32 MiB) starts a"
         " session", "", Expect("init", "==", "ok"),
         driver=drive_init({"memory_bytes": 33554432})))

# The control socket itself, tampered with from inside.
msg("M-FD3-DUP2-OVER", "replacing fd 3 with /dev/null ends the run as a"
    " crash (the supervisor sees the channel close)",
    "os.dup2(os.open('/dev/null', 0), 3)\n", outcome("crash"))
msg("M-FD3-CLOSE", "closing fd 3 ends the run as a crash",
    "os.close(3)\n", outcome("crash"))
msg("M-FD3-SHUTDOWN", "shutdown(fd 3, SHUT_WR) cannot stall the run past"
    " wall_ms", "_libc.shutdown(3, 1)\n", Expect("usage.wall_ms", "<=", 3000),
    init={"limits": {"wall_ms": 2000}}, timeout=8)

# Output through the descriptor-to-descriptor calls is output too.
res("R-OUT-SENDFILE", "sendfile from /dev/zero to stdout is counted",
    "z = os.open('/dev/zero', 0)\nwhile True:\n"
    "    os.sendfile(1, z, None, 1 << 20)\n", outcome("output_limit"),
    {"output_bytes": 1000}, routes=("libc",))
res("R-OUT-SPLICE", "splice from a pipe to stderr is counted",
    "r, w = os.pipe()\nwhile True:\n    os.write(w, b'x' * 4096)\n"
    "    os.splice(r, 2, 4096)\n", outcome("output_limit"),
    {"output_bytes": 1000}, routes=("libc",))
res("R-OUT-DUP", "a duplicate of stdout is still stdout",
    "d = os.dup(1)\nwhile True:\n    os.write(d, b'x' * 4096)\n",
    outcome("output_limit"), {"output_bytes": 1000})
both("F-VMSPLICE", "filter", "vmsplice (not in the policy) is ENOSYS",
     "278, 1, 0, 0, 0", stdout("ENOSYS\n"))


# Host-side races: a host thread swaps an entry of a bound directory while
# the jail opens it, so the supervisor's check and its open see different
# objects unless it opens exactly what it checked.
def drive_host_swap(kind: str) -> Any:
    def driver(s: Session, case: Case) -> dict[str, Any]:
        import threading
        from kit import format_code
        bind = case.init["filesystem"][0]["source"]
        target = os.path.join(bind, "swap")
        other = os.path.join(bind, f"swap-{kind}")
        stop = threading.Event()

        def swapper() -> None:
            while not stop.is_set():
                for make in (make_file, make_other):
                    tmp = target + ".new"
                    try:
                        os.unlink(tmp)
                    except FileNotFoundError:
                        pass
                    make(tmp)
                    os.replace(tmp, target)

        def make_file(p: str) -> None:
            with open(p, "w") as f:
                f.write("plain\n")
            os.chmod(p, 0o644)

        def make_other(p: str) -> None:
            if kind == "symlink":
                os.symlink(canary_path, p)
            else:
                os.mkfifo(p, 0o666)

        canary_path = case.init["canary_path"]
        res = s.initialize(filesystem=case.init["filesystem"],
                           limits={"wall_ms": 30000})
        assert "result" in res, res
        t = threading.Thread(target=swapper, daemon=True)
        t.start()
        try:
            return s.execute(format_code(case, s.canary))
        finally:
            stop.set()
            t.join()
            for p in (target, target + ".new", other):
                if os.path.lexists(p):
                    os.unlink(p)
    import os
    return driver


HOST_SWAP = r'''
import time
seen = plain = 0
end = time.monotonic() + CANARY['race_seconds']
while time.monotonic() < end:
    try:
        with open('/data/swap') as f:
            text = f.read()
        plain += text == 'plain\n'
        seen += 'CANARY-' in text
    except OSError:
        pass
out(seen if plain else 'the race never opened the plain file')
'''
add(Case("V-HOST-SWAP-SYMLINK-frame", "path", ("py", "frame"),
         "a host thread swapping a bound file with a symlink to the canary"
         " never lets the jail read the canary", HOST_SWAP, stdout("0\n"),
         init={**BIND, "canary_path": "@CANARY@"},
         driver=drive_host_swap("symlink")),
    Case("V-HOST-SWAP-FIFO-frame", "path", ("py", "frame"),
         "a host thread swapping a bound file with a FIFO never makes the"
         " supervisor open (and block on) the FIFO", HOST_SWAP,
         stdout("0\n"), init={**BIND, "canary_path": "@CANARY@"},
         driver=drive_host_swap("fifo")))

# Globs: a hidden entry must look exactly like a missing one.
HIDE = {"filesystem": [{"type": "bind", "source": "@BIND@", "target": "/data",
                        "exclude": ["data"]}]}
path("V-GLOB-HIDDEN-ORACLE", "every call on an excluded file equals a"
     " missing one", ORACLE + "a, b = probe('/data/data'), probe('/data/nope')\n"
     "out(a == b or (a, b))\n", "True", init=HIDE)
path("V-GLOB-HIDDEN-LIST", "an excluded file is not listed",
     "out('data' in os.listdir('/data'))\n", "False", init=HIDE)
path("V-GLOB-HIDDEN-VIA-LINK", "a symlink in the bind to the excluded file"
     " is ENOENT", "out(s2e(open, '/data/tohidden'))\n", "ENOENT", init=HIDE)
path("V-GLOB-HIDDEN-DOTDOT", "../ from a sibling does not reveal the"
     " excluded file", "out(s2e(open, '/data/fifo/../data'))\n", "ENOENT",
     init=HIDE)
both("F-NR-HIGHBITS-GETPID", "filter",
     "getpid with garbage in the upper 32 bits of the number is getpid for"
     " both the filter and the kernel", f"{0xFFFFFFFF00000000 | 39}",
     stdout("ok\n"))
path("V-GLOB-HIDDEN-VIA-TMPFS-LINK", "a tmpfs symlink (absolute, or a"
     " directory link) to an excluded file answers every call as one to a"
     " missing name",
     ORACLE + "os.symlink('/data/data', '/tmp/h')\n"
     "os.symlink('/data/nope', '/tmp/n')\nos.symlink('/data', '/tmp/d')\n"
     "out((probe('/tmp/h') == probe('/tmp/n'),"
     " probe('/tmp/d/data') == probe('/tmp/d/nope')))\n", "(True, True)",
     init=HIDE)
path("V-GLOB-HIDDEN-DIRFLAG", "O_DIRECTORY on an excluded file is ENOENT,"
     " as on a missing one", "out(s2e(os.open, '/data/data', os.O_DIRECTORY))\n",
     "ENOENT", init=HIDE)
path("V-GLOB-HIDDEN-ESCAPE-LINK", "an excluded symlink that leads out is"
     " ENOENT, as a missing name", "out(s2e(open, '/data/abs'))\n", "ENOENT",
     init={"filesystem": [{"type": "bind", "source": "@BIND@",
                           "target": "/data", "exclude": ["abs"]}]})
path("V-GLOB-INCLUDE-ORACLE", "a file an include glob leaves out answers"
     " every call as a missing one",
     ORACLE + "a, b = probe('/data/data'), probe('/data/nope')\n"
     "out(a == b or (a, b))\n", "True",
     init={"filesystem": [{"type": "bind", "source": "@BIND@",
                           "target": "/data", "include": ["*.py"]}]})
STORM = ("import signal\nhits = [0]\n"
         "signal.signal(signal.SIGALRM, lambda *a: hits.__setitem__(0, hits[0] + 1))\n"
         "signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)\n")
msg("M-FORWARD-SIGNAL-STORM", "forwarded opens interrupted by a 200 us"
    " timer signal storm are each answered right, and nothing leaks",
    STORM + "bad = 0\nfor i in range(3000):\n"
    "    with open('/etc/passwd') as f:\n"
    "        bad += 'sandbox:x:1000' not in f.read()\n"
    "signal.setitimer(signal.ITIMER_REAL, 0)\n"
    "out((bad, hits[0] > 100, s2e(open, '/etc/passwd')))\n",
    stdout("(0, True, 'ok')\n"))
msg("M-FORWARD-SIGNAL-STAT", "stat never fails with EINTR on Linux's local"
    " filesystems; under a 200 us timer signal storm neither here",
    STORM + "eintr = 0\nfor i in range(3000):\n"
    "    eintr += s2e(os.stat, '/etc/group') == 'EINTR'\n"
    "signal.setitimer(signal.ITIMER_REAL, 0)\nout(eintr)\n", stdout("0\n"))

# Boundaries Linux defines exactly.
path("V-PATH-4095", "a 4095-byte path is looked up (ENOENT), as on Linux",
     "out(s2e(os.stat, '/tmp/' + 'a/' * 2043 + 'abcd'))\n", "ENOENT")
path("V-PATH-4096", "a 4096-byte path is ENAMETOOLONG, as on Linux",
     "out(s2e(os.stat, '/tmp/' + 'a/' * 2043 + 'abcde'))\n", "ENAMETOOLONG")
path("V-NAME-255", "a 255-byte name can be created in a tmpfs",
     "out(s2e(lambda: open('/tmp/' + 'n' * 255, 'w').close()))\n", "ok")
path("V-SYMLINK-LOOP", "a symlink loop in a tmpfs is ELOOP",
     "os.symlink('b', '/tmp/a')\nos.symlink('a', '/tmp/b')\n"
     "out(s2e(open, '/tmp/a'))\n", "ELOOP")
path("V-SYMLINK-CHAIN-41", "a chain of 41 relative symlinks is ELOOP",
     "for i in range(41):\n    os.symlink('l%d' % (i + 1), '/tmp/l%d' % i)\n"
     "open('/tmp/l41', 'w').close()\nout(s2e(open, '/tmp/l0'))\n", "ELOOP")
path("V-RENAME-INTO-SELF", "renaming a directory into itself is EINVAL",
     "os.mkdir('/tmp/d')\nout(s2e(os.rename, '/tmp/d', '/tmp/d/e'))\n",
     "EINVAL")
res("R-FTRUNCATE-HUGE", "a sparse 1 TiB file is stopped by file_bytes",
    "f = os.open('/tmp/s', os.O_CREAT | os.O_WRONLY)\n"
    "out(s2e(os.ftruncate, f, 1 << 40))\n", stdout("EFBIG\n"), {})


# ---------------------------------------------------------------------------
# Host-served directories: the paths the child asks the parent for.  The
# parent serves a small tree at /h and records every hostfs request; a
# "bad" directory lists names that are not single components.

HOST_TREE: dict[str, Any] = {
    "": "dir", "a": "dir", "a/f.txt": b"hello\n", "bad": "dir",
}
BAD_NAMES = [{"name": "../escape", "type": "file"},
             {"name": "x/y", "type": "file"}]


def hostfs_answer(m: dict[str, Any], seen: list[str]) -> dict[str, Any]:
    import base64
    p = m["params"]
    seen.append(p["path"])
    node = HOST_TREE.get(p["path"])
    if node is None:
        return {"error": {"code": -32051, "message": "missing",
                          "data": {"errno": "ENOENT"}}}
    method = m["method"]
    if method == "hostfs/stat":
        size = 0 if node == "dir" else len(node)
        return {"result": {"type": "dir" if node == "dir" else "file",
                           "size": size, "mode": 0o555 if node == "dir" else 0o444}}
    if method == "hostfs/read":
        if node == "dir":
            return {"error": {"code": -32051, "message": "dir",
                              "data": {"errno": "EISDIR"}}}
        return {"result": {"data": base64.b64encode(node).decode()}}
    if node != "dir":
        return {"error": {"code": -32051, "message": "file",
                          "data": {"errno": "ENOTDIR"}}}
    if p["path"] == "bad":
        return {"result": {"entries": BAD_NAMES}}
    prefix = p["path"] + "/" if p["path"] else ""
    names = [k[len(prefix):] for k in HOST_TREE
             if k.startswith(prefix) and k != p["path"] and "/" not in k[len(prefix):]]
    return {"result": {"entries": [
        {"name": n, "type": "dir" if HOST_TREE[prefix + n] == "dir" else "file"}
        for n in names]}}


def drive_hostfs(check: str) -> Any:
    """Runs the case's code with /h served; CHECK picks what to return."""
    def driver(s: Session, case: Case) -> dict[str, Any]:
        from kit import format_code
        seen: list[str] = []
        orig = s.recv

        def recv(timeout: float | None = None) -> dict[str, Any] | None:
            while True:
                m = orig(timeout)
                if m and str(m.get("method", "")).startswith("hostfs/"):
                    s.send({"jsonrpc": "2.0", "id": m["id"],
                            **hostfs_answer(m, seen)})
                    continue
                return m
        s.recv = recv  # type: ignore[method-assign]
        res = s.initialize(filesystem=[{"type": "host", "target": "/h"}])
        assert "result" in res, res
        r = dict(s.execute(format_code(case, s.canary)))
        bad = [p for p in seen
               if p.startswith("/") or p.endswith("/") or any(
                   c in ("", ".", "..") for c in p.split("/")) and p != ""]
        r["unnormalized"] = bad if seen else "nothing was requested"
        r["requested"] = sorted(set(seen))
        return r
    return driver


HOSTFS = [
    ("V-HOSTFS-DOTDOT", "a path climbing out of the host entry is never"
     " sent to the parent with .. (REQ-HOSTFS-1)",
     "for p in ('/h/a/../../etc/passwd', '/h/a/../a/./f.txt', '/h//a///f.txt',"
     " '/h/a/f.txt/', '/h/../h/a'):\n    s2e(open, p)\n",
     Expect("unnormalized", "==", [])),
    ("V-HOSTFS-READ", "a served file reads through (control for the cases"
     " around it)", "out(open('/h/a/f.txt').read().strip())\n",
     stdout("hello\n")),
    ("V-HOSTFS-WRITE", "a host entry is read-only (REQ-HOSTFS-6)",
     "out(s2e(open, '/h/a/f.txt', 'w'))\n", stdout("EROFS\n")),
    ("V-HOSTFS-CREATE", "creating a name in a host entry is EROFS",
     "out(s2e(os.mkdir, '/h/a/new'))\n", stdout("EROFS\n")),
    ("V-HOSTFS-BAD-NAMES", "a listing with names that are not single"
     " components fails with EIO (REQ-HOSTFS-7)",
     "out(s2e(os.listdir, '/h/bad'))\n", stdout("EIO\n")),
    ("V-HOSTFS-ESCAPE-NOT-ASKED", "../ above the host entry's root is"
     " resolved by the child, never asked of the parent",
     "s2e(open, '/h/../../etc/shadow')\ns2e(os.stat, '/h/..')\n",
     Expect("requested", "==", [])),
]
for cid, what, code, expect in HOSTFS:
    add(Case(cid, "path", ("py", "frame"), what, code, expect,
             driver=drive_hostfs(cid)))
