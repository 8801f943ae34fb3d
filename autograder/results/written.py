"""Written answers: found in a submission, scored 0 when empty, otherwise pending until a TA scores them.

A written item (``[parts.<part>.written]`` of the mark scheme) is an nbgrader "manually graded answer" cell: a
markdown cell whose grade_id is the item's. ``collect`` gives every written item of a submission one
:class:`~autograder.results.types.WrittenResult`: status ``pending`` (score None) when there is an answer,
``auto`` (score 0, the comment says why) when there is none. TAs' scores come in as a
CSV (``python -m autograder answers`` writes it, ``grade --manual`` reads it): :func:`read_manual` checks it
and :func:`apply_manual` folds it into the results, status ``graded``.
"""
import csv
import hashlib
import math
from pathlib import Path

from autograder.markscheme import written_items
from autograder.results.types import WrittenResult

# nbgrader's text stub (ClearSolutions.text_stub in nbgrader_config.py; a test keeps them equal).
TEXT_STUB = "YOUR ANSWER HERE"
MANUAL_COLUMNS = ["student", "item", "points", "score", "comment"]
MAX_ANSWER_CHARS = 20_000


class ManualError(Exception):
    """A scores CSV that cannot be merged; the message names the file, row and column."""


def answer_status(text):
    """``(status, comment)`` of an answer's text: ``("pending", "")`` or ``("auto", why it scores 0)``."""
    if text is None:
        return "pending", "the answer cell was not found (deleted or renamed?): look for the answer in the notebook"
    if not text.strip():
        return "auto", "no answer: the answer cell is empty"
    if not text.replace(TEXT_STUB, "").strip():
        return "auto", f'no answer: the answer cell still holds only "{TEXT_STUB}"'
    return "pending", ""


def collect(submission):
    """``{item name: WrittenResult}`` for every written item of ``submission`` (see the module docstring)."""
    entries = {}
    for it in written_items():
        nb = submission.notebooks.get(it.part)
        if nb is None:
            text = ""
            status, comment = "auto", f"no answer: no notebook of {it.part} was handed in"
        else:
            text = nb.texts.get(it.function)
            status, comment = answer_status(text)
        text = text or ""
        if len(text) > MAX_ANSWER_CHARS:
            text = text[:MAX_ANSWER_CHARS] + f"\n[... cut at {MAX_ANSWER_CHARS} characters]"
        entries[it.name] = WrittenResult(0.0 if status == "auto" else None, it.points, it.title, text, status,
                                         comment)
    return entries


def anonymous_id(student):
    """A stable pseudonym for ``student`` (the same in every run), for marking without names."""
    return "anon-" + hashlib.sha256(student.encode("utf-8")).hexdigest()[:8]


def read_manual(path, students):
    """Read and check a scores CSV; return ``{(student, item name): (score, comment)}``.

    ``students`` are the students being graded; a row may name one by name or by :func:`anonymous_id`.
    A row without a score leaves the answer pending (its comment is kept, as ``(None, comment)``). Raises :class:`ManualError` naming the row and the
    column of the first problem: an unknown student or item, a score that is not a number, is negative or
    is above the item's points, a (student, item) given twice, a missing column.
    """
    path = Path(path)
    points = {it.name: it.points for it in written_items()}
    names = {s: s for s in students} | {anonymous_id(s): s for s in students}
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: a spreadsheet's byte-order mark
            reader = csv.DictReader(f)
            rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
            header = [h.strip() for h in reader.fieldnames or []]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManualError(f"cannot read {path}: {exc}") from exc
    missing = [c for c in ("student", "item", "score") if c not in header]
    if missing:
        raise ManualError(f"{path}: no column {', '.join(repr(c) for c in missing)} in the header "
                          f"(expected {', '.join(MANUAL_COLUMNS)}, as `python -m autograder answers` writes it)")
    scores = {}
    for row_number, row in enumerate(rows, start=2):
        where = f"{path}, row {row_number}"
        student, item = (row.get("student") or "").strip(), (row.get("item") or "").strip()
        text = (row.get("score") or "").strip()
        if not text and not student and not item:
            continue
        if student not in names:
            raise ManualError(f"{where}, column 'student': unknown student {student!r} (not among the "
                              f"{len(students)} submissions being graded)")
        if item not in points:
            raise ManualError(f"{where}, column 'item': {item!r} is not a written item of the mark scheme "
                              f"(one of {', '.join(points)})")
        comment = (row.get("comment") or "").strip()
        if not text and not comment:
            continue
        key = (names[student], item)
        if key in scores:
            raise ManualError(f"{where}: a second row for {student} on {item}")
        scores[key] = (_score(text, points[item], f"{where}, column 'score'") if text else None, comment)
    return scores


def _score(text, points, where):
    try:
        score = float(text)
    except ValueError:
        raise ManualError(f"{where}: {text!r} is not a number (expected a score from 0 to {points:g})") from None
    if not math.isfinite(score) or score < 0:
        raise ManualError(f"{where}: {text!r} is not a score from 0 to {points:g}")
    if score > points:
        raise ManualError(f"{where}: {score:g} is above the item's {points:g} points")
    return score


def apply_manual(result, scores):
    """Fold a TA's ``scores`` (from :func:`read_manual`) into ``result.written``; return how many applied."""
    applied = 0
    for (student, name), (score, comment) in scores.items():
        if student == result.student and name in result.written and score is not None:
            result.written[name] = result.written[name].graded(score, comment)
            applied += 1
    return applied
