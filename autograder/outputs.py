"""What grading writes: the gradebook, Gradescope's results.json and each student's feedback."""
import csv
import json
import re

from .grading import SIGNATURE, UNCOMMON, mistake_message
from .markscheme import load_items

def safe_name(student):
    """A folder name for ``student`` that cannot escape the output folder."""
    name = re.sub(r"[^A-Za-z0-9._@-]+", "_", student).strip("._") or "student"
    return name[:100]


def write_gradebook(results, path):
    """``grades.csv``: one row per student: student, score, max_score, one column per item."""
    names = [it.name for it in load_items()]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "score", "max_score", *names])
        for r in results:
            writer.writerow([r.student, _num(r.score), _num(r.max_score),
                             *(_num(r.items[n]["score"]) for n in names)])


MISTAKES_HEADER = ["student", "item", "mistake"]


def write_mistakes(results, path):
    """``mistakes.csv``: one row per student and item with a diagnosed mistake (a catalogue key), for
    ``report``'s table of the class's common mistakes."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(MISTAKES_HEADER)
        for r in results:
            for name, item in r.items.items():
                if item.get("mistake"):
                    writer.writerow([r.student, name, item["mistake"]])


def item_feedback(item):
    """The lines of feedback for one item: what failed and what it cost, then its one likely mistake."""
    if not item.get("submitted", True):
        return ["- not graded: no readable notebook of this part was found in the submission"]
    costs = item.get("costs") or [None] * len(item["tests"])
    signature = item.get("signature", "")
    lines = []
    for test, cost in zip(item["tests"], costs):
        if test.passed:
            continue
        raised = "" if signature and "TypeError" in test.raised else test.raised
        if not test.hidden:
            message = test.message if not (signature and "TypeError" in test.message) else ""
            lines.append(f"- {test.name}{_cost(cost)}: {message or raised or 'failed'}")
        elif raised:
            lines.append(f"- hidden check '{test.name}' failed{_cost(cost)}: {raised}")
        else:
            lines.append(f"- hidden check '{test.name}' failed{_cost(cost)}")
    diagnosis = likely_mistake(item)
    if diagnosis:
        lines.append(f"- Likely mistake: {diagnosis}")
    elif signature:
        lines.append(f"- Note: {signature}")
    return lines


def likely_mistake(item):
    """The item's one diagnosis in words ("" when nothing failed, or only the student's own errors did)."""
    key = item.get("mistake", "")
    if key == SIGNATURE:
        return item["signature"]
    if key and key != UNCOMMON:
        return mistake_message(key)
    failed = [t for t in item["tests"] if not t.passed]
    if key == UNCOMMON or any(t.hidden and not t.raised for t in failed):
        return mistake_message(UNCOMMON)
    return ""


def _cost(cost):
    if cost is None:
        return ""
    if cost == "core":
        return " (the item's main job: the item scores 0)"
    return f" (cost {_num(cost)} point{'' if cost == 1 else 's'})"


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
    (folder / "results.json").write_text(json.dumps(results_json(result), indent=2) + "\n")
    (folder / "feedback.md").write_text(feedback_markdown(result) + "\n")


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
