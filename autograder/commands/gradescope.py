"""``python -m autograder gradescope``: build the Gradescope bundle, or (``--run``, what the bundle's
``run_autograder`` calls) grade ``$AUTOGRADER_ROOT/submission`` as one student and write
``$AUTOGRADER_ROOT/results/results.json``.

The bundle and results.json are :mod:`autograder.results.gradescope`'s; grading is the pipeline's
(:mod:`autograder.grading`). Grading never leaves Gradescope without a results.json: if it fails entirely,
the results say so with score 0.
"""
import os
import sys
import time
import traceback
from pathlib import Path

from autograder.commands import usage_errors
from autograder.results.gradescope import (
    DEFAULT_ROOT,
    STUDENT,
    build_bundle,
    failure_results,
    mark_not_attempted,
    write_results,
)


def not_attempted(submission):
    """The extra-credit items ``submission`` did not attempt: their part was not handed in, or their function
    is still the hand-out's stub."""
    from autograder.grading.grade import submission_stubs
    from autograder.markscheme import load_items
    stubs = submission_stubs({part: nb.code_cells for part, nb in submission.notebooks.items()})
    return {it.name for it in load_items()
            if it.extra and (it.part not in submission.notebooks or it.name in stubs)}


def grade_root(root):
    """Grade ``root/submission`` as one student; return the results.json dict (never raises)."""
    start = time.perf_counter()
    try:
        from autograder.grading.batch import grade_batch
        from autograder.grading.submissions import gather
        from autograder.markscheme import part_functions
        from autograder.results.outputs import feedback_markdown, results_json
        from autograder.worker.confinement import course_limits
        folder = Path(root) / "submission"
        if not folder.is_dir():
            return failure_results(f"there is no submission folder ({folder})", time.perf_counter() - start)
        submission = gather(STUDENT, folder, part_functions())
        # As in `grade`: the worker sees neither the submission's files nor where the results go.
        limits = course_limits(extra_hidden=[folder, Path(root) / "results"])
        [result] = grade_batch([submission], jobs=1, limits=limits, progress=False)
        data = results_json(result, written=False)  # TAs grade those in Gradescope's outline (README)
        mark_not_attempted(data, not_attempted(submission))
    except BaseException as exc:  # noqa: BLE001 - whatever happened, Gradescope gets a result
        if isinstance(exc, KeyboardInterrupt):
            raise
        traceback.print_exc()
        return failure_results(f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    try:
        print(feedback_markdown(result), flush=True)  # the run's stdout: instructors only (stdout_visibility)
    except Exception:  # noqa: BLE001 - the log is a courtesy; the result is what matters
        traceback.print_exc()
    return data


def run(root=None):
    """What ``run_autograder`` calls: grade ``$AUTOGRADER_ROOT/submission``, write results.json."""
    root = Path(root or os.environ.get("AUTOGRADER_ROOT") or DEFAULT_ROOT)
    path = write_results(grade_root(root), root)
    print(f"results: {path}", file=sys.stderr)
    return 0


def main(args):
    if args.run:
        return run()
    with usage_errors(writing=args.out):
        names = build_bundle(args.out)
    print(f"Wrote {args.out}: setup.sh, run_autograder and {len(names) - 2} grader files. Upload it as the "
          "autograder of a Gradescope programming assignment (zip file upload).")
    return 0
