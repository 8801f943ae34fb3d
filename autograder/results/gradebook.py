"""A graded class's gradebook: ``grades.csv`` (written by ``grade``) read, checked and summed up per item.

What :mod:`autograder.results.report` renders: per item its points, mean score and pass rate (the share of
students with full marks on it), and the spread of the total scores.
"""
import csv
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from autograder.markscheme import gradebook_items

FIXED_COLUMNS = ["student", "score", "max_score"]
# After the items, what `grade` writes of each student besides the items (see outputs.write_gradebook).
INFO_COLUMNS = ["required", "extra_credit", "late_penalty", "adjustments", "id", "name", "email", "submitted_at"]


class ReportError(Exception):
    """No gradebook, or a gradebook or list of mistakes that is not one ``grade`` wrote (exit code 2)."""


@dataclass
class ItemStats:
    name: str
    title: str
    points: float
    mean: float
    passed: int
    n: int            # students with a score on the item
    pending: int = 0  # students whose written answer is not graded yet (an empty cell)
    extra: bool = False

    @property
    def pass_rate(self):
        return self.passed / self.n if self.n else 1.0  # nothing graded yet: not a weak item

    @property
    def mean_share(self):
        return self.mean / self.points if self.points else 1.0


@dataclass
class Gradebook:
    students: list
    totals: list      # total score of each student
    max_score: float
    items: dict       # item name -> list of scores (one per student; None: a written answer not graded yet)
    adjustments: dict = field(default_factory=dict)  # student -> what the course policy changed ("" for none)


def read_csv(path):
    """The rows of the CSV file at ``path`` (lists of text; the header is the first); :class:`ReportError`
    when it cannot be read."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from exc


def read_gradebook(path):
    """Read and validate a ``grades.csv``; raise :class:`ReportError` saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(f"no gradebook at {path}: run `python -m autograder grade ... --out "
                          f"{path.parent}` first")
    rows = read_csv(path)
    if not rows:
        raise ReportError(f"{path} is empty")
    header = [h.strip() for h in rows[0]]
    if header[:3] != FIXED_COLUMNS:
        raise ReportError(f"{path} is not a gradebook written by `grade`: its header must start with "
                          f"{', '.join(FIXED_COLUMNS)} (it starts with {', '.join(header[:3]) or 'nothing'})")
    info = [n for n in header[3:] if n in INFO_COLUMNS]
    names = [n for n in header[3:] if n not in INFO_COLUMNS]
    if not names:
        raise ReportError(f"{path} has no item columns after {', '.join(FIXED_COLUMNS)}")
    known = {it.name for it in gradebook_items()}
    written = {it.name for it in gradebook_items() if it.written}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ReportError(f"{path}: column(s) {', '.join(unknown)} are not items of the mark scheme "
                          "(autograder/markscheme.toml); was it graded with another mark scheme?")
    if len(set(names)) != len(names):
        raise ReportError(f"{path}: an item column appears twice")
    book = Gradebook([], [], 0.0, {n: [] for n in names}, {})
    max_scores = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ReportError(f"{path}, line {line}: {len(row)} values where the header has {len(header)}")
        cells = dict(zip(header, row, strict=True))
        try:
            values = [None if not cells[column].strip() and column in written else float(cells[column])
                      for column in [*header[1:3], *names]]
        except ValueError as exc:
            raise ReportError(f"{path}, line {line}: not a number ({exc})") from exc
        if not all(v is None or math.isfinite(v) for v in values):
            raise ReportError(f"{path}, line {line}: a score is not a finite number")
        book.students.append(row[0])
        book.adjustments[row[0]] = cells.get("adjustments", "") if "adjustments" in info else ""
        book.totals.append(values[0])
        max_scores.add(values[1])
        for name, value in zip(names, values[2:], strict=True):
            book.items[name].append(value)
    if not book.students:
        raise ReportError(f"{path} has a header but no students")
    if len(max_scores) != 1:
        raise ReportError(f"{path}: the students have different max_score values ({sorted(max_scores)})")
    book.max_score = max_scores.pop()
    return book


def item_stats(book):
    """:class:`ItemStats` per item, weakest first (lowest pass rate, then lowest mean share of points)."""
    items = {it.name: it for it in gradebook_items()}
    order = {it.name: i for i, it in enumerate(gradebook_items())}
    stats = []
    for name, all_scores in book.items.items():
        points, scores = items[name].points, [s for s in all_scores if s is not None]
        stats.append(ItemStats(name, items[name].title, points, statistics.fmean(scores) if scores else math.nan,
                               sum(s >= points - 1e-9 for s in scores), len(scores),
                               len(all_scores) - len(scores), items[name].extra))
    return sorted(stats, key=lambda s: (s.pass_rate, s.mean_share, order[s.name]))


def distribution(book):
    """The spread of total scores: n, mean, median, min, max (and the maximum possible)."""
    t = book.totals
    extra = sum(it.points for it in gradebook_items() if it.extra and it.name in book.items)
    pending = sum(s is None for scores in book.items.values() for s in scores)
    return {"n": len(t), "mean": statistics.fmean(t), "median": statistics.median(t),
            "min": min(t), "max": max(t), "max_score": book.max_score, "extra": extra, "pending": pending}
