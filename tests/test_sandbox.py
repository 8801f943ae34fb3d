"""What a worker can reach: the import path (autograder/sandbox.py, autograder/worker.py)."""
import sys
from pathlib import Path

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.markscheme import load_items
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


def test_no_reference_code_in_a_worker_while_a_graded_function_runs():
    """During a check of the loop (which uses working versions of the strategy and the oracle), nothing
    in the worker's memory is reference code: no function compiled from a solution notebook, no module
    of the grader's reference or judge; the working versions are proxies."""
    scan = ("import gc, sys\n"
            "def active_learning_loop(*args, **kwargs):\n"
            "    codes = [o for o in gc.get_objects() if type(o).__name__ == 'function']\n"
            "    reference = sorted({f'{f.__module__}.{f.__name__}' for f in codes if f.__name__ in GRADED\n"
            "                        and not f.__code__.co_filename.startswith('<part1_basics cell')})\n"
            "    modules = sorted(m for m in sys.modules if m.startswith('autograder.') and\n"
            "                     m.split('.')[1] in ('reference', 'judge', 'checks', 'grading'))\n"
            "    proxies = sorted({type(o).__name__ for o in gc.get_objects()\n"
            "                      if getattr(o, 'name', None) in ('oracle', 'uncertainty_sampling') and callable(o)})\n"
            "    return reference, modules, proxies\n")
    graded = {"part1_basics": {"active_learning_loop", "oracle", "uncertainty_sampling"}}
    graded_names = sorted({it.function for it in load_items()})
    process = StudentProcess({"part1_basics": [(0, f"GRADED = {graded_names!r}\n" + scan)]}, course_limits(), graded)
    try:
        process.load()
        reference, modules, proxies = process.call("part1_basics", "active_learning_loop", [], {}).value
        assert reference == [] and modules == []
        assert proxies == ["WorkingVersion"]
    finally:
        process.close()
