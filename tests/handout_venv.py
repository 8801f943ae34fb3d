"""The hand-out as a student sets it up: `python -m autograder handout` unzipped into an empty folder, with a
venv built from the zip's own requirements.

Built once a run, in a background thread that starts as soon as a test needing it is collected
(``conftest.py``): its pip install runs on one core for most of a minute, beside the tests before it,
instead of on the suite's critical path.
"""
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import Future
from pathlib import Path

import pytest

from autograder import ROOT
from autograder.authoring.handout import TOP

STASH = pytest.StashKey()


def make_handout(out):
    """Write the hand-out to ``out`` with `python -m autograder handout`; return ``out``."""
    result = subprocess.run([sys.executable, "-m", "autograder", "handout", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def build(home):
    """``(lab folder, its python)``: the hand-out unzipped into ``home`` with its venv. Raises AssertionError
    with the failing command's error output."""
    with zipfile.ZipFile(make_handout(home / "handout.zip")) as zf:
        zf.extractall(home / "unzipped")
    lab = home / "unzipped" / TOP
    subprocess.run([sys._base_executable, "-m", "venv", str(lab / ".venv")], check=True, timeout=300)
    python = lab / ".venv" / "bin" / "python"
    result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                             "-r", str(lab / "requirements.txt")], capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    return lab, python


def start(config):
    """Begin :func:`build` in the background (once per run); return its Future."""
    if STASH not in config.stash:
        home, future = Path(tempfile.mkdtemp(prefix="allab-handout-venv-")), Future()

        def run():
            try:
                future.set_result(build(home))
            except BaseException as exc:  # noqa: BLE001 - the test that waits for it reports it
                future.set_exception(exc)

        threading.Thread(target=run, name="handout-venv", daemon=True).start()
        config.stash[STASH] = (home, future)
    return config.stash[STASH][1]


def remove(config):
    """At the end of the run: wait for a build still going, then delete its folder."""
    if STASH in config.stash:
        home, future = config.stash[STASH]
        try:
            future.exception(timeout=1500)
        finally:
            shutil.rmtree(home, ignore_errors=True)
