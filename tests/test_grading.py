"""The grader's verdicts: full marks for the reference and for correct variants, zero for the release,
and every mutant loses points on the item it breaks (and only there), with the expected feedback."""
import shutil

import nbformat
import pytest
from catalogue import MUTANTS, VARIANTS

from autograder import NOTEBOOKS_DIR, PARTS, SOLUTIONS_DIR
from autograder.grading.batch import grade_batch
from autograder.grading.submissions import discover
from autograder.markscheme import load_items, load_mistakes, part_functions
from autograder.notebook import is_answer_cell, read_notebook
from autograder.results.outputs import item_feedback

pytestmark = pytest.mark.slow


def write_edited(edit, folder):
    nb = read_notebook(SOLUTIONS_DIR / f"{edit.part}.ipynb")
    cells = [c for c in nb.cells if is_answer_cell(c, edit.function)]
    assert len(cells) == 1, f"{edit.key}: no answer cell {edit.function} in {edit.part}"
    cells[0].source = edit.apply(cells[0].source)
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / f"{edit.part}.ipynb"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    for part in PARTS:
        (root / "reference").mkdir(exist_ok=True)
        shutil.copy(SOLUTIONS_DIR / f"{part}.ipynb", root / "reference")
        (root / "untouched").mkdir(exist_ok=True)
        shutil.copy(NOTEBOOKS_DIR / f"{part}.ipynb", root / "untouched")
    for edit in MUTANTS + VARIANTS:
        write_edited(edit, root / edit.key)
    submissions = discover([root], part_functions())
    return {r.student: r for r in grade_batch(submissions, jobs=2, progress=False)}


def test_catalogues_are_large_enough():
    assert len(MUTANTS) >= 40 and len(VARIANTS) >= 15
    assert len({e.key for e in MUTANTS + VARIANTS}) == len(MUTANTS + VARIANTS)
    graded_functions = {(it.part, it.function) for it in load_items()}
    assert {(e.part, e.function) for e in MUTANTS} == graded_functions, "every graded function needs mutants"
    assert all(e.mistake in load_mistakes() for e in MUTANTS if e.mistake)
    assert all(e.mistake or e.feedback for e in MUTANTS), "every mutant names the feedback it must get"


def test_reference_gets_full_marks(graded):
    result = graded["reference"]
    assert not result.problems and not result.incidents
    failed = {name: item_feedback(item) for name, item in result.items.items() if item.score != item.max_score}
    assert not failed, failed


def test_untouched_release_gets_zero_on_every_item(graded):
    result = graded["untouched"]
    assert result.score == 0
    assert all(item.tests for item in result.items.values()), "every item must have been checked"


def _item_name(edit):
    return next(it.name for it in load_items() if (it.part, it.function) == (edit.part, edit.function))


@pytest.mark.parametrize("edit", MUTANTS, ids=lambda e: e.key)
def test_mutant_loses_points_on_its_item_only(edit, graded):
    result = graded[edit.key]
    broken = result.items[_item_name(edit)]
    assert broken.score < broken.max_score, f"{edit.key} was not caught"
    for it in load_items():
        if it.part == edit.part and it.name != _item_name(edit):
            item = result.items[it.name]
            assert item.score == item.max_score, f"{edit.key} also cost {it.name}: {item_feedback(item)}"
    feedback = "\n".join(item_feedback(broken))
    expected = edit.mistake or edit.feedback
    assert diagnosis_matches(edit, broken, feedback), f"{edit.key}: expected {expected!r}:\n{feedback}"
    if edit.main_job:
        assert broken.score == 0, f"{edit.key} fails the main job of {broken.title} but scored {broken.score}"


def diagnosis_matches(edit, item, feedback):
    """Exactly the expected diagnosis: the mutant's key as the item's one "Likely mistake" line (for a
    signature problem, naming the parameter), or its expected text when it is labelled with no key."""
    likely = [line for line in feedback.splitlines() if "Likely mistake" in line]
    if not edit.mistake:
        return edit.feedback in feedback and all(edit.feedback in line or UNCOMMON_TEXT in line for line in likely)
    if len(likely) != 1 or item.mistake != edit.mistake:
        return False
    expected = load_mistakes()[edit.mistake]
    return expected in likely[0] and (not edit.feedback or edit.feedback in likely[0])


UNCOMMON_TEXT = load_mistakes()["uncommon"]


def test_most_mutants_get_exactly_their_diagnosis(graded):
    """The issue's bar: at least 95% of the labelled mutants get exactly their key (each one is asserted
    above too; this says how many at once)."""
    right = [e.key for e in MUTANTS
             if diagnosis_matches(e, graded[e.key].items[_item_name(e)],
                                  "\n".join(item_feedback(graded[e.key].items[_item_name(e)])))]
    assert len(right) >= 0.95 * len(MUTANTS), sorted({e.key for e in MUTANTS} - set(right))


@pytest.mark.parametrize("edit", VARIANTS, ids=lambda e: e.key)
def test_variant_gets_full_marks(edit, graded):
    result = graded[edit.key]
    lost = {it.name: item_feedback(result.items[it.name]) for it in load_items()
            if it.part == edit.part and result.items[it.name].score != result.items[it.name].max_score}
    assert not lost, lost


def check_cell_failure(edit, folder):
    """What the notebook's check cell of ``edit``'s function says (in this process, as in Jupyter), or ""
    when it passes: the edited notebook, next to the reference's other parts (``allab.mine`` reads them)."""
    import importlib

    from allab.check import load, notebooks_in, run_public_check
    folder.mkdir(parents=True)
    for part in PARTS:
        shutil.copy(SOLUTIONS_DIR / f"{part}.ipynb", folder)
    write_edited(edit, folder / "edited")
    shutil.copy(folder / "edited" / f"{edit.part}.ipynb", folder / f"{edit.part}.ipynb")
    with notebooks_in(folder):
        notebook, _ = load(folder / f"{edit.part}.ipynb")
        importlib.import_module(f"allab.checks.{edit.part}")
        return "\n".join(run_public_check(edit.part, edit.function, notebook.namespace))


def test_check_cells_fail_whenever_a_core_check_fails(graded, tmp_path):
    """The issue's table: every catalogued wrong implementation whose item's core check fails at grading
    fails its check cell in the notebook too."""
    from autograder.grading.runner import check_rules
    rules = check_rules()
    rows, why = [], {}
    for edit in MUTANTS:
        item = graded[edit.key].items[_item_name(edit)]
        failed = [t for t in item.tests if not t.passed and t.name in rules[_item_name(edit)].core]
        why[edit.key] = [f"{t.name}: {t.mistake or t.raised or t.message}"[:300] for t in failed]
        rows.append((edit.key, bool(failed), bool(check_cell_failure(edit, tmp_path / edit.key))))
    print(f"\n{'wrong implementation':<90} core check failed  check cell failed")
    for key, core, cell in rows:
        print(f"{key:<90} {'yes' if core else 'no':<18} {'yes' if cell else 'no'}")
    missed = [key for key, core, cell in rows if core and not cell]
    assert not missed, {key: why[key] for key in missed}  # with why grading failed them (a timeout?)
    assert sum(core for _, core, _ in rows) >= 30  # the table is not empty by accident


@pytest.mark.parametrize("edit", VARIANTS, ids=lambda e: e.key)
def test_check_cells_pass_the_correct_variants(edit, tmp_path):
    assert check_cell_failure(edit, tmp_path / "v") == ""
