"""The Gradescope bundle: its layout, and run_autograder grading in a fake /autograder.

The bundle is unzipped as Gradescope does it (into ``$AUTOGRADER_ROOT/source``, with ``run_autograder``
copied to ``$AUTOGRADER_ROOT/run_autograder``); instead of running setup.sh, the tests put this
environment's python first on PATH, which is what ``run_autograder`` uses when no ``.venv`` exists: the
README's local run, with this checkout's own ``allab`` installed in that Python.
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
from hostile.cases import with_oracle

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.commands.gradescope import not_attempted
from autograder.grading.submissions import gather
from autograder.markscheme import load_items, part_functions
from autograder.results.gradescope import NOT_ATTEMPTED, mark_not_attempted

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


def run_autograder(root, script="run_autograder", **env):
    """The README's local run: ``AUTOGRADER_ROOT=ROOT PATH=$PWD/.venv/bin:$PATH ROOT/<script>``."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "PYTHONPATH")}
    environ.update(AUTOGRADER_ROOT=str(root), PATH=f"{Path(sys.executable).parent}{os.pathsep}{environ['PATH']}",
                   **env)
    result = subprocess.run([str(root / script)], env=environ, capture_output=True, text=True, timeout=900)
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
        skipped = test["output"] == NOT_ATTEMPTED  # extra credit not attempted: passed, with 0
        assert (test["status"] == "passed") == (test["score"] >= test["max_score"] or skipped)
        assert not skipped or test["score"] == 0
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
                   "autograder/grading/grade.py", "autograder/worker/client.py", "autograder/worker/server.py",
                   "autograder/worker/loader.py", "autograder/mistakes.toml",
                   "autograder/checks/verdicts.py", "autograder/grading/runner.py",
                   "autograder/worker/working_versions.py",
                   "autograder/worker/framing.py", "notebooks/allab/__init__.py", "notebooks/allab/mine.py",
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


@pytest.mark.slow
def test_the_readmes_local_run_from_a_fresh_unzip(bundle, tmp_path):
    """README: unzip into ROOT/source, notebooks in ROOT/submission, run ROOT/source/run_autograder with this
    checkout's venv first on PATH (a Python whose allab is another tree's: the checkout's, not the bundle's)."""
    unzip(bundle, tmp_path / "source")
    (tmp_path / "submission").mkdir()
    shutil.copy(SOLUTIONS_DIR / "part1_basics.ipynb", tmp_path / "submission")
    result, data = run_autograder(tmp_path, script="source/run_autograder")
    check_results_format(data)
    assert "ImportError" not in result.stdout + result.stderr and "could not grade" not in data["output"]
    part1 = [it for it in load_items() if it.part == "part1_basics"]
    assert data["score"] == pytest.approx(sum(it.points for it in part1))


# --- extra credit not attempted -------------------------------------------------------------------

def test_extra_credit_not_attempted_is_not_a_failure(tmp_path):
    extra = sorted(it.name for it in load_items() if it.extra)
    (tmp_path / "none").mkdir()
    shutil.copy(SOLUTIONS_DIR / "part1_basics.ipynb", tmp_path / "none")
    assert not_attempted(gather("s", tmp_path / "none", part_functions())) == set(extra)  # no bonus notebook
    (tmp_path / "stubs").mkdir()
    shutil.copy(NOTEBOOKS_DIR / "bonus.ipynb", tmp_path / "stubs")
    assert not_attempted(gather("s", tmp_path / "stubs", part_functions())) == set(extra)  # the hand-out's stubs
    (tmp_path / "one").mkdir()
    bonus = json.loads((NOTEBOOKS_DIR / "bonus.ipynb").read_text())
    function = extra[0].split(".")[1]
    first = next(c for c in bonus["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == function)
    first["source"] = "".join(first["source"]).replace("raise NotImplementedError(", "return None  # (")
    (tmp_path / "one" / "bonus.ipynb").write_text(json.dumps(bonus))
    assert not_attempted(gather("s", tmp_path / "one", part_functions())) == set(extra[1:])  # one attempted

    def test(name, score, points=2):
        return {"name": f"{name}: a title", "number": "1", "score": score, "max_score": points, "visibility": "visible",
                "status": "passed" if score >= points else "failed", "output": "a check failed"}
    data = {"tests": [test(extra[0], 0), test(extra[1], 1), test("part1.oracle", 0)]}
    mark_not_attempted(data, {extra[0], extra[1]})
    assert [(t["status"], t["output"]) for t in data["tests"]] == [
        ("passed", NOT_ATTEMPTED), ("failed", "a check failed"), ("failed", "a check failed")]


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
            assert items[it.name]["score"] == 0
            if it.extra:  # the bonus, not handed in: extra credit not attempted, not a failure
                assert items[it.name]["status"] == "passed" and items[it.name]["output"] == NOT_ATTEMPTED
            else:
                assert items[it.name]["status"] == "failed" and "not graded" in items[it.name]["output"]
    assert data["score"] == pytest.approx(sum(it.points for it in done))
    assert "# Feedback for submission" in result.stdout  # the student is "submission"
    assert not list(root.glob("submission/**/figures")), "grading wrote into the submission"


@pytest.mark.slow
def test_empty_submission_scores_zero(bundle, tmp_path):
    root = fake_root(bundle, tmp_path)
    _, data = run_autograder(root)
    check_results_format(data)
    assert data["score"] == 0 and len(data["tests"]) == len(load_items())
    extra = {it.name for it in load_items() if it.extra}
    assert extra and all(t["status"] == ("passed" if name in extra else "failed") for name, t in by_item(data).items())
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
