"""``python -m autograder COMMAND``: the instructor's command line."""
import argparse
import importlib
import sys

from autograder import PARTS
from autograder.grading.layouts import LAYOUTS


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="generate the student notebooks (notebooks/) from solutions/")
    p.add_argument("--check", action="store_true", help="only report whether notebooks/ is up to date")

    p = sub.add_parser("handout", help="build the zip students get: notebooks, allab, README, requirements")
    p.add_argument("--out", default="build/handout.zip", help="the zip to write (default: build/handout.zip)")

    p = sub.add_parser("lab", help="execute the reference notebooks and summarise the results")
    p.add_argument("--out", default="build/lab", help="output folder (default: build/lab)")
    p.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default: 2)")
    p.add_argument("--parts", nargs="+", choices=PARTS, default=PARTS, metavar="PART",
                   help="only these notebooks (default: all)")

    p = sub.add_parser("grade", help="grade submissions: gradebook, results.json and feedback per student")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="a student's folder, a notebook, or a class: a folder per student, nbgrader's course, "
                        "a Canvas, Moodle or Gradescope download")
    p.add_argument("--layout", choices=LAYOUTS, default=None,
                   help="the class's layout (default: recognised from its file and folder names)")
    p.add_argument("--roster", metavar="FILE.csv", default=None,
                   help="the class list (student, name, email, id, ...; a Canvas gradebook export works): ids "
                        "for the gradebook and the export; who handed in nothing is listed")
    p.add_argument("--policy", metavar="FILE.toml", default=None,
                   help="the course policy: due date, late rule, extensions, per-student overrides")
    p.add_argument("--regrade-all", action="store_true",
                   help="grade every submission again, even those unchanged since the output folder graded them")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--jobs", type=int, default=None, help="parallel graders (default: number of cores)")
    p.add_argument("--manual", metavar="FILE.csv", default=None,
                   help="TAs' scores of the written answers (the CSV `answers` writes) to fold in")
    p.add_argument("--require-isolation", action="store_true",
                   help="refuse to grade (exit 2) where student code cannot be isolated from the grader")
    p.add_argument("--submission-seconds", type=_seconds, default=None, metavar="S",
                   help="the most time all of one submission's calls may take (default: 300; a fast machine "
                        "gives less, never under 60 s unless S is lower)")

    p = sub.add_parser("answers", help="after `grade`: a page per written question with every answer, "
                                       "the reference and the rubric, and a CSV for the TAs' scores")
    p.add_argument("dir", metavar="DIR", help="an output folder of `grade` (holding written_answers.json)")
    p.add_argument("--anonymous", action="store_true",
                   help="show pseudonyms (anon-xxxxxxxx) instead of student names, in the pages and the CSV")

    p = sub.add_parser("similarity", help="after `grade`: the pairs of students whose answers to a graded function "
                                          "are unusually alike, side by side (evidence to read, not a verdict)")
    p.add_argument("dir", metavar="DIR", help="an output folder of `grade` (holding answer_code.json)")
    p.add_argument("--anonymous", action="store_true",
                   help="show pseudonyms (as `answers --anonymous` does) instead of student names")

    p = sub.add_parser("check", help="a student's check before uploading: a folder (what is missing, "
                                     "stubs, public checks, written answers, plots) or one notebook's public checks")
    p.add_argument("notebook", metavar="FOLDER_OR_NOTEBOOK")

    p = sub.add_parser("gradescope", help="build the Gradescope autograder zip (setup.sh, run_autograder, grader)")
    p.add_argument("--out", default="build/autograder.zip", help="the zip to write (default: build/autograder.zip)")
    p.add_argument("--run", action="store_true",
                   help="inside the bundle (what run_autograder calls): grade $AUTOGRADER_ROOT/submission "
                        "and write $AUTOGRADER_ROOT/results/results.json")

    p = sub.add_parser("export", help="after `grade`: the gradebook as Canvas's or Moodle's grade import takes it")
    p.add_argument("dir", metavar="DIR", help="an output folder of `grade`")
    p.add_argument("--to", choices=("canvas", "moodle", "csv"), required=True, help="the gradebook to import into")
    p.add_argument("--assignment", default="Active Learning Lab",
                   help="the assignment's column (default: %(default)s; for Canvas, \"Name (id)\" matches an "
                        "existing assignment)")
    p.add_argument("--roster", metavar="FILE.csv", default=None, help="a roster to take the ids from instead")
    p.add_argument("--out", default=None, help="the CSV to write (default: DIR/export-<target>.csv)")

    p = sub.add_parser("report", help="the instructor's view of a graded batch: items by pass rate, score spread")
    p.add_argument("dir", metavar="DIR", help="an output folder of `grade` (holding grades.csv)")
    return parser


def _seconds(text):
    """``--submission-seconds``: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0 (e.g. 120)")
    return value


# Each command's module is imported only when it runs: `release` needs no scikit-learn, `grade` no nbgrader.
COMMANDS = {
    "release": ("autograder.authoring.release", "main"),
    "handout": ("autograder.authoring.handout", "main"),
    "lab": ("autograder.authoring.lab", "main"),
    "gradescope": ("autograder.commands.gradescope", "main"),
    "report": ("autograder.commands.report", "report_command"),
    "answers": ("autograder.commands.answers", "answers_command"),
    "similarity": ("autograder.commands.similarity", "similarity_command"),
    "grade": ("autograder.commands.grade", "grade_command"),
    "check": ("autograder.commands.grade", "check_command"),
    "export": ("autograder.commands.export", "export_command"),
}


def main(argv=None):
    args = build_parser().parse_args(argv)
    module, function = COMMANDS[args.command]
    from autograder.commands import UsageError
    try:
        return getattr(importlib.import_module(module), function)(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
