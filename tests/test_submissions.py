"""Finding students and their notebooks (autograder/grading/submissions.py), for every layout a TA may pass."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder import ROOT, SOLUTIONS_DIR
from autograder.grading import notebook_file
from autograder.grading.notebook_file import read_code_cells
from autograder.grading.submissions import NO_NOTEBOOK, discover, gather
from autograder.markscheme import part_functions
from autograder.results.outputs import RESERVED_NAMES, student_folders

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


NOT_NOTEBOOKS = {
    "source_of_numbers": ({"nbformat": 4, "cells": [{"cell_type": "code", "source": [1, 2], "metadata": {}}]},
                          "cell 0's source is not text"),
    "worksheet_cells_not_a_list": ({"nbformat": 3, "worksheets": [{"cells": 5}]}, "worksheets"),
    "worksheets_a_string": ({"nbformat": 3, "worksheets": "abc"}, "worksheets"),
    "cells_not_dicts": ({"nbformat": 4, "cells": [1, "x", None]}, "cell 0 is not a notebook cell"),
    "cells_a_dict": ({"nbformat": 4, "cells": {"a": 1}}, "'cells' is not a list"),
    "top_level_list": ([1, 2, 3], "JSON but not a notebook"),
    "top_level_number": (5, "JSON but not a notebook"),
    "metadata_wrong": ({"nbformat": 4, "metadata": 3, "cells": [{"cell_type": "code", "source": "x = 1",
                                                                   "metadata": [1]}]}, None),
    "nbgrader_wrong": ({"nbformat": 4, "cells": [{"cell_type": "code", "source": "x = 1",
                                                  "metadata": {"nbgrader": {"grade_id": 5}}}]}, None),
}


@pytest.mark.parametrize("name", NOT_NOTEBOOKS)
def test_json_that_is_not_a_notebook_is_a_problem_not_a_crash(tmp_path, name):
    data, problem = NOT_NOTEBOOKS[name]
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps(data))
    nb = read_code_cells(path)
    if problem is None:
        assert nb.code_cells == [(0, "x = 1")] and nb.grade_ids == [] and not nb.problems
    else:
        assert any(problem in p and "re-download" in p for p in nb.problems), nb.problems
        assert not nb.code_cells


@pytest.mark.parametrize("text, problem", [
    ("[" * 100_000 + "]" * 100_000, "nested 100000 levels deep"),
    ('{"cells": [' + ",".join(["[]"] * 300_000) + "]}", "300002 JSON objects and arrays"),
    ('{"cells": [' + "[" * 65 + "]" * 65 + "]}", "nested 67 levels deep"),
])
def test_json_too_deep_or_too_big_is_not_parsed(tmp_path, text, problem):
    path = tmp_path / "bomb.ipynb"
    path.write_text(text)
    assert any(problem in p for p in read_code_cells(path).problems)


def test_brackets_inside_strings_do_not_count(tmp_path):
    nb = json.loads(PART1.read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "[{" * 200_000 + '\\"]'})
    path = tmp_path / "part1.ipynb"
    path.write_text(json.dumps(nb))
    read = read_code_cells(path)
    assert not read.problems and read.code_cells


def test_a_57_mb_notebook_costs_the_grader_little_memory(tmp_path):
    """Read in a fresh process: its peak memory, whether the file is refused (millions of objects) or read
    (one huge output), stays far below the 1.5 GB that parsing such a file used to cost."""
    many, big = tmp_path / "many.ipynb", tmp_path / "big.ipynb"
    many.write_text('{"cells": [' + ",".join(['{"a": [1]}'] * (57 * 2**20 // 11)) + "]}")
    nb = json.loads(PART1.read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "x" * (57 * 2**20)})
    big.write_text(json.dumps(nb))
    script = ("import resource, sys\nfrom autograder.grading.notebook_file import read_code_cells\n"
              "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "nb = read_code_cells(sys.argv[1])\n"
              "print(len(nb.code_cells), (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)")
    for path, cells in ((many, 0), (big, len(read_code_cells(PART1).code_cells))):
        out = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
        assert int(out[0]) == cells and int(out[1]) < 400, (path.name, out)


def test_a_file_bigger_than_the_limit_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(notebook_file, "MAX_NOTEBOOK_BYTES", 1000)
    path = tmp_path / "big.ipynb"
    path.write_text(" " * 1001)
    assert "more than the 0 MB" in read_code_cells(path).problems[0]


def test_names_are_printable(tmp_path):
    for name in ("line\nbreak", "esc\x1b[2Jape", "rtl\u202eevil", os.fsdecode(b"caf\xe9")):
        put(PART1, tmp_path / name / "part1.ipynb")
    names = [s.student for s in discover([tmp_path], part_functions())]
    assert names == ["caf\ufffd", "esc_[2Jape", "line_break", "rtl_evil"]


def test_the_same_name_under_two_paths_is_kept_apart(tmp_path):
    put(PART1, tmp_path / "a" / "kim" / "part1.ipynb")
    put(PART2, tmp_path / "b" / "kim" / "part2.ipynb")
    put(PART2, tmp_path / "b" / "kim\n" / "part2.ipynb")  # prints as "kim_", not the same
    subs = discover([tmp_path / "a", tmp_path / "b", tmp_path / "a"], part_functions())  # "a" twice: once
    assert [(s.student, parts(s)) for s in subs] == [
        ("kim", {"part1_basics": "part1.ipynb"}), ("kim_", {"part2_strategies": "part2.ipynb"}),
        ("kim~2", {"part2_strategies": "part2.ipynb"})]
    assert all("two submissions are named 'kim'" in s.problems[0] for s in (subs[0], subs[2]))
    assert not subs[1].problems


def test_student_folders_are_unique_and_never_the_gradebook(tmp_path):
    folders = student_folders(["grades.csv", "Report.md", "a b", "a_b", "A_B", "..", "results.json"], tmp_path)
    names = [f.name for f in folders.values()]
    assert len(set(n.casefold() for n in names)) == len(names)
    assert not {n.casefold() for n in names} & {n.casefold() for n in RESERVED_NAMES}
    assert all(f.parent == tmp_path for f in folders.values())
