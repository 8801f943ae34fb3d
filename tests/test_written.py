"""Written answers and extra credit: the mark scheme, what counts as no answer, the TAs' scores CSV, and how the
gradebook, feedback, results.json and report show pending, graded and extra-credit points."""
import csv
import json

import pytest

from allab.check import TEXT_STUB
from autograder import NOTEBOOKS_DIR, PARTS, ROOT, SOLUTIONS_DIR
from autograder.markscheme import gradebook_items, load_items, max_score, written_items
from autograder.notebook import nbgrader_meta, read_notebook
from autograder.results.answers import (
    ATTRIBUTES,
    HTML_TAGS,
    MATHML_TAGS,
    question_page,
    reference,
    render_markdown,
    score_rows,
    write_answers_folder,
)
from autograder.results.gradebook import distribution, item_stats, read_gradebook
from autograder.results.outputs import feedback_markdown, results_json, summary_table, write_answers, write_gradebook
from autograder.results.types import ItemResult, StudentResult, WrittenResult
from autograder.results.written import (
    KEY_FILE,
    ManualError,
    anonymous_id,
    answer_status,
    apply_manual,
    collect,
    pseudonym_key,
    read_manual,
)

POINTS = {it.name: it.points for it in written_items()}


def test_written_items_are_the_solutions_manually_graded_cells():
    found = {}
    for part in PARTS:
        for cell in read_notebook(SOLUTIONS_DIR / f"{part}.ipynb").cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
                found[(part, meta["grade_id"])] = meta["points"]
    assert found == {(it.part, it.function): it.points for it in written_items()}
    assert sum(found.values()) == 9


def test_required_and_extra_credit_split():
    """35 autograded + 7 written required; the bonus (5 + 2) is extra credit, outside max_score."""
    items = gradebook_items()
    assert max_score(load_items()) == 35 and max_score(written_items()) == 7 and max_score(items) == 42
    assert sum(it.points for it in items if it.extra) == 7
    assert {it.part for it in items if it.extra} == {"bonus"}


def test_text_stub_is_the_course_configs():
    from autograder.authoring.release import course_config
    assert course_config().ClearSolutions.text_stub == TEXT_STUB


def test_the_grader_spells_the_text_stub_nowhere_but_takes_allab_s():
    """One definition, allab.check's (students' package: the pre-upload check and the grader agree on what is
    unanswered); no module of the grader has its own copy of the stub or of the rule."""
    spelled = [p.relative_to(ROOT).as_posix() for p in (ROOT / "autograder").rglob("*.py")
               if TEXT_STUB in p.read_text() or 'replace(TEXT_STUB' in p.read_text()]
    assert not spelled, spelled


@pytest.mark.parametrize("text, status", [
    ("", "auto"), ("  \n\n ", "auto"), (TEXT_STUB, "auto"), (f"\n{TEXT_STUB}\n", "auto"),
    (f"{TEXT_STUB}\n\nActive learning saved 15 labels.", "pending"), ("Saved 15 labels.", "pending"),
    (None, "pending"),  # no answer cell: a TA must look, it is not scored 0 blindly
])
def test_what_counts_as_no_answer(text, status):
    got, comment = answer_status(text)
    assert got == status
    assert ("no answer" in comment) == (status == "auto")


@pytest.mark.parametrize("item", written_items(), ids=lambda it: it.name)
def test_reference_and_rubric_come_from_the_solutions_and_never_reach_students(item):
    key = reference(item)
    assert key["question"] and len(key["answer"]) > 200 and "point" in key["rubric"]
    assert "MARK SCHEME" not in key["answer"] and "SOLUTION" not in key["answer"] + key["rubric"]
    student = "\n".join(c.source for c in read_notebook(NOTEBOOKS_DIR / f"{item.part}.ipynb").cells)
    for line in (key["answer"] + "\n" + key["rubric"]).splitlines():
        if len(line.strip()) > 25:
            assert line.strip() not in student, f"{item.name} leaks: {line.strip()}"


# --- the TAs' scores CSV ---------------------------------------------------------------------------------------

STUDENTS = ["alice", "bob"]
KEY = bytes(range(32))


def write_csv(path, rows, header=("student", "item", "points", "score", "comment")):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def test_manual_scores_by_name_or_pseudonym(tmp_path):
    path = write_csv(tmp_path / "s.csv", [
        ["alice", "part3.report_cost", "3", "2.5", "no p-value"],
        [anonymous_id("bob", KEY), "part3.report_cost", "3", "0", ""],
        ["bob", "part3.report_strategy", "2", "", "look again"],   # not scored yet: pending, comment kept
        ["alice", "part3.report_samples", "2", "", ""],            # untouched row
        ["", "", "", "", ""],
    ])
    assert read_manual(path, STUDENTS, KEY) == {("alice", "part3.report_cost"): (2.5, "no p-value"),
                                                ("bob", "part3.report_cost"): (0.0, ""),
                                                ("bob", "part3.report_strategy"): (None, "look again")}
    # Without the key (or with another) a pseudonym names nobody.
    for key in (None, bytes(32)):
        with pytest.raises(ManualError, match=f"row 3, column 'student': unknown student '{anonymous_id('bob', KEY)}'"):
            read_manual(path, STUDENTS, key)


@pytest.mark.parametrize("row, where, what", [
    (["zoe", "part3.report_cost", "3", "1", ""], "column 'student'", "unknown student 'zoe'"),
    (["alice", "part3.report_costs", "3", "1", ""], "column 'item'", "not a written item"),
    (["alice", "part1.oracle", "1", "1", ""], "column 'item'", "not a written item"),
    (["alice", "part3.report_cost", "3", "3.5", ""], "column 'score'", "above the item's 3 points"),
    (["alice", "part3.report_cost", "3", "two", ""], "column 'score'", "'two' is not a number"),
    (["alice", "part3.report_cost", "3", "-1", ""], "column 'score'", "not a score from 0 to 3"),
    (["alice", "part3.report_cost", "3", "nan", ""], "column 'score'", "not a score from 0 to 3"),
])
def test_a_bad_row_is_named_by_row_and_column(tmp_path, row, where, what):
    path = write_csv(tmp_path / "s.csv", [["bob", "part3.report_cost", "3", "1", ""], row])
    with pytest.raises(ManualError) as exc:
        read_manual(path, STUDENTS)
    assert f"row 3, {where}" in str(exc.value) and what in str(exc.value), str(exc.value)


def test_a_second_score_or_a_missing_column_is_refused(tmp_path):
    path = write_csv(tmp_path / "s.csv", [["bob", "part3.report_cost", "3", "1", ""],
                                          ["bob", "part3.report_cost", "3", "2", ""]])
    with pytest.raises(ManualError, match="row 3: a second row for bob"):
        read_manual(path, STUDENTS)
    path = write_csv(tmp_path / "t.csv", [["bob", "part3.report_cost", "1"]], header=("student", "item", "mark"))
    with pytest.raises(ManualError, match="no column 'score'"):
        read_manual(path, STUDENTS)


# --- a result with pending, graded and extra-credit points ----------------------------------------------------

def make_result(auto_share=1.0):
    """Full marks on the autograded items (bonus included) times ``auto_share``, every written answer pending."""
    items = {it.name: ItemResult(it.points * auto_share, it.points, it.title) for it in load_items()}
    written = {it.name: WrittenResult(None, it.points, it.title, "An answer.", "pending", "") for it in written_items()}
    return StudentResult("alice", items=items, written=written)


def test_pending_answers_count_in_max_score_not_in_score():
    result = make_result()
    assert (result.score, result.max_score, result.pending) == (40, 42, 9)
    data = results_json(result)
    assert data["score"] == 40 == sum(t.get("score", 0) for t in data["tests"])
    pending = [t for t in data["tests"] if "score" not in t]
    assert len(pending) == 4 and all("not graded yet" in t["output"] for t in pending)
    on_gradescope = results_json(result, written=False)  # written questions are graded in Gradescope's outline
    assert [t["name"].split(":")[0] for t in on_gradescope["tests"]] == [it.name for it in load_items()]
    assert on_gradescope["score"] == 40 and "graded by hand" in on_gradescope["output"]
    text = feedback_markdown(result)
    assert "Score: 40 / 42 (5 of it extra credit; 9 points of written answers not graded yet)" in text
    assert "Report 1: cost-effectiveness (written) (`part3.report_cost`): pending / 3" in text


def test_graded_answers_and_extra_credit_take_the_score_above_max_score(tmp_path):
    result = make_result()
    scores = {("alice", it.name): (it.points, "good") for it in written_items()}
    scores[("bob", "part3.report_cost")] = (1.0, "")   # someone else's: not applied to alice
    assert apply_manual(result, scores) == 4
    assert (result.score, result.max_score, result.pending) == (49, 42, 0)
    assert result.written["part3.report_cost"].status == "graded"
    data = results_json(result)
    assert data["score"] == 49 == sum(t["score"] for t in data["tests"])
    assert results_json(result, written=False)["score"] == 40
    assert any(t["name"] == "bonus.digits_analysis: Bonus 2 question: does active learning help on digits? "
                            "(written, extra credit)" and t["score"] == 2 for t in data["tests"])
    assert "Score: 49 / 42 (7 of it extra credit)" in feedback_markdown(result)
    lines = summary_table([result]).splitlines()
    assert "35 / 35 +5 extra" in lines[1] and "7 / 7 +2 extra" in lines[1] and "49 / 42" in lines[1]
    write_gradebook([result], tmp_path / "grades.csv")
    book = read_gradebook(tmp_path / "grades.csv")
    assert book.totals == [49] and book.max_score == 42 and book.items["part3.report_cost"] == [3]


def test_gradebook_and_report_show_pending_answers_and_extra_credit(tmp_path):
    results = [make_result(), make_result(0.5)]
    results[1].student = "bob"
    apply_manual(results[1], {("bob", "part3.report_cost"): (1.0, "")})
    write_gradebook(results, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["alice"]["part3.report_cost"] == "" and rows["bob"]["part3.report_cost"] == "1"
    assert rows["bob"]["score"] == "21" and rows["bob"]["max_score"] == "42"
    book = read_gradebook(tmp_path / "grades.csv")
    stats = {s.name: s for s in item_stats(book)}
    assert (stats["part3.report_cost"].n, stats["part3.report_cost"].pending) == (1, 1)
    assert (stats["part3.report_samples"].n, stats["part3.report_samples"].pending) == (0, 2)
    assert stats["bonus.query_by_committee"].extra and not stats["part1.oracle"].extra
    dist = distribution(book)
    assert (dist["max_score"], dist["extra"], dist["pending"]) == (42, 7, 7)


def test_an_empty_autograded_cell_is_still_an_error(tmp_path):
    from autograder.results.gradebook import ReportError
    write_gradebook([make_result()], tmp_path / "grades.csv")
    text = (tmp_path / "grades.csv").read_text().replace("alice,40,42,2,", "alice,40,42,,")
    (tmp_path / "grades.csv").write_text(text)
    with pytest.raises(ReportError, match="line 2: not a number"):
        read_gradebook(tmp_path / "grades.csv")


# --- the TAs' pages ----------------------------------------------------------------------------------------------

def test_question_page_escapes_answers_and_can_hide_names():
    item = written_items()[0]
    entries = {"mallory": WrittenResult(None, item.points, item.title, "<script>alert(1)</script> my answer",
                                        "pending", ""),
               "bob": WrittenResult(0.0, item.points, item.title, TEXT_STUB, "auto", "no answer: the stub")}
    page = question_page(item, entries, lambda s: anonymous_id(s, KEY))
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "mallory" not in page and "bob" not in page and anonymous_id("mallory", KEY) in page
    assert reference(item)["answer"].split()[0] in page and "Rubric" in page
    assert "mallory" in question_page(item, entries, lambda s: s)


def test_score_rows_keep_what_was_typed_and_prefill_automatic_zeros():
    answers = {"alice": {it.name: WrittenResult(None, it.points, it.title, "An answer.", "pending", "")
                         for it in written_items()},
               "bob": {it.name: WrittenResult(0.0, it.points, it.title, "", "auto", "no answer")
                       for it in written_items()}}
    kept = {("alice", "part3.report_cost"): (2.0, "ok"), ("alice", "part3.report_strategy"): (None, "later")}
    rows = {(r[0], r[1]): r[3:] for r in score_rows(answers, lambda s: s, kept)}
    assert rows[("alice", "part3.report_cost")] == ["2", "ok"]
    assert rows[("alice", "part3.report_strategy")] == ["", "later"]
    assert rows[("alice", "part3.report_samples")] == ["", ""]
    assert rows[("bob", "part3.report_samples")] == ["0", "no answer"]


# --- reading the answers from a submission -----------------------------------------------------------------------

def test_answers_are_read_from_any_well_formed_cell_and_malformed_ones_are_skipped(tmp_path):
    from autograder.grading.notebook_file import read_code_cells
    from autograder.grading.submissions import Submission
    from autograder.results.written import collect

    def answer(source, grade_id="report_cost", cell_type="markdown"):
        return {"cell_type": cell_type, "metadata": {"nbgrader": {"grade_id": grade_id}}, "source": source}
    cells = [answer([1, 2]), answer(None), {"cell_type": "markdown", "metadata": [], "source": "x"},
             answer("x", grade_id=["report_cost"]), answer(["Saved ", "15 labels."]),
             answer("Copied cell: more.", cell_type="raw"), answer(""), answer(TEXT_STUB, grade_id="report_strategy"),
             {"cell_type": "code", "metadata": {}, "source": "def plot_learning_curves():\n    pass\n"}]
    path = tmp_path / "part3.ipynb"
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    nb = read_code_cells(path)
    assert nb.texts["report_cost"] == "Saved 15 labels.\n\nCopied cell: more.\n\n"
    entries = collect(Submission("s", tmp_path, notebooks={"part3_experiments": nb}))
    assert entries["part3.report_cost"].status == "pending"
    assert entries["part3.report_strategy"].status == "auto"
    assert entries["part3.report_samples"].status == "pending"           # no such cell: a TA must look
    assert "not found" in entries["part3.report_samples"].comment
    assert entries["bonus.digits_analysis"].comment == "no answer: no notebook of bonus was handed in"
    assert entries["bonus.digits_analysis"].score == 0


# --- pseudonyms: keyed with a secret kept in the output folder ----------------------------------------------------

def test_pseudonym_key_is_made_once_private_and_read_back(tmp_path):
    import hashlib
    import stat
    assert pseudonym_key(tmp_path) is None  # not made unless asked for
    key = pseudonym_key(tmp_path, create=True)
    path = tmp_path / KEY_FILE
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pseudonym_key(tmp_path, create=True) == key == pseudonym_key(tmp_path)  # never replaced
    (tmp_path / "elsewhere").mkdir()
    other = pseudonym_key(tmp_path / "elsewhere", create=True)
    assert other != key
    # Stable with the same key, different with another, and not the unkeyed hash the class list would reverse.
    assert anonymous_id("alice", key) == anonymous_id("alice", key) != anonymous_id("alice", other)
    assert anonymous_id("alice", key) != "anon-" + hashlib.sha256(b"alice").hexdigest()[:8]
    assert len({anonymous_id(s, key) for s in ("alice", "bob", "carol")}) == 3
    path.write_text("not a key\n")
    with pytest.raises(ValueError, match="is not a pseudonyms' key"):
        pseudonym_key(tmp_path)


def graded_folder(folder, answers):
    """An output folder of `grade` holding ``{student: {item name: answer text}}`` (other items: the stub)."""
    folder.mkdir(exist_ok=True)
    results = []
    for student, texts in answers.items():
        written = {}
        for it in written_items():
            status, comment = answer_status(texts.get(it.name, TEXT_STUB))
            written[it.name] = WrittenResult(0.0 if status == "auto" else None, it.points, it.title,
                                             texts.get(it.name, TEXT_STUB), status, comment)
        results.append(StudentResult(student, written=written))
    write_answers(results, folder / "written_answers.json")
    return folder


def test_answers_anonymous_pages_are_stable_across_runs_and_scores_survive(tmp_path):
    folder = graded_folder(tmp_path / "out", {"alice": {"part3.report_cost": "Saved 15 labels."},
                                              "bob": {"part3.report_cost": "Saved 10 labels."}})
    out = write_answers_folder(folder, anonymous=True)
    key = pseudonym_key(folder)
    page = (out / "part3.report_cost.html").read_text()
    assert "alice" not in page and anonymous_id("alice", key) in page and anonymous_id("bob", key) in page
    scores = (out / "scores.csv").read_text()
    assert "alice" not in scores and anonymous_id("alice", key) in scores
    # A TA scores alice's answer; the next run keeps the pseudonyms and the score.
    row = f"{anonymous_id('alice', key)},part3.report_cost,3,,"
    assert row in scores
    (out / "scores.csv").write_text(scores.replace(row, row[:-1] + "2,clear"))
    write_answers_folder(folder, anonymous=True)
    assert pseudonym_key(folder) == key and (out / "part3.report_cost.html").read_text() == page
    assert f"{anonymous_id('alice', key)},part3.report_cost,3,2,clear" in (out / "scores.csv").read_text()
    # Without --anonymous the same scores come back under the names.
    write_answers_folder(folder)
    assert "alice,part3.report_cost,3,2,clear" in (out / "scores.csv").read_text()


# --- rendering student text: Markdown and math, sanitised ---------------------------------------------------------

class Elements:
    """The elements and attributes of an HTML fragment, as a browser's tokenizer sees them."""

    def __init__(self, fragment):
        from html.parser import HTMLParser
        self.found, self.text = [], []
        parser = HTMLParser(convert_charrefs=True)
        parser.handle_starttag = lambda tag, attrs: self.found.append((tag, dict(attrs)))
        parser.handle_startendtag = parser.handle_starttag
        parser.handle_data = self.text.append
        parser.feed(fragment)
        parser.close()


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="https://example.org" onclick="alert(1)">a link</a>',
    "[click](javascript:alert(1))", "[click](JaVaScRiPt:alert(1))", "[click](  javascript&colon;alert(1))",
    "[click](vbscript:msgbox(1))", "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)", "![pixel](https://tracker.example/p.png)",
    "<style>body { display: none }</style>", '<div style="background:url(javascript:alert(1))">x</div>',
    '<span style="position:fixed;top:0;left:0;width:100%;height:100%">cover</span>',
    "<iframe src=https://example.org></iframe>", "<object data=x></object>", "<svg onload=alert(1)>",
    '<form action="https://example.org"><input name=x></form>', '<meta http-equiv="refresh" content="0;url=x">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    r"$\href{javascript:alert(1)}{click}$", r"$\text{<script>alert(1)</script>}$", r"$\color{red}{x}$",
    "<details open ontoggle=alert(1)>", "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_answers_are_neutralised(text):
    rendered = render_markdown(text)
    elements = Elements(rendered)
    for tag, attrs in elements.found:
        assert tag in HTML_TAGS | MATHML_TAGS, (tag, rendered)
        assert set(attrs) <= ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set()), (tag, attrs)
        if "href" in attrs:
            assert attrs["href"].startswith(("https://", "http://", "mailto:")), attrs
    assert not any(tag in ("script", "img", "style", "iframe", "svg", "form", "meta") for tag, _ in elements.found)
    # Raw HTML is shown as the text it is, not dropped: the TA sees what was written.
    if text.startswith("<") and "math" not in text:
        assert "<" in "".join(elements.text), rendered


def test_a_markdown_table_renders_as_a_table():
    text = "Labels to 85%:\n\n| method | labels |\n|---|--:|\n| active | 40 |\n| random | 110 |\n"
    elements = Elements(render_markdown(text))
    tags = [tag for tag, _ in elements.found]
    assert tags.count("table") == 1 and tags.count("th") == 2 and tags.count("tr") == 3 and tags.count("td") == 4
    assert [t.strip() for t in elements.text if t.strip()][:4] == ["Labels to 85%:", "method", "labels", "active"]


def test_math_renders_as_mathml_and_unreadable_tex_stays_text():
    rendered = render_markdown(r"A gain of $\frac{1}{2}$ and $$\sum_i x_i^2$$; it costs $5 or $10.")
    tags = [tag for tag, _ in Elements(rendered).found]
    assert tags.count("math") == 2 and "mfrac" in tags and ("msubsup" in tags or "msup" in tags)
    assert "$5 or $10." in rendered  # money is not math
    assert "<code>" not in rendered


# --- an answer written outside its answer cell -----------------------------------------------------------------

def student_part3(tmp_path, edit):
    """The released Part 3 with ``edit(cells)`` applied, read as the grader reads a submission."""
    from autograder.grading.notebook_file import read_code_cells
    nb = json.loads((NOTEBOOKS_DIR / "part3_experiments.ipynb").read_text())
    edit(nb["cells"])
    path = tmp_path / "part3_experiments.ipynb"
    path.write_text(json.dumps(nb))
    return read_code_cells(path)


def cell_index(cells, grade_id):
    return next(i for i, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def new_cell(text, cell_type="markdown"):
    return {"cell_type": cell_type, "metadata": {}, "source": text}


def test_an_answer_in_a_new_cell_is_found_and_shown(tmp_path):
    from autograder.grading.submissions import Submission

    def edit(cells):
        # report_cost: the answer cell deleted, the answer written in two new cells under the question.
        del cells[cell_index(cells, "report_cost")]
        at = cell_index(cells, "md_31") + 1
        cells[at:at] = [new_cell("Active learning needed **40** labels,"), new_cell("random sampling 110.")]
        # report_strategy: the answer cell left at the stub, the answer in a new cell below it.
        at = cell_index(cells, "report_strategy") + 1
        cells.insert(at, new_cell("Margin sampling, by 0.02 AULC."))
        # report_samples untouched (the stub); a student's note elsewhere belongs to no question.
        cells.insert(cell_index(cells, "md_03"), new_cell("My notes: remember to rerun."))
    nb = student_part3(tmp_path, edit)
    entries = collect(Submission("mallory", tmp_path, notebooks={"part3_experiments": nb}))
    cost, strategy, samples = (entries[f"part3.{k}"] for k in ("report_cost", "report_strategy", "report_samples"))
    assert cost.status == "pending" and cost.answer == "Active learning needed **40** labels,\n\nrandom sampling 110."
    assert "was not found" in cost.comment and "new cell(s) written under the question" in cost.comment
    assert strategy.status == "pending" and strategy.answer == "Margin sampling, by 0.02 AULC."
    assert "is empty" in strategy.comment
    assert samples.status == "auto" and samples.score == 0 and "notes" not in samples.answer
    assert not any("notes" in e.answer for e in entries.values())
    # ... and the TA sees it under a pseudonym too.
    item = next(it for it in written_items() if it.name == "part3.report_cost")
    page = question_page(item, {"mallory": cost}, lambda s: anonymous_id(s, KEY))
    assert "<strong>40</strong> labels" in page and "mallory" not in page and anonymous_id("mallory", KEY) in page


def test_an_answer_cell_answered_keeps_its_text_and_adds_new_cells(tmp_path):
    from autograder.grading.submissions import Submission

    def edit(cells):
        cells[cell_index(cells, "report_cost")]["source"] = "It saved 70 labels."
        cells.insert(cell_index(cells, "report_cost") + 1, new_cell("(see the table above)"))
        # the next question's text unchanged: it bounds report_cost's answer
        cells.insert(cell_index(cells, "md_32") + 1, new_cell("Margin sampling."))
    nb = student_part3(tmp_path, edit)
    entries = collect(Submission("s", tmp_path, notebooks={"part3_experiments": nb}))
    assert entries["part3.report_cost"].answer == "It saved 70 labels.\n\n(see the table above)"
    assert entries["part3.report_cost"].comment == ""  # nothing for the pre-upload check to warn about
    assert entries["part3.report_strategy"].answer == "Margin sampling."
    untouched = student_part3(tmp_path, lambda cells: None)
    assert {e.status for e in collect(Submission("s", tmp_path, notebooks={"part3_experiments": untouched})).values()
            if e.title.startswith("Report")} == {"auto"}
