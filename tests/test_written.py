"""Written answers and extra credit: the mark scheme, what counts as no answer, the TAs' scores CSV, and how the
gradebook, feedback, results.json and report show pending, graded and extra-credit points."""
import csv
import json

import pytest

from autograder import NOTEBOOKS_DIR, PARTS, SOLUTIONS_DIR
from autograder.results.answers import question_page, reference, score_rows
from autograder.markscheme import gradebook_items, load_items, max_score, written_items
from autograder.notebook import nbgrader_meta, read_notebook
from autograder.results.outputs import feedback_markdown, results_json, summary_table, write_gradebook
from autograder.results.report import distribution, item_stats, read_gradebook
from autograder.results.types import ItemResult, StudentResult, WrittenResult
from autograder.results.written import (TEXT_STUB, ManualError, anonymous_id, answer_status, apply_manual,
                                        read_manual)

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


def write_csv(path, rows, header=("student", "item", "points", "score", "comment")):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def test_manual_scores_by_name_or_pseudonym(tmp_path):
    path = write_csv(tmp_path / "s.csv", [
        ["alice", "part3.report_cost", "3", "2.5", "no p-value"],
        [anonymous_id("bob"), "part3.report_cost", "3", "0", ""],
        ["bob", "part3.report_strategy", "2", "", "look again"],   # not scored yet: pending, comment kept
        ["alice", "part3.report_samples", "2", "", ""],            # untouched row
        ["", "", "", "", ""],
    ])
    assert read_manual(path, STUDENTS) == {("alice", "part3.report_cost"): (2.5, "no p-value"),
                                           ("bob", "part3.report_cost"): (0.0, ""),
                                           ("bob", "part3.report_strategy"): (None, "look again")}


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
    from autograder.results.report import ReportError
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
    page = question_page(item, entries, anonymous_id)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "mallory" not in page and "bob" not in page and anonymous_id("mallory") in page
    assert reference(item)["answer"].split()[0] in page and "Rubric" in page
    assert "mallory" in question_page(item, entries, lambda s: s)


def test_score_rows_keep_what_was_typed_and_prefill_automatic_zeros():
    answers = {"alice": {it.name: WrittenResult(None, it.points, it.title, "An answer.", "pending", "")
                         for it in written_items()},
               "bob": {it.name: WrittenResult(0.0, it.points, it.title, "", "auto", "no answer") for it in written_items()}}
    kept = {("alice", "part3.report_cost"): (2.0, "ok"), ("alice", "part3.report_strategy"): (None, "later")}
    rows = {(r[0], r[1]): r[3:] for r in score_rows(answers, lambda s: s, kept)}
    assert rows[("alice", "part3.report_cost")] == ["2", "ok"]
    assert rows[("alice", "part3.report_strategy")] == ["", "later"]
    assert rows[("alice", "part3.report_samples")] == ["", ""]
    assert rows[("bob", "part3.report_samples")] == ["0", "no answer"]


# --- reading the answers from a submission -----------------------------------------------------------------------

def test_answers_are_read_from_any_well_formed_cell_and_malformed_ones_are_skipped(tmp_path):
    from autograder.grading.submissions import Submission, read_code_cells
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
