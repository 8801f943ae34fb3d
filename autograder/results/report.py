"""The instructor's report of a graded class, rendered: a table of the items, the score spread, the common
mistakes and what the course policy adjusted, as text for the terminal, as ``report.md`` and as ``report.png``
(a histogram of the total scores, the pass rate of every item, the most common mistakes).

The numbers are :mod:`autograder.results.gradebook`'s, the mistakes :mod:`autograder.results.mistakes`'s; the
``report`` command is :mod:`autograder.commands.report`.
"""
import math
import statistics

from autograder.results.mistakes import mistakes_markdown, mistakes_text, plot_mistakes
from autograder.scoring import points_text


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
    (see :func:`~autograder.results.mistakes.common_mistakes`) the most common mistakes."""
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


def adjusted(book):
    """``{student: what the course policy changed}`` of the students it changed something of."""
    return {s: a for s, a in book.adjustments.items() if a}


def report_text(book, stats, dist, common=None):
    """What the terminal shows: the items' table, the score spread, ``common`` mistakes (see
    :func:`~autograder.results.mistakes.common_mistakes`; None: no list of mistakes), the adjustments."""
    parts = [text_table(stats), "", summary_line(dist)]
    if common is not None:
        parts += ["", mistakes_text(common)]
    if adjusted(book):
        parts += ["\nAdjusted by the course policy:", *(f"- {s}: {a}" for s, a in adjusted(book).items())]
    return "\n".join(parts)


def write_report(folder, book, stats, dist, common=None):
    """Write ``folder/report.md`` and ``folder/report.png`` (raises OSError)."""
    text = markdown(stats, dist, folder / "grades.csv")
    if adjusted(book):
        text += "\n## Adjusted by the course policy\n\n" + "".join(f"- {s}: {a}\n" for s, a in adjusted(book).items())
    (folder / "report.md").write_text(text if common is None else text + "\n" + mistakes_markdown(common))
    plot(book, stats, folder / "report.png", common)
