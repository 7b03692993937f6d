"""A parent that misbehaves gets the spec's error; the child never hangs."""

from __future__ import annotations

import json

from childproto import Child


def error_code(m: dict) -> int:
    assert "error" in m, m
    return m["error"]["code"]


def test_malformed_json(child: Child) -> None:
    child.raw(b"{not json\n")
    m = child.recv()
    assert m["id"] is None and error_code(m) == -32700


def test_invalid_utf8(child: Child) -> None:
    child.raw(b'{"jsonrpc":"2.0","id":1,"method":"\xff"}\n')
    assert error_code(child.recv()) == -32700


def test_not_jsonrpc(child: Child) -> None:
    child.raw(b'{"id":5,"method":"initialize"}\n')
    m = child.recv()
    assert m["id"] == 5 and error_code(m) == -32600


def test_oversized_frame_then_session_continues(child: Child) -> None:
    child.raw(b"x" * (2 << 20) + b"\n")
    m = child.recv()
    assert m["id"] is None and error_code(m) == -32004
    assert "result" in child.initialize()


def test_missing_cwd_is_a_filesystem_error(child: Child) -> None:
    res = child.initialize(cwd="/nowhere")
    assert error_code(res) == -32007
    assert res["error"]["data"]["target"] == "/nowhere"


def test_request_before_initialize(child: Child) -> None:
    assert error_code(child.request("execute", {"code": "1"})) == -32000
    assert error_code(child.request("shutdown")) == -32000


def test_invalid_response_is_not_answered(session: Child) -> None:
    session.send({"jsonrpc": "2.0", "id": 1, "result": {}, "error": {}})
    assert session.execute("print(3)")["outcome"] == "ok"


def test_initialize_twice(session: Child) -> None:
    assert error_code(session.initialize()) == -32001


def test_unknown_method(session: Child) -> None:
    assert error_code(session.request("no/such")) == -32601


def test_unknown_notification_is_ignored(session: Child) -> None:
    session.send({"jsonrpc": "2.0", "method": "no/such", "params": {}})
    assert session.execute("print(1)")["outcome"] == "ok"


def test_unknown_fields_are_ignored(child: Child) -> None:
    res = child.initialize(future_field={"x": 1})
    assert "result" in res


def test_wrong_types(child: Child) -> None:
    res = child.initialize(limits={"memory_bytes": "lots"})
    assert error_code(res) == -32602
    assert res["error"]["data"]["field"] == "/limits/memory_bytes"
    res = child.initialize(limits={"cpu_ms": -1})
    assert error_code(res) == -32602


def test_unsupported_version(child: Child) -> None:
    assert error_code(child.initialize(protocol_version="2.0")) == -32005


def test_bad_filesystem_entries(child: Child) -> None:
    res = child.initialize(filesystem=[
        {"type": "bind", "source": "/nonexistent", "target": "/x"}])
    assert error_code(res) == -32007
    assert res["error"]["data"] == {"target": "/x", "source": "/nonexistent",
                                    "reason": "ENOENT"}
    assert error_code(child.request("execute", {"code": "1"})) == -32003
    c = Child()
    try:
        res = c.initialize(filesystem=[
            {"type": "bind", "source": "/usr", "target": "/a/../b"}])
        assert error_code(res) == -32602
    finally:
        c.close()


def test_execute_params(session: Child) -> None:
    assert error_code(session.request("execute", {})) == -32602
    assert error_code(session.request(
        "execute", {"code": "1", "path": "/x"})) == -32602
    assert error_code(session.request("execute", {"code": 5})) == -32602
    assert error_code(session.request(
        "execute", {"code": "1", "stdin_data": "%%%"})) == -32602


def test_busy_while_running(session: Child) -> None:
    session.send({"jsonrpc": "2.0", "id": "run", "method": "execute",
                  "params": {"code": "import time; time.sleep(0.5)"}})
    session.send({"jsonrpc": "2.0", "id": "again", "method": "execute",
                  "params": {"code": "1"}})
    busy = session.recv()
    assert busy["id"] == "again" and error_code(busy) == -32002
    assert session.recv()["result"]["outcome"] == "ok"


def test_duplicate_outstanding_id(session: Child) -> None:
    for _ in range(2):
        session.send({"jsonrpc": "2.0", "id": 9, "method": "execute",
                      "params": {"code": "import time; time.sleep(0.3)"}})
    dup = session.recv()
    assert dup["id"] == 9 and error_code(dup) == -32600
    assert session.recv()["result"]["outcome"] == "ok"


def test_response_to_unknown_id_is_ignored(session: Child) -> None:
    session.send({"jsonrpc": "2.0", "id": "nobody", "result": {}})
    assert session.execute("print(2)")["outcome"] == "ok"


def test_cancel(session: Child) -> None:
    session.send({"jsonrpc": "2.0", "id": 1, "method": "execute",
                  "params": {"code": "while True: pass"}})
    session.send({"jsonrpc": "2.0", "id": 2, "method": "cancel",
                  "params": {}})
    run = session.recv()
    assert run["id"] == 1 and run["result"]["outcome"] == "cancelled"
    assert session.recv() == {"jsonrpc": "2.0", "id": 2,
                              "result": {"cancelled": True}}


def test_eof_ends_the_child(session: Child) -> None:
    session.send({"jsonrpc": "2.0", "id": 1, "method": "execute",
                  "params": {"code": "while True: pass"}})
    assert session.close() == 0


def test_truncated_frame_then_eof(child: Child) -> None:
    child.raw(b'{"jsonrpc":"2.0","id":1,"meth')
    assert child.close() == 0


def test_unknown_host_function_from_the_code(session: Child) -> None:
    r = session.execute("import sandbox\nsandbox.call('nope')")
    assert r["exception"]["type"] == "sandbox.SandboxError"


def test_host_error_types_are_mapped(session: Child) -> None:
    def host(params):
        return {"error": {"code": -32050, "message": "m",
                          "data": {"type": params["args"][0]}}}
    code = ("import sandbox\nout = []\n"
            "for t in ['ValueError', 'TypeError', 'IndexError',"
            " 'PermissionError', 'Weird']:\n"
            "    try:\n        sandbox.fail(t)\n"
            "    except Exception as e:\n        out.append(type(e).__name__)\n"
            "print(out)\n")
    r = session.execute(code, host=host)
    assert r["outcome"] == "ok", r
    assert session.output["stdout"] == json.dumps(
        ["ValueError", "TypeError", "IndexError", "PermissionError",
         "SandboxError"]).replace('"', "'").encode() + b"\n"


def test_forged_results_from_the_jail_are_crashes(session: Child) -> None:
    forged = ('{"t":"result","outcome":"exit","exit_status":1099511627776}',
              '{"t":"result","outcome":"exception","exception":null}',
              '{"t":"result","outcome":"timeout"}')
    for line in forged:
        c = Child()
        try:
            c.initialize()
            r = c.execute(f"import os\nos.write(3, b'{line}\\n')\n"
                          "import time; time.sleep(5)")
            assert r["outcome"] == "crash", (line, r)
        finally:
            c.close()


def test_garbage_on_the_control_socket_gets_an_answer(session: Child) -> None:
    r = session.execute("import os, sandbox\nos.write(3, b'{\"t\":\"call\",\\n')\n"
                        "print('still here')")
    assert r["outcome"] == "ok", r
    assert session.output["stdout"] == b"still here\n"


def test_host_answer_without_value_is_an_error(session: Child) -> None:
    r = session.execute("import sandbox\nsandbox.add(1)",
                        host=lambda p: {"result": 5})
    assert r["exception"]["type"] == "sandbox.SandboxError"


def test_a_jail_that_stops_reading_cannot_block_the_supervisor(child: Child) -> None:
    child.initialize(limits={"wall_ms": 20000})
    # Thousands of undeclared calls, none of whose answers are read.
    code = ("import os\nline = b'{\"t\":\"call\",\"function\":\"x\","
            "\"args\":[],\"kwargs\":{}}\\n'\n"
            "for _ in range(20000): os.write(3, line)\n"
            "import time; time.sleep(30)\n")
    r = child.execute(code)
    assert r["outcome"] == "crash", r
    assert r["usage"]["wall_ms"] < 15000


def test_supervisor_survives_stop_and_continue(session: Child) -> None:
    import signal
    import time

    session.send({"jsonrpc": "2.0", "id": 1, "method": "execute",
                  "params": {"code": "import time; time.sleep(0.5); print('done')"}})
    time.sleep(0.1)
    session.proc.send_signal(signal.SIGSTOP)
    time.sleep(0.1)
    session.proc.send_signal(signal.SIGCONT)
    while True:
        m = session.recv()
        if "id" in m:
            break
    assert m["result"]["outcome"] == "ok", m
