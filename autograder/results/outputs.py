"""What grading writes: the gradebook, Gradescope's results.json and each student's feedback."""
import csv
import json
import re

from autograder.markscheme import gradebook_items, load_items
from autograder.results.gradebook import INFO_COLUMNS
from autograder.results.types import WrittenResult
from autograder.scoring import SIGNATURE, STUB, UNCOMMON, mistake_message, points_text

# What grading and `report` write at the top of the output folder: no student's folder may be named so.
RESERVED_NAMES = ("grades.csv", "grading-notes.md", "mistakes.csv", "written_answers.json", "answers", "report.md",
                  "report.png", "results.json", "answer_code.json", "similarity")


def safe_name(student):
    """A folder name for ``student`` that cannot escape the output folder."""
    name = re.sub(r"[^A-Za-z0-9._@-]+", "_", student).strip("._") or "student"
    return name[:100]


def student_folders(students, out):
    """``{student: folder}`` under ``out``: safe (:func:`safe_name`), unique even where case does not
    count (macOS, Windows), and never one of the :data:`RESERVED_NAMES`."""
    folders, used = {}, {n.casefold() for n in RESERVED_NAMES}
    for student in students:
        name = safe_name(student)
        while name.casefold() in used:
            name += "_"
        used.add(name.casefold())
        folders[student] = out / name
    return folders


def write_gradebook(results, path, people=None):
    """``grades.csv``: one row per student: student, score, max_score, one column per item, then
    :data:`~autograder.results.gradebook.INFO_COLUMNS`.

    A written answer no TA has scored yet is an empty cell. ``score`` includes extra credit and is less any
    late penalty; ``max_score`` leaves extra credit out, so a score may be above it. ``required`` and
    ``extra_credit`` are the points before the penalty. ``people`` (``{student: {"id", "name", "email",
    "submitted_at"}}``, from the roster and the layout) fills the last columns.
    """
    names = [it.name for it in gradebook_items()]
    people = people or {}
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "score", "max_score", *names, *INFO_COLUMNS])
        for r in results:
            entries = r.all_items()
            person = people.get(r.student, {})
            writer.writerow([r.student, points_text(r.score), points_text(r.max_score),
                             *("" if n not in entries or entries[n].score is None else points_text(entries[n].score)
                               for n in names),
                             *map(points_text, points_apart(r).values()), "; ".join(r.adjustments),
                             *(person.get(k) or "" for k in ("id", "name", "email", "submitted_at"))])


def points_apart(result):
    """``{"required", "extra_credit", "late_penalty"}`` of ``result``: the points before the penalty."""
    extra = result.points(False, extra=True) + result.points(True, extra=True)
    required = result.points(False, extra=False) + result.points(True, extra=False)
    return {"required": round(required, 2), "extra_credit": round(extra, 2), "late_penalty": result.penalty}


def write_notes(notes, path):
    """``grading-notes.md``: how the batch was graded (isolation of student code, warnings)."""
    path.write_text("# Grading notes\n\n" + "".join(f"- {n}\n" for n in notes), encoding="utf-8")


MISTAKES_HEADER = ["student", "item", "mistake"]


def write_mistakes(results, path):
    """``mistakes.csv``: one row per student and item with a diagnosed mistake (a catalogue key), for
    ``report``'s table of the class's common mistakes (a function not written yet is not a mistake)."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(MISTAKES_HEADER)
        for r in results:
            for name, item in r.items.items():
                if item.mistake and item.mistake != STUB:
                    writer.writerow([r.student, name, item.mistake])


def item_feedback(item):
    """The lines of feedback for one :class:`~autograder.results.types.ItemResult`: what failed and what it
    cost, then its one likely mistake."""
    if not item.submitted:
        return ["- not graded: no readable notebook of this part was found in the submission"]
    costs = item.costs or [None] * len(item.tests)
    signature = item.signature
    lines = []
    for test, cost in zip(item.tests, costs, strict=True):
        if test.passed:
            continue
        raised = "" if signature and "TypeError" in test.raised else test.raised
        if not test.hidden:
            message = test.message if not (signature and "TypeError" in test.message) else ""
            lines.append(f"- {test.title}{_cost(cost)}: {message or raised or 'failed'}")
        elif raised:
            lines.append(f"- hidden check '{test.title}' failed{_cost(cost)}: {raised}")
        else:
            lines.append(f"- hidden check '{test.title}' failed{_cost(cost)}")
    diagnosis = likely_mistake(item)
    if diagnosis:
        lines.append(f"- Likely mistake: {diagnosis}")
    elif signature:
        lines.append(f"- Note: {signature}")
    return lines


def likely_mistake(item):
    """The item's one diagnosis in words ("" when nothing failed, or only the student's own errors did)."""
    key = item.mistake
    if key == SIGNATURE:
        return item.signature
    if key and key != UNCOMMON:
        return mistake_message(key)
    failed = [t for t in item.tests if not t.passed]
    if key == UNCOMMON or any(t.hidden and not t.raised for t in failed):
        return mistake_message(UNCOMMON)
    return ""


def _cost(cost):
    if cost is None:
        return ""
    if cost == "core":
        return " (the item's main job: the item scores 0)"
    return f" (cost {points_text(cost)} point{'' if cost == 1 else 's'})"


def written_feedback(entry):
    """The lines of feedback for one :class:`~autograder.results.types.WrittenResult`: its state and the TA's
    (or the grader's) comment."""
    if entry.status == "pending":
        return ["- written answer: not graded yet (a TA grades it by hand; it is not in the score yet)",
                *([f"- {entry.comment}"] if entry.comment else [])]
    if entry.comment:
        return [f"- {entry.comment}"]
    if entry.score < entry.max_score:
        return ["- a TA scored this answer below full marks and left no comment: ask your TA what was missing"]
    return ["- a TA gave this answer full marks"]


def entry_feedback(entry):
    """The feedback lines of an autograded item or of a written answer."""
    return written_feedback(entry) if isinstance(entry, WrittenResult) else item_feedback(entry)


def _entry_title(it):
    """The item's title, with ``(written, extra credit)`` as they apply."""
    tags = ", ".join(tag for tag, on in (("written", it.written), ("extra credit", it.extra)) if on)
    return f"{it.title} ({tags})" if tags else it.title


WRITTEN_ELSEWHERE = ("This is the autograded part of your score (the bonus is extra credit). Your written answers are "
                     "graded by hand, as questions of their own.")


def results_json(result, written=True):
    """The Gradescope results.json dict for one student (one test entry per gradebook item).

    A written answer not graded yet is a test without a score (Gradescope shows it without points), and
    the top-level score counts only judged points, extra credit included. With ``written=False`` (on
    Gradescope, where TAs grade the written questions in the assignment's outline) written answers are left
    out: tests and score are the autograded items only.
    """
    tests = []
    entries = [(it, item) for it, item in _entries(result) if written or not it.written]
    for number, (it, item) in enumerate(entries, start=1):
        test = {"name": f"{it.name}: {_entry_title(it)}", "number": str(number)}
        if item.score is not None:
            test.update(score=item.score, max_score=item.max_score,
                        status="passed" if item.score >= item.max_score else "failed")
        test.update(output="\n".join(entry_feedback(item)) or "All checks passed.", visibility="visible")
        tests.append(test)
    return {
        "score": result.score if written else round(result.points(False), 2),
        "execution_time": round(result.seconds, 2),
        "output": "\n".join([score_line(result) if written else WRITTEN_ELSEWHERE, *_notes(result),
                              *(f"adjusted: {a}" for a in result.adjustments)]),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def feedback_markdown(result):
    """The student's readable feedback: every item, its points and what to fix."""
    lines = [f"# Feedback for {result.student}", "", f"**{score_line(result)}**", ""]
    notes = _notes(result)
    if notes:
        lines += ["## About your submission", "", *(f"- {n}" for n in notes), ""]
    if result.adjustments:
        lines += ["## Adjustments (course policy)", "", *(f"- {a}" for a in result.adjustments), ""]
    if result.plots:
        handed_in = sum(v == "ok" for v in result.plots.values())
        lines += [f"## Plots handed in ({handed_in} of {len(result.plots)}; not scored)", ""]
        if any(v != "not handed in" for v in result.plots.values()):
            lines += [f"- {'✔' if v == 'ok' else '✘'} figures/{k}.png{'' if v == 'ok' else ': ' + v}"
                      for k, v in result.plots.items()]
        else:
            lines.append("No plot found: the notebooks save them as `figures/<name>.png`; hand in that folder too.")
        lines.append("")
    if any(v != "ok" for v in result.plots.values()) or not all(i.submitted for i in result.items.values()):
        from allab.handin import handin_markdown
        lines += ["## What to hand in", "", handin_markdown(), ""]
    lines += ["## Items", ""]
    for it, item in _entries(result):
        if item.score is None:
            mark, got = "…", "pending"
        else:
            mark, got = "✔" if item.score >= item.max_score else "✘", points_text(item.score)
        lines.append(f"### {mark} {_entry_title(it)} (`{it.name}`): {got} / {points_text(item.max_score)}")
        lines += entry_feedback(item) or ["All checks passed."]
        lines.append("")
    return "\n".join(lines)


def _entries(result):
    """``[(item, entry)]`` of every gradebook item ``result`` has, in gradebook order."""
    entries = result.all_items()
    return [(it, entries[it.name]) for it in gradebook_items() if it.name in entries]


def score_line(result):
    """``Score: 47 / 42 (5 of it extra credit; 9 points of written answers not graded yet)``."""
    extra = result.points(False, extra=True) + result.points(True, extra=True)
    notes = [f"{points_text(round(extra, 2))} of it extra credit" if extra else "",
             f"after a late penalty of {points_text(result.penalty)}" if result.penalty else "",
             f"{points_text(result.pending)} points of written answers not graded yet" if result.pending else ""]
    notes = "; ".join(n for n in notes if n)
    return f"Score: {points_text(result.score)} / {points_text(result.max_score)}" + (f" ({notes})" if notes else "")


def write_student(result, folder):
    """Write ``results.json`` and ``feedback.md`` for one student into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results_json(result), indent=2) + "\n", encoding="utf-8")
    (folder / "feedback.md").write_text(feedback_markdown(result) + "\n", encoding="utf-8", errors="replace")


def write_answers(results, path):
    """``written_answers.json``: every student's written answers and their state, for ``answers``."""
    data = {"students": {r.student: {name: entry.to_json() for name, entry in r.written.items()}
                         for r in results}}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def summary_table(results):
    """A short text table of the batch: one line per student, autograded and written points apart.

    Each of the two is ``required score / required maximum + extra credit``; written points not graded yet
    are counted as pending.
    """
    auto_max = sum(it.points for it in load_items() if not it.extra)
    written_max = sum(it.points for it in gradebook_items() if it.written and not it.extra)
    rows = [("student", "autograded", "written", "total", "time", "notes")]
    for r in results:
        notes = len(r.problems) + len(r.incidents)
        rows.append((r.student, _split(r, False, auto_max), _split(r, True, written_max),
                     f"{points_text(r.score)} / {points_text(r.max_score)}", f"{r.seconds:.1f}s", str(notes or "")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(f"{c:<{w}}" for c, w in zip(row, widths, strict=False)).rstrip() for row in rows)


def _split(result, written, maximum):
    """``35 / 35 +5 extra`` (and ``, 9 pending`` for written answers not graded yet)."""
    text = f"{points_text(round(result.points(written, extra=False), 2))} / {points_text(maximum)}"
    extra = result.points(written, extra=True)
    if extra:
        text += f" +{points_text(round(extra, 2))} extra"
    if written and result.pending:
        text += f", {points_text(result.pending)} pending"
    return text


def _notes(result):
    return [*result.problems, *(f"while grading: {i}" for i in result.incidents)]

