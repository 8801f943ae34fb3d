"""A Gradescope autograder bundle, and its results.json (the command: :mod:`autograder.commands.gradescope`).

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
import stat
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
# The bundle's own allab first: a Python that has another checkout installed (the README's local run) would
# find that one, and the grader refuses to mix two trees.
cd "$SRC" && AUTOGRADER_ROOT="$ROOT" PYTHONPATH="$SRC/notebooks${PYTHONPATH:+:$PYTHONPATH}" \
    "$PY" -m autograder gradescope --run
code=$?
if [ ! -s "$RESULTS" ]; then
    # Python could not start or died before writing anything: still give Gradescope a result.
    message="The autograder failed before it could grade this submission (exit code $code)."
    message="$message This is not your fault: please tell your instructor."
    cat > "$RESULTS" <<JSON
{"score": 0, "execution_time": 0, "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
 "output": "$message"}
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


# --- inside the bundle: results.json -----------------------------------------------------------

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


NOT_ATTEMPTED = "Extra credit, not attempted: this costs you nothing (extra credit only adds points)."


def mark_not_attempted(data, names):
    """Show the tests of the extra-credit items ``names`` (not attempted) as passed with score 0 and
    :data:`NOT_ATTEMPTED`, not as failed: a student who skips the bonus loses nothing, and Gradescope's
    red "failed" would say otherwise. Returns ``data``."""
    for test in data["tests"]:
        if test["name"].split(":")[0] in names and test.get("score") == 0:
            test.update(status="passed", output=NOT_ATTEMPTED)
    return data


def write_results(data, root):
    """Write ``data`` to ``root/results/results.json`` (atomically); return the path."""
    path = Path(root) / "results" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("results.json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
    return path
