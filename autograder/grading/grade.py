"""Grading one submission: load its code into a worker, run the checks, score the items."""
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from allab.harness import StudentError

from autograder.checks import MISTAKE_TAG
from autograder.grading.judge import submission_budget
from autograder.markscheme import (deliverable_figures, gradebook_items, load_check_rules, load_items, load_mistakes,
                         part_functions)
from autograder.grading.sandbox import course_limits
from autograder.grading.client import StudentProcess
from autograder.results.written import collect as collect_written

CHECKS_DIR = Path(__file__).resolve().parent.parent / "checks"
QUIET_PLUGINS = ["terminal", "cacheprovider", "warnings", "unraisableexception", "threadexception", "logging",
                 "capture", "doctest", "junitxml", "pastebin", "debugging", "faulthandler", "stepwise", "legacypath"]
_CURRENT = None


@dataclass
class TestRecord:
    """The outcome of one check of one item."""
    item: str
    name: str
    passed: bool
    hidden: bool
    message: str = ""     # shown to the student only for public checks
    mistake: str = ""     # catalogue key, when the failing check named one
    raised: str = ""      # the student's own exception, when that is why the check failed (safe to show)
    check: str = ""       # the check's name in the mark scheme's [checks] tables ("public" for the check cell)


@dataclass
class StudentResult:
    """Everything the outputs need about one graded student."""
    student: str
    items: dict = field(default_factory=dict)       # item name -> {"score", "max_score", "tests"}
    problems: list = field(default_factory=list)    # what was wrong with the submission's files
    incidents: list = field(default_factory=list)   # what the code did (timeouts, crashes)
    plots: dict = field(default_factory=dict)       # deliverable plot name -> "ok" or what is wrong
    seconds: float = 0.0
    written: dict = field(default_factory=dict)     # written item name -> entry (autograder.results.written)

    @property
    def score(self):
        """Every judged point, extra credit included (pending written answers count nothing yet)."""
        return round(sum(self.points(written) for written in (False, True)), 2)

    @property
    def max_score(self):
        """The points of every required item, autograded and written (extra credit left out)."""
        return sum(v["max_score"] for name, v in self.all_items().items() if name not in _extra_names())

    @property
    def pending(self):
        """The points of written answers no TA has scored yet."""
        return sum(v["max_score"] for v in self.written.values() if v["score"] is None)

    def all_items(self):
        """``{name: entry}`` of the autograded and the written items."""
        return {**self.items, **self.written}

    def points(self, written, extra=None):
        """The score of the autograded (or written) items; only extra credit (``extra=True``) or none."""
        entries = self.written if written else self.items
        return sum(v["score"] for name, v in entries.items() if v["score"] is not None
                   and (extra is None or (name in _extra_names()) == extra))


def _extra_names():
    return {it.name for it in gradebook_items() if it.extra}


class _Current:
    """The submission being graded, as the checks' fixtures see it."""

    def __init__(self, process):
        self.process = process
        self.shared = {}   # outcomes of calls that several checks look at (StudentCaller.shared)


def current_submission():
    if _CURRENT is None:
        raise RuntimeError("the checks run inside `python -m autograder grade`, not on their own")
    return _CURRENT


class _Recorder:
    """pytest plugin: one :class:`TestRecord` per check."""

    def __init__(self, items_by_key):
        self.items_by_key = items_by_key
        self.records = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        # Our own report, without pytest's traceback of a failure: nobody reads it, and building it
        # (source of every frame, parsed) cost 20 ms a failing check, most of a weak submission's time.
        if call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception):
            return None  # pytest's own report
        passed = call.excinfo is None
        marker = item.get_closest_marker("item")
        if marker is not None and (call.when == "call" or (call.when == "setup" and not passed)):
            self._record(item, marker, call.excinfo)
        return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1),
                                 "passed" if passed else "failed",
                                 None if passed else f"{call.excinfo.typename}: {call.excinfo.value}"[:2000],
                                 call.when, [], call.duration, call.start, call.stop)

    def _record(self, item, marker, excinfo):
        part = item.module.PART
        key = (part, marker.args[0])
        if key not in self.items_by_key:
            raise RuntimeError(f"{item.nodeid}: item {marker.args[0]!r} of {part} is not in the mark scheme")
        message, mistake, raised = "", "", ""
        if excinfo is not None:
            text = str(excinfo.value)
            if text.startswith(MISTAKE_TAG):
                mistake = text[len(MISTAKE_TAG):].split()[0]
            elif excinfo.errisinstance(StudentError):
                raised = text
            elif excinfo.errisinstance(AssertionError):
                message = text
            else:
                message = f"{excinfo.typename}: {text}"
        self.records.append(TestRecord(self.items_by_key[key].name, _test_name(item), excinfo is None,
                                       marker.kwargs.get("hidden", True), message[:2000], mistake,
                                       raised[:1000], _check_name(item)))


def _test_name(item):
    doc = getattr(item.function, "__doc__", None)
    title = doc.strip().splitlines()[0] if doc else item.name.removeprefix("test_").replace("_", " ")
    if "[" in item.name:  # a public check: its parameter is the function name
        title = f"public checks of {item.callspec.id}"
    return title


def _check_name(item):
    return "public" if "[" in item.name else item.originalname.removeprefix("test_")


def run_checks(process, parts, public_only=False):
    """Run the check modules of ``parts`` against ``process``; return the records.

    With ``public_only``, only the public checks (the notebook's check cells) run.
    """
    global _CURRENT
    items_by_key = {(it.part, it.function): it for it in load_items()}
    recorder = _Recorder(items_by_key)
    modules = [m for m in sorted(CHECKS_DIR.glob("test_*.py")) if m.stem.removeprefix("test_") in parts]
    if not modules:
        return []
    _CURRENT = _Current(process)
    try:
        # Only the plugins the checks need (none installed by other packages): each one costs time for
        # every check of every submission. Plain asserts: a hidden check's message is its mistake key,
        # and pytest's explanation of a failed assert (reprs and diffs of its operands) would only cost time.
        code = pytest.main([*(arg for name in QUIET_PLUGINS for arg in ("-p", f"no:{name}")),
                            "--disable-plugin-autoload", "--assert=plain", "-o", "addopts=",
                            "--rootdir", str(CHECKS_DIR.parent.parent),
                            *(["-k", "test_public"] if public_only else []),
                            *map(str, modules)], plugins=[recorder])
    finally:
        _CURRENT = None
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise RuntimeError(f"the checks could not run (pytest exit code {code})")
    return recorder.records


def score(records, parts, signatures=None):
    """Per-item scores by the mark scheme's weights (0 for parts not handed in, or when a core check failed).

    ``signatures`` is ``{item name: what is wrong with the function's signature}``. Each item also gets
    ``costs`` (what each failed check cost), ``mistake`` (its one diagnosis: a catalogue key or "") and
    ``signature``.
    """
    signatures = signatures or {}
    rules = load_check_rules()
    result = {}
    for it in load_items():
        tests = [r for r in records if r.item == it.name]
        points, costs = item_score(tests, rules[it.name], it.points)
        result[it.name] = {"score": points, "max_score": it.points, "title": it.title, "tests": tests,
                           "submitted": it.part in parts, "costs": costs,
                           "signature": signatures.get(it.name, ""),
                           "mistake": diagnose(tests, rules[it.name], signatures.get(it.name, ""))}
    return result


def item_score(tests, rules, points):
    """``(score, costs)`` of one item: ``costs[i]`` is what failed check ``tests[i]`` cost ("core" for a
    failed core check, which scores the item 0; None for a passed check, and for the other failed checks
    when a core check failed)."""
    if not tests:
        return 0.0, []
    total = sum(rules.weight(t.check) for t in tests)
    if any(not t.passed and t.check in rules.core for t in tests):
        return 0.0, ["core" if not t.passed and t.check in rules.core else None for t in tests]
    costs = [None if t.passed else round(points * rules.weight(t.check) / total, 2) for t in tests]
    passed = sum(rules.weight(t.check) for t in tests if t.passed)
    return round(points * passed / total, 2), costs


UNCOMMON = "uncommon"   # a check's verdict when the result fits none of the catalogued mistakes
SIGNATURE = "signature"


def diagnose(tests, rules, signature=""):
    """The one catalogue key that best explains the failed checks of an item ("" when none names one).

    A signature problem explains everything. Otherwise the key named by most failed checks wins, ties going
    to the failed core checks first, then to the first check; "not a common mistake" only when no failed
    check names a catalogued one.
    """
    failed = [t for t in tests if not t.passed]
    if not failed:
        return ""
    if signature:
        return SIGNATURE
    ordered = sorted(failed, key=lambda t: t.check not in rules.core)  # stable: core first
    keys = [t.mistake for t in ordered if t.mistake and t.mistake != UNCOMMON]
    if keys:
        return max(keys, key=lambda k: (keys.count(k), -keys.index(k)))
    if any(t.mistake == UNCOMMON for t in failed):
        return UNCOMMON
    return ""


def grade_submission(submission, limits=None, public_only=False):
    """Grade one :class:`~autograder.grading.submissions.Submission`; return a :class:`StudentResult`."""
    if limits is None:
        limits = course_limits()
    # A submission whose every call stalls just under the per-call limit must not hold a slot for long.
    limits = dataclasses.replace(limits, submission_seconds=submission_budget(limits))
    start = time.perf_counter()
    result = StudentResult(submission.student, problems=list(submission.problems))
    graded_parts = part_functions()
    cells = {part: nb.code_cells for part, nb in submission.notebooks.items() if part in graded_parts}
    process = StudentProcess(cells, limits, graded_parts)
    try:
        for part, report in process.load().items():
            result.problems.extend(report["problems"])
        records = run_checks(process, list(submission.notebooks), public_only=public_only)
    finally:
        process.close()
    result.incidents = process.incidents
    result.items = score(records, submission.notebooks, submission_signatures(cells))
    result.written = collect_written(submission)
    result.plots = check_plots(submission.files)
    result.seconds = time.perf_counter() - start
    return result


def submission_signatures(cells):
    """``{item name: problem}`` for the graded functions whose signature differs from the notebook's."""
    from autograder.grading.reference import load_reference
    from autograder.grading.signature import signature_problems
    names = {(it.part, it.function): it.name for it in load_items()}
    problems = {}
    for part, functions in part_functions().items():
        if part in cells:
            for function, problem in signature_problems(cells[part], load_reference(part), functions).items():
                problems[names[part, function]] = problem
    return problems


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_plots(files):
    """``{name: "ok" | problem}`` for every deliverable plot, looked up by file name among ``files``."""
    found = {f.stem: f for f in files if f.suffix.lower() == ".png"}
    plots = {}
    for name in deliverable_figures():
        path = found.get(name)
        if path is None:
            plots[name] = "not handed in"
            continue
        try:
            with open(path, "rb") as f:
                head = f.read(24)
        except OSError as exc:
            plots[name] = f"unreadable ({exc.strerror})"
            continue
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        plots[name] = "ok" if head[:8] == PNG_SIGNATURE and width > 0 and height > 0 else "not a PNG image"
    return plots


def mistake_message(key):
    """The catalogue's words for mistake ``key`` (the key itself if it is not catalogued)."""
    return load_mistakes().get(key, key.replace("_", " "))
