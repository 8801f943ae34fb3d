"""The Gradescope bundle: its layout, and run_autograder grading in a fake /autograder.

The bundle is unzipped as Gradescope does it (into ``$AUTOGRADER_ROOT/source``, with ``run_autograder``
copied to ``$AUTOGRADER_ROOT/run_autograder``); instead of running setup.sh, the tests put this
environment's python first on PATH, which is what ``run_autograder`` uses when no ``.venv`` exists.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder import ROOT, SOLUTIONS_DIR
from autograder.markscheme import load_items
from hostile.cases import with_oracle

VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
EXECUTABLES = ("setup.sh", "run_autograder")


def build(out):
    result = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return out


def unzip(bundle, folder):
    """Extract like ``unzip`` does on Linux: with the Unix modes the zip records."""
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, folder))
            mode = info.external_attr >> 16
            if mode:
                path.chmod(stat.S_IMODE(mode))
    return folder


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build(tmp_path_factory.mktemp("bundle") / "autograder.zip")


def fake_root(bundle, folder, notebooks=()):
    """``folder`` laid out as Gradescope's /autograder, with ``notebooks`` submitted."""
    unzip(bundle, folder / "source")
    shutil.copy2(folder / "source" / "run_autograder", folder / "run_autograder")
    (folder / "submission").mkdir()
    for nb in notebooks:
        shutil.copy(nb, folder / "submission")
    return folder


def run_autograder(root, **env):
    environ = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    # PYTHONPATH: the bundle's own allab, as setup.sh's `pip install -e` makes it (this Python has ours installed)
    environ.update(AUTOGRADER_ROOT=str(root), PATH=f"{Path(sys.executable).parent}{os.pathsep}{environ['PATH']}",
                   PYTHONPATH=str(root / "source" / "notebooks"), **env)
    result = subprocess.run([str(root / "run_autograder")], env=environ, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr
    return result, json.loads((root / "results" / "results.json").read_text())


def check_results_format(data):
    """The fields of Gradescope's results.json (see /work/shared/REFERENCE.md)."""
    assert isinstance(data["score"], (int, float)) and not isinstance(data["score"], bool)
    assert isinstance(data["execution_time"], (int, float))
    assert isinstance(data["output"], str) and data["output"]
    assert data["visibility"] in VISIBILITY and data["stdout_visibility"] in VISIBILITY
    assert isinstance(data["tests"], list)
    for test in data["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["number"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert (test["status"] == "passed") == (test["score"] >= test["max_score"])
        assert isinstance(test["output"], str) and test["visibility"] in VISIBILITY
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))


def by_item(data):
    return {t["name"].split(":")[0]: t for t in data["tests"]}


# --- the bundle -------------------------------------------------------------------------------

def test_bundle_layout(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as zf:
        infos = {info.filename: info for info in zf.infolist()}
        for name in EXECUTABLES:
            assert name in infos, f"{name} is not at the zip root"
            assert infos[name].create_system == 3 and (infos[name].external_attr >> 16) & 0o111 == 0o111, \
                f"{name} is not executable in the zip"
        assert zf.read("requirements.txt") == (ROOT / "requirements.txt").read_bytes()
        assert zf.read("autograder/markscheme.toml") == (ROOT / "autograder/markscheme.toml").read_bytes()
    names = set(infos)
    for needed in ("autograder/__init__.py", "autograder/__main__.py", "autograder/results/gradescope.py",
                   "autograder/grading/grade.py", "autograder/grading/client.py", "autograder/grading/server.py",
                   "autograder/grading/loader.py", "autograder/mistakes.toml",
                   "autograder/checks/verdicts.py", "autograder/grading/runner.py", "autograder/grading/judge.py",
                   "autograder/grading/channel.py", "notebooks/allab/__init__.py", "notebooks/allab/mine.py",
                   "notebooks/allab/checks/part1_basics.py"):
        assert needed in names, needed
    checks = {p.relative_to(ROOT).as_posix() for p in (ROOT / "autograder" / "checks").glob("*/*.py")}
    assert len(checks) >= 10 and checks <= names
    assert {f"solutions/{p.name}" for p in SOLUTIONS_DIR.glob("*.ipynb")} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.startswith(("tests/", "data/"))]
    # the same sources give the same zip, byte for byte
    assert build(tmp_path / "one.zip").read_bytes() == build(tmp_path / "two.zip").read_bytes()
    # the scripts are valid shell
    folder = unzip(bundle, tmp_path / "x")
    for name in EXECUTABLES:
        assert os.access(folder / name, os.X_OK)
        assert subprocess.run(["bash", "-n", str(folder / name)]).returncode == 0


def test_unwritable_out_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--out", str(blocker / "a.zip")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "cannot write" in result.stderr


# --- run_autograder never leaves Gradescope without a result ----------------------------------

def test_no_python_still_writes_results(bundle, tmp_path):
    root = fake_root(bundle, tmp_path)
    _, data = run_autograder(root, PYTHON=str(tmp_path / "no-such-python"))
    check_results_format(data)
    assert data["score"] == 0 and data["tests"] == []
    assert "failed before it could grade" in data["output"]


def test_grading_failure_still_writes_results(bundle, tmp_path):
    root = fake_root(bundle, tmp_path)
    (root / "submission").rmdir()
    _, data = run_autograder(root)
    check_results_format(data)
    assert data["score"] == 0 and "no submission folder" in data["output"]


# --- grading ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_grades_a_submission_with_full_marks_on_parts_1_and_2(bundle, tmp_path):
    root = fake_root(bundle, tmp_path, [SOLUTIONS_DIR / "part1_basics.ipynb", SOLUTIONS_DIR / "part2_strategies.ipynb"])
    result, data = run_autograder(root)
    check_results_format(data)
    items = by_item(data)
    assert len(data["tests"]) == len(load_items()) and set(items) == {it.name for it in load_items()}
    done = [it for it in load_items() if it.part in ("part1_basics", "part2_strategies")]
    assert done
    for it in done:
        assert items[it.name]["status"] == "passed" and items[it.name]["score"] == it.points, items[it.name]
    for it in load_items():
        if it not in done:
            assert items[it.name]["score"] == 0 and "not graded" in items[it.name]["output"]
    assert data["score"] == pytest.approx(sum(it.points for it in done))
    assert "# Feedback for submission" in result.stdout  # the student is "submission"
    assert not list(root.glob("submission/**/figures")), "grading wrote into the submission"


@pytest.mark.slow
def test_empty_submission_scores_zero(bundle, tmp_path):
    root = fake_root(bundle, tmp_path)
    _, data = run_autograder(root)
    check_results_format(data)
    assert data["score"] == 0 and len(data["tests"]) == len(load_items())
    assert all(t["status"] == "failed" for t in data["tests"])
    assert "no notebook" in data["output"]


@pytest.mark.slow
@pytest.mark.needs_isolation
def test_student_code_cannot_read_the_submission_folder(bundle):
    """As in `grade`, a worker sees neither the submitted files nor the results folder."""
    # Readable by anyone, like Gradescope's /autograder (pytest's own tmp_path is private to root).
    folder = Path(tempfile.mkdtemp(prefix="fake-autograder-"))
    try:
        folder.chmod(0o755)
        root = fake_root(bundle, folder)
        submitted = root / "submission" / "part1_basics.ipynb"
        with_oracle(f"    open({str(submitted)!r}).read()")(root / "submission")
        _, data = run_autograder(root)
    finally:
        shutil.rmtree(folder)
    items = by_item(data)
    assert items["part1.oracle"]["score"] == 0 and "FileNotFoundError" in items["part1.oracle"]["output"]
    assert items["part1.active_learning_loop"]["status"] == "passed"
