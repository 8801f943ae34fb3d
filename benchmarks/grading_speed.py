"""Grading throughput: our grader against `nbgrader autograde`, on the same copies of a full submission.

    .venv/bin/python benchmarks/grading_speed.py [--copies N] [--jobs J] [--skip-nbgrader]

Makes N copies of the reference submission (every part), grades them with `python -m autograder grade
--jobs J`, then with nbgrader (generate_assignment once, then one `nbgrader autograde` of all N), and prints
seconds per submission for both and the ratio. Each tool runs cold, as a TA would start it.
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
sys.path[:0] = [str(ROOT), str(ROOT / "notebooks")]
from autograder import NOTEBOOKS_DIR, PARTS, SOLUTIONS_DIR  # noqa: E402


def timed(cmd, **kwargs):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def ours(work, copies, jobs):
    klass = work / "ours"
    for i in range(copies):
        shutil.copytree(SOLUTIONS_DIR, klass / f"student{i:03d}", ignore=shutil.ignore_patterns("allab", "figures",
                                                                                                 "results"))
    return timed([sys.executable, "-m", "autograder", "grade", klass, "--out", work / "ours-out", "--jobs", str(jobs)],
                 cwd=ROOT)


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
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"{args.copies} copies of a full submission ({len(PARTS)} notebooks), {os.cpu_count()} cores")
        ours_seconds = ours(work, args.copies, args.jobs)
        print(f"ours     (--jobs {args.jobs}): {ours_seconds:7.1f} s, {ours_seconds / args.copies:6.2f} s per submission")
        if not args.skip_nbgrader:
            nb_seconds = nbgrader(work, args.copies)
            print(f"nbgrader autograde: {nb_seconds:7.1f} s, {nb_seconds / args.copies:6.2f} s per submission")
            print(f"ratio: ours grades {nb_seconds / ours_seconds:.1f}x as many submissions per second")
        print(f"projected for 200 students: {200 * ours_seconds / args.copies / 60:.1f} min (ours)")


if __name__ == "__main__":
    main()
