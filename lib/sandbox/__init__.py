"""The API of sandboxed code: call the host application's functions.

The host declares which functions the code may call; each is available as
``sandbox.call("name", *args, **kwargs)`` and as an attribute,
``sandbox.name(*args, **kwargs)``. Arguments and results travel as JSON.
An error raised by the host arrives as an ordinary Python exception of the
mapped type (ValueError, KeyError, ...) or as :class:`SandboxError`.

Nothing here is a security boundary: the supervisor outside the jail
validates every message, whatever this module does.
"""

from __future__ import annotations

# typing costs milliseconds at every start; annotations are strings here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["SandboxError", "HostError", "call", "context", "functions"]


class SandboxError(Exception):
    """Base of every error this package raises."""


class HostError(SandboxError):
    """The host function failed with an error of no mapped type."""


_MAPPED: dict[str, type[BaseException]] = {
    "ValueError": ValueError,
    "TypeError": TypeError,
    "KeyError": KeyError,
    "IndexError": IndexError,
    "LookupError": LookupError,
    "PermissionError": PermissionError,
    "FileNotFoundError": FileNotFoundError,
    "TimeoutError": TimeoutError,
    "RuntimeError": RuntimeError,
    "SandboxError": SandboxError,
}

_functions: tuple[str, ...] = ()
_context: dict[str, Any] = {}


def functions() -> tuple[str, ...]:
    """Names of the host functions this run may call."""
    return _functions


def context() -> dict[str, Any]:
    """The current run: ``run`` (the parent's request id), ``limits``
    (the effective limits, as the parent's ``initialize`` answer shows
    them) and ``functions`` (the host functions it may call).

    A copy: changing it changes nothing.
    """
    return {
        "run": _context.get("run"),
        "limits": dict(_context.get("limits", {})),
        "functions": list(_functions),
    }


def _raise_for(error: dict[str, Any]) -> None:
    kind = _MAPPED.get(str(error.get("type")), HostError)
    raise kind(str(error.get("message", "host function failed")))


def call(function: str, *args: Any, **kwargs: Any) -> Any:
    """Calls host function *function* and returns its JSON result.

    Raises the mapped exception type when the host answers with an error,
    TypeError when an argument cannot be encoded as JSON.
    """
    import _sandbox  # built into the jail; absent elsewhere

    try:
        reply = _sandbox.call(function, list(args), kwargs)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"host call arguments are not JSON: {exc}") from None
    if "error" in reply:
        _raise_for(reply["error"])
    return reply.get("value")


def __getattr__(name: str) -> Any:
    if name in _functions:
        return lambda *args, **kwargs: call(name, *args, **kwargs)
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
