"""allab.mine: later parts use the student's own earlier functions, read from the notebook folder."""
import json

import numpy as np
import pytest

import allab.mine as mine
from autograder import NOTEBOOKS_DIR, SOLUTIONS_DIR
from autograder.markscheme import load_items, load_parts
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


def test_every_used_function_is_found_in_its_notebook_under_its_exercise(monkeypatch):
    """allab.mine has no list of its own: the released notebooks' metadata say where each function is."""
    monkeypatch.setenv("ALLAB_NOTEBOOKS", str(NOTEBOOKS_DIR))
    for part in load_parts():
        for name in part.uses:
            (path, exercise), unreadable = mine._where(name, sorted(NOTEBOOKS_DIR.glob("*.ipynb")))
            item = next(it for it in load_items() if it.function == name)
            assert (path.stem, unreadable) == (item.part, {}), f"{name} is found in {path.name}, not {item.part}"
            # the mark scheme's "Ex. 1.5 ..." is the notebook's "Exercise 1.5: ..."
            number = item.title.removeprefix("Ex. ").split()[0]
            assert exercise.startswith(f"Exercise {number}:"), (name, exercise, item.title)


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
    assert "active_learning_loop (Exercise 1.5: The active learning loop)" in message
    assert "finish it in part1_basics.ipynb" in message and "stub" in message
    assert "not defined" not in message and "not in" not in message


def test_a_missing_notebook_or_function_is_named(folder):
    with pytest.raises(mine.NotFinishedError, match=r"part2_strategies.ipynb is not in"):
        mine.random_sampling_loop()
    _write(folder, "part1_basics", lambda nb: answer_cell(nb, "oracle").update(source="x = 1\n"))
    with pytest.raises(mine.NotFinishedError, match=r"oracle \(Exercise 1.4: The oracle\) is not defined"):
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


def test_unknown_names_are_refused(folder):
    _write(folder, "part1_basics")
    with pytest.raises(AttributeError, match="gives the graded functions of earlier parts"):
        _ = mine.no_such_function
    with pytest.raises(ImportError):
        from allab.mine import no_such_function  # noqa: F401


def test_a_renamed_or_copied_notebook_is_found_by_its_metadata(folder):
    """No list says part1_basics.ipynb: a function is looked up by the grade_id of its answer cell."""
    _write(folder, "part1_basics")
    (folder / "part1_basics.ipynb").rename(folder / "my part 1.ipynb")
    assert mine.oracle(None, np.array([5, 6, 7]), [2]).tolist() == [7]
    _write(folder, "part1_basics", _stub("oracle"))  # the hand-out's name wins over a copy
    with pytest.raises(mine.NotFinishedError, match=r"finish it in part1_basics.ipynb"):
        mine.oracle()


def test_an_unreadable_notebook_is_named(folder):
    (folder / "part1_basics.ipynb").write_text("{ not json")
    with pytest.raises(mine.NotFinishedError, match=r"could not be read from part1_basics.ipynb"):
        mine.oracle()


def test_the_release_ships_no_given_module():
    assert not (NOTEBOOKS_DIR / "allab" / "given.py").exists()
    assert not list(NOTEBOOKS_DIR.rglob("given*.pyc"))
