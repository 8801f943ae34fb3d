"""The batch engine: many submissions graded in parallel, each in its own grading process, none lost.

The ``grade`` command around it is :mod:`autograder.commands.grade`.
"""
import multiprocessing
import os
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.markscheme import part_functions
from autograder.worker.cleanup import locked, protect_grader
from autograder.worker.confinement import FULL, course_limits, describe, isolation_mode


def _grade_one(submission, limits):
    from autograder.grading.grade import grade_submission
    try:
        return grade_submission(submission, limits), _LOADED
    except Exception as exc:  # noqa: BLE001 - one submission never stops the class
        traceback.print_exc()
        return failed_result(submission, f"{type(exc).__name__}: {exc}"), _LOADED


def failed_result(submission, why):
    """The row of a submission the grader itself failed on: every item 0, and why."""
    from autograder.grading.grade import score
    from autograder.results.types import StudentResult
    from autograder.results.written import collect
    return StudentResult(submission.student, items=score([], {}), written=collect(submission), problems=[
        *submission.problems, f"the grader failed on this submission ({why[:500]}); it was not graded: "
        "tell your instructor"])


CHANGED = "COURSE FILES CHANGED"
_LOADED = {}  # the fingerprint of the course files when this grading process loaded the reference


def start_grader():
    """Prepare a grading process before it grades anyone: its memory closed to workers of its uid, and
    the reference of every part loaded (from the solutions as they are now, before any student code
    runs), with the fingerprint of what it loaded."""
    from autograder.grading.reference import load_reference
    protect_grader()
    _LOADED.update(fingerprint())
    for part in part_functions():
        load_reference(part)


def fingerprint():
    """``{file: sha256}`` of what decides the grades: the solutions, the grader and the support package."""
    import hashlib
    files = [*SOLUTIONS_DIR.glob("*.ipynb"), *(ROOT / "autograder").rglob("*.py"),
             *(ROOT / "autograder").rglob("*.toml"), *(NOTEBOOKS_DIR / "allab").rglob("*.py")]
    return {str(f.relative_to(ROOT)): hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(files)}


def changed_files(before, after):
    """The files whose fingerprint differs between ``before`` and ``after`` (added and removed too)."""
    return sorted(f for f in before.keys() | after.keys() if before.get(f) != after.get(f))


def grade_batch(submissions, jobs=None, limits=None, on_result=None, progress=True, notes=None):
    """Grade ``submissions`` with ``jobs`` grader processes; return the results in input order.

    ``on_result(result)`` is called as each student finishes, so that nothing graded is lost if
    the batch is interrupted. The course files are fingerprinted before and after; what changed (and
    how the workers were isolated) is appended to ``notes``, and printed.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    limits = course_limits() if limits is None else limits
    notes = [] if notes is None else notes
    mode = limits.mode or isolation_mode()
    notes.append(isolation_note(mode))
    if mode not in FULL:  # the terminal says it too: weaker than a fresh root, and why
        print(f"WARNING: {notes[-1]}", file=sys.stderr, flush=True)
    results, loaded = {}, []
    before = fingerprint()
    bar = _progress(len(submissions), progress)
    with locked(limits):
        if jobs == 1:
            start_grader()
            for sub in submissions:
                result, seen = _grade_one(sub, limits)
                loaded.append(seen)
                results[sub.student] = _finish(result, on_result, bar)
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=start_grader) as pool:
                futures = {pool.submit(_grade_one, sub, limits): sub for sub in submissions}
                for future in as_completed(futures):
                    try:
                        result, seen = future.result()
                        loaded.append(seen)
                    except Exception as exc:  # noqa: BLE001 - its grading process died (killed?)
                        result = failed_result(futures[future], f"the grading process died: {exc!r}")
                    results[result.student] = _finish(result, on_result, bar)
    bar.close()
    changed = sorted({f for seen in [*loaded, fingerprint()] for f in changed_files(before, seen)})
    if changed:
        notes.append(f"{CHANGED} DURING GRADING: {', '.join(changed)}. Some students may have been graded "
                     "against a changed reference: restore the files and grade again.")
        print(f"WARNING: {notes[-1]}", file=sys.stderr, flush=True)
    return [results[s.student] for s in submissions]


def _finish(result, on_result, bar):
    if on_result is not None:
        on_result(result)
    bar.update(1)
    return result


def _progress(total, enabled):
    from tqdm import tqdm
    return tqdm(total=total, unit="student", desc="grading", disable=not enabled or total < 2,
                file=sys.stderr)


def isolation_note(mode):
    """What the grading notes say about how student code was isolated, and why not better (``describe``)."""
    return f"student code: {describe(mode)}"
