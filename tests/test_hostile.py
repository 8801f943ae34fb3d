"""The hostile catalogue (tests/hostile/cases.py), graded in one batch with good students.

For each case: the grader finishes, the student gets a row with every item that still works graded, the
feedback says what happened, the good students are unaffected, and no submission or course file changes.
"""
import csv
import hashlib
import shutil
import subprocess
import sys

import pytest

from autograder import NOTEBOOKS_DIR, PARTS, ROOT, SOLUTIONS_DIR
from autograder.markscheme import load_items
from autograder.sandbox import can_isolate
from hostile.cases import CASES as _CASES, OUT, PART
from hostile.reach import REACH_CASES

CASES = _CASES + REACH_CASES

pytestmark = pytest.mark.slow
RUNNABLE = [c for c in CASES if can_isolate() or not c.needs_isolation]


def checksums(*folders):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*"))
            if p.is_file() and not {".venv", "__pycache__"} & set(p.parts)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    klass, out = root / "class", root / "out"
    (klass / "good_complete").mkdir(parents=True)
    for part in PARTS:
        shutil.copy(SOLUTIONS_DIR / f"{part}.ipynb", klass / "good_complete")
    for case in RUNNABLE:
        case.build(klass / case.name)
        path = klass / case.name / f"{PART}.ipynb"
        if path.exists() and OUT.encode() in path.read_bytes():
            path.write_bytes(path.read_bytes().replace(OUT.encode(), str(out).encode()))
    course = [SOLUTIONS_DIR, NOTEBOOKS_DIR]
    before, course_before = checksums(klass), checksums(*course)
    readme = (ROOT / "README.md").read_bytes()
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", str(klass), "--out", str(out),
                             "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert checksums(klass) == before, "a submission file changed"
    assert checksums(*course) == course_before and (ROOT / "README.md").read_bytes() == readme, \
        "a course file changed"
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return result, out, rows


def test_the_batch_finishes(graded):
    result, _, rows = graded
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(rows) == {"good_complete", *(c.name for c in RUNNABLE)}


def test_good_student_is_unaffected(graded):
    _, _, rows = graded
    assert float(rows["good_complete"]["score"]) == sum(it.points for it in load_items())


def test_forged_gradebook_is_not_the_grader_s(graded):
    _, out, rows = graded
    assert "forged,100,100" not in (out / "grades.csv").read_text()
    assert not (out / "results.json").exists()
    assert float(rows["forged_results"]["part1.oracle"]) == 0


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case, graded):
    if case not in RUNNABLE:
        pytest.skip("needs workers isolated in namespaces as an unprivileged user (run the grader as root on Linux)")
    _, out, rows = graded
    row = rows[case.name]
    points = {it.function: it.points for it in load_items() if it.part == PART}
    for item in case.full:
        assert float(row[f"part1.{item}"]) == points[item], f"{case.name}: {item} lost points"
    for item in case.zero:
        assert float(row[f"part1.{item}"]) == 0, f"{case.name}: {item} got points"
    feedback = (out / case.name / "feedback.md").read_text()
    for text in case.says:
        assert text in feedback, f"{case.name}: feedback does not say {text!r}"
