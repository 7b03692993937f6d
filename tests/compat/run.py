#!/usr/bin/python3.11
"""Compares CPython's own test suite run bare and inside the sandbox.

For each test module, tests/compat/driver.py runs it twice: inside the
sandbox through the pysandbox CLI, and bare under /usr/bin/python3.11 -I
(as the unprivileged user nobody when started as root, since the jail never
runs as root either). Both runs report every test id with its status; a
test that passes bare and does not pass sandboxed is a difference. A
difference is "known" when docs/compatibility.md lists its id (or a glob
matching it) with a reason.

Usage:
  run.py [options] MODULE...          modules by name (test_json ...)
  run.py [options] --list FILE        modules from a list file

Options:
  --check          exit 1 if a difference is not known
  --propose        print unlisted differences as compatibility.md rows,
                   with a guessed reason to review (never paste unread)
  --reuse          compare the results stored in --out by an earlier run
                   again (after editing the document) instead of running
  --out DIR        where per-module results and the summary go
                   (default build/compat)
  --jobs N         modules run at once (default 1: the machines are small)
  --known FILE     the compatibility document (default docs/compatibility.md)

Exit status: 0 when done (and, with --check, no unknown difference),
1 for unknown differences, 2 for bad usage or a harness failure.
"""

import argparse
import concurrent.futures
import datetime
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from hints import first_line, hint

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DRIVER = os.path.join(HERE, "driver.py")
PYTHON = "/usr/bin/python3.11"
MARK = "@@compat@@ "

# What the tests reasonably need beyond the documented defaults: CPython's
# suite writes more and larger temporary files than 64 MiB / 4096 inodes
# (sparse files of several GiB among them), starts a hundred threads at
# once, opens more than FD_SETSIZE descriptors, and a slow module runs for
# minutes on a busy 2-core machine (wall and CPU limits are set per module,
# see sandbox_wall); datetime and zoneinfo need the host's time zone
# database, which the default layout (REQ-INIT-12) leaves out. Everything
# else is the default layout and environment.
SANDBOX_OPTIONS = [
    "--memory", "2G", "--threads", "256", "--open-files", "4096",
    "--output", "256M", "--file-size", "8G",
    "--tmpfs", "/tmp:512M:65536",
    "--bind", "/usr/share/zoneinfo:/usr/share/zoneinfo",
]
BARE_SECONDS = 600
MAX_WALL_SECONDS = 900
HARNESS_SLACK = 60
# A module is retried after a crash without the tests already reported;
# this bounds the retries of a module that crashes test after test.
MAX_ATTEMPTS = 12
NOBODY = 65534
MODULE_NAME = re.compile(r"^test_[A-Za-z0-9_]+$")
KNOWN_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*(.*?)\s*\|\s*$")
PASSING = ("pass",)


class HarnessError(Exception):
    """The comparison itself could not run (bad usage, missing binary)."""


def parse_reports(text: str) -> list:
    """Returns the driver's report objects found in a run's stdout."""
    reports = []
    for line in text.splitlines():
        if not line.startswith(MARK):
            continue
        try:
            reports.append(json.loads(line[len(MARK):]))
        except ValueError:
            continue
    return reports


def fold_attempt(reports: list, results: dict) -> tuple:
    """Adds one attempt's reports to results.

    Returns (done, unfinished): whether the module ran to its end, and
    the id of a test that started but never reported (the one running
    when the process died), or None.
    """
    started = None
    done = False
    for r in reports:
        event = r.get("event")
        if event == "start":
            started = r.get("id")
        elif event == "result":
            results[r["id"]] = [r["status"], r.get("detail", "")]
            if r["id"] == started:
                started = None
        elif event == "done":
            done = True
    return done, started


class Runner:
    """Runs one module in one place (bare or sandboxed), retrying crashes."""

    place = ""

    def __init__(self, module: str, scratch: str):
        self.module = module
        self.scratch = scratch
        self.results = {}
        self.attempts = []

    def run(self) -> dict:
        """Runs the module to its end; returns {test id: [status, detail]}."""
        excluded = set()
        for _ in range(MAX_ATTEMPTS):
            stdout, info = self.attempt(sorted(excluded))
            done, unfinished = fold_attempt(parse_reports(stdout), self.results)
            self.attempts.append(info)
            if done:
                return self.results

            if unfinished is None:
                # Died outside any test (import, module set-up, teardown).
                key = "test.%s.<module>" % self.module
                self.results.setdefault(key, ["crash", describe(info)])
                return self.results
            self.results[unfinished] = ["crash", describe(info)]
            excluded.update(self.results)
        return self.results

    def attempt(self, excluded: list) -> tuple:
        raise NotImplementedError


def describe(info: dict) -> str:
    """One line saying how an attempt ended, for a crashed test's detail."""
    text = "%s: %s" % (info.get("place"), info.get("outcome"))
    if "Timeout (0:" in info.get("stderr_tail", ""):
        text += " (the test ran over the driver's per-test timeout)"
    if info.get("violation"):
        text += " (syscall %s)" % info["violation"].get("syscall")
    if info.get("signal"):
        text += " (signal %s)" % info["signal"]
    tail = info.get("stderr_tail", "")
    return text + ("\n" + tail if tail else "")


def write_exclusions(scratch: str, excluded: list) -> str:
    """Writes the exclusion list for the driver; returns its path."""
    path = os.path.join(scratch, "exclude.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(excluded, f)
    os.chmod(path, 0o644)
    return path


class SandboxRunner(Runner):
    """Runs the driver inside the sandbox through the pysandbox CLI."""

    place = "sandbox"

    def __init__(self, module: str, scratch: str, cli: str, wall: int):
        super().__init__(module, scratch)
        self.cli = cli
        self.wall = wall

    def command(self, excluded: list) -> list:
        limits = ["--wall", "%ds" % self.wall, "--cpu", "%ds" % self.wall]
        cmd = [self.cli, "run", "--json"] + limits + SANDBOX_OPTIONS
        args = [self.module]
        if excluded:
            host = write_exclusions(self.scratch, excluded)
            cmd += ["--file", host + ":/compat/exclude.json"]
            args.append("/compat/exclude.json")
        return cmd + [DRIVER] + args

    def attempt(self, excluded: list) -> tuple:
        start = time.monotonic()
        try:
            proc = subprocess.run(self.command(excluded), capture_output=True,
                                  timeout=self.wall + HARNESS_SLACK)
        except subprocess.TimeoutExpired:
            return "", {"place": self.place, "outcome": "harness-timeout"}
        seconds = time.monotonic() - start

        try:
            doc = json.loads(proc.stdout)
        except ValueError:
            stderr = proc.stderr.decode("utf-8", "replace")
            raise HarnessError("pysandbox printed no JSON result (status %d): %s"
                               % (proc.returncode, stderr[-2000:]))
        if "error" in doc:
            # The run never started (bad option, child missing): no test ran,
            # so comparing would only list every test as missing.
            raise HarnessError("pysandbox could not run %s (status %s): %s"
                               % (self.module, doc.get("status"), doc["error"]))
        result = doc.get("result") or {}
        info = {
            "place": self.place, "outcome": doc.get("outcome"),
            "status": doc.get("status"), "violation": result.get("violation"),
            "signal": result.get("signal"), "seconds": round(seconds, 2),
            "stderr_tail": (doc.get("stderr") or "")[-1500:],
        }
        return doc.get("stdout") or "", info


class BareRunner(Runner):
    """Runs the driver under /usr/bin/python3.11 -I in a fresh directory.

    As root it drops to nobody first: the jail never runs as root, and
    root passes permission checks that CPython's tests expect to fail.
    """

    place = "bare"

    def prepare(self) -> tuple:
        work = os.path.join(self.scratch, "bare")
        os.makedirs(work, exist_ok=True)
        driver = os.path.join(self.scratch, "driver.py")
        shutil.copyfile(DRIVER, driver)
        os.chmod(self.scratch, 0o755)
        os.chmod(driver, 0o644)
        prefix = []
        if os.geteuid() == 0:
            os.chown(work, NOBODY, NOBODY)
            prefix = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                      "--clear-groups"]
        return work, driver, prefix

    def attempt(self, excluded: list) -> tuple:
        work, driver, prefix = self.prepare()
        args = [self.module]
        if excluded:
            args.append(write_exclusions(self.scratch, excluded))
        env = {"PATH": "/usr/bin:/bin", "HOME": work, "LANG": "C.UTF-8"}
        cmd = prefix + [PYTHON, "-I", driver] + args

        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, capture_output=True, cwd=work, env=env,
                                  timeout=BARE_SECONDS)
        except subprocess.TimeoutExpired as e:
            stdout = (e.stdout or b"").decode("utf-8", "replace")
            return stdout, {"place": self.place, "outcome": "timeout"}
        info = {
            "place": self.place, "status": proc.returncode,
            "outcome": "ok" if proc.returncode == 0 else "exit",
            "signal": -proc.returncode if proc.returncode < 0 else None,
            "seconds": round(time.monotonic() - start, 2),
            "stderr_tail": proc.stderr.decode("utf-8", "replace")[-1500:],
        }
        return proc.stdout.decode("utf-8", "replace"), info


def load_known(path: str) -> list:
    """Reads (pattern, reason) rows from the compatibility document.

    A row is a Markdown table line whose first cell is a backquoted test id
    or fnmatch glob of test ids (dotted: test.test_os.X.y, but also
    ctypes.test.* and the like), and whose second cell is the reason.
    """
    known = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = KNOWN_ROW.match(line.strip())
            if m and "." in m.group(1) and m.group(2):
                known.append((m.group(1), m.group(2)))
    return known


def load_not_run(path: str) -> dict:
    """Reads the modules the document says are not compared, with reasons.

    A row is a table line whose first cell is a backquoted module name
    (test_subprocess) and whose second cell is the reason.
    """
    not_run = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = KNOWN_ROW.match(line.strip())
            if m and MODULE_NAME.match(m.group(1)) and m.group(2):
                not_run[m.group(1)] = m.group(2)
    return not_run


def known_reason(test_id: str, known: list):
    """The reason a difference is expected, or None."""
    for pattern, reason in known:
        if fnmatch.fnmatchcase(test_id, pattern):
            return reason
    return None


def why_missing(module: str, test_id: str, sandbox: dict) -> str:
    """Why the sandbox never reported a test: its class or module failed.

    A failing setUpClass or setUpModule, or a module that did not even
    import (its tests are never collected), is reported once under its
    own id; that report explains every test it took with it.
    """
    cls = test_id.rsplit(".", 1)[0]
    for key in ("setUpClass (%s)" % cls, "setUpModule (%s)" % cls.rsplit(".", 1)[0],
                "test.%s.<module>" % module):
        if key in sandbox:
            return "%s: %s\n%s" % (key, sandbox[key][0], sandbox[key][1])
    return "not reported in the sandbox"


def compare(module: str, bare: dict, sandbox: dict, known: list) -> dict:
    """Counts one module and lists its differences."""
    passing = [t for t, (s, _) in bare.items() if s in PASSING]
    diffs = []
    for test_id in sorted(passing):
        got = sandbox.get(test_id) or ["missing", why_missing(module, test_id, sandbox)]
        if got[0] in PASSING:
            continue
        diffs.append({"id": test_id, "status": got[0], "detail": got[1],
                      "reason": known_reason(test_id, known)})
    return {
        "module": module,
        "bare_tests": len(bare),
        "bare_pass": len(passing),
        "sandbox_pass": len(passing) - len(diffs),
        "sandbox_pass_total": sum(1 for s, _ in sandbox.values() if s in PASSING),
        "differences": diffs,
        "passing": passing,
    }


def sandbox_wall(bare_attempts: list) -> int:
    """Wall and CPU seconds for one sandboxed attempt of a module.

    Generous against the bare time (the machine is shared, and forwarded
    calls cost a little), yet short enough that a test hanging in the
    sandbox costs minutes, not the whole budget, before it is skipped.
    """
    seconds = sum(a.get("seconds", BARE_SECONDS) for a in bare_attempts)
    return int(min(MAX_WALL_SECONDS, 60 + 4 * seconds))


def run_module(module: str, cli: str, known: list, out: str) -> dict:
    """Runs one module in both places, stores and returns its comparison."""
    with tempfile.TemporaryDirectory(prefix="compat-") as scratch:
        bare = BareRunner(module, scratch)
        bare.run()
        sandbox = SandboxRunner(module, scratch, cli, sandbox_wall(bare.attempts))
        sandbox.run()

    record = {"bare": bare.results, "sandbox": sandbox.results,
              "attempts": {"bare": bare.attempts, "sandbox": sandbox.attempts}}
    path = os.path.join(out, "results", module + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, sort_keys=True)
    return compare(module, bare.results, sandbox.results, known)


def reuse_module(module: str, cli: str, known: list, out: str) -> dict:
    """Compares the results stored by an earlier run, without running."""
    path = os.path.join(out, "results", module + ".json")
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError) as e:
        raise HarnessError("no stored results for %s: %s" % (module, e))
    return compare(module, record["bare"], record["sandbox"], known)


def propose(summaries: list) -> list:
    """Draft rows of the compatibility document for unlisted differences.

    Differences are grouped by class: when every bare-passing test of a
    class differs for the same likely cause, one glob row covers the class,
    and likewise for a whole module; otherwise each test gets its row.
    """
    rows = []
    for s in summaries:
        unknown = {d["id"]: hint(d["detail"]) for d in s["differences"] if not d["reason"]}
        if not unknown:
            continue
        prefix = "test.%s." % s["module"]
        causes = set(unknown.values())
        if (len(causes) == 1 and len(unknown) == len(s["passing"])
                and all(t.startswith(prefix) for t in unknown)):
            rows.append("| `%s*` | %s |" % (prefix, causes.pop()[1]))
            continue
        rows += class_rows(unknown, s["passing"])
    return rows


def class_rows(unknown: dict, passing: list) -> list:
    """Rows for one module: a class glob where a whole class shares a cause."""
    by_class = {}
    for test_id in passing:
        by_class.setdefault(test_id.rsplit(".", 1)[0], []).append(test_id)

    rows = []
    for cls, ids in sorted(by_class.items()):
        causes = {unknown.get(t) for t in ids}
        if len(causes) == 1 and None not in causes and len(ids) > 1:
            rows.append("| `%s.*` | %s |" % (cls, causes.pop()[1]))
            continue
        rows += ["| `%s` | %s |" % (t, unknown[t][1]) for t in sorted(ids) if t in unknown]
    return rows


def render(summaries: list) -> str:
    """The Markdown summary: totals, per-module table, differences."""
    bare = sum(s["bare_pass"] for s in summaries)
    both = sum(s["sandbox_pass"] for s in summaries)
    ratio = 100.0 * both / bare if bare else 100.0
    unknown = [d for s in summaries for d in s["differences"] if not d["reason"]]
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Compatibility run, %s" % stamp, "",
        "- modules: %d" % len(summaries),
        "- tests passing bare: %d" % bare,
        "- of those, passing in the sandbox: %d (%.2f%%)" % (both, ratio),
        "- differences: %d (%d not listed in docs/compatibility.md)"
        % (bare - both, len(unknown)), "",
        "| module | tests | pass bare | pass sandboxed | ratio | differences |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        r = 100.0 * s["sandbox_pass"] / s["bare_pass"] if s["bare_pass"] else 100.0
        out.append("| %s | %d | %d | %d | %.1f%% | %d |" % (
            s["module"], s["bare_tests"], s["bare_pass"], s["sandbox_pass"], r,
            len(s["differences"])))
    out += ["", "## Differences", ""]
    for s in summaries:
        for d in s["differences"]:
            why = d["reason"] or "NOT LISTED: " + hint(d["detail"])[1]
            out.append("- `%s` (%s): %s" % (d["id"], d["status"], why))
    return "\n".join(out) + "\n"


def read_list(path: str) -> list:
    """Module names from a list file: one a line, # starts a comment."""
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            name = line.split("#", 1)[0].strip()
            if name:
                names.append(name)
    return names


def parse_args(argv: list) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("modules", nargs="*")
    p.add_argument("--list")
    p.add_argument("--check", action="store_true")
    p.add_argument("--propose", action="store_true")
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "compat"))
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--known", default=os.path.join(ROOT, "docs", "compatibility.md"))
    p.add_argument("--cli", default=os.path.join(ROOT, "build", "pysandbox"))
    args = p.parse_args(argv)

    if args.list:
        args.modules += read_list(args.list)
    if not args.modules:
        p.error("no modules given")
    for name in args.modules:
        if not MODULE_NAME.match(name):
            p.error("invalid module name '%s'" % name)
    if not 1 <= args.jobs <= 8:
        p.error("--jobs must be 1 to 8")
    return args


def check_setup(args: argparse.Namespace) -> None:
    """Fails early, and clearly, when something the runs need is missing."""
    if not os.access(args.cli, os.X_OK):
        raise HarnessError("pysandbox CLI '%s' not found: make build/pysandbox" % args.cli)
    child = os.environ.get("PYSANDBOX_CHILD", "")
    if not os.access(child, os.X_OK):
        raise HarnessError("PYSANDBOX_CHILD '%s' is not an executable sandbox" % child)
    if not os.path.isdir("/usr/lib/python3.11/test/support"):
        raise HarnessError("CPython's test suite is missing: scripts/deps.sh "
                           "installs libpython3.11-testsuite")


def run_all(args: argparse.Namespace, known: list) -> list:
    """Runs every module, printing one progress line per module."""
    os.makedirs(os.path.join(args.out, "results"), exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        step = reuse_module if args.reuse else run_module
        futures = [pool.submit(step, m, args.cli, known, args.out)
                   for m in args.modules]
        summaries = []
        for module, fut in zip(args.modules, futures):
            s = fut.result()
            unknown = sum(1 for d in s["differences"] if not d["reason"])
            print("compat: %-24s bare %4d  sandbox %4d  differences %3d (unlisted %d)"
                  % (module, s["bare_pass"], s["sandbox_pass"], len(s["differences"]),
                     unknown), flush=True)
            summaries.append(s)
    return summaries


def main(argv: list) -> int:
    args = parse_args(argv)
    try:
        if not args.reuse:
            check_setup(args)
        known = load_known(args.known)
        summaries = run_all(args, known)
    except (HarnessError, OSError) as e:
        print("compat: %s" % e, file=sys.stderr)
        return 2

    text = render(summaries)
    with open(os.path.join(args.out, "summary.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(text.split("\n## ")[0].split("\n| module")[0].rstrip())
    print("compat: summary in %s" % os.path.join(args.out, "summary.md"))

    unknown = [d for s in summaries for d in s["differences"] if not d["reason"]]
    if args.propose:
        print("\n".join(propose(summaries)))
    if args.check and unknown:
        for d in unknown:
            print("compat: not listed: %s (%s) %s" % (d["id"], d["status"],
                                                       first_line(d["detail"])))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
