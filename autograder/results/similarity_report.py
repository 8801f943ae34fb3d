"""Which students handed in alike code, as pages an instructor reads (the ``similarity`` command:
:mod:`autograder.commands.similarity`).

``python -m autograder similarity DIR`` (after ``grade ... --out DIR``) compares the answer cells ``grade``
saved (``DIR/answer_code.json``) function by function (:mod:`autograder.results.similarity`) and writes into
``DIR/similarity/``:

- ``index.html``: the pairs of students alike on several functions first (the whole-submission view), then
  each graded function with its flagged pairs and, for comparison, the most alike pairs that are not
  flagged; every pair's two answers side by side, the fragments they share marked;
- ``pairs.csv``: the same pairs, one row per function and pair; ``submissions.csv``: the whole-submission
  view, one row per pair of students flagged somewhere.

Students' code and names are shown as escaped text; the page runs no script. With ``--anonymous``,
students are shown by the pseudonyms ``answers --anonymous`` uses.
"""
import ast
import csv
import html
import math
from pathlib import Path

from autograder.markscheme import load_items
from autograder.results.fingerprints import K
from autograder.results.similarity import (
    MIN_ANSWERS,
    SHARED_FLAG,
    SIMILARITY_FLAG,
    Z_FLAG,
    compare_class,
    read_answer_code,
    submission_pairs,
)
from autograder.results.written import anonymous_id, pseudonym_key

CONTEXT = 3  # the most alike pairs shown, besides the flagged ones, so that "alike" has a scale
PAIR_COLUMNS = ["item", "rank", "student_a", "student_b", "similarity", "z", "shared_fingerprints", "flagged"]
SUBMISSION_COLUMNS = ["student_a", "student_b", "functions_flagged", "items", "mean_z", "functions_compared"]


def shown_pairs(comparison):
    """``[(i, j, flagged)]`` of a comparison's pairs to show: every flagged one, then the ``CONTEXT`` most
    alike others, most alike first."""
    flagged, others = [], []
    for i, j in comparison.pairs():
        if comparison.flagged(i, j):
            flagged.append((i, j, True))
        elif len(others) < CONTEXT:
            others.append((i, j, False))
    return flagged + others


def _merge(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _docstring_lines(text, function):
    """The lines (from 0, end excluded) of ``function``'s docstring in ``text``, or None: folded when shown."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function and node.body and \
                isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) and \
                isinstance(node.body[0].value.value, str):
            return node.body[0].lineno - 1, node.body[0].end_lineno
    return None


def marked(text, spans, function):
    """``text`` as escaped HTML with ``spans`` (character offsets) in ``<mark>``; the function's docstring
    folded into one line (it is the hand-out's, or the student's prose: never a fingerprint)."""
    pieces, at = [], 0
    for start, end in _merge(spans):
        pieces += [html.escape(text[at:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        at = end
    pieces.append(html.escape(text[at:]))
    lines = "".join(pieces).split("\n")
    folded = _docstring_lines(text, function)
    if folded and "<mark>" not in "".join(lines[folded[0]:folded[1]]):
        first, last = folded
        indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
        lines[first:last] = [f'{indent}<span class="fold">"""(docstring: {last - first} lines)"""</span>']
    return "\n".join(lines)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Similar answers</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; max-width: 120em; }}
table {{ border-collapse: collapse; margin: 0.5em 0; }} td, th {{ border: 1px solid #ccc; padding: 0.2em 0.6em; }}
.side {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }} .side > div {{ min-width: 0; }}
pre {{ background: #f7f7f7; padding: 0.5em; overflow-x: auto; font-size: 0.85em; }}
mark {{ background: #ffe28a; }} .fold {{ color: #888; }} .note {{ color: #555; }}
tr.flagged td:first-child {{ font-weight: bold; }}
</style></head><body>
<h1>Similar answers</h1>
<p><strong>This page is evidence to look at, never a verdict.</strong> It lists the pairs of students whose
answers to a graded function are alike far beyond what is usual in this class. Answers that share an idea, an
example or a web page can be alike without anyone copying; answers that were copied can be missed. Read the two
answers before you conclude anything, and hear the students.</p>
<p class="note">How it works: each answer cell is cut into windows of {k} tokens, with the names a student chose
(variables, helpers), comments, docstrings, blank lines, string and number values, and the order of
statements made irrelevant; code that is in the hand-out is left out. Fragments many students share count
little. <em>Similarity</em> is the share of the two answers' weighted fragments they have in common (near
100%: the same code, up to those changes; a short answer stays lower, its few fragments being weaker evidence).
<em>z</em> says how unusual that is for this function: how many spreads
above the typical pair of the class (median and median absolute deviation). A pair is flagged when z &ge; {z},
similarity &ge; {s:.0%} and it shares at least {shared} fragments; a function that fewer than {min_answers}
students answered with code of their own is not judged.</p>
<h2>Students alike on several functions</h2>
{students}
{functions}
</body></html>
"""


def _number(x, pattern):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, pattern)


def _students_table(summaries, label, anchors):
    """The pairs of students flagged on more than one function (all of them are in ``submissions.csv``)."""
    several = [p for p in summaries if len(p.flagged) > 1]
    once = (f"<p>{len(summaries) - len(several)} more pair(s) are flagged on one function: see the functions "
            "below.</p>") if len(summaries) > len(several) else ""
    if not several:
        return "<p>No pair of students is flagged on more than one function.</p>" + once
    rows = []
    for rank, p in enumerate(several, start=1):
        links = ", ".join(f'<a href="#{anchors[item]}">{html.escape(item)}</a>' for item in p.flagged)
        rows.append(f"<tr><td>{rank}</td><td>{html.escape(label(p.a))}</td><td>{html.escape(label(p.b))}</td>"
                    f"<td>{len(p.flagged)} of {p.compared}: {links}</td><td>{_number(p.mean_z, '.1f')}</td></tr>")
    return ("<table><tr><th>#</th><th>Student</th><th>Student</th><th>Functions flagged (of those both "
            "answered)</th><th>Mean z over those</th></tr>\n" + "\n".join(rows) + "</table>" + once)


def _function_section(c, item, label, anchor):
    pairs = shown_pairs(c)
    n_flagged = sum(f for _, _, f in pairs)
    head = (f'<h2 id="{anchor}">{html.escape(item.name)}: {html.escape(item.title)}</h2>\n'
            f"<p>{len(c.students)} answers with code of their own; {n_flagged} pair(s) flagged"
            + ("" if len(c.students) >= MIN_ANSWERS else f" (fewer than {MIN_ANSWERS} answers: not judged)")
            + ".</p>")
    if not pairs:
        return head + "<p>No two answers share any code of their own.</p>"
    rows, views = [], []
    for rank, (i, j, flagged) in enumerate(pairs, start=1):
        a, b = c.students[i], c.students[j]
        rows.append(f'<tr class="{"flagged" if flagged else ""}"><td>{rank}</td><td>{html.escape(label(a))}</td>'
                    f"<td>{html.escape(label(b))}</td><td>{c.similarity[i, j]:.0%}</td>"
                    f"<td>{_number(float(c.z[i, j]), '.1f')}</td><td>{int(c.shared[i, j])}</td>"
                    f"<td>{'flagged' if flagged else 'for comparison'}</td></tr>")
        spans_a, spans_b = c.spans(a, b)
        views.append(f"<details{' open' if flagged and rank <= 3 else ''}><summary>#{rank}: "
                     f"{html.escape(label(a))} and {html.escape(label(b))}, {c.similarity[i, j]:.0%}</summary>"
                     f'<div class="side"><div><h4>{html.escape(label(a))}</h4>'
                     f"<pre>{marked(c.answers[a], spans_a, item.function)}</pre></div>"
                     f"<div><h4>{html.escape(label(b))}</h4><pre>{marked(c.answers[b], spans_b, item.function)}"
                     "</pre></div></div></details>")
    table = ("<table><tr><th>#</th><th>Student</th><th>Student</th><th>Similarity</th><th>z</th>"
             "<th>Shared fragments</th><th></th></tr>\n" + "\n".join(rows) + "</table>")
    return head + table + "\n" + "\n".join(views)


def _label(folder, anonymous):
    """Student names, or their pseudonyms keyed with the output folder's secret (the ones `answers` shows)."""
    if not anonymous:
        return lambda student: student
    key = pseudonym_key(folder, create=True)
    return lambda student: anonymous_id(student, key)


def write_similarity_folder(folder, anonymous=False):
    """Write ``folder/similarity/``: ``index.html``, ``pairs.csv`` and ``submissions.csv``; return
    ``(that folder, comparisons, submission pairs)``."""
    code = read_answer_code(folder)
    comparisons = compare_class(code)
    summaries = submission_pairs(comparisons)
    label = _label(folder, anonymous)
    items = {it.name: it for it in load_items()}
    anchors = {name: f"item-{n}" for n, name in enumerate(items)}
    out = Path(folder) / "similarity"
    out.mkdir(exist_ok=True)
    sections = "\n".join(_function_section(c, items[c.item], label, anchors[c.item]) for c in comparisons)
    (out / "index.html").write_text(PAGE.format(k=K, z=Z_FLAG, s=SIMILARITY_FLAG, shared=SHARED_FLAG,
                                                min_answers=MIN_ANSWERS, functions=sections,
                                                students=_students_table(summaries, label, anchors)),
                                    encoding="utf-8")
    with open(out / "pairs.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(PAIR_COLUMNS)
        for c in comparisons:
            for rank, (i, j, flagged) in enumerate(shown_pairs(c), start=1):
                writer.writerow([c.item, rank, label(c.students[i]), label(c.students[j]),
                                 f"{c.similarity[i, j]:.3f}", _number(float(c.z[i, j]), ".2f"),
                                 int(c.shared[i, j]), "yes" if flagged else "no"])
    with open(out / "submissions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(SUBMISSION_COLUMNS)
        for p in summaries:
            writer.writerow([label(p.a), label(p.b), len(p.flagged), ";".join(p.flagged), _number(p.mean_z, ".2f"),
                             p.compared])
    return out, comparisons, summaries

