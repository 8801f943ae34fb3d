"""The TAs' view of the written answers of a graded batch (the ``answers`` command:
:mod:`autograder.commands.answers`).

``python -m autograder answers DIR`` (after ``grade ... --out DIR``) reads ``DIR/written_answers.json`` and
writes into ``DIR/answers/``:

- ``<item>.html``, one page per written question: the question, the reference answer and the rubric (both
  from the solution notebook's answer cell: the solution region and its mark scheme region), then every
  student's answer side by side, by name or, with ``--anonymous``, by pseudonym (keyed with a secret made
  once in ``DIR``: :func:`~autograder.results.written.pseudonym_key`); ``index.html`` links them. Answers are
  Markdown, rendered and sanitised (:func:`render_markdown`): student text is untrusted;
- ``scores.csv``: one row per student and question (``student, item, points, score, comment``) for the TAs
  to fill in. Answers that are empty get 0 and the reason already. A ``scores.csv`` that is already there
  keeps every score and comment it has (nothing typed in is lost by running ``answers`` again).

``grade ... --out DIR --manual DIR/answers/scores.csv`` then folds the scores into the gradebook, the
feedback and results.json.
"""
import csv
import functools
import html
import json
from pathlib import Path

from autograder import SOLUTIONS_DIR
from autograder.markscheme import written_items
from autograder.notebook import BEGIN_SOLUTION, END_SOLUTION, read_json_notebook, source
from autograder.results.types import WrittenResult
from autograder.results.written import MANUAL_COLUMNS, ManualError, answer_index, pseudonym_key, pseudonyms, read_manual
from autograder.scoring import points_text

BEGIN_MARK_SCHEME, END_MARK_SCHEME = "### BEGIN MARK SCHEME", "### END MARK SCHEME"


class AnswersError(Exception):
    """``DIR`` holds no answers of a ``grade`` run, or the scores CSV there cannot be kept (exit code 2)."""


def _between(lines, begin, end):
    """``(lines between the markers, the other lines)``."""
    inside, outside, on = [], [], False
    for line in lines:
        if line.strip() == begin:
            on = True
        elif line.strip() == end:
            on = False
        else:
            (inside if on else outside).append(line)
    return inside, outside


def reference(item, solutions_dir=SOLUTIONS_DIR):
    """``{"question", "answer", "rubric"}`` of a written item, from its solution notebook.

    The question is the markdown cell just above the answer cell; the answer is the answer cell's solution
    region without its mark scheme region, which is the rubric.
    """
    cells = read_json_notebook(Path(solutions_dir) / f"{item.part}.ipynb")["cells"]
    index = answer_index(cells, item)
    solution, _ = _between(source(cells[index]).splitlines(), BEGIN_SOLUTION, END_SOLUTION)
    rubric, answer = _between(solution, BEGIN_MARK_SCHEME, END_MARK_SCHEME)
    question = source(cells[index - 1]) if index > 0 and cells[index - 1]["cell_type"] == "markdown" else ""
    return {"question": question, "answer": "\n".join(answer).strip(), "rubric": "\n".join(rubric).strip()}


def load_answers(folder):
    """``{student: {item name: WrittenResult}}`` from ``folder/written_answers.json`` (raises AnswersError)."""
    path = Path(folder) / "written_answers.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {student: {name: WrittenResult.from_json(entry) for name, entry in entries.items()}
                for student, entries in data["students"].items()}
    except FileNotFoundError:
        raise AnswersError(f"no {path}: run `python -m autograder grade ... --out {folder}` first") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AnswersError(f"{path} is not one `grade` wrote: {exc}") from exc


# What rendered Markdown may hold: HTML's text and table elements, and MathML's presentation elements (what
# latex2mathml writes), each with only the attributes that change no behaviour. No images (a planted image
# would call home when a TA opens the page), no style, no event handlers, no other link schemes.
HTML_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre", "blockquote",
             "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "s"}
MATHML_ATTRIBUTES = {"math": {"display"}, "mo": {"stretchy", "fence", "form", "minsize", "maxsize", "accent",
                                                 "separator", "lspace", "rspace", "movablelimits"},
                     "mover": {"accent"}, "munder": {"accentunder"}, "munderover": {"accent", "accentunder"},
                     "mfrac": {"linethickness"}, "mspace": {"width"}, "menclose": {"notation"},
                     "mtable": {"columnalign"}, "mtd": {"columnalign"}, "mi": {"mathvariant"},
                     "mstyle": {"displaystyle"}}
MATHML_TAGS = {"mrow", "mi", "mn", "mo", "ms", "mtext", "msup", "msub", "msubsup", "msqrt", "mroot", "mtr",
               "mpadded", "mphantom", *MATHML_ATTRIBUTES}
ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, **MATHML_ATTRIBUTES}


def _math(renderer, tokens, index, options, env):
    """A math token as MathML (latex2mathml); TeX it cannot read stays TeX, as code."""
    import latex2mathml.converter
    token = tokens[index]
    try:
        return latex2mathml.converter.convert(token.content,
                                              display="inline" if token.type == "math_inline" else "block")
    except Exception:  # noqa: BLE001 - any TeX it cannot convert is shown as written
        return f"<code>{html.escape(token.content)}</code>"


@functools.cache
def _markdown_it():
    """CommonMark with tables and ``$...$`` / ``$$...$$`` math; raw HTML and images are shown as text."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    md = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
    # No space inside the dollars: "it costs $5 or $10" stays text, as in pandoc.
    dollarmath_plugin(md, allow_space=False, allow_digits=True, double_inline=True)
    for rule in ("math_inline", "math_inline_double", "math_block", "math_block_label"):
        md.add_render_rule(rule, _math)
    return md


def render_markdown(text):
    """``text`` (Markdown with TeX math, maybe hostile) as HTML that runs nothing and loads nothing.

    markdown-it renders it (raw HTML escaped, links with a safe scheme only, math as MathML), then nh3 (the
    Ammonia sanitiser) keeps only :data:`HTML_TAGS`, :data:`MATHML_TAGS` and :data:`ATTRIBUTES`, links to
    http, https and mailto, and adds ``rel="noopener noreferrer nofollow"`` to links.
    """
    import nh3
    rendered = _markdown_it().render(text)
    return nh3.clean(rendered, tags=HTML_TAGS | MATHML_TAGS, attributes=ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")


# No script, image, font or frame may load, whatever the page holds (a second line of defence).
CSP = "default-src 'none'; style-src 'unsafe-inline'"

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; max-width: 110em; }}
.key {{ display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 1em; }}
.key section {{ background: #f4f6f8; padding: 0 1em; border-radius: 6px; }}
.answers {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(28em, 1fr)); gap: 1em; margin-top: 1em; }}
.answer {{ border: 1px solid #ccc; border-radius: 6px; padding: 0.5em 1em; }}
.answer h3 {{ margin: 0.2em 0; font-size: 1em; }}
.answer .text {{ overflow-wrap: anywhere; }} .answer table {{ border-collapse: collapse; }}
.answer th, .answer td {{ border: 1px solid #bbb; padding: 0.2em 0.5em; }}
.auto {{ background: #fbeaea; }} .graded {{ background: #eaf6ea; }}
.state {{ color: #555; font-size: 0.9em; }}
</style></head><body>
<p><a href="index.html">All questions</a></p>
<h1>{title}</h1>
<p>{points} points{extra}. {n} answers: {pending} to grade, {auto} scored 0 automatically (no answer),
{graded} graded. Score them in <code>scores.csv</code> (columns {columns}), then fold the scores in with
<code>python -m autograder grade ... --out DIR --manual scores.csv</code>.</p>
<div class="key">
<section><h2>Question</h2>{question}</section>
<section><h2>Reference answer</h2>{answer}</section>
<section><h2>Rubric</h2>{rubric}</section>
</div>
<div class="answers">
{cards}
</div>
</body></html>
"""

CARD = """<div class="answer {status}"><h3>{who}</h3>
<div class="state">{state}</div>
<div class="text">{answer}</div></div>"""


def question_page(item, entries, label):
    """The HTML page of one written question: reference, rubric and ``{student: WrittenResult}`` side by side.

    ``label(student)`` is what the page calls a student. Answers are untrusted: see :func:`render_markdown`.
    """
    key = reference(item)
    cards = []
    for student in sorted(entries, key=lambda s: (entries[s].status != "pending", label(s))):  # to grade first
        entry = entries[student]
        state = {"pending": "to grade", "auto": "0 (automatic)"}.get(entry.status) or \
            f"graded: {points_text(entry.score)}"
        if entry.comment:
            state += f" · {entry.comment}"
        cards.append(CARD.format(status=html.escape(entry.status), who=html.escape(label(student)),
                                 state=html.escape(state), answer=render_markdown(entry.answer or "(no answer)")))
    count = {s: sum(e.status == s for e in entries.values()) for s in ("pending", "auto", "graded")}
    return PAGE.format(csp=CSP, title=html.escape(f"{item.name}: {item.title}"), points=points_text(item.points),
                       extra=" (extra credit)" if item.extra else "", n=len(entries), **count,
                       columns=", ".join(MANUAL_COLUMNS), question=render_markdown(key["question"]),
                       answer=render_markdown(key["answer"]),
                       rubric=render_markdown(key["rubric"] or "(no rubric in the solutions)"),
                       cards="\n".join(cards))


def index_page(items):
    links = "\n".join(f'<li><a href="{html.escape(it.name)}.html">{html.escape(it.name)}</a>: '
                      f"{html.escape(it.title)} ({points_text(it.points)} points"
                      f"{', extra credit' if it.extra else ''})</li>"
                      for it in items)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Written answers</title></head>'
            f"<body><h1>Written answers</h1><ul>\n{links}\n</ul></body></html>\n")


def score_rows(answers, label, kept):
    """The rows of ``scores.csv``: ``kept`` scores first, then the automatic zeros, else empty."""
    rows = []
    for it in written_items():
        for student in sorted(answers, key=label):
            entry = answers[student].get(it.name)
            if entry is None:
                continue
            score, comment = kept.get((student, it.name), (None, None))
            if score is None and entry.status in ("auto", "graded"):
                score, comment = entry.score, entry.comment
            rows.append([label(student), it.name, f"{it.points:g}", "" if score is None else f"{score:g}",
                         comment or ""])
    return rows


def _kept_scores(path, students, key):
    """The scores already typed into ``path`` (``{}`` if there is none); a bad file is an AnswersError."""
    if not path.exists():
        return {}
    try:
        return read_manual(path, students, key)
    except ManualError as exc:
        raise AnswersError(f"{exc}; fix it (or move it away) before running `answers` again, "
                           "so that no score typed into it is lost") from exc


def write_answers_folder(folder, anonymous=False):
    """Write ``folder/answers/``: the pages, ``index.html`` and ``scores.csv``; return that folder."""
    answers = load_answers(folder)
    try:
        key = pseudonym_key(folder, create=anonymous)  # also read without --anonymous: scores.csv may use them
        names = {s: n for n, s in pseudonyms(answers, key).items()} if anonymous else {s: s for s in answers}
    except ValueError as exc:
        raise AnswersError(str(exc)) from exc
    label = names.__getitem__
    out = Path(folder) / "answers"
    out.mkdir(exist_ok=True)
    kept = _kept_scores(out / "scores.csv", list(answers), key)
    items = written_items()
    for it in items:
        entries = {s: a[it.name] for s, a in answers.items() if it.name in a}
        (out / f"{it.name}.html").write_text(question_page(it, entries, label), encoding="utf-8")
    (out / "index.html").write_text(index_page(items), encoding="utf-8")
    tmp = out / "scores.csv.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(MANUAL_COLUMNS)
        writer.writerows(score_rows(answers, label, kept))
    tmp.replace(out / "scores.csv")
    return out

