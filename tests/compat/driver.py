"""Runs one CPython test module and reports every test as one JSON line.

Executed unchanged in two places by tests/compat/run.py: inside the sandbox
and bare under /usr/bin/python3.11 -I. It sets the module up the way
regrtest does by default (no -u resources, backslashreplace stdout,
faulthandler on stderr), so a difference between the two runs comes from
the environment, not from the harness.

Usage: driver.py MODULE [EXCLUDE_FILE]

MODULE is a name under the ``test`` package (``test_json``). EXCLUDE_FILE,
when given, holds a JSON list of test ids not to run: the runner passes the
ids already reported by an earlier attempt that was killed, so that one
crashing test does not hide the rest of the module.

Every report is one line on a private copy of fd 1 (so tests that redirect
stdout cannot swallow it), starting with ``@@compat@@ `` followed by a JSON
object:

    {"event": "start", "id": ID}            a test is about to run
    {"event": "result", "id": ID, "status": S, "detail": TEXT}
    {"event": "done", "run": N}             the module finished

S is one of pass, fail, error, skip, xfail, xpass. A "start" without its
"result" means the process died during that test (or ran over
TEST_TIMEOUT).
"""

import faulthandler
import importlib
import json
import os
import sys
import traceback
import unittest

MARK = "@@compat@@ "
# A test running longer than this is stopped the way regrtest's --timeout
# does: faulthandler dumps every thread's stack on stderr and exits. The
# runner then records it as crashed and resumes after it, so a test that
# hangs costs a minute, not the module's whole wall-clock budget.
TEST_TIMEOUT = 60
DETAIL_MAX = 2000
REPORT_FD = os.dup(1)


def report(**fields):
    """Writes one report line on the private descriptor, in one write."""
    line = "\n" + MARK + json.dumps(fields, ensure_ascii=True) + "\n"
    data = line.encode("ascii")

    while data:
        data = data[os.write(REPORT_FD, data):]


def short(text):
    """Keeps the end of a traceback: the assertion is at the bottom."""
    text = str(text)
    return text if len(text) <= DETAIL_MAX else "..." + text[-DETAIL_MAX:]


class ReportingResult(unittest.TestResult):
    """A result that reports each test once, when it stops.

    unittest may call several add* methods for one test (an error in the
    body, then one in a cleanup; one per failing subtest): the first
    failure or error decides, anything else only fills in a test that had
    no outcome yet. Errors of setUpClass/setUpModule arrive without a
    startTest, as an _ErrorHolder, and are reported at once.
    """

    def __init__(self):
        super().__init__()
        self._outcome = {}

    def startTest(self, test):
        super().startTest(test)
        report(event="start", id=test.id())
        faulthandler.dump_traceback_later(TEST_TIMEOUT, exit=True,
                                          file=sys.__stderr__.fileno())

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)
        status, detail = self._outcome.pop(test.id(), ("pass", ""))
        report(event="result", id=test.id(), status=status,
               detail=short(detail))

    def _note(self, test, status, detail=""):
        if isinstance(test, unittest.suite._ErrorHolder):
            report(event="result", id=test.id(), status=status,
                   detail=short(detail))
            return
        old = self._outcome.get(test.id())
        if old is None or (old[0] not in ("fail", "error")
                           and status in ("fail", "error")):
            self._outcome[test.id()] = (status, detail)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._note(test, "fail", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._note(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._note(test, "skip", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._note(test, "xfail")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._note(test, "xpass")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is None:
            return
        failed = issubclass(err[0], test.failureException)
        detail = str(subtest) + "\n" + self._exc_info_to_string(err, test)
        self._note(test, "fail" if failed else "error", detail)


def drop_excluded(suite, excluded):
    """Removes the excluded test ids from a suite, recursively."""
    kept = []
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            drop_excluded(test, excluded)
            kept.append(test)
        elif test.id() not in excluded:
            kept.append(test)
    suite._tests = kept


def make_run_suite(excluded, counter):
    """Replaces test.support._run_suite: run with ReportingResult, no raise.

    Both regrtest paths (a module's test_main() and plain loading) end in
    support.run_unittest() and so in _run_suite().
    """
    def run_suite(suite):
        drop_excluded(suite, excluded)
        result = ReportingResult()
        suite(result)
        counter[0] += result.testsRun
    return run_suite


def setup_like_regrtest(support):
    """The parts of regrtest's setup_tests() that change test outcomes."""
    faulthandler.enable(all_threads=True, file=sys.__stderr__.fileno())
    support.use_resources = []
    support.verbose = 0

    stdout = sys.stdout
    sys.stdout = open(stdout.fileno(), "w", encoding=stdout.encoding,
                      errors="backslashreplace", closefd=False, newline="\n")
    support.record_original_stdout(sys.stdout)


def load_and_run(module_name, support):
    """Imports the module and runs it as regrtest would."""
    the_module = importlib.import_module("test." + module_name)
    test_main = getattr(the_module, "test_main", None)
    if test_main is not None:
        test_main()
        return

    loader = unittest.TestLoader()
    tests = loader.loadTestsFromModule(the_module)
    for error in loader.errors:
        report(event="result", id="test." + module_name + ".<load>",
               status="error", detail=short(error))
    support.run_unittest(tests)


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: driver.py MODULE [EXCLUDE_FILE]\n")
        return 2

    module_name = argv[1]
    excluded = set()
    if len(argv) == 3:
        with open(argv[2], encoding="utf-8") as f:
            excluded = set(json.load(f))

    from test import support
    setup_like_regrtest(support)
    counter = [0]
    support._run_suite = make_run_suite(excluded, counter)
    module_id = "test." + module_name + ".<module>"

    try:
        load_and_run(module_name, support)
    except unittest.SkipTest as e:
        report(event="result", id=module_id, status="skip", detail=short(e))
    except BaseException:
        report(event="result", id=module_id, status="error",
               detail=short(traceback.format_exc()))
    report(event="done", run=counter[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
