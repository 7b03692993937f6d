"""Symlinks the jail makes in its tmpfs lead where their target says.

An absolute target names a sandbox path, as it would on Linux, and so does
a relative one whose ".." leads above the tmpfs root: the supervisor
resolves the spliced path from the sandbox root, with every check of the
place it lands in (docs/vfs-errno.md). Symlinks inside binds keep their
rule (an absolute target is a host path: EACCES).
"""

from __future__ import annotations

import json

from childproto import Child

TREE = (
    "import os, errno, json\n"
    "os.mkdir('/tmp/d')\n"
    "with open('/tmp/d/f', 'w') as fh:\n"
    "    fh.write('data')\n"
)


def run(session: Child, code: str) -> object:
    """Runs CODE after building TREE; CODE prints one JSON value."""
    r = session.execute(TREE + code)
    assert r["outcome"] == "ok", r
    return json.loads(session.output["stdout"])


HELPERS = (
    "def _try(f):\n"
    "    try:\n"
    "        return f()\n"
    "    except OSError as e:\n"
    "        return errno.errorcode[e.errno]\n"
)


def test_absolute_link_to_a_file(session: Child) -> None:
    got = run(session, HELPERS +
              "os.symlink('/tmp/d/f', '/tmp/l')\n"
              "print(json.dumps([os.path.exists('/tmp/l'),"
              " os.stat('/tmp/l').st_size, open('/tmp/l').read(),"
              " os.readlink('/tmp/l'), os.path.islink('/tmp/l')]))\n")
    assert got == [True, 4, "data", "/tmp/d/f", True]


def test_absolute_link_to_a_directory(session: Child) -> None:
    got = run(session, HELPERS +
              "os.symlink('/tmp/d', '/tmp/ld')\n"
              "os.mkdir('/tmp/ld/sub')\n"
              "open('/tmp/ld/sub/g', 'w').close()\n"
              "os.rename('/tmp/ld/sub/g', '/tmp/ld/g')\n"
              "os.chdir('/tmp/ld')\n"
              "print(json.dumps([sorted(os.listdir('/tmp/ld')),"
              " open('f').read(), sorted(os.listdir('/tmp/d')),"
              " os.path.isdir('/tmp/ld/sub')]))\n")
    assert got == [["f", "g", "sub"], "data", ["f", "g", "sub"], True]


def test_dangling_chain_and_loop(session: Child) -> None:
    got = run(session, HELPERS +
              "os.symlink('/tmp/nope', '/tmp/dangling')\n"
              "os.symlink('/tmp/c2', '/tmp/c1')\n"
              "os.symlink('c3', '/tmp/c2')\n"
              "os.symlink('/tmp/d/f', '/tmp/c3')\n"
              "os.symlink('/tmp/lb', '/tmp/la')\n"
              "os.symlink('/tmp/la', '/tmp/lb')\n"
              "print(json.dumps(["
              "_try(lambda: os.stat('/tmp/dangling').st_size),"
              " os.path.lexists('/tmp/dangling'),"
              " os.path.exists('/tmp/dangling'),"
              " open('/tmp/c1').read(),"
              " _try(lambda: os.stat('/tmp/la')),"
              " _try(lambda: open('/tmp/la/x'))]))\n")
    assert got == ["ENOENT", True, False, "data", "ELOOP", "ELOOP"]


def test_nofollow_and_the_link_itself(session: Child) -> None:
    got = run(session, HELPERS +
              "os.symlink('/tmp/d/f', '/tmp/l')\n"
              "r = [_try(lambda: os.open('/tmp/l', os.O_RDONLY | os.O_NOFOLLOW)),"
              " os.lstat('/tmp/l').st_size]\n"
              "os.rename('/tmp/l', '/tmp/l2')\n"
              "os.unlink('/tmp/l2')\n"
              "r.append(sorted(os.listdir('/tmp')))\n"
              "r.append(open('/tmp/d/f').read())\n"
              "print(json.dumps(r))\n")
    assert got == ["ELOOP", len("/tmp/d/f"), ["d"], "data"]


def test_links_into_the_rest_of_the_sandbox(session: Child) -> None:
    got = run(session, HELPERS +
              "os.symlink('/usr/lib/python3.11/os.py', '/tmp/os')\n"
              "os.symlink('/usr/lib/python3.11/sitecustomize.py', '/tmp/hid')\n"
              "os.symlink('/proc/self/environ', '/tmp/proc')\n"
              "os.symlink('/etc/shadow', '/tmp/shadow')\n"
              "os.symlink('../../etc/passwd', '/tmp/d/up')\n"
              "os.symlink('/', '/tmp/root')\n"
              "print(json.dumps(["
              "'def walk(' in open('/tmp/os').read(),"
              " _try(lambda: open('/tmp/os', 'a')),"
              " _try(lambda: open('/tmp/hid')),"
              " _try(lambda: open('/tmp/proc')),"
              " _try(lambda: os.stat('/tmp/shadow')),"
              " open('/tmp/d/up').read().startswith('root:'),"
              " sorted(os.listdir('/tmp/root')) =="
              " sorted(os.listdir('/'))]))\n")
    assert got == [True, "EROFS", "ENOENT", "ENOENT", "ENOENT", True, True]


def test_walk_follows_links(session: Child) -> None:
    got = run(session, HELPERS +
              "os.makedirs('/tmp/t/a')\n"
              "open('/tmp/t/a/x', 'w').close()\n"
              "os.symlink('/tmp/d', '/tmp/t/abs')\n"
              "os.symlink('/tmp/t/a/x', '/tmp/t/lx')\n"
              "os.symlink('/tmp/nope', '/tmp/t/broken')\n"
              "print(json.dumps(sorted("
              "[r, sorted(ds), sorted(fs)] for r, ds, fs in"
              " os.walk('/tmp/t', followlinks=True))))\n")
    assert got == [
        ["/tmp/t", ["a", "abs"], ["broken", "lx"]],
        ["/tmp/t/a", [], ["x"]],
        ["/tmp/t/abs", [], ["f"]],
    ]


def test_bind_links_keep_their_rule() -> None:
    """An absolute symlink inside a bind names a host path: refused."""
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        os.symlink("/etc/hostname", os.path.join(d, "abs"))
        c = Child()
        try:
            c.initialize(filesystem=[{"type": "bind", "source": d,
                                      "target": "/d"}])
            r = c.execute(
                "import os\ntry:\n    open('/d/abs')\n"
                "except OSError as e:\n    print(e.errno)\n")
            assert c.output["stdout"] == b"13\n", r
        finally:
            c.close()


RACE = r'''
import threading, time
with open('/tmp/f', 'w') as fh:
    fh.write('mine')
targets = ['/tmp/f', '/', '/etc/hostname', '/proc/self/environ',
           '../' * 8 + 'etc/hostname', '/usr/lib/python3.11/../../../etc']
os.symlink('/tmp/f', '/tmp/l')
stop = False
def flip():
    i = 0
    while not stop:
        os.symlink(targets[i % len(targets)], '/tmp/l.new')
        os.rename('/tmp/l.new', '/tmp/l')
        i += 1
t = threading.Thread(target=flip)
t.start()
root = set(os.listdir('/'))
bad, seen = [], set()
end = time.monotonic() + 2
while time.monotonic() < end:
    try:
        with open('/tmp/l') as fh:
            data = fh.read()
        seen.add('file')
        if data != 'mine':
            bad.append(data[:40])
    except IsADirectoryError:
        seen.add('dir')
    except OSError as e:
        seen.add(errno.errorcode[e.errno])
    try:
        names = set(os.listdir('/tmp/l'))
        if names != root and names != {'group', 'ld.so.cache', 'passwd'}:
            bad.append(sorted(names)[:8])
        seen.add('list')
    except OSError:
        pass
stop = True
t.join()
print(json.dumps([bad, 'file' in seen]))
'''


def test_race_never_leaves_the_sandbox(session: Child) -> None:
    """A thread flips the link between a tmpfs file and paths outside the
    tmpfs while another opens and lists it: every open lands in the
    sandbox."""
    got = run(session, RACE)
    assert got == [[], True]
