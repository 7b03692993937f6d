"""Tries to get out, the way hostile code would, and is refused each time.

The last attempt is a raw system call (ptrace) made with ctypes, below
anything Python could check: the kernel filter stops it and the run ends
as a violation naming the call.
"""

import ctypes
import os
import socket
import subprocess


def attempt(what, action):
    try:
        action()
        print(f"{what}: allowed?!")
    except OSError as exc:
        print(f"{what}: refused ({type(exc).__name__}: {exc.strerror})")


attempt("read /etc/shadow", lambda: open("/etc/shadow").read())
attempt("list the host's /home", lambda: os.listdir("/home"))
attempt("write outside /tmp", lambda: os.close(os.open(os.__file__, os.O_WRONLY)))
attempt("open a network socket", lambda: socket.socket())
attempt("start a process", lambda: subprocess.run(["true"], check=True))
print("now a raw ptrace system call through ctypes...", flush=True)
# An invalid request: harmless where ptrace is allowed, fatal in here.
ctypes.CDLL(None).syscall(101, 0xFFFF, 0, 0, 0)
print("not reached")
