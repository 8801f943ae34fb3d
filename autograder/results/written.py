"""Written answers: found in a submission, scored 0 when empty, otherwise pending until a TA scores them.

A written item (``[parts.<part>.written]`` of the mark scheme) is an nbgrader "manually graded answer" cell: a
markdown cell whose grade_id is the item's. ``collect`` gives every written item of a submission one
:class:`~autograder.results.types.WrittenResult`: status ``pending`` (score None) when there is an answer,
``auto`` (score 0, the comment says why) when there is none. An answer written in new cells under the question
(the answer cell deleted, or left empty) is found too: :func:`loose_answer`. TAs' scores come in as a
CSV (``python -m autograder answers`` writes it, ``grade --manual`` reads it): :func:`read_manual` checks it
and :func:`apply_manual` folds it into the results, status ``graded``. Students may be named by pseudonyms
(:func:`anonymous_id`), keyed with a secret kept in the output folder (:func:`pseudonym_key`).
"""
import csv
import functools
import hashlib
import hmac
import math
import os
import secrets
from pathlib import Path

from allab.check import TEXT_STUB, unanswered
from autograder import SOLUTIONS_DIR
from autograder.markscheme import written_items
from autograder.notebook import nbgrader_meta, read_json_notebook, source
from autograder.results.types import WrittenResult

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
    if unanswered(text):
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
            text, status, comment = _with_loose_answer(nb.texts.get(it.function), loose_answer(nb.text_cells, it))
        text = text or ""
        if len(text) > MAX_ANSWER_CHARS:
            text = text[:MAX_ANSWER_CHARS] + f"\n[... cut at {MAX_ANSWER_CHARS} characters]"
        entries[it.name] = WrittenResult(0.0 if status == "auto" else None, it.points, it.title, text, status,
                                         comment)
    return entries


def _with_loose_answer(text, loose):
    """``(answer, status, comment)`` from the answer cell's ``text`` (None: no such cell) and the ``loose``
    text written in new cells under the question."""
    status, comment = answer_status(text)
    if not loose:
        return text, status, comment
    if text is None or status == "auto":
        cell = "was not found (deleted?)" if text is None else "is empty"
        return loose, "pending", f"the answer cell {cell}: the answer is the new cell(s) written under the question"
    return f"{text}\n\n{loose}", status, comment  # no note: a comment would tell `check` the answer is missing


@functools.cache
def _handout(part, solutions_dir=SOLUTIONS_DIR):
    """``(cells, handout_ids, handout_texts)`` of a part's solution notebook: its cells, every grade_id in it
    and the text of every markdown cell students get as it is (all but the answer cells)."""
    cells = read_json_notebook(Path(solutions_dir) / f"{part}.ipynb")["cells"]
    ids = {nbgrader_meta(c).get("grade_id") for c in cells} - {None}
    texts = {source(c).strip() for c in cells if c["cell_type"] == "markdown" and not nbgrader_meta(c).get("solution")}
    return cells, ids, texts


def answer_index(cells, item):
    """The index of ``item``'s answer cell among the solution notebook's ``cells`` (the question is above it)."""
    return next(i for i, c in enumerate(cells) if nbgrader_meta(c).get("grade_id") == item.function)


def loose_answer(text_cells, item, solutions_dir=SOLUTIONS_DIR):
    """What the student wrote for ``item`` outside its answer cell ("" if nothing).

    ``text_cells`` are the submission's markdown and raw cells, ``[(grade_id or None, text)]`` in order. The
    question's cell is found by its grade_id or its text. What counts: the question's cell if the student wrote
    in it, then every cell after it, up to the next cell of the hand-out (known by its grade_id or its text),
    that is neither empty nor the stub. The answer cell itself is skipped (it is read as the answer).
    """
    cells, ids, texts = _handout(item.part, solutions_dir)
    index = answer_index(cells, item)
    if index == 0:
        return ""
    question_id, question = nbgrader_meta(cells[index - 1]).get("grade_id"), source(cells[index - 1]).strip()
    start = next((i for i, (gid, text) in enumerate(text_cells)
                  if gid == question_id or text.strip() == question), None)
    if start is None:
        return ""
    found = [] if text_cells[start][1].strip() == question else [text_cells[start][1]]
    for gid, text in text_cells[start + 1:]:
        if gid == item.function:
            continue
        if gid in ids or text.strip() in texts:
            break
        if not unanswered(text):
            found.append(text)
    return "\n\n".join(found)


KEY_FILE = ".pseudonym-key"


def pseudonym_key(folder, create=False):
    """The secret key of the pseudonyms of the output folder ``folder`` (bytes), or None when there is none.

    With ``create``, a random key is written first if there is none (``folder/.pseudonym-key``, mode 0600,
    never replaced): the pseudonyms stay the same in every later run. Raises ValueError for a damaged key file.
    """
    path = Path(folder) / KEY_FILE
    if create:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the pseudonyms' key {path}: {exc}") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ValueError(f"{path} is not a pseudonyms' key (64 hexadecimal digits, as `answers --anonymous` "
                         "writes it): restore it from a backup, or delete it to get new pseudonyms")
    return key


def anonymous_id(student, key):
    """The pseudonym of ``student`` under the secret ``key`` (see :func:`pseudonym_key`): ``anon-`` and 8
    hexadecimal digits of an HMAC-SHA256. Without the key, the class list does not tell who is who."""
    return "anon-" + hmac.new(key, student.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


def pseudonyms(students, key):
    """``{pseudonym: student}``; raises ValueError in the (one in millions) case two students share one."""
    names = {anonymous_id(s, key): s for s in students}
    if len(names) < len(set(students)):
        raise ValueError("two students got the same pseudonym: delete the key file "
                         f"({KEY_FILE} in the output folder) to draw a new key, and run `answers` again")
    return names


def read_manual(path, students, key=None):
    """Read and check a scores CSV; return ``{(student, item name): (score, comment)}``.

    ``students`` are the students being graded; a row may name one by name or, given the output folder's
    ``key`` (:func:`pseudonym_key`), by its pseudonym (:func:`anonymous_id`).
    A row without a score leaves the answer pending (its comment is kept, as ``(None, comment)``). Raises
    :class:`ManualError` naming the row and the column of the first problem: an unknown student or item, a
    score that is not a number, is negative or is above the item's points, a (student, item) given twice, a
    missing column.
    """
    path = Path(path)
    points = {it.name: it.points for it in written_items()}
    try:
        names = {s: s for s in students} | (pseudonyms(students, key) if key else {})
    except ValueError as exc:
        raise ManualError(str(exc)) from exc
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
            hint = "" if key or not student.startswith("anon-") else \
                " (a pseudonym, but the output folder has no pseudonyms' key: grade into the folder `answers` wrote)"
            raise ManualError(f"{where}, column 'student': unknown student {student!r} (not among the "
                              f"{len(students)} submissions being graded){hint}")
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
