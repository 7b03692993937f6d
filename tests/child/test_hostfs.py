"""Directories the parent serves: import a module stored by the host."""

from __future__ import annotations

from childproto import Child


def start(child: Child) -> Child:
    child.files = {
        "Module_Foo.py": b"def hello(name):\n    return f'hello {name}'\n",
        "pkg": None,
        "pkg/__init__.py": b"VALUE = 42\n",
        "notes.txt": b"x" * 100,
    }
    res = child.initialize(filesystem=[{"type": "host", "target": "/modules"}])
    assert "result" in res, res
    assert res["result"]["capabilities"]["hostfs"] is True
    return child


def test_import_from_host(child: Child) -> None:
    r = start(child).execute(
        "import sys; sys.path.insert(0, '/modules')\n"
        "import Module_Foo, pkg\nprint(Module_Foo.hello('wiki'), pkg.VALUE)\n")
    assert r["outcome"] == "ok", r
    assert child.output["stdout"] == b"hello wiki 42\n"
    assert "hostfs/read Module_Foo.py" in child.fs_requests


def test_list_stat_and_read(child: Child) -> None:
    r = start(child).execute(
        "import os\nprint(sorted(os.listdir('/modules')))\n"
        "print(os.stat('/modules/notes.txt').st_size,"
        " os.path.isdir('/modules/pkg'))\n"
        "print(len(open('/modules/notes.txt').read()))\n")
    assert r["outcome"] == "ok", r
    assert child.output["stdout"] == (
        b"['Module_Foo.py', 'notes.txt', 'pkg']\n100 True\n100\n")


def test_host_entries_are_read_only(child: Child) -> None:
    r = start(child).execute("open('/modules/new.py', 'w')")
    assert "Read-only file system" in r["exception"]["message"]
    r = child.execute("import os; os.mkdir('/modules/d')")
    assert "Read-only file system" in r["exception"]["message"]


def test_missing_and_errors(child: Child) -> None:
    r = start(child).execute("open('/modules/absent.py')")
    assert r["exception"]["type"] == "FileNotFoundError"
    r = child.execute("open('/modules/notes.txt/x')")
    assert r["outcome"] == "exception"


def test_bad_answers_are_eio(child: Child) -> None:
    start(child)
    child.hostfs = lambda method, params: {"result": {"type": "weird"}}
    r = child.execute("import os; os.stat('/modules/x')")
    assert r["exception"]["type"] == "OSError"
    assert "Input/output error" in r["exception"]["message"]
