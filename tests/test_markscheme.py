"""One mark scheme: autograder/markscheme.toml agrees with the notebooks' graded cells."""
import pytest

from autograder import PARTS, SOLUTIONS_DIR
from autograder.markscheme import load_items, load_mistakes
from autograder.notebook import answer_cells, nbgrader_meta, read_notebook


@pytest.mark.parametrize("part", PARTS)
def test_check_cells_carry_the_mark_scheme_points(part):
    nb = read_notebook(SOLUTIONS_DIR / f"{part}.ipynb")
    points = {nbgrader_meta(c)["grade_id"].removeprefix("check_"): nbgrader_meta(c)["points"]
              for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"}
    scheme = {it.function: it.points for it in load_items() if it.part == part}
    assert points == scheme
    assert set(answer_cells(nb)) == set(scheme)


def test_item_names_are_stable_and_unique():
    names = [it.name for it in load_items()]
    assert len(names) == len(set(names))
    assert "part1.uncertainty_sampling" in names and "bonus.query_by_committee" in names

