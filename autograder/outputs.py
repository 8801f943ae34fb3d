"""What grading writes: the gradebook, Gradescope's results.json and each student's feedback."""
import csv
import json
import re

from .grading import mistake_message
from .markscheme import load_items

# What grading and `report` write at the top of the output folder: no student's folder may be named so.
RESERVED_NAMES = ("grades.csv", "grading-notes.md", "report.md", "report.png", "results.json")


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


def write_gradebook(results, path):
    """``grades.csv``: one row per student: student, score, max_score, one column per item."""
    names = [it.name for it in load_items()]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "score", "max_score", *names])
        for r in results:
            writer.writerow([r.student, _num(r.score), _num(r.max_score),
                             *(_num(r.items[n]["score"]) for n in names)])


def write_notes(notes, path):
    """``grading-notes.md``: how the batch was graded (isolation of student code, warnings)."""
    path.write_text("# Grading notes\n\n" + "".join(f"- {n}\n" for n in notes), encoding="utf-8")


def item_feedback(item):
    """The lines of feedback for one item: what failed, and what to fix."""
    if not item.get("submitted", True):
        return ["- not graded: no readable notebook of this part was found in the submission"]
    lines = []
    for test in item["tests"]:
        if test.passed:
            continue
        if not test.hidden:
            lines.append(f"- {test.name}: {test.message or test.raised or 'failed'}")
        elif test.raised:
            lines.append(f"- hidden check '{test.name}' failed: {test.raised}")
        else:
            hint = mistake_message(test.mistake) if test.mistake else \
                "re-read the docstring: what must the function return, and must it leave its inputs unchanged?"
            lines.append(f"- hidden check '{test.name}' failed. Likely mistake: {hint}")
    return lines


def results_json(result):
    """The Gradescope results.json dict for one student (one test entry per graded item)."""
    tests = []
    for number, it in enumerate(load_items(), start=1):
        item = result.items[it.name]
        passed = item["score"] >= item["max_score"]
        tests.append({
            "name": f"{it.name}: {it.title}",
            "number": str(number),
            "score": item["score"],
            "max_score": item["max_score"],
            "status": "passed" if passed else "failed",
            "output": "\n".join(item_feedback(item)) or "All checks passed.",
            "visibility": "visible",
        })
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 2),
        "output": "\n".join(_notes(result)) or "Graded.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def feedback_markdown(result):
    """The student's readable feedback: every item, its points and what to fix."""
    lines = [f"# Feedback for {result.student}", "",
             f"**Score: {_num(result.score)} / {_num(result.max_score)}**", ""]
    notes = _notes(result)
    if notes:
        lines += ["## About your submission", "", *(f"- {n}" for n in notes), ""]
    if result.plots:
        handed_in = sum(v == "ok" for v in result.plots.values())
        lines += [f"## Plots handed in ({handed_in} of {len(result.plots)}; not scored)", ""]
        if any(v != "not handed in" for v in result.plots.values()):
            lines += [f"- {'✔' if v == 'ok' else '✘'} figures/{k}.png{'' if v == 'ok' else ': ' + v}"
                      for k, v in result.plots.items()]
        else:
            lines.append("No plot found: the notebooks save them as `figures/<name>.png`; hand in that folder too.")
        lines.append("")
    lines += ["## Items", ""]
    for it in load_items():
        item = result.items[it.name]
        mark = "✔" if item["score"] >= item["max_score"] else "✘"
        lines.append(f"### {mark} {it.title} (`{it.name}`): {_num(item['score'])} / {_num(item['max_score'])}")
        lines += item_feedback(item) or ["All checks passed."]
        lines.append("")
    return "\n".join(lines)


def write_student(result, folder):
    """Write ``results.json`` and ``feedback.md`` for one student into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results_json(result), indent=2) + "\n", encoding="utf-8")
    (folder / "feedback.md").write_text(feedback_markdown(result) + "\n", encoding="utf-8", errors="replace")


def summary_table(results):
    """A short text table of the batch: one line per student."""
    width = max([len(r.student) for r in results] + [7])
    lines = [f"{'student':<{width}}  {'score':>12}  {'time':>6}  notes"]
    for r in results:
        notes = len(r.problems) + len(r.incidents)
        lines.append(f"{r.student:<{width}}  {_num(r.score):>5} / {_num(r.max_score):<4}  "
                     f"{r.seconds:5.1f}s  {notes or ''}")
    return "\n".join(lines)


def _notes(result):
    return [*result.problems, *(f"while grading: {i}" for i in result.incidents)]


def _num(x):
    return f"{x:g}" if isinstance(x, float) else str(x)
