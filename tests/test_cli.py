"""The command line: `grade` on the bundled examples and on bad arguments, `check` for students."""
import csv
import hashlib
import json
import shutil
import subprocess
import sys

import pytest

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.authoring.examples import EXAMPLES_DIR
from autograder.markscheme import gradebook_items, load_items, written_items
from autograder.results.gradebook import INFO_COLUMNS
from autograder.results.written import anonymous_id, pseudonym_key

pytestmark = pytest.mark.slow
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def run(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def checksums(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """What one `grade` run grades: the bundled examples, a course in nbgrader's layout (dana: Part 2) and a
    single notebook (erin: Part 1)."""
    more = tmp_path_factory.mktemp("more")
    (more / "course" / "submitted" / "dana" / "lab").mkdir(parents=True)
    shutil.copy(SOLUTIONS_DIR / "part2_strategies.ipynb", more / "course" / "submitted" / "dana" / "lab")
    shutil.copy(SOLUTIONS_DIR / "part1_basics.ipynb", more / "erin.ipynb")
    return [EXAMPLES_DIR, more / "course", more / "erin.ipynb"]


@pytest.fixture(scope="module")
def examples(tmp_path_factory, paths):
    out = tmp_path_factory.mktemp("grades")
    before = checksums(EXAMPLES_DIR)
    result = run("grade", *paths, "--out", out, "--jobs", "2")
    assert checksums(EXAMPLES_DIR) == before, "grading modified a submission"
    return result, out


def gradebook(out):
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def test_grade_exits_zero_and_prints_the_table(examples):
    result, out = examples
    assert result.returncode == 0, result.stderr
    for student in ("alice_complete", "bob_partial", "carol_broken"):
        assert student in result.stdout


def test_gradebook_columns_and_scores(examples):
    _, out = examples
    with open(out / "grades.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header == ["student", "score", "max_score", *[it.name for it in gradebook_items()], *INFO_COLUMNS]
    rows = gradebook(out)
    alice = rows["alice_complete"]
    # 35 autograded + 7 written required; the bonus (5 autograded + 2 written) is extra credit.
    assert float(alice["max_score"]) == 42
    assert float(alice["score"]) == sum(it.points for it in load_items()) == 40  # written: not graded yet
    assert all(alice[it.name] == "" for it in written_items())
    bob = rows["bob_partial"]
    for lost in ("part1.uncertainty_sampling", "part1.active_learning_loop", "part2.entropy_sampling",
                 "part2.strategy_overlap"):
        assert float(bob[lost]) < next(it.points for it in load_items() if it.name == lost), lost
    for kept in ("part1.create_initial_split", "part1.oracle", "part2.margin_sampling", "part2.random_sampling_loop"):
        assert float(bob[kept]) == next(it.points for it in load_items() if it.name == kept), kept
    assert float(bob["part4.modal_learning_loop"]) == 0  # part 4 not handed in
    # Part 3's written answers left at the stub or emptied: 0 at once, not pending
    assert [bob[it.name] for it in written_items()] == ["0", "0", "0", "0"]


def test_broken_submission_keeps_what_works(examples):
    _, out = examples
    carol = gradebook(out)["carol_broken"]
    points = {it.name: it.points for it in load_items()}
    assert float(carol["part1.uncertainty_sampling"]) == 0
    assert float(carol["part1.oracle"]) == points["part1.oracle"]
    assert float(carol["bonus.make_digits_task"]) == 0
    assert float(carol["bonus.query_by_committee"]) == points["bonus.query_by_committee"]
    feedback = (out / "carol_broken" / "feedback.md").read_text()
    assert "SyntaxError" in feedback and "invalid JSON" in feedback and "no answer within" in feedback


def test_results_json_has_gradescope_fields(examples):
    _, out = examples
    for student in ("alice_complete", "bob_partial", "carol_broken"):
        data = json.loads((out / student / "results.json").read_text())
        assert isinstance(data["score"], (int, float)) and isinstance(data["execution_time"], (int, float))
        assert isinstance(data["output"], str) and data["visibility"] in VISIBILITY
        assert data["stdout_visibility"] in VISIBILITY
        assert len(data["tests"]) == len(gradebook_items())
        for test in data["tests"]:
            assert {"name", "number", "output", "visibility"} <= set(test) and test["visibility"] in VISIBILITY
            if "score" in test:
                assert {"score", "max_score", "status"} <= set(test) and test["status"] in ("passed", "failed")
                assert 0 <= test["score"] <= test["max_score"]
        # The total counts only judged points: a written answer not graded yet has no score.
        assert data["score"] == pytest.approx(sum(t.get("score", 0) for t in data["tests"]))
    pending = [t for t in json.loads((out / "alice_complete" / "results.json").read_text())["tests"]
               if "score" not in t]
    assert [t["name"].split(":")[0] for t in pending] == [it.name for it in written_items()]


def test_feedback_names_the_mistake_but_not_the_hidden_tests(examples):
    _, out = examples
    feedback = (out / "bob_partial" / "feedback.md").read_text()
    assert "selected the most confident samples" in feedback
    assert "the pool never shrinks" in feedback
    assert "def test_" not in feedback and "mistake(" not in feedback and "assert " not in feedback


def test_written_answers_pages_scores_and_merge(examples, paths, tmp_path):
    """`answers` then a filled CSV then `grade --manual`: the written points reach every output; a bad CSV
    is refused with its row and column, and nothing already written is lost."""
    _, out = examples
    result = run("answers", out, "--anonymous")
    assert result.returncode == 0, result.stderr
    page = (out / "answers" / "part3.report_cost.html").read_text()
    key = pseudonym_key(out)
    assert "alice_complete" not in page and anonymous_id("alice_complete", key) in page and "Rubric" in page
    with open(out / "answers" / "scores.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(gradebook(out)) * len(written_items())
    for row in rows:  # the TA's marks: alice's answers are the reference answers
        if row["student"] == anonymous_id("alice_complete", key):
            row["score"], row["comment"] = row["points"], "matches the rubric"
        elif row["student"] == anonymous_id("bob_partial", key):
            assert row["score"] == "0" and "no answer" in row["comment"]
    scores = tmp_path / "scores.csv"
    with open(scores, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = (out / "grades.csv").read_text()
    bad = tmp_path / "bad.csv"
    alice = anonymous_id("alice_complete", key)
    bad.write_text(scores.read_text().replace(f"{alice},part3.report_cost,3,3", f"{alice},part3.report_cost,3,4"))
    result = run("grade", *paths, "--out", out, "--manual", bad)
    row = 2 + next(i for i, r in enumerate(rows) if (r["student"], r["item"]) == (alice, "part3.report_cost"))
    assert result.returncode == 2 and f"row {row}, column 'score': 4 is above the item's 3 points" in result.stderr
    assert (out / "grades.csv").read_text() == before, "a refused CSV changed the gradebook"
    result = run("grade", *paths, "--out", out, "--jobs", "2", "--manual", scores)
    assert result.returncode == 0, result.stderr
    alice = gradebook(out)["alice_complete"]
    assert (float(alice["score"]), float(alice["max_score"])) == (49, 42)  # 35 + 7 required, 5 + 2 extra credit
    assert all(float(alice[it.name]) == it.points for it in written_items())
    line = next(row for row in result.stdout.splitlines() if row.startswith("alice_complete"))
    assert "35 / 35 +5 extra" in line and "7 / 7 +2 extra" in line and "49 / 42" in line
    feedback = (out / "alice_complete" / "feedback.md").read_text()
    assert "Score: 49 / 42 (7 of it extra credit)" in feedback and "matches the rubric" in feedback
    data = json.loads((out / "alice_complete" / "results.json").read_text())
    assert data["score"] == 49 and all("score" in t for t in data["tests"])
    result = run("report", out)
    assert result.returncode == 0 and "out of 42; up to 7 more as extra credit" in result.stdout
    # left unscored by the TA: carol's bonus answer (her bonus notebook hangs, but its answer is there)
    assert "; 1 written answer not graded yet" in result.stdout


def test_single_notebook_and_nbgrader_layout(examples):
    """Graded in the same run as the examples: a course in nbgrader's layout and a single notebook (the
    student is its stem)."""
    _, out = examples
    rows = gradebook(out)
    assert float(rows["dana"]["part2.margin_sampling"]) == 2 and float(rows["dana"]["part1.oracle"]) == 0
    assert float(rows["erin"]["part1.oracle"]) == 1 and float(rows["erin"]["part2.margin_sampling"]) == 0


def test_grade_bad_arguments_exit_non_zero_with_a_reason(tmp_path, capsys):
    """In this process (the command line's main): each is refused before any grading starts."""
    from autograder.__main__ import main

    def refused(*args):
        code = main(["grade", *map(str, args)])
        return code, capsys.readouterr().err

    blocker = tmp_path / "file"
    blocker.write_text("")
    cases = [((tmp_path / "missing", "--out", tmp_path / "out"), "no such file or folder"),
             ((SOLUTIONS_DIR / "part1_basics.ipynb", "--out", blocker / "out"), "cannot write to the output folder"),
             ((tmp_path, "--out", tmp_path / "out"), "no submissions found")]
    for args, reason in cases:
        code, err = refused(*args)
        assert code == 2 and reason in err, (args, code, err)
        assert not [other for _, other in cases if other != reason and other in err], err


def test_check_command(tmp_path):
    result = run("check", SOLUTIONS_DIR / "part1_basics.ipynb")
    assert result.returncode == 0 and "✔ part1.create_initial_split" in result.stdout
    result = run("check", NOTEBOOKS_DIR / "part1_basics.ipynb")
    assert result.returncode == 1 and "NotImplementedError" in result.stdout


@pytest.mark.parametrize("seconds", ["0", "-5", "ten", "inf", "nan"])
def test_a_bad_submission_budget_is_refused_before_anything_is_written(seconds, tmp_path):
    result = run("grade", EXAMPLES_DIR / "alice_complete", "--out", tmp_path / "out", "--submission-seconds", seconds)
    assert result.returncode == 2 and not (tmp_path / "out").exists()
    assert f"argument --submission-seconds: {seconds!r} is not a number of seconds above 0" in result.stderr
