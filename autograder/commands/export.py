"""The ``export`` command: a graded class's output folder as Canvas's or Moodle's gradebook import takes it."""
from pathlib import Path

from autograder.commands import UsageError, usage_errors
from autograder.grading.store import StateError, finished, load_state, roster_lists
from autograder.results.export import missing_ids, write_export
from autograder.results.roster import describe


def export_command(args):
    """Write ``DIR/export-<target>.csv`` (or ``--out``); list the students the LMS will not match."""
    folder = Path(args.dir)
    with usage_errors(StateError):
        state = load_state(folder)
    if not state["students"]:
        raise UsageError(f"{folder} holds no graded class: run `python -m autograder grade ... --out {folder}` first")
    if args.roster:
        from autograder.commands.grade import _checked
        state["roster"] = _checked(args.roster, "roster")
    results, people = finished(state)
    rows = [dict(people[name], **_points(result)) for name, result in results.items()]
    _, missing = roster_lists(state)
    rows += [dict(row, required=None, extra_credit=None, late_penalty=None, total=None) for row in missing]
    path = Path(args.out) if args.out else folder / f"export-{args.to}.csv"
    with usage_errors(writing=path):
        write_export(rows, args.to, args.assignment, path)
    print(f"Wrote {path}: {len(results)} graded student(s) for {args.to}")
    unmatched = missing_ids(rows, args.to)
    if unmatched:
        print(f"- without the id {args.to} matches by ({len(unmatched)}; give a --roster with it): "
              f"{', '.join(unmatched)}")
    if missing:
        print(f"- on the roster with no submission ({len(missing)}, grade left empty): "
              f"{'; '.join(map(describe, missing))}")
    for name, result in results.items():
        for adjustment in result.adjustments:
            print(f"- {name}: {adjustment}")
    return 0


def _points(result):
    from autograder.results.outputs import points_apart
    return {**points_apart(result), "total": result.score, "adjustments": "; ".join(result.adjustments)}
