#!/usr/bin/python3.11
"""The python-sandbox benchmark (issue 9): sandbox against bare references.

Usage: bench/run.py [--quick] [--out PATH]

Every comparison runs its two sides alternately, pair by pair (A B, B A,
A B, ...), so that a change of machine load hits both sides alike; it
reports each side's median with min-max and the median of the per-pair
ratios A/B with their min-max. Per-call latencies (forwarded calls, host
calls, the raw baselines) are each process's fastest of 5 batches, the
estimate least disturbed by other processes on a shared machine; the
means of all calls are reported next to them. Run from the repository root after `make`;
the child is build/sandbox. --quick runs every measurement with tiny
counts, only to check that the harness works (bench-smoke).

Prints a table and writes the results as JSON (default build/bench.json).
Exit status 0 when every measurement ran (targets missed do not fail the
run), 1 when one could not run, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
BENCH = BUILD / "bench"
WORK = ROOT / "bench" / "workloads"
PYTHON = "/usr/bin/python3.11"
CLI = str(BUILD / "pysandbox")
TIMEOUT_S = 120

# Pairs per comparison and sizes of the workloads: (full, quick).
COUNTS = {
    "hello": (80, 2),
    "phases": (15, 2),
    "steps": (3, 1),
    "imports": (40, 2),
    "cpu": (11, 2),
    "cpu_rounds": (250_000, 20_000),
    "files": (11, 2),
    "tree_dirs": (60, 3),
    "stat": (9, 2),
    "stat_calls": (100_000, 2_000),
    "hostcall": (15, 2),
    "hostcall_calls": (5_000, 100),
    "sessions": (100, 3),
    "concurrent": (32, 3),
    "warmstart": (40, 2),
    "pool_pairs": (7, 1),
    "pool_sessions": (30, 3),
}
POOL_SIZE = 4
WARM_START_TARGET_MS = 1.0
FILES_PER_DIR = 50


class BenchError(Exception):
    """A measurement could not run."""


@dataclass
class Comparison:
    """One A/B comparison: samples of both sides and the target on A/B."""

    name: str
    unit: str
    a_label: str
    b_label: str
    target: float | None
    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        if not all(y > 0 for y in self.b):
            raise BenchError(f"{self.name}: a reference sample is 0 {self.unit}, "
                             "too small to compare against (raise the count)")
        ratio = dist([x / y for x, y in zip(self.a, self.b)])
        met = None if self.target is None else ratio["median"] <= self.target
        return {
            "name": self.name, "unit": self.unit,
            "a": {"label": self.a_label, **dist(self.a)},
            "b": {"label": self.b_label, **dist(self.b)},
            "ratio": ratio, "target": self.target, "met": met,
        }


def dist(values: list[float]) -> dict:
    """Median, min, max and the samples themselves."""
    return {
        "median": statistics.median(values), "min": min(values), "max": max(values),
        "samples": [round(v, 4) for v in values],
    }


def run(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Runs ARGV; returns (wall seconds, stdout). Raises on failure."""
    wall, out, _err = run_full(argv, env)
    return wall, out


def run_full(argv: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    """Runs ARGV; returns (wall seconds, stdout, stderr). Raises on failure."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise BenchError(f"'{' '.join(argv)}' timed out after {TIMEOUT_S} s") from None
    wall = time.perf_counter() - t0

    if proc.returncode != 0:
        raise BenchError(f"'{' '.join(argv)}' exited {proc.returncode}: "
                         f"{proc.stderr.decode(errors='replace').strip()[-500:]}")
    return wall, proc.stdout.decode(), proc.stderr.decode(errors="replace")


def value_of(key: str, scale: float = 1.0) -> Callable[[float, str], float]:
    """A sample taker reading KEY from the command's JSON output."""
    return lambda _wall, out: float(json.loads(out.splitlines()[-1])[key]) * scale


def wall_ms(wall: float, _out: str) -> float:
    return wall * 1e3


def pairs(comps: list[Comparison], a: list[str], b: list[str], n: int,
          takers: list[Callable[[float, str], float]], env: dict[str, str]) -> None:
    """Runs A and B N times each, alternating which goes first; each
    command's result feeds one sample per comparison through its taker."""
    for i in range(n):
        order = [(a, "a"), (b, "b")] if i % 2 == 0 else [(b, "b"), (a, "a")]
        for argv, side in order:
            wall, out = run(argv, env)
            for comp, take in zip(comps, takers):
                getattr(comp, side).append(take(wall, out))


def make_tree(root: Path, dirs: int) -> int:
    """DIRS directories of FILES_PER_DIR small files; returns the count."""
    if root.exists():
        shutil.rmtree(root)
    for d in range(dirs):
        sub = root / f"d{d:03}"
        sub.mkdir(parents=True)
        for f in range(FILES_PER_DIR):
            (sub / f"f{f:03}.txt").write_bytes(b"%d\n" % (d * f) * (64 + f * 8))
    return dirs * FILES_PER_DIR


def tmpfs_dir() -> str:
    """A host tmpfs directory for the bare side of the stat benchmark."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else "/tmp"


def bench_start(c: dict, env: dict[str, str]) -> list[Comparison]:
    """Cold hello and the import-heavy start, whole commands."""
    hello = Comparison("cold hello", "ms", "pysandbox run -c", "python3.11 -I -c", 1.05)
    pairs([hello], [CLI, "run", "-c", "print('hi')"], [PYTHON, "-I", "-c", "print('hi')"],
          c["hello"], [wall_ms], env)

    imports = Comparison("import-heavy start", "ms", "pysandbox run", "python3.11 -I", 1.10)
    script = str(WORK / "imports.py")
    pairs([imports], [CLI, "run", script], [PYTHON, "-I", script], c["imports"], [wall_ms], env)
    return [hello, imports]


PHASES = {
    "filesystem and namespaces": "namespaces_ms",
    "jail confined": "jail_confined_ms",
    "python ready": "python_ready_ms",
}


def bench_phases(c: dict, env: dict[str, str]) -> dict:
    """Where a cold hello's time goes: the child's own start-up timings
    (verbosity 2; cumulative from the moment it has read initialize)
    next to the whole command's wall time."""
    samples: dict[str, list[float]] = {"wall_ms": [], "forwarded_calls": []}
    samples.update({key: [] for key in PHASES.values()})
    for _ in range(c["phases"]):
        wall, _out, err = run_full([CLI, "run", "-vv", "-c", "print('hi')"], env)
        samples["wall_ms"].append(wall * 1e3)
        for line in err.splitlines():
            for phase, key in PHASES.items():
                m = re.search(rf"timing: {phase} (\d+) us(?:, (\d+) forwarded)?", line)
                if m:
                    samples[key].append(int(m.group(1)) / 1e3)
                    if m.group(2):
                        samples["forwarded_calls"].append(int(m.group(2)))
    if any(len(v) != c["phases"] for v in samples.values()):
        raise BenchError("pysandbox run -vv printed no start-up timings "
                         "(the child's timing lines changed?)")
    return {key: dist(v) for key, v in samples.items()}


def bench_cpu(c: dict, env: dict[str, str]) -> list[Comparison]:
    """A pure-Python loop: in-process wall and CPU time of the loop, and the
    whole command. Then, to tell the interpreter build from the sandbox,
    the same loop in a plain program embedding the shared libpython (as
    the jail does) against the bare, statically linked python3.11."""
    loop = Comparison("CPU-bound loop (in-process wall)", "ms", "sandbox", "bare", 1.01)
    cpu = Comparison("CPU-bound loop (in-process CPU time)", "ms", "sandbox", "bare", 1.01)
    whole = Comparison("CPU-bound (whole command)", "ms", "sandbox", "bare", None)
    script, rounds = str(WORK / "cpu.py"), str(c["cpu_rounds"])
    bare = [PYTHON, "-I", script, rounds]
    pairs([loop, cpu, whole], [CLI, "run", script, rounds], bare, c["cpu"],
          [value_of("seconds", 1e3), value_of("cpu_seconds", 1e3), wall_ms], env)

    embed = Comparison("CPU-bound loop, CPU time: shared libpython, no sandbox", "ms",
                       "embedpy", "bare", None)
    pairs([embed], [str(BENCH / "embedpy"), "-I", script, rounds], bare, c["cpu"],
          [value_of("cpu_seconds", 1e3)], env)
    return [loop, cpu, whole, embed]


def bench_files(c: dict, env: dict[str, str]) -> list[Comparison]:
    """Stat and read every file of a tree: bound into the sandbox, or direct."""
    tree = BENCH / "tree"
    count = make_tree(tree, c["tree_dirs"])
    loop = Comparison(f"file-heavy, {count} files (in-process)", "ms", "sandbox", "bare", None)
    whole = Comparison(f"file-heavy, {count} files (whole command)", "ms", "sandbox", "bare",
                       None)
    script = str(WORK / "files.py")
    pairs([loop, whole], [CLI, "run", "--bind", f"{tree}:/data", script, "/data"],
          [PYTHON, "-I", script, str(tree)], c["files"],
          [value_of("seconds", 1e3), wall_ms], env)
    return [loop, whole]


def bench_forwarded(c: dict, env: dict[str, str]) -> list[Comparison]:
    """os.stat in the sandbox (forwarded) against the raw notification
    round trip (with the synchronous wake-up, as the child uses) and
    against bare os.stat; then the two raw variants against each other."""
    calls = str(c["stat_calls"])
    script = str(WORK / "stat.py")
    per = value_of("per_call_us")
    sandbox = [CLI, "run", script, "/tmp", calls]

    vs_raw = Comparison("forwarded os.stat vs raw unotify", "µs", "sandbox os.stat",
                        "unotify_rtt --sync", 1.3)
    means = Comparison("  same, means of all calls", "µs", "sandbox os.stat",
                       "unotify_rtt --sync", None)
    pairs([vs_raw, means], sandbox, [str(BENCH / "unotify_rtt"), "--sync", calls], c["stat"],
          [per, value_of("mean_us")], env)
    vs_bare = Comparison("forwarded os.stat vs bare os.stat", "µs", "sandbox os.stat",
                         "bare os.stat (tmpfs)", None)
    pairs([vs_bare], sandbox, [PYTHON, "-I", script, tmpfs_dir(), calls], c["stat"], [per], env)
    sync = Comparison("raw unotify: sync wake-up vs plain", "µs", "unotify_rtt --sync",
                      "unotify_rtt", None)
    pairs([sync], [str(BENCH / "unotify_rtt"), "--sync", calls],
          [str(BENCH / "unotify_rtt"), calls], c["stat"], [per], env)
    return [vs_raw, means, vs_bare, sync]


def bench_hostcall(c: dict, env: dict[str, str]) -> list[Comparison]:
    """Host-call round trips through each parent against raw JSON lines
    over pipes answered in the same language."""
    calls = str(c["hostcall_calls"])
    per = value_of("per_call_us")
    parents = [
        ("C", [str(BENCH / "bench_c")], 2.0, ["hostcall"], ["rawpipe"]),
        ("Node", ["node", str(ROOT / "bench" / "hostcall.mjs")], 2.5, ["sandbox"], ["raw"]),
        ("PHP", ["php", str(ROOT / "bench" / "hostcall.php")], 2.5, ["sandbox"], ["raw"]),
    ]
    comps = []
    for name, cmd, target, a, b in parents:
        comp = Comparison(f"host call, {name} parent", "µs", "sandbox.call", "raw pipe",
                          target)
        means = Comparison("  same, means of all calls", "µs", "sandbox.call", "raw pipe", None)
        pairs([comp, means], cmd + a + [calls], cmd + b + [calls], c["hostcall"],
              [per, value_of("mean_us")], env)
        comps += [comp, means]
    return comps


def bench_sessions(c: dict, env: dict[str, str]) -> dict:
    """Session rate, idle supervisor memory, and concurrent sessions."""
    prog = str(BENCH / "bench_c")
    _, seq = run([prog, "sessions", str(c["sessions"])], env)
    _, rss = run([prog, "rss"], env)
    _, conc = run([prog, "concurrent", str(c["concurrent"])], env)
    return {"sequential": json.loads(seq), "idle": json.loads(rss),
            "concurrent": json.loads(conc)}


def bench_pool(c: dict, env: dict[str, str]) -> tuple[list[Comparison], dict]:
    """The warm pool through libpysandbox: session start on a warm child
    against a cold start (pairs alternated inside bench_c warmstart, each
    warm child given time to warm), and sessions per second in a row
    through a pool against cold ones (whole commands, alternated)."""
    prog = str(BENCH / "bench_c")
    _, out = run([prog, "warmstart", str(c["warmstart"])], env)
    res = json.loads(out)
    start = Comparison("session start, warm pool vs cold", "ms", "pysandbox_pool_start",
                       "pysandbox_start", None, res["warm_ms"], res["cold_ms"])
    if res["warm"] != c["warmstart"]:
        raise BenchError(f"bench_c warmstart: {res['warm']} of {c['warmstart']} "
                         "pooled starts were warm")
    warm = dist(res["warm_ms"])
    warm.update({"target_ms": WARM_START_TARGET_MS,
                 "met": warm["median"] <= WARM_START_TARGET_MS})

    rate = Comparison(f"sessions per second, pool of {POOL_SIZE} vs cold", "1/s",
                      f"bench_c pool {c['pool_sessions']} {POOL_SIZE}",
                      f"bench_c sessions {c['pool_sessions']}", None)
    pairs([rate], [prog, "pool", str(c["pool_sessions"]), str(POOL_SIZE)],
          [prog, "sessions", str(c["pool_sessions"])], c["pool_pairs"],
          [value_of("per_second")], env)
    return [start, rate], {"warm_start_ms": warm}


def bench_steps(c: dict, env: dict[str, str]) -> dict:
    """The cost of each step of the supervisor's answer to a forwarded
    stat, one at a time outside the sandbox (syscall_cost), and the raw
    round trip with the supervisor waiting in poll(2) as the real one
    does: medians of a few runs, to attribute the forwarded-call gap."""
    runs = [json.loads(run([str(BENCH / "syscall_cost"), tmpfs_dir(),
                            str(c["stat_calls"])], env)[1]) for _ in range(c["steps"])]
    steps = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    polled = [value_of("per_call_us")(*run([str(BENCH / "unotify_rtt"), "--sync", "--poll",
                                            str(c["stat_calls"])], env))
              for _ in range(c["steps"])]
    return {"steps_ns": steps, "unotify_sync_poll_us": statistics.median(polled)}


def machine() -> dict:
    """The machine the numbers came from."""
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "python": platform.python_version()}


def tree() -> dict:
    """The commit measured, and the files changed in the working tree then:
    `make bench` builds from the working tree, which other engineers may
    be changing at the time."""
    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True,
                              text=True, timeout=30, check=False)
        return proc.stdout.rstrip() if proc.returncode == 0 else ""
    dirty = [line[3:] for line in git("status", "--porcelain").splitlines() if line]
    return {"commit": git("rev-parse", "HEAD") or "unknown", "changed": dirty}


def load() -> dict:
    with open("/proc/loadavg", encoding="utf-8") as f:
        one, five, fifteen = f.read().split()[:3]
    return {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "loadavg": [float(one), float(five), float(fifteen)]}


def fmt(d: dict) -> str:
    return f"{d['median']:.3g} [{d['min']:.3g}–{d['max']:.3g}]"


def mib(kib: float) -> str:
    """KIB in MiB; bench_c reports -1 for what it could not read."""
    return "unreadable (not root)" if kib < 0 else f"{kib / 1024:.2f} MiB"


def print_warm(pool: dict) -> None:
    w = pool["warm_start_ms"]
    print(f"warm session start (pysandbox_new + pysandbox_pool_start on a warm child): "
          f"p50 {w['median']:.2f} ms [{w['min']:.2f}–{w['max']:.2f}]; target ≤ "
          f"{w['target_ms']:g} ms: {'met' if w['met'] else 'NOT met'}")


def print_table(comps: list[dict], sessions: dict, phases: dict) -> None:
    rows = [("benchmark", "A", "B", "A/B ratio", "target", "met")]
    for s in comps:
        target = "" if s["target"] is None else f"≤ {s['target']}×"
        met = "" if s["met"] is None else ("yes" if s["met"] else "NO")
        rows.append((f"{s['name']} ({s['unit']})",
                     f"{s['a']['label']}: {fmt(s['a'])}",
                     f"{s['b']['label']}: {fmt(s['b'])}",
                     f"{s['ratio']['median']:.2f} [{s['ratio']['min']:.2f}–"
                     f"{s['ratio']['max']:.2f}]", target, met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())

    seq, idle, conc = sessions["sequential"], sessions["idle"], sessions["concurrent"]
    print(f"\nsessions (C library, start + print + close): {seq['sessions']} in a row, "
          f"{seq['per_second']:.1f}/s; cold start p50 {seq['start_ms']['p50']:.1f} ms "
          f"[{seq['start_ms']['min']:.1f}–{seq['start_ms']['max']:.1f}]")
    print(f"idle supervisor: VmRSS {idle['supervisor_rss_kib'] / 1024:.2f} MiB "
          f"(target ≤ 2 MiB; RssAnon {idle['supervisor_anon_kib'] / 1024:.2f} MiB, "
          f"Pss {mib(idle['supervisor_pss_kib'])}), "
          f"pid-namespace init VmRSS {idle['init_rss_kib'] / 1024:.2f} MiB "
          f"(Pss {mib(idle['init_pss_kib'])}), "
          f"jail VmRSS {idle['jail_rss_kib'] / 1024:.1f} MiB")
    print(f"{conc['sessions']} concurrent sessions: all started and run in "
          f"{conc['wall_ms']:.0f} ms, start p50 {conc['start_ms']['p50']:.0f} ms "
          f"max {conc['start_ms']['max']:.0f} ms; per supervisor VmRSS "
          f"{conc['supervisor_rss_kib'] / 1024:.2f} MiB, RssAnon "
          f"{conc['supervisor_anon_kib'] / 1024:.2f} MiB, Pss {mib(conc['supervisor_pss_kib'])}; "
          f"per init Pss {mib(conc['init_pss_kib'])}")
    p = {k: v["median"] for k, v in phases.items()}
    print(f"cold hello phases (medians; child clock from initialize read): namespaces "
          f"{p['namespaces_ms']:.1f} ms, jail confined {p['jail_confined_ms']:.1f} ms, "
          f"python ready {p['python_ready_ms']:.1f} ms ({p['forwarded_calls']:.0f} forwarded "
          f"calls); whole command {p['wall_ms']:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts (bench-smoke)")
    parser.add_argument("--out", default=str(BUILD / "bench.json"), help="JSON output path")
    args = parser.parse_args()

    c = {k: v[1] if args.quick else v[0] for k, v in COUNTS.items()}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "PYSANDBOX_CHILD": str(BUILD / "sandbox")}
    report = {"machine": machine(), "tree": tree(), "load_before": load(),
              "quick": args.quick, "counts": c}
    t0 = time.perf_counter()
    try:
        comps = [s.summary() for step in (bench_start, bench_cpu, bench_files,
                                          bench_forwarded, bench_hostcall)
                 for s in step(c, env)]
        pool_comps, pool = bench_pool(c, env)
        comps += [s.summary() for s in pool_comps]
        sessions = bench_sessions(c, env)
        phases = bench_phases(c, env)
        steps = bench_steps(c, env)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    report.update({"comparisons": comps, "sessions": sessions, "warm_pool": pool,
                   "start_phases": phases,
                   "forwarded_call_steps": steps,
                   "load_after": load(),
                   "duration_s": round(time.perf_counter() - t0, 1)})

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print_table(comps, sessions, phases)
    print_warm(pool)
    print("forwarded-call steps, one at a time outside the sandbox (ns): "
          + ", ".join(f"{k} {v:.0f}" for k, v in steps["steps_ns"].items())
          + f"; raw unotify with poll(2) and sync wake-up {steps['unotify_sync_poll_us']:.2f} µs")
    m = report["machine"]
    print(f"\nmachine: {m['nproc']} × {m['cpu']}, Linux {m['kernel']}; load average "
          f"{report['load_before']['loadavg']} before, {report['load_after']['loadavg']} "
          f"after; {report['duration_s']} s; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
