"""Intake of real classes (autograder/grading/layouts.py): each LMS's download, named as the LMS documents it, is
read to the right students; an ambiguous class is refused, naming the files, before anything is written."""
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timezone

import pytest

from autograder import ROOT, SOLUTIONS_DIR
from autograder.grading import notebook_file
from autograder.grading.layouts import LayoutError, detect
from autograder.grading.submissions import discover
from autograder.markscheme import part_functions

PART1, PART2 = SOLUTIONS_DIR / "part1_basics.ipynb", SOLUTIONS_DIR / "part2_strategies.ipynb"


def put(source, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, path)
    return path


def rows(path, **kwargs):
    """``{student: sorted parts}`` of what ``discover`` finds under ``path``."""
    return {s.student: sorted(s.notebooks) for s in discover([path], part_functions(), **kwargs)}


def canvas_class(root):
    """Canvas's "Download Submissions", unzipped: <lastfirst>[_LATE]_<user id>_<attachment id>_<file name>."""
    put(PART1, root / "andersonalice_10234_556677_part1_basics.ipynb")
    put(PART2, root / "andersonalice_10234_556678_part2_strategies.ipynb")
    put(PART1, root / "brownbob_LATE_10235_556679_part1_basics-1.ipynb")  # a resubmission, late
    put(PART2, root / "chencarol_10236_556680_part1_basics.ipynb")  # the wrong file name: found by content
    put(PART2, root / "müllerjosé_10237_556681_part2.ipynb")
    return root


def test_canvas_download_is_one_row_per_student(tmp_path):
    root = canvas_class(tmp_path / "canvas")
    assert detect(root) == "canvas"
    subs = {s.student: s for s in discover([root], part_functions())}
    assert {k: sorted(s.notebooks) for k, s in subs.items()} == {
        "andersonalice": ["part1_basics", "part2_strategies"], "brownbob": ["part1_basics"],
        "chencarol": ["part2_strategies"], "müllerjosé": ["part2_strategies"]}
    assert subs["andersonalice"].info == {"id": "10234", "login": "andersonalice"}
    assert subs["brownbob"].info["late"] == "Canvas marked it LATE" and "late" not in subs["chencarol"].info
    assert subs["brownbob"].problems == ["Canvas marked this submission LATE (the course policy decides what "
                                         "that costs)"]
    assert not subs["andersonalice"].problems and not subs["chencarol"].problems and not subs["müllerjosé"].problems


def test_moodle_download_merges_a_students_folders(tmp_path):
    root = tmp_path / "moodle"
    put(PART1, root / "Alice Anderson_12345_assignsubmission_file_" / "part1_basics.ipynb")
    (root / "Alice Anderson_12345_assignsubmission_onlinetext_").mkdir()
    (root / "Alice Anderson_12345_assignsubmission_onlinetext_" / "onlinetext.html").write_text("<p>hi</p>")
    put(PART2, root / "Bob Brown_12346_assignsubmission_file_" / "lab" / "part2.ipynb")
    put(PART2, root / "Alice Anderson_12347_assignsubmission_file_" / "part2.ipynb")  # a namesake, another id
    assert detect(root) == "moodle"
    subs = discover([root], part_functions())
    assert [(s.student, sorted(s.notebooks), s.info["id"]) for s in subs] == [
        ("Alice Anderson", ["part1_basics"], "12345"), ("Alice Anderson~2", ["part2_strategies"], "12347"),
        ("Bob Brown", ["part2_strategies"], "12346")]
    assert any("online text" in p for p in subs[0].problems)
    put(PART1, root / os.fsdecode(b"Jos\xe9 Diaz_12348_assignsubmission_file_") / "part1.ipynb")  # not UTF-8
    assert discover([root], part_functions())[3].info == {"id": "12348", "name": "Jos\ufffd Diaz"}
    assert not any("online text" in p for p in subs[2].problems)


GRADESCOPE_METADATA = """\
submission_101:
  :submitters:
  - :name: Alice Anderson
    :sid: '2001'
    :email: alice@example.edu
  :created_at: 2026-03-02 09:30:00.123456789 -0800
  :score: 0.0
submission_102:
  :submitters:
  - :name: Bob Brown
    :sid: '2002'
    :email: bob@example.edu
  - :name: Carol Chen
    :sid: '2003'
    :email: carol@example.edu
  :created_at: 2026-03-01 10:00:00.000000000 -0800
"""


def test_gradescope_export_names_submitters_and_times(tmp_path):
    root = tmp_path / "gradescope"
    put(PART1, root / "submission_101" / "part1_basics.ipynb")
    put(PART2, root / "submission_102" / "deep" / "er" / "part2_strategies.ipynb")
    put(PART1, root / "submission_103" / "part1_basics.ipynb")  # not in the metadata
    (root / "submission_metadata.yml").write_text(GRADESCOPE_METADATA)
    assert detect(root) == "gradescope"
    subs = {s.student: s for s in discover([root], part_functions())}
    assert {k: sorted(s.notebooks) for k, s in subs.items()} == {
        "Alice Anderson": ["part1_basics"], "Bob Brown": ["part2_strategies"],
        "Carol Chen": ["part2_strategies"], "submission_103": ["part1_basics"]}
    alice = subs["Alice Anderson"]
    assert alice.info == {"name": "Alice Anderson", "email": "alice@example.edu", "id": "2001"}
    assert alice.submitted_at == datetime(2026, 3, 2, 17, 30, 0, 123456, tzinfo=timezone.utc)
    assert alice.time_source == "Gradescope's created_at"
    assert any("group submission" in p for p in subs["Carol Chen"].problems)
    assert any("not in submission_metadata.yml" in p for p in subs["submission_103"].problems)
    assert "file" in subs["submission_103"].time_source


def test_nbgrader_course_takes_its_timestamp(tmp_path):
    put(PART1, tmp_path / "submitted" / "dana" / "lab" / "part1_basics.ipynb")
    (tmp_path / "submitted" / "dana" / "lab" / "timestamp.txt").write_text("2026-03-01 12:00:00.000000 UTC")
    put(PART2, tmp_path / "submitted" / "erin" / "lab" / "part2_strategies.ipynb")
    assert detect(tmp_path) == "nbgrader"
    subs = {s.student: s for s in discover([tmp_path], part_functions())}
    assert sorted(subs) == ["dana", "erin"]
    assert subs["dana"].submitted_at == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    assert subs["dana"].time_source == "nbgrader's timestamp.txt" and "file" in subs["erin"].time_source


def test_folders_hidden_folders_and_links_get_a_message(tmp_path):
    put(PART1, tmp_path / "alice" / "part1.ipynb")
    put(PART2, tmp_path / ".bob" / "part2.ipynb")
    put(PART2, tmp_path / "__MACOSX" / "alice" / "._part1.ipynb")
    (tmp_path / "carol").symlink_to(tmp_path / "alice")
    (tmp_path / "dana").mkdir()
    notes = []
    assert rows(tmp_path, notes=notes) == {"alice": ["part1_basics"], "dana": []}
    assert any("__MACOSX" in n and "archive debris" in n for n in notes), notes
    assert any(".bob" in n and "starts with '.'" in n for n in notes), notes
    assert any("carol" in n and "symbolic link" in n for n in notes), notes
    assert not any("alice" in n for n in notes)


def test_a_zip_in_a_submission_is_read_in_memory(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    with zipfile.ZipFile(folder / "lab.zip", "w") as z:
        z.write(PART1, "lab/part1_basics.ipynb")
        z.write(PART2, "../escape/part2.ipynb")
        z.writestr("__MACOSX/lab/._part1_basics.ipynb", "junk")
        z.writestr("inner.zip", b"PK")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "broken.zip").write_bytes(b"not a zip")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    subs = {s.student: s for s in discover([tmp_path], part_functions())}
    assert sorted(subs["alice"].notebooks) == ["part1_basics"]  # the escaping member is not read
    problems = " ".join(subs["alice"].problems)
    assert "lab.zip was opened: lab/part1_basics.ipynb read from it" in problems
    assert "../escape/part2.ipynb (a path outside the zip)" in problems and "inner.zip (a zip inside" in problems
    assert "._part1" not in problems
    assert any("broken.zip is not a readable zip" in p for p in subs["bob"].problems)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before, "the submission was written to"


def test_a_zip_bomb_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(notebook_file, "MAX_ZIP_NOTEBOOKS", 2)
    folder = tmp_path / "alice"
    folder.mkdir()
    with zipfile.ZipFile(folder / "many.zip", "w") as z:
        for n in range(5):
            z.write(PART1, f"copy{n}.ipynb")
    [alice] = discover([tmp_path], part_functions())
    assert any("copy2.ipynb (over the zip's limits)" in p for p in alice.problems)
    assert any("copy0.ipynb, copy1.ipynb read from it" in p for p in alice.problems)


@pytest.mark.parametrize("build, named", [
    (lambda root: (put(PART1, root / "alice" / "part1.ipynb"), put(PART2, root / "stray.ipynb")), ["stray.ipynb"]),
    (lambda root: (put(PART1, root / "alice" / "andersonalice_10234_1_part1.ipynb"),
                   put(PART2, root / "alice" / "brownbob_10235_2_part2.ipynb")),
     ["andersonalice_10234_1_part1.ipynb", "brownbob_10235_2_part2.ipynb"]),
    (lambda root: (canvas_class(root), put(PART2, root / "mystery.ipynb")), ["mystery.ipynb"]),
    (lambda root: (put(PART1, root / "Alice A_1_assignsubmission_file_" / "p.ipynb"),
                   put(PART1, root / "notes" / "p.ipynb")), ["notes"]),
    (lambda root: (canvas_class(root), put(PART2, root / "extra" / "p.ipynb")), ["extra"]),
    (lambda root: (put(PART1, root / "submission_1" / "p.ipynb"), put(PART2, root / "loose.ipynb"),
                   (root / "submission_metadata.yml").write_text(GRADESCOPE_METADATA)), ["loose.ipynb"]),
])
def test_ambiguous_classes_are_refused_naming_the_files(tmp_path, build, named):
    build(tmp_path)
    with pytest.raises(LayoutError) as error:
        discover([tmp_path], part_functions())
    assert all(name in str(error.value) for name in named), str(error.value)
    assert "alice/part1.ipynb" not in str(error.value)


def test_the_cli_refuses_an_ambiguous_class_and_writes_nothing(tmp_path):
    put(PART1, tmp_path / "class" / "alice" / "part1.ipynb")
    put(PART2, tmp_path / "class" / "bob" / "part2.ipynb")
    put(PART1, tmp_path / "class" / "stray.ipynb")
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", tmp_path / "class", "--out",
                             tmp_path / "out"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "stray.ipynb" in result.stderr and "nothing was graded" in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout
    assert not (tmp_path / "out").exists()


def test_a_gradebook_without_state_is_never_replaced_by_fewer_students(tmp_path):
    """An output folder an older grader wrote (a gradebook, no state): grading one student into it is refused."""
    put(PART1, tmp_path / "class" / "alice" / "part1.ipynb")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "grades.csv").write_text("student,score,max_score\nalice,1,42\nbob,2,42\n")
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", tmp_path / "class", "--out",
                             tmp_path / "out"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "has students these submissions do not (bob)" in result.stderr
    assert "alice," not in result.stderr.split("(")[1]
    assert (tmp_path / "out" / "grades.csv").read_text().count("\n") == 3
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["grades.csv"]


def test_the_output_folder_inside_an_lms_download_is_no_one(tmp_path):
    root = canvas_class(tmp_path / "canvas")
    put(PART1, root / "graded" / "andersonalice" / "copy.ipynb")  # what an earlier `grade --out` left there
    assert sorted(rows(root, exclude=root / "graded")) == ["andersonalice", "brownbob", "chencarol", "müllerjosé"]
    with pytest.raises(LayoutError, match="graded"):
        discover([root], part_functions())


def test_layout_can_be_forced(tmp_path):
    """Forced to ``folders``, a Canvas-named student folder is one student; by default it is read as Canvas."""
    put(PART1, tmp_path / "x" / "andersonalice_10234_1_part1.ipynb")
    assert rows(tmp_path / "x") == {"andersonalice": ["part1_basics"]}
    assert rows(tmp_path, layout="folders") == {"x": ["part1_basics"]}


def test_file_times_are_the_stated_fallback(tmp_path):
    path = put(PART1, tmp_path / "alice" / "part1.ipynb")
    os.utime(path, (1_770_000_000, 1_770_000_000))
    [alice] = discover([tmp_path], part_functions())
    assert alice.submitted_at == datetime.fromtimestamp(1_770_000_000, timezone.utc)
    assert alice.time_source.startswith("the files' modification times")


def test_the_grading_state_keeps_what_is_not_utf8(tmp_path):
    """A file name that is not UTF-8 reaches the state (a problem, the folder): saved and read back as it was."""
    from autograder.grading.store import load_state, save_state
    from autograder.results.types import StudentResult
    odd = os.fsdecode(b"caf\xe9")
    result = StudentResult("caf\ufffd", problems=[f"{odd}.ipynb could not be read"])
    state = load_state(tmp_path)
    state["students"]["caf\ufffd"] = {"hash": "x", "result": result, "folder": str(tmp_path / odd), "info": {}}
    save_state(tmp_path, state)
    again = load_state(tmp_path)["students"]["caf\ufffd"]
    assert again["result"] == result and again["folder"] == str(tmp_path / odd)
