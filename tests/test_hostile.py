"""The hostile catalogue (tests/hostile/cases.py), graded in one batch with good students, in each of the
modes a grader really runs in:

- ``root``: root with every capability (a VM, CI): workers in mount and network namespaces;
- ``container``: root with Docker's default capabilities (no CAP_SYS_ADMIN: no namespaces), simulated with
  ``capsh --drop=...``: workers as an unprivileged uid, course files closed by permissions;
- ``user``: an ordinary user (``setpriv --reuid``): workers in unprivileged user namespaces.

For each case: the grader finishes, the student gets a row with every item that still works graded, the
feedback says what happened, the good students are unaffected, and no submission or course file changes;
nothing a submission started or wrote outlives the batch. The last two modes run the Debian
``/usr/bin/python3.11`` venv that ``make system-venv`` builds (an interpreter under /root is not runnable
by other users).
"""
import contextlib
import csv
import hashlib
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hostile import DOCKER_DROPS
from hostile.allowlist import ALLOWLIST_CASES, COPY, IPC_KEYS, MARKER, MQUEUE
from hostile.cases import BUILT, OUT, PART, Case, with_oracle
from hostile.cases import CASES as _CASES
from hostile.reach import REACH_CASES, SUBMISSION_SECONDS
from needs import need

from autograder import NOTEBOOKS_DIR, PARTS, ROOT, SOLUTIONS_DIR
from autograder.markscheme import load_items
from autograder.results.outputs import student_folders
from autograder.worker.confinement import DESCRIPTIONS, isolation_mode

CASES = _CASES + REACH_CASES + ALLOWLIST_CASES

pytestmark = pytest.mark.slow
TEST_USER = 64_321                      # the ordinary user of mode "user" (no such user needs to exist)
WORKER_UIDS = range(61_000, 91_000)     # sandbox.UNPRIVILEGED_BASE + pid % 30000
SYSTEM_VENV = ROOT / ".venv-system"
EXPECTED_MODE = {"root": isolation_mode(), "container": "uid", "user": "user-namespace"}


def system_python():
    """The Debian python3.11 venv with requirements.txt (built by `make system-venv` once; here if missing)."""
    if not (SYSTEM_VENV / ".installed").exists():
        subprocess.run(["make", "system-venv"], cwd=ROOT, check=True, timeout=1800)
    return str(SYSTEM_VENV / "bin" / "python")


def grade_command(mode, args, home, python=None):
    """The command line that runs ``python -m autograder ARGS`` in ``mode`` (with ``python`` if given)."""
    if mode == "root":
        return [python or sys.executable, "-m", "autograder", *args]
    python = [python or system_python(), "-m", "autograder", *args]
    if mode == "container":
        return ["capsh", f"--drop={DOCKER_DROPS}", "--", "-c", f"exec {shlex.join(python)}"]
    return ["setpriv", f"--reuid={TEST_USER}", f"--regid={TEST_USER}", "--clear-groups",
            "env", f"HOME={home}", *python]


def checksums(*folders):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*"))
            if p.is_file() and not {".venv", ".venv-system", "__pycache__"} & set(p.parts)}


def survivors(mode, tmpdir):
    """Processes a submission may have left: those whose environment names the batch's own ``TMPDIR``
    (a worker's HOME is its working folder there), of the test's user, or the catalogue's daemon."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        uid = int(status.split("\nUid:")[1].split()[0])
        if str(tmpdir).encode() in environ or (mode == "user" and uid == TEST_USER) \
                or "allab-daemon" in status.split("\n")[0]:
            found.append(f"{pid}: {status.splitlines()[0]} uid {uid}")
    return found


@contextlib.contextmanager
def reachable_by_others(path):
    """For the block, others may pass through every folder above ``path`` (a checkout under /root)."""
    changed = []
    for folder in reversed(Path(path).parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            changed.append((folder, mode))
            folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
    try:
        yield
    finally:
        for folder, mode in changed:
            folder.chmod(stat.S_IMODE(mode))


@contextlib.contextmanager
def another_copy():
    """A world-readable copy of the course outside /tmp (:data:`COPY`, as a second checkout in a home
    folder would be): its solutions, and its hidden checks with :data:`MARKER` in them."""
    copy = Path(COPY)
    shutil.rmtree(copy, ignore_errors=True)
    try:
        (copy / "solutions").mkdir(parents=True)
        shutil.copy(SOLUTIONS_DIR / f"{PART}.ipynb", copy / "solutions")
        hidden = copy / "autograder" / "checks" / PART / "hidden.py"
        hidden.parent.mkdir(parents=True)
        hidden.write_text(f"# {MARKER}\n" + (ROOT / "autograder" / "checks" / PART / "hidden.py").read_text())
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield copy
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def ipc_left():
    """The catalogue's System V objects (:data:`IPC_KEYS`) and POSIX queue that exist on the machine."""
    import ctypes
    left = []
    for kind in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{kind}") as f:
            left += [f"{kind} {line.split()[0]}" for line in f.read().splitlines()[1:]
                     if int(line.split()[0]) in IPC_KEYS]
    libc = ctypes.CDLL(None, use_errno=True)
    queue = libc.mq_open(MQUEUE.encode(), os.O_RDONLY)
    if queue >= 0:
        libc.mq_close(queue)
        libc.mq_unlink(MQUEUE.encode())
        left.append(f"POSIX queue {MQUEUE}")
    return left


def permissions_outside(checkout, also=()):
    """``{path: (mode, uid, gid)}`` of everything a batch could change outside the checkout, bounded: the
    folders above it, the entries of its parent (other checkouts), of /tmp, /home, /root and $HOME, and
    of ``also`` (a venv's folder)."""
    places = [*Path(checkout).parents, *also]
    for folder in {Path(checkout).parent, Path("/tmp"), Path("/home"), Path("/root"), Path.home(), *also}:
        with contextlib.suppress(OSError):
            places += list(folder.iterdir())
    snapshot = {}
    for path in places:
        with contextlib.suppress(OSError):
            info = path.lstat()
            snapshot[path] = (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)
    return snapshot


def changed_permissions(before, after):
    """The paths present before and after whose permissions or owners differ (the machine is shared:
    other programs add and remove their own files meanwhile)."""
    return sorted(str(p) for p in before.keys() & after.keys() if before[p] != after[p])


def build_class(klass, out, cases):
    (klass / "good_complete").mkdir(parents=True)
    for part in PARTS:
        shutil.copy(SOLUTIONS_DIR / f"{part}.ipynb", klass / "good_complete")
    for case in cases:
        case.build(klass / case.path)
        path = klass / case.path / f"{PART}.ipynb"
        if path.is_file() and not path.is_symlink() and OUT.encode() in path.read_bytes():
            path.write_bytes(path.read_bytes().replace(OUT.encode(), str(out).encode()))


# ALLAB_HOSTILE_MODES=root pytest tests/test_hostile.py: only some modes (while working on one)
MODES = os.environ.get("ALLAB_HOSTILE_MODES", "root,container,user").split(",")


def pytest_generate_tests(metafunc):
    """One batch a mode (the module-scoped fixture ``graded``); a case is checked in the modes it is graded in."""
    if "graded" not in metafunc.fixturenames:
        return
    if "case" in metafunc.fixturenames:
        pairs = [(mode, case) for mode in MODES for case in CASES if not case.modes or mode in case.modes]
        metafunc.parametrize(("graded", "case"), pairs, indirect=["graded"], scope="module",
                             ids=[f"{mode}-{case.name}" for mode, case in pairs])
    else:
        metafunc.parametrize("graded", MODES, indirect=True, scope="module")


@pytest.fixture(scope="module")
def graded(request):
    mode = request.param
    if mode != "root":
        need("needs_root")  # the other modes are simulated from root (capsh, setpriv)
    if mode != "root" and not shutil.which("capsh" if mode == "container" else "setpriv"):
        pytest.fail("capsh (Debian's libcap2-bin) or setpriv is missing: `make test` installs them")
    runnable = [c for c in CASES if (EXPECTED_MODE[mode] != "none" or not c.needs_isolation)
                and (not c.modes or mode in c.modes)]
    top = Path(tempfile.mkdtemp(prefix=f"allab-hostile-{mode}-"))
    klass, twins, out, home, tmp = top / "class", top / "more", top / "out", top / "home", top / "tmp"
    built_here = not BUILT.exists()
    try:
        build_class(klass, out, runnable)
        with_oracle("    return [0] * len(query_idx)")(twins / "twin")  # the same name under another path
        home.mkdir()
        tmp.mkdir()
        top.chmod(0o755)
        if mode == "user":
            for path in [top, home, tmp]:
                os.chown(path, TEST_USER, TEST_USER)
        BUILT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SOLUTIONS_DIR / f"{PART}.ipynb", BUILT)  # as `make lab` leaves executed notebooks
        course = [SOLUTIONS_DIR, NOTEBOOKS_DIR, ROOT / "autograder", ROOT / "build"]
        before, course_before = checksums(klass, twins), checksums(*course)
        readme = (ROOT / "README.md").read_bytes()
        command = grade_command(mode, ["grade", str(klass), str(twins), "--out", str(out), "--jobs", "2",
                                       "--submission-seconds", str(SUBMISSION_SECONDS)], home)
        with reachable_by_others(ROOT) if mode == "user" else contextlib.nullcontext(), another_copy():
            permissions = permissions_outside(ROOT)
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1500,
                                    env={**os.environ, "TMPDIR": str(tmp)})
            changed = changed_permissions(permissions, permissions_outside(ROOT))
        time.sleep(1)  # a daemon that outlived the batch would write by now
        ipc = ipc_left()
        left = [p for c in runnable for p in c.leaves if os.path.lexists(p)]
        alive = survivors(mode, tmp)
        assert checksums(klass, twins) == before, "a submission file changed"
        assert checksums(*course) == course_before and (ROOT / "README.md").read_bytes() == readme, \
            "a course file changed"
        assert (out / "grades.csv").is_file(), result.stderr[-3000:]
        with open(out / "grades.csv", newline="", encoding="utf-8") as f:
            rows = {row["student"]: row for row in csv.DictReader(f)}
        yield {"mode": mode, "result": result, "out": out, "rows": rows, "runnable": runnable, "left": left,
               "alive": alive, "folders": student_folders(list(rows), out), "ipc": ipc, "changed": changed}
    finally:
        if built_here:
            shutil.rmtree(ROOT / "build" / "hostile", ignore_errors=True)
            with contextlib.suppress(OSError):
                (ROOT / "build").rmdir()
        shutil.rmtree(top, ignore_errors=True)


def test_the_batch_finishes_in_the_expected_mode(graded):
    result, out = graded["result"], graded["out"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(graded["rows"]) == {"good_complete", "twin~2", *(c.name for c in graded["runnable"])}
    notes = (out / "grading-notes.md").read_text()
    assert DESCRIPTIONS[EXPECTED_MODE[graded["mode"]]] in notes, notes
    assert "COURSE FILES CHANGED" not in notes + result.stderr


def test_good_student_is_unaffected(graded):
    assert float(graded["rows"]["good_complete"]["score"]) == sum(it.points for it in load_items())


def test_forged_gradebook_is_not_the_grader_s(graded):
    out, rows = graded["out"], graded["rows"]
    assert "forged,100,100" not in (out / "grades.csv").read_text()
    assert not (out / "results.json").exists()
    assert float(rows["forged_results"]["part1.oracle"]) == 0


def test_nothing_outlives_the_batch(graded):
    assert graded["left"] == [], "files left in shared places"
    assert graded["alive"] == [], "processes left running"
    assert graded["ipc"] == [], "IPC objects left"


def test_no_permission_changes_outside_the_checkout(graded):
    assert graded["changed"] == []


def test_another_copy_of_the_course_never_reaches_the_feedback(graded):
    written = [p for p in graded["out"].rglob("*") if p.is_file()]
    assert written and not [p for p in written if MARKER.encode() in p.read_bytes()]
    assert MARKER not in graded["result"].stdout + graded["result"].stderr


def test_the_same_name_twice_is_kept_apart(graded):
    rows = graded["rows"]
    assert float(rows["twin"]["part1.oracle"]) > 0 and float(rows["twin~2"]["part1.oracle"]) == 0


def test_printed_names_are_one_line_each(graded):
    printed = graded["result"].stdout
    assert "\x1b" not in printed and "newline_forged_line" in printed
    assert not any(line.startswith("forged_line") for line in printed.splitlines())


def test_report_works_on_the_gradebook(graded):
    out = graded["out"]
    result = subprocess.run([sys.executable, "-m", "autograder", "report", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (out / "report.md").is_file() and (out / "report.png").is_file()


def test_case(graded, case):
    if case not in graded["runnable"]:
        pytest.skip("needs workers isolated from the grader (a mode other than 'none')")
    row = graded["rows"][case.name]
    points = {it.function: it.points for it in load_items() if it.part == PART}
    for item in case.full:
        assert float(row[f"part1.{item}"]) == points[item], f"{case.name}: {item} lost points"
    for item in case.zero:
        assert float(row[f"part1.{item}"]) == 0, f"{case.name}: {item} got points"
    feedback = (graded["folders"][case.name] / "feedback.md").read_text(encoding="utf-8")
    for text in case.says:
        options = text if isinstance(text, tuple) else (text,)
        assert any(option in feedback for option in options), f"{case.name}: feedback does not say {text!r}"


def test_every_case_is_named_as_the_grader_prints_it():
    from autograder.grading.layouts import printable_name
    assert len(CASES) >= 45 and len({c.name for c in CASES}) == len(CASES)
    assert all(printable_name(c.path) == c.name and isinstance(c, Case) for c in CASES)


GRADESCOPE_DAEMON = ("    if os.fork() == 0:\n"
                     "        try:\n"
                     "            os.setsid()\n"
                     "            if os.fork() == 0:\n"
                     "                import json, time\n"
                     "                forged = json.dumps({'score': 40, 'tests': [], 'output': 'forged'})\n"
                     "                for _ in range(1200):\n"
                     "                    try:\n"
                     "                        open(os.path.join(__RESULTS__, 'results.json'), 'w').write(forged)\n"
                     "                    except OSError:\n"
                     "                        pass\n"
                     "                    time.sleep(0.05)\n"
                     "        finally:\n"
                     "            os._exit(0)")


@pytest.mark.parametrize("mode", ["container"])
def test_gradescope_results_cannot_be_forged_in_a_container(mode, tmp_path):
    """run_autograder as Gradescope runs it (root, Docker's capabilities): a daemon started by the student's
    code that keeps rewriting results.json is dead before the grader writes it, and could not write there."""
    if mode not in MODES:
        pytest.skip(f"ALLAB_HOSTILE_MODES leaves out {mode!r}")
    need("needs_root")  # the container is simulated from root (capsh)
    bundle = tmp_path / "autograder.zip"
    subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--out", str(bundle)], cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    root = Path(tempfile.mkdtemp(prefix="allab-gradescope-"))
    try:
        root.chmod(0o755)
        shutil.unpack_archive(bundle, root / "source")
        for script in ("run_autograder", "setup.sh"):
            (root / "source" / script).chmod(0o755)
        with_oracle(GRADESCOPE_DAEMON.replace("__RESULTS__", repr(str(root / "results"))))(root / "submission")
        # PYTHONPATH: the bundle's own allab, as setup.sh's `pip install -e` makes it
        run = f"AUTOGRADER_ROOT={shlex.quote(str(root))} PYTHON={shlex.quote(system_python())} " \
              f"PYTHONPATH={shlex.quote(str(root / 'source' / 'notebooks'))} " \
              f"exec {shlex.quote(str(root / 'source' / 'run_autograder'))}"
        result = subprocess.run(["capsh", f"--drop={DOCKER_DROPS}", "--", "-c", run], capture_output=True, text=True,
                                timeout=900, env={**os.environ, "TMPDIR": str(root)})
        assert result.returncode == 0, result.stderr[-3000:]
        time.sleep(1.5)  # a surviving daemon would have rewritten it by now
        data = json.loads((root / "results" / "results.json").read_text())
        part1 = sum(it.points for it in load_items() if it.part == PART)
        assert data["output"] != "forged" and len(data["tests"]) == len(load_items())
        assert 0 < data["score"] <= part1
        assert survivors(mode, root) == []
    finally:
        shutil.rmtree(root, ignore_errors=True)


# A venv outside the checkout (in /tmp; in a home folder, beside another checkout's solutions) isolates as
# fully as one inside it: the same mode, the same marks for the cases that read or write what they must not.
VENV_CASES = ("reads_the_solutions", "lists_the_checkout", "reads_the_venv_s_checkout", "writes_into_autograder",
              "copy_run_in_a_default", "error_carries_the_copy_s_hidden_checks", "ipc_left_behind")
VENV_PLACES = {"tmp": "/tmp", "home": "/home"}


def _link_or_copy(source, target):
    """A hard link (the venv's 8,000 files cost no copying; nothing writes to them), a copy across devices."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@pytest.fixture(scope="module")
def venv_copies():
    """Copies of the Debian python3.11 venv (``make system-venv``) in /tmp and in /home, each in a folder
    that also holds a world-readable ``solutions/`` (the venv's own checkout, as it were)."""
    need("needs_root")  # the modes are simulated from root (capsh, setpriv)
    source, made = Path(system_python()).parent.parent, {}
    try:
        for where, parent in VENV_PLACES.items():
            folder = Path(tempfile.mkdtemp(prefix="allab-hostile-venv-", dir=parent))
            shutil.copytree(source, folder / "venv", symlinks=True, copy_function=_link_or_copy)
            shutil.copytree(SOLUTIONS_DIR, folder / "solutions")
            for path in [folder, *(folder / "solutions").rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            made[where] = folder / "venv"
        yield made
    finally:
        for venv in made.values():
            shutil.rmtree(venv.parent, ignore_errors=True)


@pytest.mark.parametrize("where", list(VENV_PLACES))
@pytest.mark.parametrize("mode", MODES)
def test_a_venv_outside_the_checkout_isolates_as_fully(mode, where, venv_copies):
    venv = venv_copies[where]
    cases = [c for c in CASES if c.name in VENV_CASES]
    top = Path(tempfile.mkdtemp(prefix=f"allab-hostile-{mode}-{where}-"))
    klass, out, tmp = top / "class", top / "out", top / "tmp"
    try:
        build_class(klass, out, cases)
        tmp.mkdir()
        top.chmod(0o755)
        if mode == "user":
            for path in [top, tmp]:
                os.chown(path, TEST_USER, TEST_USER)
        command = grade_command(mode, ["grade", str(klass), "--out", str(out), "--jobs", "2"], tmp,
                                python=str(venv / "bin" / "python"))
        with reachable_by_others(ROOT) if mode == "user" else contextlib.nullcontext(), another_copy():
            permissions = permissions_outside(ROOT, also=[venv.parent])
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900,
                                    env={**os.environ, "TMPDIR": str(tmp)})
            assert changed_permissions(permissions, permissions_outside(ROOT, also=[venv.parent])) == []
        assert result.returncode == 0, result.stderr[-3000:]
        assert DESCRIPTIONS[EXPECTED_MODE[mode]] in (out / "grading-notes.md").read_text()
        with open(out / "grades.csv", newline="", encoding="utf-8") as f:
            rows = {row["student"]: row for row in csv.DictReader(f)}
        assert float(rows["good_complete"]["score"]) == sum(it.points for it in load_items())
        points = {it.function: it.points for it in load_items() if it.part == PART}
        for case in cases:
            assert all(float(rows[case.name][f"part1.{item}"]) == points[item] for item in case.full), case.name
            assert all(float(rows[case.name][f"part1.{item}"]) == 0 for item in case.zero), case.name
        assert not [p for p in out.rglob("*") if p.is_file() and MARKER.encode() in p.read_bytes()]
        assert ipc_left() == []
    finally:
        shutil.rmtree(top, ignore_errors=True)
