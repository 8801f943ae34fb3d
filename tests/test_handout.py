"""The hand-out (`python -m autograder handout`): what students get holds no reference code, and works.

The slow test takes the student's path: unzip into an empty folder, build a venv from the zip's own
requirements, execute the notebooks (untouched; filled in from the reference; one earlier function left
a stub).
"""
import ast
import json
import os
import subprocess
import zipfile
from pathlib import Path

import handout_venv
import pytest

from autograder import PARTS, SOLUTIONS_DIR
from autograder.authoring.handout import TOP, leaks, reference_bodies
from autograder.notebook import answer_cells, read_json_notebook, strip_solution_markers


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    out = handout_venv.make_handout(tmp_path_factory.mktemp("handout") / "handout.zip")
    with zipfile.ZipFile(out) as zf:
        return out, {name: zf.read(name) for name in zf.namelist()}


def test_handout_holds_the_notebooks_the_public_package_readme_and_requirements(handout):
    _, files = handout
    names = set(files)
    assert {f"{TOP}/{part}.ipynb" for part in PARTS} | {
        f"{TOP}/README.md", f"{TOP}/requirements.txt", f"{TOP}/allab/mine.py", f"{TOP}/allab/checks/part1_basics.py"
    } <= names
    assert not [n for n in names if n.split("/")[1] in ("solutions", "autograder", "tests", "data")]
    assert not [n for n in names if n.endswith(("given.py", ".pyc")) or "__pycache__" in n]
    requirements = files[f"{TOP}/requirements.txt"].decode()
    assert "scikit-learn>=1.6,<1.8" in requirements and "modAL-python==0.4.2.1" in requirements
    packages = [line.split(">")[0].split("=")[0] for line in requirements.splitlines() if not line.startswith("#")]
    assert "jupyter" in packages and not {"nbgrader", "pytest", "playwright"} & set(packages)
    readme = files[f"{TOP}/README.md"].decode()
    assert "pip install -r requirements.txt" in readme and "What to hand in" in readme and "figures/" in readme


def test_no_function_in_the_handout_has_a_reference_body(handout):
    """AST comparison of every function in every .py file and notebook code cell with the reference."""
    _, files = handout
    bodies = reference_bodies()
    graded = {name for part in PARTS for name in answer_cells(read_json_notebook(SOLUTIONS_DIR / f"{part}.ipynb"))}
    assert graded <= {v.split(":")[1] for v in bodies.values()}, "every graded function is compared"
    assert leaks(files, bodies) == []


def test_leak_detector_finds_a_planted_reference_function_and_outputs():
    """The check above can fail: a reference function renamed and reformatted, in a module or a cell."""
    source = strip_solution_markers(answer_cells(read_json_notebook(SOLUTIONS_DIR / "part1_basics.ipynb"))["oracle"])
    renamed = source.replace("def oracle(", "def helper(").replace("    ", "  ")
    notebook = {"cells": [{"cell_type": "code", "source": renamed.splitlines(True), "outputs": [{"text": "x"}],
                           "metadata": {}}]}
    found = leaks({f"{TOP}/allab/util.py": renamed.encode(), f"{TOP}/x.ipynb": json.dumps(notebook).encode(),
                   f"{TOP}/allab/given.py": b"", f"{TOP}/allab/__pycache__/m.cpython-311.pyc": b""})
    assert any("util.py: helper is the reference part1_basics:oracle" in f for f in found)
    assert any("x.ipynb: helper is the reference" in f for f in found)
    assert any("x.ipynb: a notebook with outputs" in f for f in found)
    assert any("given.py" in f for f in found) and any(".pyc" in f for f in found)


# --- the student's path -------------------------------------------------------------------------

def _fill(nb_path, part, keep_stub=()):
    """Answer cells of ``part`` copied from the reference, except the functions in ``keep_stub``."""
    nb = json.loads(nb_path.read_text())
    reference = answer_cells(read_json_notebook(SOLUTIONS_DIR / f"{part}.ipynb"))
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell["cell_type"] == "code" and grade_id in reference and grade_id not in keep_stub \
                and cell["metadata"]["nbgrader"].get("solution"):
            cell["source"] = reference[grade_id]
    nb_path.write_text(json.dumps(nb))


# Executes (folder, part) pairs, two kernels at a time (as the main job does), the longest first.
RUNNER = r'''
import json, sys
from concurrent.futures import ThreadPoolExecutor
import nbformat
from nbclient import NotebookClient

def errors(job):
    folder, part = job
    nb = nbformat.read(f"{folder}/{part}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": folder}}).execute()
    return [(o.ename, o.evalue, c.source) for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if o.output_type == "error"]

jobs = sorted(json.loads(sys.argv[1]), key=lambda job: job[1] not in ("part3_experiments", "bonus"))
with ThreadPoolExecutor(max_workers=2) as pool:
    found = list(pool.map(errors, jobs))
report = {}
for (folder, part), errs in zip(jobs, found):
    report.setdefault(folder, {})[part] = errs
print(json.dumps(report))
'''


@pytest.fixture(scope="module")
def student_venv(request):
    """``(lab folder, its python)``: the hand-out unzipped into an empty folder, with a venv built from its own
    requirements (begun in the background when this test was collected: tests/handout_venv.py)."""
    return handout_venv.start(request.config).result(timeout=1500)


def _execute(student_venv, jobs):
    """``{folder: {part: [(ename, evalue, cell source), ...]}}``: the errors of each notebook of ``jobs``
    (``(folder, part)`` pairs) executed in the student's venv."""
    lab, python = student_venv
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ALLAB_NOTEBOOKS")}
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([str(python), "-c", RUNNER, json.dumps([[str(f), p] for f, p in jobs])],
                            capture_output=True, text=True, timeout=3600, env=env, cwd=lab)
    assert result.returncode == 0, result.stderr[-3000:]
    return {Path(folder).name: report for folder, report in json.loads(result.stdout.splitlines()[-1]).items()}


def _copy(lab, target):
    import shutil
    shutil.copytree(lab, target, ignore=shutil.ignore_patterns(".venv"))
    return target


def _assigned_names(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


@pytest.fixture(scope="module")
def executed(student_venv, tmp_path_factory):
    """Every notebook run once in the student's venv, in one batch of kernels: the hand-out untouched, filled
    in from the reference (``filled``), and with Part 1's loop left a stub and Part 2 filled in (``one_stub``)."""
    lab, _ = student_venv
    home = tmp_path_factory.mktemp("copies")
    filled, one_stub = _copy(lab, home / "filled"), _copy(lab, home / "one_stub")
    for part in PARTS:
        _fill(filled / f"{part}.ipynb", part)
    _fill(one_stub / "part1_basics.ipynb", "part1_basics", keep_stub={"active_learning_loop"})
    _fill(one_stub / "part2_strategies.ipynb", "part2_strategies")
    reports = _execute(student_venv, [*((folder, part) for folder in (lab, filled) for part in PARTS),
                                      (one_stub, "part2_strategies")])
    return {"untouched": reports[lab.name], "filled": reports["filled"], "one_stub": reports["one_stub"],
            "filled_folder": filled}


@pytest.mark.slow
def test_untouched_handout_runs_up_to_its_stubs(executed):
    """Given code works: every error comes from a stub (or a later part using an earlier part's stub:
    allab.mine says which to finish), or from a name a failed cell did not get to set."""
    report = executed["untouched"]
    for part, errors in report.items():
        unset = set()
        for ename, evalue, source in errors:
            stub = "Not written yet" in evalue or ename == "NotFinishedError"
            cascade = ename == "NameError" and any(f"'{n}'" in evalue for n in unset)
            assert stub or cascade, f"{part}: {ename}: {evalue}\n--- in cell:\n{source[:400]}"
            unset |= _assigned_names(source)
        assert bool(errors) == (part != "part0_overview"), f"{part}: a notebook with stubs must stop at them"
    assert any(ename == "NotFinishedError" for ename, _, _ in report["part2_strategies"])


@pytest.mark.slow
def test_filled_in_handout_runs_end_to_end(executed):
    assert executed["filled"] == {part: [] for part in PARTS}
    assert len(list((executed["filled_folder"] / "figures").glob("*.png"))) >= 12


@pytest.mark.slow
def test_a_stub_in_part_1_is_named_by_part_2(executed):
    errors = executed["one_stub"]["part2_strategies"]
    assert errors, "Part 2 uses Part 1's loop: it must stop"
    # the first failure (the import cell works; a cell or a check cell using the loop stops) names the stub
    ename, evalue, _ = errors[0]
    assert "NotFinishedError: active_learning_loop (Exercise 1.5: The active learning loop) is still the stub" in \
        f"{ename}: {evalue}" and "finish it in part1_basics.ipynb" in evalue, errors
    assert all("oracle (" not in e and "uncertainty_sampling (" not in e for _, e, _ in errors)


@pytest.mark.slow
def test_pre_upload_check_runs_in_the_unzipped_handout(student_venv, tmp_path):
    """Done-when of issue 18: the hand-out unzipped into an empty folder, its own venv from its requirements
    (pip's cache, no system packages), and `python -m allab.check` there on a complete, an incomplete and an
    empty folder."""
    import shutil

    from autograder.authoring.examples import EXAMPLES_DIR
    root, python = _copy(student_venv[0], tmp_path / "student"), student_venv[1]
    complete, incomplete, empty = root / "alice", root / "bob", root / "empty"
    shutil.copytree(EXAMPLES_DIR / "alice_complete", complete)
    shutil.copytree(EXAMPLES_DIR / "bob_partial", incomplete)
    empty.mkdir()
    from allab.handin import handin
    (complete / "figures").mkdir()
    png = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (1).to_bytes(4, "big") + (1).to_bytes(4, "big"))
    for nb in handin()["notebooks"]:
        for figure in nb["figures"]:
            (complete / "figures" / f"{figure}.png").write_bytes(png)

    def check(folder):
        run = subprocess.run([python, "-m", "allab.check", folder.name], cwd=root, capture_output=True, text=True,
                             timeout=600)
        verdicts = [line for line in run.stdout.splitlines() if line.startswith(("Ready", "Not ready"))]
        assert len(verdicts) == 1 and not run.stderr.strip(), run.stdout + run.stderr
        return run.returncode, verdicts[0], run.stdout

    code, verdict, out = check(complete)
    assert code == 0 and verdict.startswith("Ready to upload") and "[ ]" not in out, out
    code, verdict, out = check(incomplete)
    assert code == 1 and verdict == ("Not ready to upload: 1 notebook missing, 1 function still a stub, 5 functions "
                                     "failing public checks, 3 written answers empty, 7 plots missing."), out
    code, verdict, out = check(empty)
    assert code == 1 and verdict == "Not ready to upload: 4 notebooks missing, 7 plots missing.", out
    assert out.count("[ ]") == 9 and "[x]" not in out
