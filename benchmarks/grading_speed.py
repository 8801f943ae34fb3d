"""Grading throughput: our grader against `nbgrader autograde`, on the same copies of a full submission.

    .venv/bin/python benchmarks/grading_speed.py [--copies N] [--jobs J] [--skip-nbgrader] [--baseline DIR]

Makes N copies of the reference submission (every part), grades them with `python -m autograder grade
--jobs J`, then with nbgrader (generate_assignment once, then one `nbgrader autograde` of all N), and prints
seconds per submission for both and the ratio. Each tool runs cold, as a TA would start it. Last, it grades
one copy alone, to project a class of 200 from the start-up and the cost of each further submission.

With ``--baseline DIR`` (another checkout of this repository, e.g. ``git worktree add /tmp/before HEAD~5``)
it also grades the same copies with that checkout's grader (run by its own ``.venv`` where it has one),
alternating the two ``--rounds`` times, and prints both per-submission figures and the change: before and
after, measured in one run.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from autograder import NOTEBOOKS_DIR, PARTS, SOLUTIONS_DIR  # noqa: E402


def timed(cmd, **kwargs):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def ours(work, copies, jobs, checkout=ROOT):
    """Seconds for ``checkout``'s grader (this one by default) to grade ``copies`` full submissions (copies
    of that checkout's own solutions, so each grader gets submissions written for it)."""
    klass = work / f"class-{copies}-{Path(checkout).resolve().name}"
    if not klass.exists():
        for i in range(copies):
            shutil.copytree(Path(checkout) / "solutions", klass / f"student{i:03d}",
                            ignore=shutil.ignore_patterns("allab", "figures", "results"))
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    return timed([checkout_python(checkout), "-m", "autograder", "grade", klass, "--out", out, "--jobs", str(jobs)],
                 cwd=checkout, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})


def checkout_python(checkout):
    """The Python of ``checkout``'s own venv (its grader wants its own ``allab`` installed), else this one."""
    own = Path(checkout) / ".venv" / "bin" / "python"
    return str(own) if Path(checkout).resolve() != ROOT.resolve() and own.exists() else sys.executable


def compare(work, copies, jobs, baseline, rounds):
    """Alternate this grader and the ``baseline`` checkout's on the same copies; print both and the change.

    Each round times both on all the copies and on one copy (the start-up), so that a machine whose speed
    drifts during the run slows both alike."""
    checkouts = {"baseline": baseline, "this": ROOT}
    times = {name: [] for name in checkouts}
    alone = {name: [] for name in checkouts}
    for _ in range(rounds):
        for name, checkout in checkouts.items():
            times[name].append(ours(work, copies, jobs, checkout=checkout))
            if copies > 1:  # the start-up is paid once per run: what does each further submission cost?
                alone[name].append(ours(work, 1, jobs, checkout=checkout))
    for name, values in times.items():
        print(f"{name:>8} ({Path(checkouts[name]).resolve()}): "
              + ", ".join(f"{v:.1f} s" for v in values)
              + f"; best {min(values) / copies:.2f} s per submission")
    change = 100 * (min(times["this"]) / min(times["baseline"]) - 1)
    print(f"change: {change:+.0f}% (best of {rounds} against best of {rounds})")
    if copies > 1:
        each = {}
        for name in checkouts:
            start_up = min(alone[name])
            each[name] = max(0.0, min(times[name]) - start_up) / (copies - 1)
            print(f"{name:>8}: one submission {start_up:.1f} s (best of {rounds}); each further {each[name]:.2f} s")
        if each["baseline"] > 0:
            print(f"change per further submission: {100 * (each['this'] / each['baseline'] - 1):+.0f}%")


def nbgrader(work, copies):
    course = work / "nbgrader"
    (course / "source").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(SOLUTIONS_DIR, course / "source" / "lab", ignore=shutil.ignore_patterns("allab", "figures",
                                                                                              "results"))
    env = dict(os.environ, PYTHONPATH=str(NOTEBOOKS_DIR),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    nbgrader_cmd = [sys.executable, "-m", "nbgrader"]
    timed([*nbgrader_cmd, "generate_assignment", "lab", "--force"], cwd=course, env=env)
    for i in range(copies):
        shutil.copytree(course / "source" / "lab", course / "submitted" / f"student{i:03d}" / "lab")
    return timed([*nbgrader_cmd, "autograde", "lab", "--force"], cwd=course, env=env)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=4, help="submissions to grade (default: 4)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="our grader's --jobs (default: cores)")
    parser.add_argument("--skip-nbgrader", action="store_true", help="time only our grader")
    parser.add_argument("--baseline", metavar="DIR", help="another checkout whose grader to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="alternations with --baseline (default: 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"{args.copies} copies of a full submission ({len(PARTS)} notebooks), {os.cpu_count()} cores")
        if args.baseline:
            compare(work, args.copies, args.jobs, args.baseline, args.rounds)
            return
        ours_seconds = ours(work, args.copies, args.jobs)
        each = ours_seconds / args.copies
        print(f"ours     (--jobs {args.jobs}): {ours_seconds:7.1f} s, {each:6.2f} s per submission")
        if not args.skip_nbgrader:
            nb_seconds = nbgrader(work, args.copies)
            print(f"nbgrader autograde: {nb_seconds:7.1f} s, {nb_seconds / args.copies:6.2f} s per submission")
            print(f"ratio: ours grades {nb_seconds / ours_seconds:.1f}x as many submissions per second")
        if args.copies > 1:
            # The start-up (imports, fork servers, reference results) is paid once per run, not per student:
            # time it alone, and project a class from the start-up plus what each further student costs.
            start_up = ours(work, 1, args.jobs)
            each = max(0.0, ours_seconds - start_up) / (args.copies - 1)
            print(f"ours, one submission: {start_up:.1f} s; each further submission: {each:.2f} s")
            print(f"projected for 200 students: {(start_up + 199 * each) / 60:.1f} min (ours)")


if __name__ == "__main__":
    main()
