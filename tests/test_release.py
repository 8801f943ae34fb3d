"""The student release is generated from solutions/ and holds no solution code."""
import ast
import os

import pytest

from autograder import NOTEBOOKS_DIR, PARTS, SOLUTIONS_DIR
from autograder.authoring.release import stale_files
from autograder.notebook import answer_cells, nbgrader_meta, read_notebook


def test_committed_release_is_what_the_solutions_generate():
    stale = stale_files()
    assert not stale, f"out of date (run `python -m autograder release`): {[p.name for p in stale]}"


def test_release_detects_an_edited_solution(tmp_path):
    """The up-to-date check can fail: a changed solution makes the committed release stale."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for part in PARTS:
        text = (SOLUTIONS_DIR / f"{part}.ipynb").read_text()
        if part == "part1_basics":
            text = text.replace("Part 1: Active learning from scratch", "Part 1: edited")
        (solutions / f"{part}.ipynb").write_text(text)
    stale = stale_files(solutions_dir=solutions, notebooks_dir=NOTEBOOKS_DIR)
    assert [p.name for p in stale] == ["part1_basics.ipynb"]


@pytest.mark.parametrize("part", PARTS)
def test_student_notebook_contains_no_solution_code(part):
    solution = read_notebook(SOLUTIONS_DIR / f"{part}.ipynb")
    student = read_notebook(NOTEBOOKS_DIR / f"{part}.ipynb")
    student_text = "\n".join(cell.source for cell in student.cells)
    assert "BEGIN SOLUTION" not in student_text and "END SOLUTION" not in student_text
    answers = answer_cells(solution)
    # Lines the notebook shows anyway (given code, markdown) are not leaks when a solution has them too.
    shown = "\n".join(cell.source for cell in solution.cells if cell.source not in answers.values())
    for grade_id, source in answers.items():
        inside = source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
        for line in inside.splitlines():
            if len(line.strip()) > 25 and line.strip() not in shown:  # a distinctive solution line
                assert line.strip() not in student_text, f"{part}/{grade_id} leaks: {line.strip()}"
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")


@pytest.mark.parametrize("part", PARTS)
def test_every_graded_function_has_a_cell_of_its_own_and_a_check(part):
    nb = read_notebook(SOLUTIONS_DIR / f"{part}.ipynb")
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids in {part}"
    for grade_id, source in answer_cells(nb).items():
        functions = [s.name for s in ast.parse(source).body if isinstance(s, ast.FunctionDef)]
        assert functions == [grade_id], f"{part}: answer cell {grade_id} must define exactly that function"
        assert f"check_{grade_id}" in ids, f"{part}: {grade_id} has no check cell"


def test_the_student_package_gets_each_parts_public_checks_as_they_are(tmp_path):
    """allab/checks/<part>.py is a relative link to autograder/checks/<part>/public.py (one file, no copy to
    keep in step); a copy instead of the link is stale."""
    from autograder.authoring.release import public_check_links, stale_files
    from autograder.grading.runner import CHECKS_DIR, check_parts
    links = public_check_links()
    assert {p.name for p in links} == {f"{part}.py" for part in check_parts()}
    for link in links:
        assert link.is_symlink() and not os.path.isabs(os.readlink(link))
        assert link.resolve() == (CHECKS_DIR / link.stem / "public.py").resolve()
    copy = tmp_path / "allab" / "checks" / "part1_basics.py"
    copy.parent.mkdir(parents=True)
    copy.write_text((CHECKS_DIR / "part1_basics" / "public.py").read_text())
    assert copy in stale_files(notebooks_dir=tmp_path)
