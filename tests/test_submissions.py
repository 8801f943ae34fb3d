"""Finding students and their notebooks (autograder/submissions.py), for every layout a TA may pass."""
import shutil

import pytest

from autograder import SOLUTIONS_DIR
from autograder.markscheme import part_functions
from autograder.submissions import NO_NOTEBOOK, discover, gather

PART1, PART2 = SOLUTIONS_DIR / "part1_basics.ipynb", SOLUTIONS_DIR / "part2_strategies.ipynb"


def put(source, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, path)
    return path


def debris(folder):
    """What archives and Jupyter leave next to a student's work: none of it is the student's notebook."""
    put(PART2, folder / ".ipynb_checkpoints" / "part2-checkpoint.ipynb")
    put(PART2, folder / "__MACOSX" / "._part2.ipynb")
    put(PART2, folder / "._part2.ipynb")
    put(PART2, folder / ".hidden" / "part2.ipynb")
    (folder / "link.ipynb").symlink_to(PART2)


def parts(submission):
    return {part: nb.path.name for part, nb in submission.notebooks.items()}


def test_a_class_folder(tmp_path):
    put(PART1, tmp_path / "alice" / "lab1.ipynb")
    debris(tmp_path / "alice")
    put(PART2, tmp_path / "bob" / "unzipped" / "part2.ipynb")  # one level down
    (tmp_path / "carol").mkdir()
    debris(tmp_path)
    subs = discover([tmp_path], part_functions())
    assert [s.student for s in subs] == ["alice", "bob", "carol"]
    alice, bob, carol = subs
    assert parts(alice) == {"part1_basics": "lab1.ipynb"} and not alice.problems
    assert parts(bob) == {"part2_strategies": "part2.ipynb"}
    assert not carol.notebooks and carol.problems == [NO_NOTEBOOK]


def test_a_students_folder_a_single_file_and_nbgrader(tmp_path):
    put(PART1, tmp_path / "dana" / "part1_basics.ipynb")
    debris(tmp_path / "dana")
    [dana] = discover([tmp_path / "dana"], part_functions())
    assert dana.student == "dana" and parts(dana) == {"part1_basics": "part1_basics.ipynb"}
    [erin] = discover([put(PART2, tmp_path / "erin.ipynb")], part_functions())
    assert erin.student == "erin" and parts(erin) == {"part2_strategies": "erin.ipynb"}
    put(PART1, tmp_path / "course" / "submitted" / "finn" / "lab" / "part1_basics.ipynb")
    [finn] = discover([tmp_path / "course"], part_functions())
    assert finn.student == "finn" and parts(finn) == {"part1_basics": "part1_basics.ipynb"}


def test_the_output_folder_is_not_a_student(tmp_path):
    put(PART1, tmp_path / "alice" / "part1.ipynb")
    put(PART1, tmp_path / "out" / "alice" / "copy.ipynb")
    assert [s.student for s in discover([tmp_path], part_functions(), exclude=tmp_path / "out")] == ["alice"]


def test_a_missing_path_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        discover([tmp_path / "nope"], part_functions())


def test_gather_takes_every_notebook_of_one_student_at_any_depth(tmp_path):
    put(PART1, tmp_path / "part1.ipynb")
    put(PART2, tmp_path / "a" / "b" / "c" / "part2.ipynb")
    debris(tmp_path)
    sub = gather("submission", tmp_path, part_functions())
    assert parts(sub) == {"part1_basics": "part1.ipynb", "part2_strategies": "part2.ipynb"} and not sub.problems
    assert gather("empty", tmp_path / "a" / "b" / "c" / "none", part_functions()).problems == [NO_NOTEBOOK]
