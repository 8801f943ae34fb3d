"""Grading one submission: load its code into a worker, run the checks, score the items."""
import dataclasses
import time

from autograder.grading.client import StudentProcess
from autograder.grading.judge import submission_budget
from autograder.grading.runner import check_rules, run_checks
from autograder.grading.sandbox import course_limits
from autograder.markscheme import deliverable_figures, load_items, part_functions
from autograder.results.types import ItemResult, StudentResult
from autograder.results.written import collect as collect_written
from autograder.scoring import diagnose, item_score


def score(records, parts, signatures=None):
    """``{item name: ItemResult}``: scores by the checks' rules (0 for parts not handed in, or when a core
    check failed), what each failed check cost and the item's one diagnosis (see :mod:`autograder.scoring`).

    ``signatures`` is ``{item name: what is wrong with the function's signature}``.
    """
    signatures = signatures or {}
    rules = check_rules()
    result = {}
    for it in load_items():
        tests = [r for r in records if r.item == it.name]
        points, costs = item_score(tests, rules[it.name], it.points)
        signature = signatures.get(it.name, "")
        result[it.name] = ItemResult(points, it.points, it.title, tuple(tests), tuple(costs), it.part in parts,
                                     signature, diagnose(tests, rules[it.name], signature))
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

