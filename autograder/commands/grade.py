"""The ``grade`` command (a class, or some of its students, into one output folder) and ``check`` (a student's
own check before uploading)."""
import dataclasses
import time
from pathlib import Path

from autograder.commands import UsageError, prepare_output, usage_errors
from autograder.grading.batch import CHANGED, fingerprint, grade_batch
from autograder.grading.layouts import LayoutError
from autograder.grading.store import (
    StateError,
    content_hash,
    course_hash,
    finished,
    load_state,
    record,
    roster_lists,
    save_state,
)
from autograder.grading.submissions import NO_NOTEBOOK, discover
from autograder.markscheme import part_functions
from autograder.worker.confinement import course_limits, isolation_mode, weaker_because


def grade_command(args):
    """Grade the submissions under ``args.paths`` into ``args.out`` (see the README's "Grading" section).

    Only submissions whose files (or the course files) changed since the folder last graded them are graded
    (all with ``--regrade-all``); the gradebook holds every student the folder remembers.
    """
    from autograder.results.outputs import student_folders, write_student
    from autograder.results.similarity import ANSWER_CODE, write_answer_code
    _require_isolation(args)
    out, notes = Path(args.out), []
    state = _load_state(out)
    submissions = _discover(args, out, notes, state)
    _refuse_a_gradebook_without_state(out, state, submissions)
    state["roster"] = _checked(args.roster, "roster") if args.roster else state["roster"]
    state["policy"] = _checked(args.policy, "policy") if args.policy else state["policy"]
    everyone = sorted(set(state["students"]) | {sub.student for sub in submissions})
    manual = _manual_scores(args.manual, everyone, out)  # all checked before anything is written
    out = prepare_output(out)
    state["manual"] = _merged(state["manual"], manual)
    course = course_hash(fingerprint())
    digests = {sub.student: content_hash(sub) for sub in submissions}
    todo = [sub for sub in submissions if args.regrade_all or _changed(state, sub, digests, course)]
    for sub in submissions:
        if sub not in todo:  # unchanged: keep its result, take what the layout tells now (times, ids)
            state["students"][sub.student].update(record(sub, state["students"][sub.student]["result"],
                                                         digests[sub.student]), course=course)
    folders = student_folders(everyone, out)
    by_name = {sub.student: sub for sub in todo}

    def keep(result):
        state["students"][result.student] = dict(record(by_name[result.student], result, digests[result.student]),
                                                 course=course)
        save_state(out, state, [result.student])  # as each finishes: an interrupted batch loses no one graded
        write_student(finished(_only(state, result.student))[0][result.student], folders[result.student])

    start = time.perf_counter()
    if todo:
        limits = course_limits(extra_hidden=[*args.paths, out])  # no worker sees another student's files
        if args.submission_seconds:
            limits = dataclasses.replace(limits, submission_seconds=args.submission_seconds)
        grade_batch(todo, jobs=args.jobs, limits=limits, notes=notes, on_result=keep)
    save_state(out, state)
    notes += _class_notes(state, submissions, folders, out)
    results = _write_class(state, folders, notes, out)
    write_answer_code(submissions, out / ANSWER_CODE, everyone=results)  # for `similarity`
    _print_run(results, submissions, notes, len(todo), time.perf_counter() - start, out)
    if manual:
        print(f"Merged {len(manual)} written score(s) from {args.manual}")
    elif any(r.pending for r in results.values()):
        print(f"Written answers to grade: `python -m autograder answers {out}`, then "
              f"`grade ... --out {out} --manual {out / 'answers' / 'scores.csv'}`")
    return 3 if any(n.startswith(CHANGED) for n in notes) else 0


def _write_class(state, folders, notes, out):
    """Write every output of the class ``state`` remembers into ``out``; return ``{student: result}``."""
    from autograder.results.outputs import write_answers, write_gradebook, write_mistakes, write_notes, write_student
    results, people = finished(state)
    for name, result in results.items():
        write_student(result, folders[name])
    write_gradebook(list(results.values()), out / "grades.csv", people)
    write_answers(list(results.values()), out / "written_answers.json")
    write_mistakes(list(results.values()), out / "mistakes.csv")
    write_notes(notes, out / "grading-notes.md")
    return results


def _print_run(results, submissions, notes, graded, seconds, out):
    """The table of this run's students, the notes, and what was graded and kept."""
    from autograder.results.outputs import summary_table
    print(summary_table([results[sub.student] for sub in submissions]))
    for note in notes:
        print(f"- {note}")
    kept = len(submissions) - graded
    print(f"Graded {graded} submission(s) in {seconds:.1f} s"
          + (f"; {kept} unchanged since they were graded (kept; --regrade-all grades them again)" if kept else "")
          + f". Gradebook ({len(results)} students): {out / 'grades.csv'}, notes: {out / 'grading-notes.md'}")


def _require_isolation(args):
    mode = isolation_mode()
    if args.require_isolation and mode == "none":
        raise UsageError(f"--require-isolation: this grader cannot isolate student code ({weaker_because(mode)}); "
                         "grade as root (in a container) or where unprivileged user namespaces or Landlock are allowed")


def _discover(args, out, notes, state):
    """The submissions to grade (a UsageError, before anything is written, when there are none or the
    layout is ambiguous). Paths named as students the output folder knows are those students' folders,
    whatever their layout looks like (notebooks in a sub-folder make a folder look like a class)."""
    layout = args.layout
    if layout is None and all(Path(p).is_dir() and Path(p).name in state["students"] for p in args.paths):
        layout = "student"
    try:
        submissions = discover(args.paths, part_functions(), exclude=out, layout=layout, notes=notes)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    except LayoutError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot read the submissions: {exc}") from exc
    if not any(sub.notebooks or sub.problems != [NO_NOTEBOOK] for sub in submissions):
        raise UsageError(f"no submissions found under {' '.join(args.paths)}: no notebook (.ipynb) in them")
    return submissions


def _load_state(out):
    with usage_errors(StateError):
        return load_state(out)


def _refuse_a_gradebook_without_state(out, state, submissions):
    """Refuse to replace a gradebook the folder has no state of (an older grader's) by fewer students."""
    import csv
    if state["students"] or not (out / "grades.csv").is_file():
        return
    try:
        with open(out / "grades.csv", newline="", encoding="utf-8") as f:
            before = {row.get("student") for row in csv.DictReader(f)}
    except (OSError, UnicodeDecodeError, csv.Error):
        before = set()
    lost = sorted(s for s in before - {sub.student for sub in submissions} if s)
    if lost:
        raise UsageError(f"{out / 'grades.csv'} has students these submissions do not ({', '.join(lost[:10])}"
                         f"{' ...' if len(lost) > 10 else ''}) and no grading state to keep their rows (an older "
                         "grader wrote it): grade the whole class into it, or into a new folder; nothing was written")


def _checked(path, kind):
    """The roster's rows or the policy's text at ``path``, checked (a UsageError naming what is wrong)."""
    from autograder.results.policy import PolicyError, read_policy
    from autograder.results.roster import RosterError, read_roster
    try:
        return read_roster(path) if kind == "roster" else read_policy(path)
    except (RosterError, PolicyError) as exc:
        raise UsageError(f"{exc}; nothing was graded or written") from exc


def _changed(state, submission, digests, course):
    """Whether ``submission`` must be graded: new, its files changed, or graded with other course files."""
    kept = state["students"].get(submission.student)
    return kept is None or kept["hash"] != digests[submission.student] or kept.get("course") != course


def _only(state, student):
    return dict(state, students={student: state["students"][student]})


def _merged(kept, manual):
    """The TAs' scores the folder keeps, updated with ``manual`` (``{(student, item): (score, comment)}``)."""
    scores = {(s, item): (score, comment) for s, item, score, comment in kept}
    scores.update(manual)
    return [[s, item, score, comment] for (s, item), (score, comment) in sorted(scores.items())]


def _class_notes(state, submissions, folders, out):
    """What the TA should know about the class as a whole: rows kept from earlier runs, folders no student
    owns, who is not on the roster and who on it handed in nothing."""
    from autograder.results.outputs import RESERVED_NAMES
    from autograder.results.roster import describe
    notes = []
    earlier = sorted(set(state["students"]) - {sub.student for sub in submissions})
    if earlier:
        notes.append(f"{len(earlier)} student(s) in the gradebook are not among these submissions; their rows are "
                     f"kept as graded earlier: {', '.join(earlier)}")
    owned = {f.name for f in folders.values()} | set(RESERVED_NAMES)
    stale = sorted(p.name for p in out.iterdir() if p.is_dir() and p.name not in owned and not p.name.startswith("."))
    if stale:
        notes.append(f"folder(s) in {out} of no student in the gradebook (left from an earlier run?): "
                     f"{', '.join(stale)}")
    unmatched, missing = roster_lists(state)
    if unmatched:
        notes.append(f"not on the roster ({len(unmatched)}): {', '.join(unmatched)}")
    if missing:
        notes.append(f"on the roster with no submission ({len(missing)}): {'; '.join(map(describe, missing))}")
    return notes


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
