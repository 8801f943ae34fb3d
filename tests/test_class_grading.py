"""A class graded as a course grades it: roster, policy, regrading one student into the class's folder, the TAs'
scores merged, exports for Canvas and Moodle, and an LMS download graded to the right rows."""
import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from autograder import ROOT, SOLUTIONS_DIR
from autograder.authoring.examples import EXAMPLES_DIR
from autograder.markscheme import written_items

pytestmark = pytest.mark.slow
DUE = datetime(2026, 3, 1, 23, 59, tzinfo=timezone.utc)
ROSTER = """student,name,email,id,sis_user_id,sis_login_id,id_number,section
alice_complete,"Complete, Alice",alice@example.edu,10234,S1,alice,A-1,Sec 1
bob_partial,"Partial, Bob",bob@example.edu,10235,S2,bob,A-2,Sec 1
dan_absent,"Absent, Dan",dan@example.edu,10237,S4,dan,A-4,Sec 2
"""
POLICY = f"""due = {DUE.isoformat().replace('+00:00', 'Z')}
[late]
percent_per_day = 10
max_percent = 50
[extensions]
"alice@example.edu" = 2026-03-03T23:59:00Z
[[override]]
student = "bob_partial"
item = "part1.oracle"
score = 0
reason = "oracle copied from a classmate (academic integrity case 12)"
"""


def run(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)


def book(out):
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def handed_in(folder, when):
    for path in folder.rglob("*.ipynb"):
        os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """alice (on time with her extension) and bob (1.5 days late), graded with a roster and a policy."""
    root = tmp_path_factory.mktemp("course")
    for name in ("alice_complete", "bob_partial"):
        shutil.copytree(EXAMPLES_DIR / name, root / "class" / name)
    handed_in(root / "class" / "alice_complete", DUE + timedelta(days=1))
    handed_in(root / "class" / "bob_partial", DUE + timedelta(days=1, hours=12))
    (root / "roster.csv").write_text(ROSTER)
    (root / "policy.toml").write_text(POLICY)
    out = root / "out"
    result = run("grade", root / "class", "--out", out, "--jobs", "2", "--roster", root / "roster.csv",
                 "--policy", root / "policy.toml")
    assert result.returncode == 0, result.stderr
    return root, out, result


def test_roster_ids_and_missing_students(graded):
    _, out, result = graded
    rows = book(out)
    assert sorted(rows) == ["alice_complete", "bob_partial"]
    assert (rows["alice_complete"]["id"], rows["alice_complete"]["email"]) == ("10234", "alice@example.edu")
    assert "on the roster with no submission (1): Absent, Dan <dan@example.edu> (id 10237)" in result.stdout
    assert "not on the roster" not in result.stdout


def test_policy_late_extension_and_override_end_to_end(graded):
    _, out, result = graded
    alice, bob = book(out)["alice_complete"], book(out)["bob_partial"]
    # bob: 22 autograded points, less the overridden oracle (1 point), then 2 days late x 10%
    assert (bob["part1.oracle"], bob["required"], bob["late_penalty"], bob["score"]) == ("0", "21", "4.2", "16.8")
    assert "oracle copied from a classmate" in bob["adjustments"] and "late by 1.5 days" in bob["adjustments"]
    assert "2 days x 10% = -20% of the score, -4.2 points" in bob["adjustments"]
    # alice: a day after the due date, within her extension (given by e-mail): no penalty
    assert (alice["late_penalty"], alice["score"]) == ("0", "40")
    assert "extension: due 2026-03-03 23:59 UTC" in alice["adjustments"] and "late" not in alice["adjustments"]
    feedback = (out / "bob_partial" / "feedback.md").read_text()
    assert "## Adjustments (course policy)" in feedback and "after a late penalty of 4.2" in feedback
    assert "time from the files' modification times" in feedback
    assert "Adjustments" not in (out / "alice_complete" / "results.json").read_text()
    report = run("report", out)
    assert report.returncode == 0 and "- bob_partial: part1.oracle set to 0 (was 1)" in report.stdout
    assert "Adjusted by the course policy" in (out / "report.md").read_text()


def test_exports_have_the_documented_columns(graded):
    _, out, _ = graded
    for target, header in (
            ("canvas", ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 3", "Lab 3 (extra credit)"]),
            ("moodle", ["Email address", "ID number", "Username", "Full name", "Lab 3", "Lab 3 (extra credit)"])):
        result = run("export", out, "--to", target, "--assignment", "Lab 3")
        assert result.returncode == 0, result.stderr
        with open(out / f"export-{target}.csv", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == header
        by_first = {row[0]: row for row in rows[1:]}
        if target == "canvas":
            assert by_first["Complete, Alice"] == ["Complete, Alice", "10234", "S1", "alice", "Sec 1", "35", "5"]
            assert by_first["Partial, Bob"][5:] == ["16.8", "0"]  # required less the late penalty
            assert by_first["Absent, Dan"][5:] == ["", ""]
        else:
            assert by_first["alice@example.edu"] == ["alice@example.edu", "A-1", "alice", "Complete, Alice", "35", "5"]
        assert "without the id" not in result.stdout
    result = run("export", out, "--to", "csv")
    with open(out / "export-csv.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert (rows["bob_partial"]["total"], rows["bob_partial"]["late_penalty"]) == ("16.8", "4.2")


def test_regrade_one_student_then_merge_ta_scores(graded):
    """Grade the class, regrade bob after a change into the class's folder, then merge the TAs' scores: every
    row is kept, bob's row changes, and nothing else does."""
    root, out, _ = graded
    before = book(out)
    bob = root / "class" / "bob_partial"
    shutil.copy(SOLUTIONS_DIR / "part2_strategies.ipynb", bob / "part2_strategies.ipynb")
    (bob / "unzipped").mkdir()  # his new hand-in, unzipped into a folder of its own: still bob, not "unzipped"
    for notebook in bob.glob("*.ipynb"):
        notebook.rename(bob / "unzipped" / notebook.name)
    handed_in(bob, DUE - timedelta(hours=1))  # on time
    result = run("grade", root / "class" / "bob_partial", "--out", out, "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "Graded 1 submission(s)" in result.stdout
    assert "not among these submissions; their rows are kept as graded earlier: alice_complete" in result.stdout
    after = book(out)
    assert sorted(after) == ["alice_complete", "bob_partial"]
    assert after["alice_complete"] == before["alice_complete"]
    entropy = "part2.entropy_sampling"
    assert float(after["bob_partial"][entropy]) > float(before["bob_partial"][entropy])
    assert after["bob_partial"]["late_penalty"] == "0" and after["bob_partial"]["id"] == "10235"
    again = run("grade", root / "class", "--out", out)
    assert "Graded 0 submission(s)" in again.stdout and "2 unchanged" in again.stdout
    assert book(out) == after
    scores = root / "scores.csv"
    with open(scores, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "item", "points", "score", "comment"])
        for it in written_items():
            writer.writerow(["alice_complete", it.name, it.points, it.points, "matches the rubric"])
    merged = run("grade", root / "class", "--out", out, "--manual", scores)
    assert merged.returncode == 0, merged.stderr
    final = book(out)
    assert final["bob_partial"] == after["bob_partial"]
    changed = {k for k in final["alice_complete"] if final["alice_complete"][k] != after["alice_complete"][k]}
    assert changed == {"score", "required", "extra_credit", *(it.name for it in written_items())}
    assert float(final["alice_complete"]["score"]) == 49
    assert "matches the rubric" in (out / "alice_complete" / "feedback.md").read_text()
    answers = json.loads((out / "written_answers.json").read_text())["students"]
    assert sorted(answers) == ["alice_complete", "bob_partial"]


def test_a_canvas_download_graded_to_its_rows_and_exported_by_canvas_id(tmp_path):
    shutil.copy(SOLUTIONS_DIR / "part1_basics.ipynb", tmp_path / "andersonalice_10234_556677_part1_basics.ipynb")
    shutil.copy(EXAMPLES_DIR / "bob_partial" / "part1_basics.ipynb",
                tmp_path / "brownbob_LATE_10235_556679_part1_basics.ipynb")
    result = run("grade", tmp_path, "--out", tmp_path / "out", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    rows = book(tmp_path / "out")
    assert sorted(rows) == ["andersonalice", "brownbob"] and rows["brownbob"]["id"] == "10235"
    assert float(rows["andersonalice"]["part1.uncertainty_sampling"]) == 2
    assert float(rows["brownbob"]["part1.uncertainty_sampling"]) == 0  # bob's own mistake, not alice's work
    result = run("export", tmp_path / "out", "--to", "canvas")
    with open(tmp_path / "out" / "export-canvas.csv", newline="") as f:
        ids = {row["ID"] for row in csv.DictReader(f)}
    assert ids == {"10234", "10235"}
