"""The ``grade`` and ``check`` commands: many submissions in parallel, or one notebook's public checks."""
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .markscheme import part_functions
from .sandbox import course_limits
from .submissions import NO_NOTEBOOK, discover


class UsageError(Exception):
    """The grader cannot run with these arguments (exit code 2)."""


def _grade_one(submission, limits):
    from .grading import grade_submission
    return grade_submission(submission, limits)


def grade_batch(submissions, jobs=None, limits=None, on_result=None, progress=True):
    """Grade ``submissions`` with ``jobs`` grader processes; return the results in input order.

    ``on_result(result)`` is called as each student finishes, so that nothing graded is lost if
    the batch is interrupted.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    limits = course_limits() if limits is None else limits
    results = {}
    bar = _progress(len(submissions), progress)
    if jobs == 1:
        for sub in submissions:
            results[sub.student] = _finish(_grade_one(sub, limits), on_result, bar)
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_grade_one, sub, limits) for sub in submissions]
            for future in as_completed(futures):
                result = future.result()
                results[result.student] = _finish(result, on_result, bar)
    bar.close()
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


def grade_command(args):
    from .outputs import safe_name, summary_table, write_gradebook, write_mistakes, write_student
    try:
        submissions = discover(args.paths, part_functions(), exclude=Path(args.out))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    if not any(sub.notebooks or sub.problems != [NO_NOTEBOOK] for sub in submissions):
        raise UsageError(f"no submissions found under {' '.join(args.paths)}: no notebook (.ipynb) in them")
    out = prepare_output(args.out)
    folders, used = {}, set()
    for sub in submissions:
        name = safe_name(sub.student)
        while name in used:
            name += "_"
        used.add(name)
        folders[sub.student] = out / name
    start = time.perf_counter()
    limits = course_limits(extra_hidden=[*args.paths, out])  # no worker sees another student's files
    results = grade_batch(submissions, jobs=args.jobs, limits=limits,
                          on_result=lambda r: write_student(r, folders[r.student]))
    write_gradebook(results, out / "grades.csv")
    write_mistakes(results, out / "mistakes.csv")
    print(summary_table(results))
    print(f"Graded {len(results)} submission(s) in {time.perf_counter() - start:.1f} s; "
          f"gradebook: {out / 'grades.csv'}")
    return 0


def check_command(args):
    """Run the public checks of one notebook and print what passes and what to fix."""
    from .grading import grade_submission
    from .outputs import item_feedback
    path = Path(args.notebook)
    if not path.is_file():
        raise UsageError(f"no such notebook: {path}")
    sub = discover([path], part_functions())[0]
    result = grade_submission(sub, public_only=True)
    for problem in result.problems + result.incidents:
        print(f"! {problem}")
    graded = [(name, item) for name, item in result.items.items() if item["tests"]]
    if not graded:
        print(f"{path.name}: no graded function of the lab found")
        return 1
    for name, item in graded:
        ok = all(t.passed for t in item["tests"])
        print(f"{'✔' if ok else '✘'} {name}")
        for line in item_feedback(item):
            print(f"    {line}")
    return 0 if all(t.passed for _, item in graded for t in item["tests"]) else 1
