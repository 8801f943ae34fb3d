"""nbgrader works on the lab: generate_assignment, autograde and validate in a temporary course laid out as the
README says ("With nbgrader": source/lab/ with the solutions and nbgrader_config.py, submitted/<student>/lab/)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR

pytestmark = pytest.mark.slow
# Two parts keep the test short; the others are built the same way (test_release checks their metadata).
PARTS = ["part1_basics", "part2_strategies"]
NBGRADER = [sys.executable, "-m", "nbgrader"]


def nbgrader(course, *args):
    # The kernel imports allab; nbgrader runs `alembic` from the environment's bin folder.
    env = dict(os.environ, PYTHONPATH=str(NOTEBOOKS_DIR),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    result = subprocess.run([*NBGRADER, *args], cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    (course / "source" / "lab").mkdir(parents=True)
    for part in PARTS:
        shutil.copy(SOLUTIONS_DIR / f"{part}.ipynb", course / "source" / "lab")
    nbgrader(course, "generate_assignment", "lab", "--force")
    for student, folder in (("complete", SOLUTIONS_DIR), ("untouched", course / "release" / "lab")):
        (course / "submitted" / student / "lab").mkdir(parents=True)
        for part in PARTS:
            shutil.copy(folder / f"{part}.ipynb", course / "submitted" / student / "lab")
    # A correct answer that writes a warning to stderr: nbgrader zeroes a test cell that does that,
    # so the check cells must keep it off stderr.
    noisy = course / "submitted" / "complete" / "lab" / "part1_basics.ipynb"
    noisy.write_text(noisy.read_text().replace(
        "probas = model.predict_proba(X_pool)\\n",
        "import warnings; warnings.warn('lbfgs failed to converge'); import sys; print('noise', file=sys.stderr)\\n"
        "    probas = model.predict_proba(X_pool)\\n", 1))
    assert "lbfgs failed" in noisy.read_text()
    nbgrader(course, "autograde", "lab", "--force")
    return course


def scores(course, student):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission("lab", student)
        return {nb.name: (nb.score, nb.max_score) for nb in submission.notebooks}


def test_generate_assignment_gives_the_committed_release(course):
    import nbformat
    for part in PARTS:
        generated = nbformat.read(str(course / "release" / "lab" / f"{part}.ipynb"), as_version=4)
        committed = nbformat.read(str(NOTEBOOKS_DIR / f"{part}.ipynb"), as_version=4)
        assert [c.source for c in generated.cells] == [c.source for c in committed.cells]


def test_autograde_gives_the_solutions_full_marks(course):
    for name, (score, max_score) in scores(course, "complete").items():
        assert max_score > 0 and score == max_score, (name, score, max_score)


def test_autograde_gives_the_untouched_release_zero(course):
    for name, (score, max_score) in scores(course, "untouched").items():
        assert max_score > 0 and score == 0, (name, score, max_score)


def test_validate_reports_the_public_result(course):
    """The failing side (the solutions' passing side is autograde's full marks above: validate runs the same
    check cells, and executing a whole solution again would only cost time)."""
    output = nbgrader(course, "validate", str(course / "release" / "lab" / "part2_strategies.ipynb"))
    assert "VALIDATION FAILED" in output and "random_sampling_loop raised NotImplementedError" in output


def test_the_course_config_lifts_the_cell_time_limit_as_the_readme_says():
    """nbgrader stops a cell after Execute.timeout seconds (30 by default): the course's config raises it, to the
    number the README gives."""
    import re

    from nbgrader.preprocessors import Execute

    from autograder.authoring.release import course_config
    timeout = Execute(config=course_config()).timeout
    assert timeout > Execute().timeout == 30
    said = re.findall(r"`c\.Execute\.timeout = (\d+)`", (ROOT / "README.md").read_text())
    assert said == [str(timeout)]
