"""Host-side canaries around the whole suite, and the generated report.

Before any case runs: a canary file outside every mount, a listening TCP
socket on 127.0.0.1, a pathname and an abstract unix socket, and a host
directory (bound by some cases at /data) with symlinks leading out, a
FIFO and a socket file.  After the last case: none was read, changed or
connected to.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from typing import Any, Iterator

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import report  # noqa: E402

OLD_ATIME, OLD_MTIME = 1_000_000_000, 1_100_000_000


def _listener(family: int, addr: Any) -> socket.socket:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind(addr)
    s.listen(16)
    s.setblocking(False)
    return s


def _make_canaries() -> dict[str, Any]:
    top = tempfile.mkdtemp(prefix="sbsec-")
    os.chmod(top, 0o755)
    secret = "CANARY-" + os.urandom(8).hex()
    path = os.path.join(top, "canary")
    with open(path, "w") as f:
        f.write(secret + "\n")
    os.chmod(path, 0o644)
    os.utime(path, (OLD_ATIME, OLD_MTIME))

    bind = os.path.join(top, "bind")
    os.mkdir(bind)
    os.symlink(path, os.path.join(bind, "abs"))
    os.symlink("../" * 12 + path.lstrip("/"), os.path.join(bind, "rel"))
    os.symlink("/etc", os.path.join(bind, "etcdir"))
    os.symlink("abs", os.path.join(bind, "chain"))
    os.mkfifo(os.path.join(bind, "fifo"))
    data = os.path.join(bind, "data")
    with open(data, "w") as f:
        f.write("bound data\n")
    os.chmod(data, 0o644)
    os.symlink("data", os.path.join(bind, "tohidden"))
    if os.geteuid() == 0:
        # Owned by the supervisor's uid (--uid 65534), so that only the
        # read-only mount can refuse fchmod and the like.
        os.chown(data, 65534, 65534)
    for p in (top, bind):
        os.chmod(p, 0o755)

    tcp = _listener(socket.AF_INET, ("127.0.0.1", 0))
    unix_path = os.path.join(top, "unix.sock")
    unix = _listener(socket.AF_UNIX, unix_path)
    bsock = _listener(socket.AF_UNIX, os.path.join(bind, "sock"))
    abstract = "sbsec-" + os.urandom(6).hex()
    abs_sock = _listener(socket.AF_UNIX, "\0" + abstract)
    return {
        "top": top, "path": path, "secret": secret, "bind_dir": bind,
        "tcp_port": tcp.getsockname()[1], "unix_path": unix_path,
        "abstract": abstract,
        # How long each race case races (make test-security-long: more).
        "race_seconds": min(15.0, float(os.environ.get("SBSEC_RACE_SECONDS",
                                                       "1"))),
        "_socks": [tcp, unix, bsock, abs_sock],
        "_stat": os.stat(path),
    }


def _accepted(socks: list[socket.socket]) -> int:
    n = 0
    for s in socks:
        try:
            conn, _ = s.accept()
            conn.close()
            n += 1
        except BlockingIOError:
            pass
    return n


@pytest.fixture(scope="session")
def canary() -> Iterator[dict[str, Any]]:
    c = _make_canaries()
    yield {k: v for k, v in c.items() if not k.startswith("_")}
    st = os.stat(c["path"])
    touched = []
    if (st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns) != (
            c["_stat"].st_atime_ns, c["_stat"].st_mtime_ns,
            c["_stat"].st_ctime_ns):
        touched.append("canary file read or changed")
    if _accepted(c["_socks"]):
        touched.append("a canary socket was connected to")
    for s in c["_socks"]:
        s.close()
    shutil.rmtree(c["top"], ignore_errors=True)
    report.CANARY_RESULT.extend(touched or ["untouched"])
    assert not touched, touched


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from cases import CASES

    report.write(whole=len(report.ROWS) == len(CASES))
