"""Group e2e: a session through a parent's driver against the real child."""

from __future__ import annotations

from cases import Case
from driver import run_driver
from match import expand, match


def run_case(case: Case, driver: str, child: str | None) -> list[str]:
    """The failures of CASE; [] when it passed."""
    session = expand(case.body["session"])
    if case.body.get("child_via_env"):  # [REQ-PROC-8]: no --child, only PYSANDBOX_CHILD
        run = run_driver(driver, None, session, case.timeout_s, {"PYSANDBOX_CHILD": child or ""})
    else:
        run = run_driver(driver, child, session, case.timeout_s)
    if run.problem:
        return [run.problem] + [f"stderr: {line}" for line in run.stderr.splitlines()[-5:]]
    fails = match(expand(case.body["expect"]), run.output)
    limit = case.body.get("max_seconds")
    if limit is not None and run.seconds > limit:
        fails.append(f"driver took {run.seconds:.1f} s, more than {limit} s")
    return fails
