"""What a worker can reach: the import path (autograder/sandbox.py, autograder/worker.py)."""
import sys
from pathlib import Path

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.sandbox import course_limits, import_path
from autograder.worker import StudentProcess


def test_import_path_keeps_allab_and_drops_the_course(tmp_path):
    site = str(Path(sys.prefix) / "lib")
    hidden = course_limits(extra_hidden=[tmp_path]).hidden
    paths = [str(ROOT), str(NOTEBOOKS_DIR), "", site, str(ROOT.parent), str(SOLUTIONS_DIR),
             str(ROOT / "autograder" / "checks"), str(tmp_path / "alice")]
    assert import_path(paths, hidden) == [str(NOTEBOOKS_DIR), site]


def test_student_code_cannot_import_the_grader():
    cells = {"part1_basics": [(0, "import sys\n"
                                  "def path():\n    return list(sys.path)\n"
                                  "def checks():\n    import autograder.checks.conftest\n"
                                  "def reference():\n    from autograder.reference import load_reference\n"
                                  "def allab():\n    import allab.data\n    return allab.data.__name__\n")]}
    process = StudentProcess(cells, course_limits())
    try:
        process.load()
        path = process.call("part1_basics", "path", [], {}).value
        assert str(ROOT) not in path and "" not in path and str(NOTEBOOKS_DIR) in path
        for name in ("checks", "reference"):
            error = process.call("part1_basics", name, [], {}).error
            assert error and error["type"] == "ModuleNotFoundError", error
        assert process.call("part1_basics", "allab", [], {}).value == "allab.data"
    finally:
        process.close()
