"""Adding a part touches the files the README's "Adding or changing a part" lists, and nothing else.

In a temporary copy of the course, a toy part is added exactly as that section says: a solution notebook with
one graded function, its checks (public and hidden), and its entry in the mark scheme. The copy's own
``release`` then generates the student notebook and the public checks, and the copy's own grader grades a right
and a wrong submission end to end.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder import ROOT

pytestmark = pytest.mark.slow

PART = "part5_toy"

SETUP = "from allab.checks import part5_toy as check\n"
ANSWER = ('def double(x):\n'
          '    """Twice ``x``."""\n'
          '    ### BEGIN SOLUTION\n'
          '    return 2 * x\n'
          '    ### END SOLUTION\n')
PUBLIC = '''"""Public checks of the toy part."""
from allab.checks import public_check


@public_check("double")
def double(call):
    """Twice a small number."""
    value = call("double", 3).value
    assert value == 6, f"double(3) should be 6; got {value!r}"
'''
HIDDEN = '''"""Hidden checks of the toy part."""
from autograder.grading.runner import check, expect


@check("double", core=True)
def double_of_negatives(call, reference):
    """twice a negative number, as the reference says"""
    expect(call("double", -4).value == reference("double", -4).value, "uncommon")
'''
MARKSCHEME = '''
[parts.part5_toy]
title = "Part 5: a toy part"

[parts.part5_toy.items]
double = "Ex. 5.1 double"
'''


def _cell(kind, source, grade_id, **flags):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    cell.metadata["nbgrader"] = {"grade": flags.get("grade", False), "grade_id": grade_id,
                                 "locked": not flags.get("solution", False), "schema_version": 3,
                                 "solution": flags.get("solution", False), "task": False,
                                 **({"points": flags["points"]} if "points" in flags else {})}
    return cell


def toy_solution():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [_cell("markdown", "# Part 5: a toy part\n\n## Exercise 5.1: double", "md_01"),
                _cell("code", SETUP, "given_01"),
                _cell("code", ANSWER, "double", solution=True),
                _cell("code", "check.double(double)", "check_double", grade=True, points=1)]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course with the toy part added by hand: the files the README lists, no others."""
    copy = tmp_path_factory.mktemp("course")
    for name in ("autograder", "notebooks", "solutions", "data"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "figures", "results"))
    for name in ("pyproject.toml", "requirements.txt", "nbgrader_config.py", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    touched = adding_a_part_files()
    nbformat.write(toy_solution(), str(copy / "solutions" / f"{PART}.ipynb"))
    (copy / "autograder" / "checks" / PART).mkdir()
    (copy / "autograder" / "checks" / PART / "public.py").write_text(PUBLIC)
    (copy / "autograder" / "checks" / PART / "hidden.py").write_text(HIDDEN)
    with open(copy / "autograder" / "markscheme.toml", "a") as f:
        f.write(MARKSCHEME)
    assert set(touched) == {f"solutions/{PART}.ipynb", "autograder/markscheme.toml",
                            f"autograder/checks/{PART}/public.py", f"autograder/checks/{PART}/hidden.py"}
    return copy


def adding_a_part_files():
    """The files the README's section "Adding or changing a part" says an instructor touches."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Adding or changing a part", 1)[1].split("\n## ", 1)[0]
    files = re.findall(r"^\d+\. `([^`]+)`", section, flags=re.M)
    return [f.replace("<part>", PART) for f in files]


def run(course, *args):
    """``python -m autograder ARGS`` with the copy's own code (its autograder and its allab)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(course), str(course / "notebooks")])}
    result = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_the_readme_lists_at_most_four_files():
    files = adding_a_part_files()
    assert 1 <= len(files) <= 4, files


def test_a_toy_part_is_released_and_graded(course, tmp_path):
    run(course, "release")
    student = nbformat.read(str(course / "notebooks" / f"{PART}.ipynb"), as_version=4)
    answer = next(c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "double")
    assert "return 2 * x" not in answer.source and "NotImplementedError" in answer.source
    assert (course / "notebooks" / "allab" / "checks" / f"{PART}.py").read_text().count("def double") == 1

    klass = tmp_path / "class"
    for student_name, body in [("right", "return 2 * x"), ("wrong", "return x + 2")]:
        (klass / student_name).mkdir(parents=True)
        nb = toy_solution()
        nb.cells[2].source = f"def double(x):\n    {body}\n"
        nbformat.write(nb, str(klass / student_name / f"{PART}.ipynb"))
    out = tmp_path / "out"
    run(course, "grade", str(klass), "--out", str(out), "--jobs", "1")

    rows = {row["student"]: row for row in csv.DictReader(open(out / "grades.csv", newline=""))}
    assert float(rows["right"]["part5.double"]) == 1.0
    assert float(rows["wrong"]["part5.double"]) == 0.0
    results = json.loads((out / "wrong" / "results.json").read_text())
    double = [t for t in results["tests"] if "part5.double" in t["name"]]
    assert len(double) == 1 and double[0]["score"] == 0 and double[0]["max_score"] == 1
    feedback = (out / "wrong" / "feedback.md").read_text()
    item = feedback.split("(`part5.double`)", 1)[1].split("\n### ", 1)[0]
    assert "double(3) should be 6; got 5" in item                       # the public check's own words
    assert "twice a negative number" in item                            # the hidden check, by its title
    assert "not one of the common mistakes" in item and "ranked" not in item
    right = (out / "right" / "feedback.md").read_text().split("(`part5.double`)", 1)[1].split("\n### ", 1)[0]
    assert "1 / 1" in right and "All checks passed" in right
