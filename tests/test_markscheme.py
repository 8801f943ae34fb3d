"""One declaration per part: a [parts.<part>] table in autograder/markscheme.toml and the solution notebook.

Which items a part has, and their points, come from the notebook's nbgrader metadata; the file gives the
titles. Loading refuses a file and a notebook that disagree, saying which file lacks what.
"""
import ast
import json
import re
import shutil

import pytest

from autograder import MARKSCHEME, PARTS, SOLUTIONS_DIR
from autograder.markscheme import MarkSchemeError, load_items, load_parts, written_items
from autograder.notebook import answer_cells, nbgrader_meta, read_notebook, source


@pytest.fixture
def copies(tmp_path):
    """A copy of the mark scheme and of the solution notebooks, to change one side of them."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for part in PARTS:
        shutil.copy(SOLUTIONS_DIR / f"{part}.ipynb", solutions)
    scheme = tmp_path / "markscheme.toml"
    shutil.copy(MARKSCHEME, scheme)
    return scheme, solutions


def _edit_notebook(path, change):
    nb = json.loads(path.read_text())
    change(nb)
    path.write_text(json.dumps(nb))


def _cell(nb, grade_id):
    return next(c for c in nb["cells"] if nbgrader_meta(c).get("grade_id") == grade_id)


def test_parts_are_in_the_order_of_their_tables():
    tables = re.findall(r"^\[parts\.(\w+)\]$", MARKSCHEME.read_text(), re.M)
    assert PARTS == [part.name for part in load_parts()] == tables
    assert PARTS == ["part0_overview", "part1_basics", "part2_strategies", "part3_experiments", "part4_modal", "bonus"]


@pytest.mark.parametrize("part", PARTS)
def test_items_are_the_notebook_s_graded_cells_with_its_points(part):
    nb = read_notebook(SOLUTIONS_DIR / f"{part}.ipynb")
    points = {nbgrader_meta(c)["grade_id"].removeprefix("check_"): nbgrader_meta(c)["points"]
              for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"}
    scheme = {it.function: it.points for it in load_items() if it.part == part}
    assert points == scheme
    assert list(answer_cells(nb)) == list(scheme)  # in notebook order
    written = {nbgrader_meta(c)["grade_id"]: nbgrader_meta(c)["points"]
               for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "markdown"}
    assert written == {it.function: it.points for it in written_items() if it.part == part}


def test_points_come_from_the_notebook(copies):
    scheme, solutions = copies
    _edit_notebook(solutions / "part1_basics.ipynb", lambda nb: _cell(nb, "check_oracle")["metadata"]["nbgrader"]
                   .update(points=7))
    _edit_notebook(solutions / "part3_experiments.ipynb", lambda nb: _cell(nb, "report_cost")["metadata"]["nbgrader"]
                   .update(points=5))
    items = {it.name: it.points for part in load_parts(scheme, solutions) for it in (*part.items, *part.written)}
    assert items["part1.oracle"] == 7 and items["part3.report_cost"] == 5
    assert items["part1.noisy_oracle"] == 2  # the others as before


def test_an_item_only_in_the_notebook_needs_a_title(copies):
    scheme, solutions = copies
    scheme.write_text(scheme.read_text().replace('oracle = "Ex. 1.4 oracle"\n', ""))
    with pytest.raises(MarkSchemeError) as info:
        load_parts(scheme, solutions)
    message = str(info.value)
    assert str(scheme) in message and "[parts.part1_basics.items] has no title for oracle" in message
    assert "part1_basics.ipynb" in message


# (what the mark scheme's text had, what it has instead, the error that names what is wrong)
SCHEME_EDITS = {
    "an item only in the mark scheme": (
        'oracle = "Ex. 1.4 oracle"\n', 'oracle = "Ex. 1.4 oracle"\nteleport = "Ex. 1.9 teleport"\n',
        r"\[parts.part1_basics.items\] titles teleport, but .*part1_basics.ipynb has no graded cell"),
    "a written answer without its title": (
        'report_samples = "Report 3: selected samples"\n', "",
        r"\[parts.part3_experiments.written\] has no title for report_samples"),
    "a part without its title": (
        'title = "Part 2: Query strategies"\n', "", r"\[parts.part2_strategies\] has no title"),
    "a misspelt key": (
        'deliverables = ["part4_modal"]', 'deliverable = ["part4_modal"]',
        r"\[parts.part4_modal\] has deliverable; expected only"),
    "a use of a later part's function": (
        'uses = ["active_learning_loop", "area_under_curve",', 'uses = ["query_by_committee", "area_under_curve",',
        r"\[parts.part4_modal\] uses query_by_committee, not a graded function of an earlier part"),
}


@pytest.mark.parametrize("edit", SCHEME_EDITS)
def test_a_mark_scheme_that_disagrees_with_the_notebooks_is_refused(copies, edit):
    scheme, solutions = copies
    old, new, error = SCHEME_EDITS[edit]
    assert old in scheme.read_text()
    scheme.write_text(scheme.read_text().replace(old, new))
    with pytest.raises(MarkSchemeError, match=error):
        load_parts(scheme, solutions)


# (what changes in part2_strategies.ipynb, the error)
NOTEBOOK_EDITS = {
    "an answer cell without its check cell": (
        lambda nb: nb["cells"].remove(_cell(nb, "check_margin_sampling")),
        r"part2_strategies.ipynb: the answer cell of margin_sampling has no graded check cell"),
    "a check cell without points": (
        lambda nb: _cell(nb, "check_margin_sampling")["metadata"]["nbgrader"].pop("points"),
        r"check_margin_sampling has points = None; expected a positive number"),
}


@pytest.mark.parametrize("edit", NOTEBOOK_EDITS)
def test_a_notebook_that_disagrees_with_the_mark_scheme_is_refused(copies, edit):
    scheme, solutions = copies
    change, error = NOTEBOOK_EDITS[edit]
    _edit_notebook(solutions / "part2_strategies.ipynb", change)
    with pytest.raises(MarkSchemeError, match=error):
        load_parts(scheme, solutions)


def test_a_part_needs_its_notebook(copies):
    scheme, solutions = copies
    (solutions / "part4_modal.ipynb").unlink()
    with pytest.raises(MarkSchemeError, match=r"\[parts.part4_modal\] has no solution notebook"):
        load_parts(scheme, solutions)


def _mine_imports(path):
    names = set()
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code" and "allab.mine" in source(cell):
            for node in ast.walk(ast.parse(source(cell))):
                if isinstance(node, ast.ImportFrom) and node.module == "allab.mine":
                    names |= {alias.name for alias in node.names}
    return names


@pytest.mark.parametrize("part", PARTS)
def test_uses_is_what_the_notebook_imports_from_allab_mine(part):
    declared = next(p for p in load_parts() if p.name == part).uses
    imported = _mine_imports(SOLUTIONS_DIR / f"{part}.ipynb")
    assert set(declared) == imported, (f"[parts.{part}] uses = {sorted(declared)} in markscheme.toml, but "
                                       f"solutions/{part}.ipynb imports {sorted(imported)} from allab.mine")
    assert len(declared) == len(set(declared))


@pytest.mark.parametrize("part", PARTS)
def test_part_title_is_the_notebook_s_heading(part):
    nb = read_notebook(SOLUTIONS_DIR / f"{part}.ipynb")
    heading = next(line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                   if line.startswith("# "))
    assert heading == f"# {next(p for p in load_parts() if p.name == part).title}"


def test_item_names_are_stable_and_unique():
    names = [it.name for it in (*load_items(), *written_items())]
    assert len(names) == len(set(names))
    assert "part1.uncertainty_sampling" in names and "bonus.query_by_committee" in names

