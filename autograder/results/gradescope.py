"""The ``gradescope`` command: a Gradescope autograder bundle, and what runs inside it.

``python -m autograder gradescope --out autograder.zip`` writes the zip to upload as a Gradescope
"zip file upload" autograder. At its root:

- ``setup.sh``: run once when Gradescope builds the image; finds (or apt-installs) Python 3.11-3.13,
  creates ``.venv/`` next to itself and installs this repository's pinned ``requirements.txt``;
- ``run_autograder``: run in each submission's container; grades ``$AUTOGRADER_ROOT/submission``
  (``AUTOGRADER_ROOT`` defaults to ``/autograder``) as one student, "submission", and writes
  ``$AUTOGRADER_ROOT/results/results.json``. It runs ``python -m autograder gradescope --run`` with
  ``$PYTHON`` if set, else the ``.venv`` that setup.sh made, else ``python3`` from ``PATH``;
- the grader: ``autograder/`` (checks, mark scheme, catalogue of mistakes), ``notebooks/allab/`` (the
  support package the checks and workers import), ``solutions/*.ipynb`` (the reference the checks
  compare with), ``requirements.txt`` and ``pyproject.toml``.

Grading never leaves Gradescope without a results.json: if it fails entirely, ``--run`` writes one
with score 0 saying what went wrong, and ``run_autograder`` writes one itself if Python cannot even
start.
"""
import json
import os
import stat
import sys
import time
import traceback
import zipfile
from pathlib import Path

from autograder import ROOT

STUDENT = "submission"
DEFAULT_ROOT = "/autograder"
# Fixed timestamp: the same sources give the same zip, byte for byte.
_DATE = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It needs Python 3.11-3.13 (the grader uses tomllib; scikit-learn < 1.8 has no wheels for newer
# Pythons), makes a virtual environment next to this script and installs the pinned requirements.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

good_python() {
    command -v "$1" >/dev/null 2>&1 &&
        "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null
}

PY=""
for candidate in python3.11 python3.12 python3.13 python3; do
    if good_python "$candidate"; then PY="$candidate"; break; fi
done
if [ -z "$PY" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y python3.11 python3.11-venv
    PY=python3.11
fi
if ! "$PY" -m venv "$HERE/.venv"; then
    # Debian and Ubuntu ship venv (ensurepip) separately.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y "$(basename "$(readlink -f "$(command -v "$PY")")")-venv" || apt-get install -y python3-venv
    rm -rf "$HERE/.venv"
    "$PY" -m venv "$HERE/.venv"
fi
"$HERE/.venv/bin/python" -m pip install --upgrade pip
"$HERE/.venv/bin/python" -m pip install -r "$HERE/requirements.txt"
# pyproject.toml: allab and autograder become importable from anywhere.
"$HERE/.venv/bin/python" -m pip install --no-deps -e "$HERE"
# Fail the build now, not at the first submission, if the grader cannot import.
cd "$HERE" && "$HERE/.venv/bin/python" -c "import autograder.grading.grade"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this in each submission's container: grade $AUTOGRADER_ROOT/submission and write
# $AUTOGRADER_ROOT/results/results.json (AUTOGRADER_ROOT defaults to /autograder).
# Python: $PYTHON if set, else the .venv that setup.sh made, else python3 from PATH.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Gradescope unzips the bundle into $ROOT/source and copies this script to $ROOT/run_autograder.
if [ -d "$HERE/autograder" ]; then SRC="$HERE"; else SRC="$ROOT/source"; fi
if [ -n "${PYTHON:-}" ]; then PY="$PYTHON"
elif [ -x "$SRC/.venv/bin/python" ]; then PY="$SRC/.venv/bin/python"
else PY=python3
fi
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$SRC" && AUTOGRADER_ROOT="$ROOT" "$PY" -m autograder gradescope --run
code=$?
if [ ! -s "$RESULTS" ]; then
    # Python could not start or died before writing anything: still give Gradescope a result.
    cat > "$RESULTS" <<JSON
{"score": 0, "execution_time": 0, "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
 "output": "The autograder failed before it could grade this submission (exit code $code). This is not your fault: please tell your instructor."}
JSON
fi
exit 0
"""


# --- building the bundle ----------------------------------------------------------------------

def bundle_files(root=ROOT):
    """``[(path in the zip, file)]``: the grader sources the bundle needs, sorted."""
    root = Path(root)
    files = {}
    for folder in ("autograder", "notebooks/allab"):
        for path in (root / folder).rglob("*"):
            rel = path.relative_to(root)
            # a link only to a file of the course (allab's public checks link to autograder/checks/)
            if path.is_file() and (not path.is_symlink() or root.resolve() in path.resolve().parents) \
                    and path.suffix != ".pyc" \
                    and not _SKIP_DIRS.intersection(rel.parts):
                files[rel.as_posix()] = path
    for path in (root / "solutions").glob("*.ipynb"):
        files[f"solutions/{path.name}"] = path
    for name in ("requirements.txt", "pyproject.toml"):
        files[name] = root / name
    return sorted(files.items())


def _add(zf, name, data, executable=False):
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.create_system = 3  # Unix: unzip applies the mode below
    info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_bundle(out, root=ROOT):
    """Write the Gradescope autograder zip to ``out``; return the list of names it holds."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = ["setup.sh", "run_autograder"]
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH, executable=True)
        _add(zf, "run_autograder", RUN_AUTOGRADER, executable=True)
        for name, path in bundle_files(root):
            _add(zf, name, path.read_bytes(), executable=bool(path.stat().st_mode & stat.S_IXUSR))
            names.append(name)
    tmp.replace(out)
    return names


# --- inside the bundle: grading one submission ------------------------------------------------

def failure_results(message, seconds=0.0):
    """A results.json dict for a submission that could not be graded at all: score 0, and why."""
    return {
        "score": 0,
        "execution_time": round(seconds, 2),
        "output": f"The autograder could not grade this submission: {message}\n"
                  "This is a problem of the autograder, not necessarily of your work: "
                  "please tell your instructor.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def grade_root(root):
    """Grade ``root/submission`` as one student; return the results.json dict (never raises)."""
    start = time.perf_counter()
    try:
        from autograder.grading.batch import grade_batch
        from autograder.markscheme import part_functions
        from autograder.results.outputs import feedback_markdown, results_json
        from autograder.worker.confinement import course_limits
        from autograder.grading.submissions import gather
        folder = Path(root) / "submission"
        if not folder.is_dir():
            return failure_results(f"there is no submission folder ({folder})", time.perf_counter() - start)
        submission = gather(STUDENT, folder, part_functions())
        # As in `grade`: the worker sees neither the submission's files nor where the results go.
        limits = course_limits(extra_hidden=[folder, Path(root) / "results"])
        [result] = grade_batch([submission], jobs=1, limits=limits, progress=False)
        data = results_json(result, written=False)  # TAs grade those in Gradescope's outline (README)
    except BaseException as exc:  # noqa: BLE001 - whatever happened, Gradescope gets a result
        if isinstance(exc, KeyboardInterrupt):
            raise
        traceback.print_exc()
        return failure_results(f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    try:
        print(feedback_markdown(result), flush=True)  # the run's stdout: instructors only (stdout_visibility)
    except Exception:  # noqa: BLE001 - the log is a courtesy; the result is what matters
        traceback.print_exc()
    return data


def write_results(data, root):
    """Write ``data`` to ``root/results/results.json`` (atomically); return the path."""
    path = Path(root) / "results" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("results.json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
    return path


def run(root=None):
    """What ``run_autograder`` calls: grade ``$AUTOGRADER_ROOT/submission``, write results.json."""
    root = Path(root or os.environ.get("AUTOGRADER_ROOT") or DEFAULT_ROOT)
    path = write_results(grade_root(root), root)
    print(f"results: {path}", file=sys.stderr)
    return 0


def main(args):
    if args.run:
        return run()
    try:
        names = build_bundle(args.out)
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"Wrote {args.out}: setup.sh, run_autograder and {len(names) - 2} grader files. Upload it as the "
          "autograder of a Gradescope programming assignment (zip file upload).")
    return 0
