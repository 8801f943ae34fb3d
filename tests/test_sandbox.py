"""What a worker can reach and do (autograder/grading/sandbox.py, autograder/grading/client.py): the import path, the
isolation modes, the permissions closed for a worker uid, what it leaves behind."""
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.grading import sandbox
from autograder.markscheme import load_items
from autograder.grading.sandbox import Limits, course_limits, import_path
from hostile import DOCKER_DROPS
from autograder.grading.client import StudentProcess


def test_import_path_keeps_allab_and_drops_the_course(tmp_path):
    site = str(Path(sys.prefix) / "lib")
    hidden = course_limits(extra_hidden=[tmp_path]).hidden
    paths = [str(ROOT), str(NOTEBOOKS_DIR), "", site, str(ROOT.parent), str(SOLUTIONS_DIR),
             str(ROOT / "autograder" / "checks"), str(tmp_path / "alice")]
    assert import_path(paths, hidden) == [str(NOTEBOOKS_DIR), site]


def test_student_code_cannot_import_the_grader():
    cells = {"part1_basics": [(0, "import sys\n"
                                  "def path():\n    return list(sys.path)\n"
                                  "def checks():\n    import autograder.checks.verdicts\n"
                                  "def reference():\n    from autograder.grading.reference import load_reference\n"
                                  "def allab():\n    import allab.data\n    return allab.data.__name__\n")]}
    process = StudentProcess(cells, course_limits())
    try:
        process.load()
        path = process.call("part1_basics", "path", [], {}).value
        assert str(ROOT) not in path and "" not in path  # allab comes from the installed package
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
            "    modules = sorted(m for m in sys.modules if m.startswith(('autograder.grading.reference',\n"
            "                     'autograder.grading.judge', 'autograder.checks', 'autograder.grading.grade')))\n"
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


root_only = pytest.mark.needs_root


def as_uid(uid, action):
    """Run ``action()`` in a child that became ``uid``; return what it returned (or the exception's name)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            answer = repr(action())
        except BaseException as exc:  # noqa: BLE001
            answer = type(exc).__name__
        os.write(write, answer.encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        return f.read()


@root_only
def test_sweep_removes_only_what_the_uid_left(tmp_path):
    place = tmp_path / "shared"
    place.mkdir(mode=0o1777)
    place.chmod(0o1777)
    for name, owner in (("theirs", 61_001), ("theirs_dir", 61_001), ("other", 61_002)):
        path = place / name
        if name.endswith("dir"):
            path.mkdir()
            (path / "inside").write_text("x")
        else:
            path.write_text("x")
        os.chown(path, owner, owner)
    removed = sandbox.sweep(61_001, places=[str(place)])
    assert sorted(Path(p).name for p in removed) == ["theirs", "theirs_dir"]
    assert [p.name for p in place.iterdir()] == ["other"]


@root_only
def test_locked_closes_the_course_to_the_worker_uid_and_restores_it(tmp_path):
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / "part1.ipynb").write_text("{}")
    tmp_path.chmod(0o755)
    limits = Limits(mode="uid", hidden=(str(tmp_path / "class"),))
    watched = [ROOT, SOLUTIONS_DIR, ROOT / "autograder", NOTEBOOKS_DIR, tmp_path / "class"]
    before = {p: p.stat().st_mode for p in watched}
    uid = 61_003
    solution, allab = str(SOLUTIONS_DIR / "part1_basics.ipynb"), str(NOTEBOOKS_DIR / "allab" / "data.py")
    # before: readable by others as far as the folders above allow (a parent of the checkout may be closed)
    open_above = all(p.stat().st_mode & stat.S_IXOTH for p in ROOT.resolve().parents)
    readable = open_above and all(p.stat().st_mode & stat.S_IXOTH for p in (ROOT, SOLUTIONS_DIR)) \
        and os.stat(solution).st_mode & stat.S_IROTH
    assert as_uid(uid, lambda: len(open(solution).read()) > 0) == ("True" if readable else "PermissionError")
    with sandbox.locked(limits) as closed:
        assert ROOT.resolve() in closed and SOLUTIONS_DIR.resolve() in closed
        assert as_uid(uid, lambda: open(solution).read()) == "PermissionError"
        assert as_uid(uid, lambda: os.listdir(ROOT)) == "PermissionError"
        assert as_uid(uid, lambda: open(tmp_path / "class" / "alice" / "part1.ipynb").read()) == "PermissionError"
        assert as_uid(uid, lambda: open(ROOT / "autograder" / "x.py", "w")) == "PermissionError"
        # the support package stays (where the folders above the checkout let others through)
        assert as_uid(uid, lambda: len(open(allab).read()) > 0) == ("True" if open_above else "PermissionError")
    assert {p: p.stat().st_mode for p in watched} == before


def test_locked_changes_nothing_outside_mode_uid():
    before = {p: p.stat().st_mode for p in (ROOT, SOLUTIONS_DIR)}
    with sandbox.locked(Limits(mode="namespaces")) as closed:
        assert closed == [] and {p: p.stat().st_mode for p in before} == before


def test_the_worker_sees_only_python_and_the_support_package():
    keep = sandbox.visible()
    assert (NOTEBOOKS_DIR / "allab").resolve() in keep and Path(sys.prefix).resolve() in keep
    assert not {ROOT.resolve(), SOLUTIONS_DIR.resolve(), NOTEBOOKS_DIR.resolve()} & keep
    tops = sandbox.checkouts()
    assert ROOT.resolve() in tops and NOTEBOOKS_DIR.resolve() in tops
    venv = Path(sys.prefix).resolve()
    if venv != Path(sys.base_prefix).resolve() and venv.parent != Path("/"):
        assert venv.parent in tops  # a venv inside another checkout: that checkout is covered too




@root_only
def test_isolation_mode_follows_the_capabilities():
    probe = [sys.executable, "-c", "from autograder.grading.sandbox import isolation_mode; print(isolation_mode())"]
    assert subprocess.run(probe, cwd=ROOT, capture_output=True, text=True).stdout.strip() == "namespaces"
    in_docker = subprocess.run(["capsh", f"--drop={DOCKER_DROPS}", "--", "-c", f"exec {shlex.join(probe)}"], cwd=ROOT,
                               capture_output=True, text=True)
    assert in_docker.stdout.strip() == "uid", in_docker.stderr


def test_require_isolation_refuses_to_grade_without_it(tmp_path, monkeypatch, capsys):
    from autograder.__main__ import main
    monkeypatch.setattr(sandbox, "_MODE", "none")
    code = main(["grade", str(SOLUTIONS_DIR / "part1_basics.ipynb"), "--out", str(tmp_path / "out"),
                 "--require-isolation"])
    assert code == 2 and "--require-isolation: this grader cannot isolate student code" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_without_isolation_the_grader_says_so_and_a_changed_reference_is_reported(tmp_path, monkeypatch, capsys):
    from autograder.grading import batch
    from autograder.__main__ import main
    monkeypatch.setattr(sandbox, "_MODE", "none")
    prints = iter([{"solutions/part1_basics.ipynb": "before"}] + [{"solutions/part1_basics.ipynb": "after"}] * 9)
    monkeypatch.setattr(batch, "fingerprint", lambda: next(prints))
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "part1.ipynb").write_bytes((NOTEBOOKS_DIR / "part1_basics.ipynb").read_bytes())
    code = main(["grade", str(tmp_path / "alice"), "--out", str(tmp_path / "out"), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 3
    assert "NOT ISOLATED" in err and "COURSE FILES CHANGED DURING GRADING: solutions/part1_basics.ipynb" in err
    notes = (tmp_path / "out" / "grading-notes.md").read_text()
    assert "NOT ISOLATED" in notes and "COURSE FILES CHANGED" in notes
    assert (tmp_path / "out" / "grades.csv").is_file()


def test_a_submission_the_grader_fails_on_is_a_row_not_a_crash(monkeypatch, tmp_path):
    import csv

    from autograder.grading import batch, grade as grading
    from autograder.markscheme import gradebook_items
    from autograder.results.outputs import write_gradebook, write_student
    from autograder.grading.submissions import Submission

    def broken(submission, limits):
        raise RuntimeError("a bug of ours")
    monkeypatch.setattr(grading, "grade_submission", broken)
    result, _ = batch._grade_one(Submission("alice", Path("alice")), Limits(mode="none"))
    assert result.student == "alice" and result.score == 0
    assert "the grader failed on this submission (RuntimeError: a bug of ours)" in result.problems[-1]
    # the row goes into every output like any other (written items included)
    write_gradebook([result], tmp_path / "grades.csv")
    write_student(result, tmp_path / "alice")
    with open(tmp_path / "grades.csv", newline="") as f:
        row = next(csv.DictReader(f))
    assert row["student"] == "alice" and all(row[it.name] == "0" for it in gradebook_items())
    assert "the grader failed on this submission" in (tmp_path / "alice" / "feedback.md").read_text()


def fake_cgroup(tmp_path, controllers):
    """A cgroup v2 tree as the kernel shows it (only the files the sandbox reads and writes)."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "cgroup").write_text("0::/grader.slice\n")
    folder = tmp_path / "sys" / "fs" / "cgroup" / "grader.slice"
    folder.mkdir(parents=True)
    (folder / "cgroup.subtree_control").write_text(" ".join(controllers) + "\n")
    return folder


def test_a_cgroup_is_used_only_where_memory_and_pids_are_delegated(tmp_path):
    mounts = [str(tmp_path / "sys" / "fs" / "cgroup"), str(tmp_path / "nothing")]
    own = str(tmp_path / "proc" / "cgroup")
    folder = fake_cgroup(tmp_path, ["cpu", "memory", "pids"])
    assert sandbox.cgroup_parent(mounts, own) == str(folder)
    (folder / "cgroup.subtree_control").write_text("cpu memory\n")  # no pids: the rlimits must do
    assert sandbox.cgroup_parent(mounts, own) == ""
    assert sandbox.cgroup_parent(mounts, str(tmp_path / "no-such-file")) == ""


def test_a_worker_joins_its_submission_s_cgroup_with_the_limits(tmp_path):
    folder = fake_cgroup(tmp_path, ["memory", "pids"])
    limits = Limits(memory_bytes=3 * 2**30, processes=3)
    assert sandbox.join_cgroup(str(folder), 61_004, limits)
    group = folder / "allab-61004"
    assert (group / "memory.max").read_text() == f"{3 * 2**30}\n" and (group / "pids.max").read_text() == "3\n"
    assert (group / "cgroup.procs").read_text() == f"{os.getpid()}\n"
    for name in ("memory.max", "pids.max", "memory.swap.max", "cgroup.procs"):
        (group / name).unlink()  # the kernel's files go with the cgroup
    sandbox.leave_cgroup(str(folder), 61_004)
    assert (group / "cgroup.kill").read_text() == "1\n"  # written: everything in it killed
    assert not sandbox.join_cgroup("", 61_004, limits) and not sandbox.join_cgroup(str(tmp_path / "gone"), 1, limits)
