"""allab.mine: later parts use the student's own earlier functions, read from the notebook folder."""
import json

import numpy as np
import pytest

import allab.mine as mine
from autograder import NOTEBOOKS_DIR, SOLUTIONS_DIR
from autograder.markscheme import load_items
from autograder.notebook import answer_cell


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A student's folder; allab.mine reads notebooks from it (as in a kernel started there)."""
    monkeypatch.setenv("ALLAB_NOTEBOOKS", str(tmp_path))
    monkeypatch.setattr(mine, "_SOURCE", mine.from_notebooks)
    return tmp_path


def _write(folder, part, change=None):
    nb = json.loads((SOLUTIONS_DIR / f"{part}.ipynb").read_text())
    if change:
        change(nb)
    (folder / f"{part}.ipynb").write_text(json.dumps(nb))


def _stub(name):
    """Replace the answer cell of ``name`` by the release's stub (as the student got it)."""
    def change(nb):
        released = json.loads((NOTEBOOKS_DIR / "part1_basics.ipynb").read_text())
        answer_cell(nb, name)["source"] = answer_cell(released, name)["source"]
    return change


def test_exercises_are_the_mark_scheme_s_items_of_parts_1_to_3():
    items = {it.function: (it.part, it.title) for it in load_items()
             if it.part in ("part1_basics", "part2_strategies", "part3_experiments")}
    assert mine.EXERCISES == items


def test_the_student_s_own_function_comes_back(folder):
    _write(folder, "part1_basics")
    from allab.mine import oracle
    assert oracle(None, np.array([5, 6, 7]), [2, 0]).tolist() == [7, 5]


def test_a_stub_says_which_exercise_and_notebook_to_finish(folder):
    _write(folder, "part1_basics", _stub("active_learning_loop"))
    from allab.mine import active_learning_loop, oracle
    assert oracle(None, np.array([1, 2]), [1]).tolist() == [2]  # the finished ones still work
    with pytest.raises(mine.NotFinishedError) as info:
        active_learning_loop()
    message = str(info.value)
    assert "active_learning_loop (Ex. 1.5 active learning loop)" in message
    assert "finish it in part1_basics.ipynb" in message and "stub" in message
    assert "not defined" not in message and "not in" not in message


def test_a_missing_notebook_or_function_is_named(folder):
    with pytest.raises(mine.NotFinishedError, match=r"part2_strategies.ipynb is not in"):
        mine.random_sampling_loop()
    _write(folder, "part1_basics", lambda nb: answer_cell(nb, "oracle").update(source="x = 1\n"))
    with pytest.raises(mine.NotFinishedError, match=r"oracle \(Ex. 1.4 oracle\) is not defined"):
        mine.oracle()


def test_later_parts_read_through_earlier_ones_and_see_edits(folder):
    _write(folder, "part1_basics")
    _write(folder, "part2_strategies")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 2)), np.arange(60) % 2
    # Part 2's loop, which itself imports Part 1's oracle through allab.mine
    accuracies, sizes = mine.random_sampling_loop(X[:6], y[:6], X[6:40], y[6:40], X[40:], y[40:], 2, 5,
                                                  random_state=0, verbose=False)
    assert list(sizes) == [6, 11] and len(accuracies) == 2
    _write(folder, "part1_basics", _stub("oracle"))  # an edit after the first read is seen
    with pytest.raises(mine.NotFinishedError, match="oracle"):
        mine.oracle()


def test_unknown_names_are_refused():
    with pytest.raises(AttributeError, match="gives the graded functions of earlier parts"):
        mine.query_by_committee


def test_the_release_ships_no_given_module():
    assert not (NOTEBOOKS_DIR / "allab" / "given.py").exists()
    assert not list(NOTEBOOKS_DIR.rglob("given*.pyc"))
