"""Runs the supervisor's commands inside the jail (internal).

The C side of the jail hands each command, a JSON object as a dict, to
:func:`handle` and sends the dict it returns back to the supervisor as JSON. Only outcomes the
interpreter itself can observe are decided here (ok, exception, exit, an
uncaught MemoryError); every limit is enforced outside the jail.
"""

from __future__ import annotations

# Imports are kept to what every run needs (and deferred otherwise):
# each module imported here is start-up time of every sandbox.
import io
import os
import sys
# typing costs milliseconds at every start; annotations are strings here.
TYPE_CHECKING = False
import sandbox

if TYPE_CHECKING:
    from typing import Any

_MAIN = sys.modules["__main__"].__dict__
_PIPE_MAX = 1 << 20


def _set_stdin(data: bytes) -> None:
    """Replaces fd 0 with a pipe holding *data*, then end of file."""
    read_end, write_end = os.pipe()
    if len(data) > 65536:
        import fcntl

        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, min(len(data), _PIPE_MAX))
    os.write(write_end, data)
    os.close(write_end)
    os.dup2(read_end, 0)
    os.close(read_end)
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))


def _type_name(cls: type) -> str:
    """Builtins by bare name, others qualified: "sandbox.SandboxError"."""
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _decode(data: str) -> bytes:
    if not data:
        return b""
    import base64

    return base64.b64decode(data)


def _exception(exc: BaseException) -> dict[str, Any]:
    import traceback

    # The runner's own frames are noise to the code's author.
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    try:
        message = str(exc)
    except Exception:  # a __str__ of the code's own that fails
        message = f"<unprintable {type(exc).__name__}>"
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return {
        "type": _clip(_type_name(type(exc)), 1024, keep_end=False),
        "message": _clip(message, _EXC_TEXT_MAX, keep_end=False),
        "traceback": _clip(text, _EXC_TEXT_MAX, keep_end=True),
    }


# REQ-RUN-6: each within 16384 bytes, cut at a character boundary; a
# traceback keeps its end, where the exception is.
_EXC_TEXT_MAX = 16384


def _clip(text: str, limit: int, keep_end: bool) -> str:
    """TEXT as valid UTF-8 of at most LIMIT bytes (lone surrogates, which
    JSON cannot carry, become U+FFFD)."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return data.decode("utf-8", "replace")
    part = data[-limit:] if keep_end else data[:limit]
    # "ignore" drops the character the cut split in two.
    return part.decode("utf-8", "ignore")


def _exit_status(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _run(command: dict[str, Any]) -> Any:
    if command["t"] == "execute":
        if "code" in command:
            source = command["code"]
            filename = command.get("filename") or "<string>"
        else:
            filename = command["path"]
            with io.open_code(filename) as f:
                source = f.read()
        _MAIN["__file__"] = filename
        exec(compile(source, filename, "exec"), _MAIN)
        return None
    return _invoke(command)


def _resolve(dotted: str) -> Any:
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        try:
            obj = sys.modules[name] if name == "__main__" else importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(f"no module for {dotted!r}")


def _invoke(command: dict[str, Any]) -> Any:
    func = _resolve(command["callable"])
    # The jail's C side turns the value into JSON, or reports a TypeError.
    return func(*command.get("args", []), **command.get("kwargs", {}))


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # the code may have closed or replaced it
            pass


def _execute(command: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"t": "result", "outcome": "ok", "exit_status": None,
                              "exception": None}
    sandbox._context = {"run": command.get("run"), "limits": command.get("limits", {})}
    try:
        _set_stdin(_decode(command.get("stdin", "")))
        value = _run(command)
        if command["t"] == "invoke":
            result["value"] = value
    except SystemExit as exc:
        result.update(outcome="exit", exit_status=_exit_status(exc.code))
    except MemoryError as exc:
        result.update(outcome="memory_limit", exception=_exception(exc))
    except BaseException as exc:  # the code's own failure, reported as such
        result.update(outcome="exception", exception=_exception(exc))
    _flush()
    return result


def prepare_warm() -> None:
    """Imports now what the runner imports lazily (called in a warm jail).

    A warm jail's session may drop the default layout, and with it the
    standard library these modules would be read from.
    """
    import importlib

    for name in ("base64", "fcntl", "time", "traceback"):
        importlib.import_module(name)


def flush() -> None:
    """Flushes what imports printed, so that no run's output starts with it."""
    sys.stdout.flush()
    sys.stderr.flush()


def _configure(command: dict[str, Any]) -> None:
    """A warm jail started with the default environment and argv: the session's replace them."""
    if "env" in command:
        os.environ.clear()
        os.environ.update(command["env"])
        if "TZ" in command["env"]:  # the warm jail started without: UTC
            import time

            time.tzset()
    if "argv" in command:
        sys.argv = list(command["argv"])
        sys.orig_argv = list(command["argv"])


def handle(command: dict[str, Any]) -> dict[str, Any]:
    """Runs one command from the supervisor; returns the answer."""
    if command.get("t") == "configure":
        sandbox._functions = tuple(command.get("host_functions", ()))
        _configure(command)
        return {"t": "configured"}
    return _execute(command)
