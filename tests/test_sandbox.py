"""What a worker can reach and do (autograder/worker/: limits, confinement, cleanup, client): the import path, the
allowlist, the isolation modes, the permissions closed for a worker uid (only without Landlock), what it leaves
behind (files, processes, IPC objects)."""
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile import DOCKER_DROPS

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.markscheme import load_items
from autograder.worker import cleanup, confinement, syscalls
from autograder.worker import limits as worker_limits
from autograder.worker.client import StudentProcess, WorkerTimeout
from autograder.worker.confinement import course_limits, import_path
from autograder.worker.limits import Limits


def test_import_path_keeps_allab_and_drops_the_course(tmp_path):
    site = str(Path(sys.prefix) / "lib")
    hidden = course_limits(extra_hidden=[tmp_path]).hidden
    paths = [str(ROOT), str(NOTEBOOKS_DIR), "", site, str(ROOT.parent), str(SOLUTIONS_DIR),
             str(ROOT / "autograder" / "checks"), str(tmp_path / "alice")]
    assert import_path(paths, hidden) == [str(NOTEBOOKS_DIR), site]


def test_a_worker_preloads_the_public_checks_of_the_parts_the_grader_knows():
    """The parts come from the grading side (the mark scheme, through check_parts()), passed to the worker when
    it starts; the worker's own list names no part (no scan of its own for them)."""
    from autograder.grading.runner import check_parts
    from autograder.worker import server
    from autograder.worker.client import preload
    assert not any(m.startswith("allab.checks.") for m in server.PRELOAD)
    assert [m for m in preload() if m.startswith("allab.checks.")] == [f"allab.checks.{p}" for p in check_parts()]
    assert "pkgutil" not in Path(server.__file__).read_text()


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
    of the grader's reference or working versions; the working versions are proxies."""
    scan = ("import gc, sys\n"
            "def active_learning_loop(*args, **kwargs):\n"
            "    codes = [o for o in gc.get_objects() if type(o).__name__ == 'function']\n"
            "    reference = sorted({f'{f.__module__}.{f.__name__}' for f in codes if f.__name__ in GRADED\n"
            "                        and not f.__code__.co_filename.startswith('<part1_basics cell')})\n"
            "    modules = sorted(m for m in sys.modules if m.startswith(('autograder.grading.reference',\n"
            "                     'autograder.worker.working_versions', 'autograder.checks',\n"
            "                     'autograder.grading.grade')))\n"
            "    proxies = sorted({type(o).__name__ for o in gc.get_objects()\n"
            "                      if getattr(o, 'name', None) in ('oracle', 'uncertainty_sampling')\n"
            "                      and callable(o)})\n"
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
    removed = cleanup.sweep(61_001, places=[str(place)])
    assert sorted(Path(p).name for p in removed) == ["theirs", "theirs_dir"]
    assert [p.name for p in place.iterdir()] == ["other"]


@root_only
def test_without_landlock_locked_closes_the_course_to_the_worker_uid_and_a_journal_restores_it(tmp_path, monkeypatch):
    monkeypatch.setattr(syscalls, "landlock_abi", lambda: 0)  # a kernel before 5.13
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / "part1.ipynb").write_text("{}")
    tmp_path.chmod(0o755)
    limits = Limits(mode="uid", hidden=(str(tmp_path / "class"),))
    watched = [ROOT, SOLUTIONS_DIR, ROOT / "autograder", NOTEBOOKS_DIR, tmp_path / "class", ROOT.parent,
               Path(sys.prefix).parent]
    before = {p: p.stat().st_mode for p in watched}
    uid, journal = 61_003, tmp_path / "journal.json"
    solution = str(SOLUTIONS_DIR / "part1_basics.ipynb")
    with cleanup.locked(limits, journal) as closed:
        assert ROOT.resolve() in closed and SOLUTIONS_DIR.resolve() in closed and journal.is_file()
        assert not [p for p in closed if ROOT.resolve() not in (p, *p.parents) and tmp_path not in p.parents], \
            "a permission changed outside the course's own folders"
        assert as_uid(uid, lambda: open(solution).read()) == "PermissionError"
        assert as_uid(uid, lambda: os.listdir(ROOT)) == "PermissionError"
        assert as_uid(uid, lambda: open(tmp_path / "class" / "alice" / "part1.ipynb").read()) == "PermissionError"
        assert as_uid(uid, lambda: open(ROOT / "autograder" / "x.py", "w")) == "PermissionError"
    assert {p: p.stat().st_mode for p in watched} == before and not journal.exists()
    # A grader killed inside the block leaves the journal: the next start restores from it.
    killed = cleanup.locked(limits, journal)
    killed.__enter__()
    assert SOLUTIONS_DIR.stat().st_mode != before[SOLUTIONS_DIR]
    assert str(SOLUTIONS_DIR.resolve()) in cleanup.restore(journal)
    assert {p: p.stat().st_mode for p in watched} == before and not journal.exists()


def test_locked_changes_nothing_where_landlock_or_namespaces_serve(tmp_path):
    before = {p: p.stat().st_mode for p in (ROOT, SOLUTIONS_DIR)}
    for mode in ("namespaces", "user-namespace", "landlock") + (("uid",) if syscalls.landlock_abi() else ()):
        with cleanup.locked(Limits(mode=mode), tmp_path / "journal.json") as closed:
            assert closed == [] and {p: p.stat().st_mode for p in before} == before


def test_the_allowlist_is_python_the_venv_and_allab():
    keep = confinement.allowlist()
    assert (NOTEBOOKS_DIR / "allab").resolve() in keep and Path(sys.prefix).resolve() in keep
    assert Path(confinement.sysconfig.get_path("stdlib")).resolve() in {p.resolve() for p in keep} | {
        q.resolve() for p in keep for q in Path(confinement.sysconfig.get_path("stdlib")).parents if q == p}
    assert not {ROOT.resolve(), SOLUTIONS_DIR.resolve(), NOTEBOOKS_DIR.resolve()} & keep
    for path in keep:  # nothing of the checkout but allab and a venv, no home folder, no /tmp, no whole /usr
        allowed = ((NOTEBOOKS_DIR / "allab").resolve(), Path(sys.prefix).resolve())
        assert path in allowed or ROOT.resolve() not in path.parents
        assert path not in {Path(p) for p in ("/", "/home", "/root", "/tmp", "/usr", "/etc")} | {ROOT.parent}


SEES = ("import os, ctypes\n"
        "def sees(paths):\n"
        "    found = []\n"
        "    for p in paths:\n"
        "        try:\n"
        "            found.append(sorted(os.listdir(p)) if os.path.isdir(p) else open(p).read()[:20])\n"
        "        except OSError:\n"
        "            pass\n"
        "    return found\n"
        "def makes_ipc(key):\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    return [libc.shmget(key, 1 << 20, 0o1666), libc.msgget(key, 0o1666), libc.semget(key, 1, 0o1666)]\n")


def test_a_worker_sees_no_other_checkout_and_leaves_no_ipc(tmp_path):
    """A world-readable copy of the course outside /tmp (in a home folder, as a second checkout would
    be) and the machine's folders are out of a worker's sight in this process's mode; the IPC objects
    it makes do not outlive it."""
    if not confinement.can_isolate():
        pytest.skip("no isolation here: the worker sees what the grading user sees")
    copy = Path.home() / f".allab-test-copy-{os.getpid()}"
    try:
        (copy / "solutions").mkdir(parents=True)
        (copy / "solutions" / "part1_basics.ipynb").write_text("the answers")
        for folder in (copy, copy / "solutions"):
            folder.chmod(0o755)
        (copy / "solutions" / "part1_basics.ipynb").chmod(0o644)
        process = StudentProcess({"part1_basics": [(0, SEES)]}, course_limits())
        try:
            process.load()
            secrets = [str(copy / "solutions" / "part1_basics.ipynb"), str(copy), str(SOLUTIONS_DIR),
                       str(ROOT / "autograder"), "/etc/passwd", "/home"]
            assert process.call("part1_basics", "sees", [secrets], {}).value == []
            keep = confinement.allowlist()
            for folder in (ROOT, ROOT.parent, Path.home()):  # at most the way to what it may read
                [*seen] = process.call("part1_basics", "sees", [[str(folder)]], {}).value or [[]]
                own = [*keep, Path(process.workdir).resolve()]  # and its own working folder (a checkout in /tmp)
                assert set(*seen) <= {k.relative_to(folder).parts[0] for k in own if folder in k.parents}, folder
            assert process.call("part1_basics", "sees", [[str(NOTEBOOKS_DIR / "allab")]], {}).value != []
            key = 0x4A11AB00 + os.getpid() % 256
            made = process.call("part1_basics", "makes_ipc", [key], {}).value
            assert len(made) == 3
        finally:
            process.close()
        for kind in ("shm", "msg", "sem"):
            with open(f"/proc/sysvipc/{kind}") as f:
                assert not [line for line in f.read().splitlines()[1:] if int(line.split()[0]) == key], kind
    finally:
        shutil.rmtree(copy, ignore_errors=True)


@root_only
def test_remove_ipc_of_removes_only_that_uid_s_objects():
    def make():
        libc = syscalls._libc
        return [libc.shmget(0, 4096, 0o1600), libc.msgget(0, 0o1600), libc.semget(0, 1, 0o1600)]
    mine = as_uid(61_006, make)
    theirs = as_uid(61_007, make)
    assert "-1" not in mine and "-1" not in theirs
    removed = as_uid(61_006, lambda: syscalls.remove_ipc_of(61_006))
    assert removed.count("(") == 3 and all(kind in removed for kind in ("shm", "msg", "sem"))
    assert as_uid(61_007, lambda: len(syscalls.remove_ipc_of(61_007))) == "3"


@root_only
def test_isolation_mode_follows_the_capabilities():
    probe = [sys.executable, "-c", "from autograder.worker.confinement import isolation_mode; print(isolation_mode())"]
    assert subprocess.run(probe, cwd=ROOT, capture_output=True, text=True).stdout.strip() == "namespaces"
    in_docker = subprocess.run(["capsh", f"--drop={DOCKER_DROPS}", "--", "-c", f"exec {shlex.join(probe)}"], cwd=ROOT,
                               capture_output=True, text=True)
    assert in_docker.stdout.strip() == "uid", in_docker.stderr


def test_require_isolation_refuses_to_grade_without_it(tmp_path, monkeypatch, capsys):
    from autograder.__main__ import main
    monkeypatch.setattr(confinement, "_MODE", "none")
    code = main(["grade", str(SOLUTIONS_DIR / "part1_basics.ipynb"), "--out", str(tmp_path / "out"),
                 "--require-isolation"])
    assert code == 2 and "--require-isolation: this grader cannot isolate student code" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_without_isolation_the_grader_says_so_and_a_changed_reference_is_reported(tmp_path, monkeypatch, capsys):
    from autograder.__main__ import main
    from autograder.grading import batch
    monkeypatch.setattr(confinement, "_MODE", "none")
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

    from autograder.grading import batch
    from autograder.grading import grade as grading
    from autograder.grading.submissions import Submission
    from autograder.markscheme import gradebook_items
    from autograder.results.outputs import write_gradebook, write_student

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
    assert worker_limits.cgroup_parent(mounts, own) == str(folder)
    (folder / "cgroup.subtree_control").write_text("cpu memory\n")  # no pids: the rlimits must do
    assert worker_limits.cgroup_parent(mounts, own) == ""
    assert worker_limits.cgroup_parent(mounts, str(tmp_path / "no-such-file")) == ""


def test_a_worker_joins_its_submission_s_cgroup_with_the_limits(tmp_path):
    folder = fake_cgroup(tmp_path, ["memory", "pids"])
    limits = Limits(memory_bytes=3 * 2**30, processes=3)
    assert worker_limits.join_cgroup(str(folder), 61_004, limits)
    group = folder / "allab-61004"
    assert (group / "memory.max").read_text() == f"{3 * 2**30}\n" and (group / "pids.max").read_text() == "3\n"
    assert (group / "cgroup.procs").read_text() == f"{os.getpid()}\n"
    for name in ("memory.max", "pids.max", "memory.swap.max", "cgroup.procs"):
        (group / name).unlink()  # the kernel's files go with the cgroup
    worker_limits.leave_cgroup(str(folder), 61_004)
    assert (group / "cgroup.kill").read_text() == "1\n"  # written: everything in it killed
    assert not worker_limits.join_cgroup("", 61_004, limits)
    assert not worker_limits.join_cgroup(str(tmp_path / "gone"), 1, limits)


def test_a_call_that_does_not_return_is_a_worker_timeout_and_not_made_again():
    """A hang is told by the exception's type (WorkerTimeout), not by the words of its message."""
    import dataclasses
    cells = {"part1_basics": [(0, "def spin():\n    while True:\n        pass\n")]}
    process = StudentProcess(cells, dataclasses.replace(course_limits(), call_seconds=1.0))
    try:
        process.load()
        with pytest.raises(WorkerTimeout, match="no answer within 1 s"):
            process.worker.request("call", 1.0, part="part1_basics", name="spin", args=[], kwargs={}, isolate=[])
        assert "no answer within" in process.call("part1_basics", "spin", [], {}).error["message"]
        assert "spin" in process.hung
        assert "not called again" in process.call("part1_basics", "spin", [], {}).error["message"]
    finally:
        process.close()


def test_what_student_code_says_reaches_the_feedback_bounded_and_plain():
    """An exception's message and a load problem are the student's choice: one line of at most 300
    characters, no control characters or backticks (a file's text must not ride on them into feedback)."""
    cells = {"part1_basics": [(0, "def loud():\n    raise RuntimeError('line one\\n```\\n\\x1b[31m' + 'x' * 10_000)\n"),
                              (1, "def _fail():\n    raise ValueError('at load\\n' + 'y' * 10_000)\n"
                                  "def g(a=_fail()):\n    pass\n")]}
    process = StudentProcess(cells, course_limits())
    try:
        problems = process.load()["part1_basics"]["problems"]
        error = process.call("part1_basics", "loud", [], {}).error
    finally:
        process.close()
    for text in [error["message"], *problems]:
        assert len(text) <= 300 and "\n" not in text and "`" not in text and "\x1b" not in text, text
    assert error["type"] == "RuntimeError" and error["message"].startswith("line one")
    assert any("ValueError" in p for p in problems), problems
