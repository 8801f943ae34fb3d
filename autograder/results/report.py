"""The ``report`` command: the instructor's view of a graded batch.

``python -m autograder report DIR`` reads ``DIR/grades.csv`` (written by ``grade``) and prints, per
graded item, its points, the mean score and the pass rate (the share of students with full marks on
it), weakest items first, then the spread of the total scores. It writes the same to ``DIR/report.md``
and draws ``DIR/report.png``: a histogram of the total scores and the pass rate of every item.

When ``DIR/mistakes.csv`` (written by ``grade``) is there, the report also lists, per item, the diagnosed
mistakes and how many students made each, most frequent first (``report.md`` says who), and
``report.png`` shows the most common ones: what to teach again.
"""
import csv
import math
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.markscheme import gradebook_items, load_items
from autograder.scoring import SIGNATURE, mistake_message, points_text

FIXED_COLUMNS = ["student", "score", "max_score"]
# After the items, what `grade` writes of each student besides the items (see outputs.write_gradebook).
INFO_COLUMNS = ["required", "extra_credit", "late_penalty", "adjustments", "id", "name", "email", "submitted_at"]


class ReportError(Exception):
    """The gradebook is missing or not one ``grade`` wrote (exit code 2)."""


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


def read_gradebook(path):
    """Read and validate a ``grades.csv``; raise :class:`ReportError` saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(f"no gradebook at {path}: run `python -m autograder grade ... --out "
                          f"{path.parent}` first")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from exc
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


def table_rows(stats):
    return [[s.name, points_text(s.points) + (" extra" if s.extra else ""),
             "-" if math.isnan(s.mean) else f"{s.mean:.2f}",
             (f"{100 * s.pass_rate:.0f}% ({s.passed}/{s.n})" if s.n else "-") +
             (f", {s.pending} pending" if s.pending else ""), s.title]
            for s in stats]


HEADER = ["item", "points", "mean", "pass rate", "title"]


def text_table(stats):
    rows = [HEADER, *table_rows(stats)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    align = ["<", ">", ">", ">", "<"]
    lines = ["  ".join(f"{c:{a}{w}}" for c, a, w in zip(r, align, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_line(dist):
    return (f"Total scores (out of {points_text(dist['max_score'])}{_out_of_note(dist)}): n = {dist['n']}, "
            f"mean = {dist['mean']:.2f}, median = {points_text(dist['median'])}, min = {points_text(dist['min'])}, "
            f"max = {points_text(dist['max'])}")


def _out_of_note(dist):
    """``; up to 7 more as extra credit; 12 written answers not graded yet``, as they apply."""
    return "".join([f"; up to {points_text(dist['extra'])} more as extra credit" if dist["extra"] else "",
                    f"; {dist['pending']} written answer{'s' * (dist['pending'] > 1)} not graded yet"
                    if dist["pending"] else ""])


def markdown(stats, dist, source):
    lines = ["# Grading report", "", f"From `{source}`. Items sorted weakest first; the pass rate is the "
             "share of students with full marks on the item (of those graded: a written answer not graded yet "
             "is pending). Items marked extra are extra credit: not in the maximum score.", "",
             "| " + " | ".join(HEADER) + " |", "|---|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(f"`{r[0]}`" if i == 0 else r[i] for i in range(len(r))) + " |"
              for r in table_rows(stats)]
    lines += ["", "## Total scores", "", "| n | mean | median | min | max | out of |",
              "|---:|---:|---:|---:|---:|---:|",
              f"| {dist['n']} | {dist['mean']:.2f} | {points_text(dist['median'])} | {points_text(dist['min'])} | "
              f"{points_text(dist['max'])} | {points_text(dist['max_score'])} |", "",
              *([f"Out of {points_text(dist['max_score'])}{_out_of_note(dist)}.", ""] if _out_of_note(dist) else []),
              "![report](report.png)", ""]
    return "\n".join(lines)


def plot(book, stats, path, common=None):
    """Write the histogram of total scores and the pass-rate bars to ``path`` (PNG), and with ``common``
    (see :func:`common_mistakes`) the most common mistakes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    height = max(4.0, 0.3 * len(stats) + 1.5)
    if common is None:
        fig, (hist, bars) = plt.subplots(1, 2, figsize=(13, height), gridspec_kw={"width_ratios": [1, 1.3]})
    else:
        fig, (hist, bars, mistakes_ax) = plt.subplots(1, 3, figsize=(20, height),
                                                      gridspec_kw={"width_ratios": [1, 1.3, 1.3]})
        plot_mistakes(mistakes_ax, common)
    top = max(book.max_score, *book.totals) or 1.0  # extra credit can take a total above max_score
    bins = min(20, max(5, int(math.ceil(top))))
    hist.hist(book.totals, bins=bins, range=(0, top), color="tab:blue", edgecolor="white")
    hist.axvline(statistics.fmean(book.totals), color="black", linestyle="--", label="mean")
    hist.set_xlabel(f"total score (out of {points_text(book.max_score)})")
    hist.set_ylabel("students")
    hist.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    hist.set_title(f"Total scores (n = {len(book.totals)})")
    hist.legend()
    shown = list(reversed(stats))  # weakest at the top
    rates = [100 * s.pass_rate for s in shown]
    bars.barh([s.name for s in shown], rates, color=["tab:red" if r < 50 else "tab:green" for r in rates])
    bars.set_xlim(0, 100)
    bars.set_xlabel("students with full marks (%)")
    bars.set_title("Pass rate per item")
    bars.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


MISTAKES_FILE = "mistakes.csv"
TOP_MISTAKES = 10   # bars in report.png


def read_mistakes(path):
    """``{item: {key: [students]}}`` from a ``mistakes.csv``; None when there is none (an older grade).

    Raises :class:`ReportError` when the file is there but is not one ``grade`` wrote.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from exc
    if not rows or [h.strip() for h in rows[0]] != ["student", "item", "mistake"]:
        raise ReportError(f"{path} is not a list of mistakes written by `grade`: its header must be "
                          "student, item, mistake")
    known = {it.name for it in load_items()}
    found = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3 or row[1] not in known:
            raise ReportError(f"{path}, line {line}: expected student, item, mistake with an item of the "
                              f"mark scheme; got {', '.join(row)}")
        found.setdefault(row[1], {}).setdefault(row[2], []).append(row[0])
    return found


def common_mistakes(mistakes, stats):
    """``[(item, [(key, students), ...])]``: items in the report's order (weakest first), each item's
    mistakes most frequent first (then by key)."""
    out = []
    for s in stats:
        keys = mistakes.get(s.name, {})
        if keys:
            out.append((s.name, sorted(keys.items(), key=lambda kv: (-len(kv[1]), kv[0]))))
    return out


def _words(key):
    if key == SIGNATURE:
        return "the function's signature differs from the notebook's"
    return mistake_message(key)


def mistakes_text(common):
    lines = ["Common mistakes (diagnosed), per item, most frequent first:"]
    if not common:
        lines.append("  none diagnosed")
    for name, keys in common:
        lines.append(f"  {name}")
        lines += [f"    {len(who):3d}  {key}: {_words(key)}" for key, who in keys]
    return "\n".join(lines)


def mistakes_markdown(common):
    lines = ["## Common mistakes", "", "Per item, the mistakes the grader diagnosed, most frequent first: what "
             "to teach again.", ""]
    if not common:
        return "\n".join(lines + ["None diagnosed.", ""])
    for name, keys in common:
        lines += [f"### `{name}`", "", "| students | mistake | what it is | who |", "|---:|---|---|---|"]
        lines += [f"| {len(who)} | `{key}` | {_words(key)} | {', '.join(sorted(who))} |" for key, who in keys]
        lines.append("")
    return "\n".join(lines)


def plot_mistakes(ax, common):
    """Horizontal bars: the ``TOP_MISTAKES`` most common (item, mistake) pairs of the class."""
    pairs = sorted(((len(who), f"{name}: {key}") for name, keys in common for key, who in keys),
                   key=lambda p: (-p[0], p[1]))[:TOP_MISTAKES]
    import matplotlib.ticker
    shown = list(reversed(pairs))  # most common at the top
    ax.barh([label for _, label in shown], [count for count, _ in shown], color="tab:orange")
    ax.set_xlabel("students")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title("Most common mistakes" if pairs else "Most common mistakes: none diagnosed")
    ax.tick_params(axis="y", labelsize=8)


def main(args):
    folder = Path(args.dir)
    try:
        book = read_gradebook(folder / "grades.csv")
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        mistakes = read_mistakes(folder / MISTAKES_FILE)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stats, dist = item_stats(book), distribution(book)
    common = None if mistakes is None else common_mistakes(mistakes, stats)
    print(text_table(stats))
    print()
    print(summary_line(dist))
    if common is not None:
        print()
        print(mistakes_text(common))
    adjusted = {s: a for s, a in book.adjustments.items() if a}
    if adjusted:
        print("\nAdjusted by the course policy:")
        for student, text in adjusted.items():
            print(f"- {student}: {text}")
    try:
        text = markdown(stats, dist, folder / "grades.csv")
        if adjusted:
            text += "\n## Adjusted by the course policy\n\n" + "".join(f"- {s}: {a}\n" for s, a in adjusted.items())
        (folder / "report.md").write_text(text if common is None else text + "\n" + mistakes_markdown(common))
        plot(book, stats, folder / "report.png", common)
    except OSError as exc:
        print(f"error: cannot write the report into {folder}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"\nReport: {folder / 'report.md'}, plots: {folder / 'report.png'}")
    return 0
