"""What to hand in: one list, written by the course's release from its mark scheme into ``handin.json``.

The notebooks' "What to hand in" and "Before you upload" cells, the README, ``python -m allab.check`` and the
grader's feedback all show :func:`handin_markdown`, so that they cannot disagree.
"""
import json
from functools import lru_cache
from pathlib import Path

__all__ = ["handin", "handin_markdown", "handin_cell", "upload_markdown", "required_notebooks", "CHECK_COMMAND"]

HANDIN_JSON = Path(__file__).resolve().parent / "handin.json"
CHECK_COMMAND = "python -m allab.check ."


@lru_cache(maxsize=None)
def handin(path=HANDIN_JSON):
    """The hand-in list as the release wrote it.

    Returns
    -------
    dict
        ``{"notebooks": [...], "not_handed_in": [...]}``: each notebook ``{"part", "file", "title",
        "extra_credit", "functions": {function: item name}, "written": {key: [item name, title]},
        "figures": [plot name, ...]}`` in lab order; ``not_handed_in`` is ``[[what, why], ...]``.
    """
    return json.loads(Path(path).read_text(encoding="utf-8"))


def required_notebooks(data=None):
    """The file names of the notebooks everyone hands in (not the extra credit ones)."""
    return [nb["file"] for nb in (data or handin())["notebooks"] if not nb["extra_credit"]]


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def handin_markdown(data=None):
    """The hand-in list, as a Markdown bullet list (the same text everywhere it is shown); ``data`` is
    :func:`handin` by default."""
    data = data or handin()
    lines = []
    for nb in data["notebooks"]:
        what = [_plural(len(nb["functions"]), "function")] if nb["functions"] else []
        if nb["written"]:
            titles = "; ".join(title for _, title in nb["written"].values())
            what.append(f"{_plural(len(nb['written']), 'written answer')} ({titles})")
        extra = ", extra credit: hand it in if you did it" if nb["extra_credit"] else ""
        lines.append(f"- `{nb['file']}` ({nb['title']}{extra}): {', '.join(what)}")
    figures = [f for nb in data["notebooks"] for f in nb["figures"]]
    lines.append(f"- the `figures/` folder with the {len(figures)} plots the notebooks save: "
                 + ", ".join(f"`{f}.png`" for f in figures))
    lines.append("- not needed: " + "; ".join(f"`{what}` ({why})" for what, why in data["not_handed_in"]))
    return "\n".join(lines)


def upload_markdown(part, data=None):
    """The "Before you upload" cell of ``part``'s notebook."""
    data = data or handin()
    nb = next((n for n in data["notebooks"] if n["part"] == part), None)
    steps = ["**Kernel > Restart Kernel and Run All Cells.** Every cell runs, every check cell prints ✔ (a "
             "check that fails says what to fix), and the plots are saved in `figures/`."]
    if nb and nb["written"]:
        steps.append(f"**Written answers.** This notebook has {_plural(len(nb['written']), 'written answer')}, "
                     "graded by hand: write each in its answer cell, in place of \"YOUR ANSWER HERE\". An empty "
                     "answer, or one left at \"YOUR ANSWER HERE\", gets no points.")
    steps.append(f"**The pre-upload check.** In a terminal, in the folder of your notebooks, run `{CHECK_COMMAND}`. "
                 "It runs every notebook's check cells and lists the notebooks missing, functions still stubs, "
                 "check cells failing, written answers empty and plots missing, ends with a one-line verdict, and "
                 "ticks the lab's testing checklist.")
    steps.append("**Upload** (keep the file names; save each notebook with File > Save first):")
    text = "\n".join(f"{i}. {step}" for i, step in enumerate(steps, start=1))
    return f"## Before you upload\n\n{text}\n\n{handin_markdown(data)}"


def handin_cell(data=None):
    """The "What to hand in" cell at the top of every notebook."""
    return (f"## What to hand in\n\nOnce, for the whole lab:\n\n{handin_markdown(data)}\n\n"
            f"The end of this notebook says how to check your work before uploading it (`{CHECK_COMMAND}`).")
