"""The ``grade`` and ``check`` commands: many submissions in parallel, or one notebook's public checks."""
import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.markscheme import part_functions
from autograder.worker.cleanup import locked, protect_grader
from autograder.worker.confinement import FULL, course_limits, describe, isolation_mode, weaker_because
from autograder.grading.submissions import NO_NOTEBOOK, discover


class UsageError(Exception):
    """The grader cannot run with these arguments (exit code 2)."""


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


def prepare_output(out):
    """Create the output folder and make sure it is writable, or raise :class:`UsageError`."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to the output folder {out}: {exc.strerror or exc}") from exc
    return out


def isolation_note(mode):
    """What the grading notes say about how student code was isolated, and why not better (``describe``)."""
    return f"student code: {describe(mode)}"


def grade_command(args):
    from autograder.results.outputs import (student_folders, summary_table, write_answers, write_gradebook,
                                            write_mistakes, write_notes, write_student)
    from autograder.results.similarity import ANSWER_CODE, write_answer_code
    mode = isolation_mode()
    if args.require_isolation and mode == "none":
        raise UsageError(f"--require-isolation: this grader cannot isolate student code ({weaker_because(mode)}); "
                         "grade as root (in a container) or where unprivileged user namespaces or Landlock are allowed")
    try:
        submissions = discover(args.paths, part_functions(), exclude=Path(args.out))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot read the submissions: {exc}") from exc
    if not any(sub.notebooks or sub.problems != [NO_NOTEBOOK] for sub in submissions):
        raise UsageError(f"no submissions found under {' '.join(args.paths)}: no notebook (.ipynb) in them")
    manual = _manual_scores(args.manual, [sub.student for sub in submissions], args.out)  # before anything is written
    out = prepare_output(args.out)
    folders = student_folders([sub.student for sub in submissions], out)
    notes = []
    start = time.perf_counter()
    limits = course_limits(extra_hidden=[*args.paths, out])  # no worker sees another student's files
    results = grade_batch(submissions, jobs=args.jobs, limits=limits, notes=notes,
                          on_result=lambda r: write_student(_with_manual(r, manual), folders[r.student]))
    write_gradebook(results, out / "grades.csv")
    write_answers(results, out / "written_answers.json")
    write_notes(notes, out / "grading-notes.md")
    write_mistakes(results, out / "mistakes.csv")
    write_answer_code(submissions, out / ANSWER_CODE)  # for `similarity`
    print(summary_table(results))
    print(f"Graded {len(results)} submission(s) in {time.perf_counter() - start:.1f} s; "
          f"gradebook: {out / 'grades.csv'}, notes: {out / 'grading-notes.md'}")
    if manual:
        print(f"Merged {len(manual)} written score(s) from {args.manual}")
    elif any(r.pending for r in results):
        print(f"Written answers to grade: `python -m autograder answers {out}`, then "
              f"`grade ... --out {out} --manual {out / 'answers' / 'scores.csv'}`")
    return 3 if any(n.startswith(CHANGED) for n in notes) else 0


def _manual_scores(path, students, out):
    """The TA's written scores from the CSV at ``path`` (``{}`` without one; pseudonyms by the key in ``out``);
    a bad CSV is a UsageError."""
    from autograder.results.written import ManualError, pseudonym_key, read_manual
    if path is None:
        return {}
    try:
        return read_manual(path, students, pseudonym_key(out))
    except (ManualError, ValueError) as exc:
        raise UsageError(f"{exc}; nothing was graded or written") from exc


def _with_manual(result, manual):
    from autograder.results.written import apply_manual
    apply_manual(result, manual)
    return result


def check_command(args):
    """A folder: the pre-upload check (:mod:`autograder.grading.handin`). A notebook: its public checks, what passes
    and what to fix."""
    from autograder.grading.grade import grade_submission
    from autograder.results.outputs import item_feedback
    path = Path(args.notebook)
    if path.is_dir():
        from autograder.grading.handin import check_folder, print_report
        report = check_folder(path)
        print_report(report, path)
        return 0 if report.ready else 1
    if not path.is_file():
        raise UsageError(f"no such notebook or folder: {path}")
    sub = discover([path], part_functions())[0]
    result = grade_submission(sub, public_only=True)
    for problem in result.problems + result.incidents:
        print(f"! {problem}")
    graded = [(name, item) for name, item in result.items.items() if item.tests]
    if not graded:
        print(f"{path.name}: no graded function of the lab found")
        return 1
    for name, item in graded:
        ok = all(t.passed for t in item.tests)
        print(f"{'✔' if ok else '✘'} {name}")
        for line in item_feedback(item):
            print(f"    {line}")
    return 0 if all(t.passed for _, item in graded for t in item.tests) else 1
