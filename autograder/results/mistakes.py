"""The class's common mistakes: what ``grade`` diagnosed (``mistakes.csv``), per item, most frequent first.

What to teach again: the report lists them (``report.md`` says who made each) and plots the most common ones.
"""
from pathlib import Path

from autograder.markscheme import load_items
from autograder.results.gradebook import ReportError, read_csv
from autograder.scoring import SIGNATURE, mistake_message

MISTAKES_FILE = "mistakes.csv"
TOP_MISTAKES = 10   # bars in report.png


def read_mistakes(path):
    """``{item: {key: [students]}}`` from a ``mistakes.csv``; None when there is none (an older grade).

    Raises :class:`ReportError` when the file is there but is not one ``grade`` wrote.
    """
    path = Path(path)
    if not path.is_file():
        return None
    rows = read_csv(path)
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
