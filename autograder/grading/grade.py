"""Grading one submission: load its code into a worker, run the checks, score the items."""
import dataclasses
import functools
import time
import warnings

from autograder.grading.runner import check_rules, run_checks
from autograder.markscheme import deliverable_figures, load_items, part_functions
from autograder.results.types import ItemResult, StudentResult
from autograder.results.written import collect as collect_written
from autograder.scoring import STUB, diagnose, item_score
from autograder.worker.client import StudentProcess
from autograder.worker.confinement import course_limits
from autograder.worker.limits import Limits


def score(records, parts, signatures=None, stubs=()):
    """``{item name: ItemResult}``: scores by the checks' rules (0 for parts not handed in, or when a core
    check failed), what each failed check cost and the item's one diagnosis (see :mod:`autograder.scoring`).

    ``signatures`` is ``{item name: what is wrong with the function's signature}``; ``stubs`` the items still at
    the release's stub, diagnosed "not written yet" (``STUB``), never a mistake.
    """
    signatures = signatures or {}
    rules = check_rules()
    result = {}
    for it in load_items():
        tests = [r for r in records if r.item == it.name]
        points, costs = item_score(tests, rules[it.name], it.points)
        signature = signatures.get(it.name, "")
        mistake = STUB if it.name in stubs and tests else diagnose(tests, rules[it.name], signature)
        result[it.name] = ItemResult(points, it.points, it.title, tuple(tests), tuple(costs), it.part in parts,
                                     signature, mistake)
    return result


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
        for report in process.load().values():
            result.problems.extend(report["problems"])
        records = run_checks(process, list(submission.notebooks), public_only=public_only)
    finally:
        process.close()
    result.incidents = process.incidents
    result.items = score(records, submission.notebooks, submission_signatures(cells), submission_stubs(cells))
    result.written = collect_written(submission)
    result.plots = check_plots(submission.files)
    result.seconds = time.perf_counter() - start
    return result


def submission_stubs(cells):
    """The items whose graded function is still the release's stub (its last definition, as in a kernel)."""
    from allab.definitions import still_stub
    return {it.name for it in load_items() if still_stub(cells.get(it.part, []), it.function)}


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


def check_plots(files):
    """``{name: "ok" | problem}`` for every deliverable plot, looked up by file name among ``files`` (each read as
    the students' pre-upload check reads it)."""
    from allab.check import plot_problem
    found = {f.stem: f for f in files if f.suffix.lower() == ".png"}
    return {name: "not handed in" if name not in found else plot_problem(found[name]) or "ok"
            for name in deliverable_figures()}


@functools.lru_cache(maxsize=None)
def reference_pace() -> float:
    """Seconds the reference takes for one standard task here and now (Part 1's loop, three rounds on
    the public check's data, in this process), measured once per grading process: a budget's unit."""
    from allab.checks import loop_data
    from autograder.grading.reference import load_reference
    loop, data = load_reference("part1_basics")["active_learning_loop"], loop_data()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loop(*data, 3, 5, verbose=False)
    return time.perf_counter() - start


def submission_budget(limits: Limits, factor: float = 1000, floor: float = 60.0) -> float:
    """Seconds a whole submission's calls may take: ``factor`` times :func:`reference_pace` (a complete
    submission needs about 15 of those), at least ``floor`` (the machine may get busier later), at most
    the limits' own."""
    return min(limits.submission_seconds, max(floor, factor * reference_pace()))
