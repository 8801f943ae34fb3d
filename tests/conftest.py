"""Shared fixtures: the reference solutions loaded from solutions/, the main job's run of every solution
notebook (executed once per test run), and the markers of what a test needs from the machine (see needs.py)."""
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import handout_venv  # noqa: E402
from needs import NEEDS, need  # noqa: E402

from autograder.grading.reference import load_reference  # noqa: E402


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(config, items):
    """A test that needs the hand-out's venv starts building it now, in the background (handout_venv.py)."""
    if any("student_venv" in getattr(item, "fixturenames", ()) for item in items):
        handout_venv.start(config)


def pytest_sessionfinish(session):
    handout_venv.remove(session.config)


def pytest_runtest_setup(item):
    for marker in NEEDS:
        if item.get_closest_marker(marker):
            need(marker)


@pytest.fixture(scope="session")
def ref():
    """``ref(part)``: the namespace of a solution notebook's setup and answer cells."""
    return load_reference


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """``(out, result)``: the main job's command, ``python -m autograder lab``, run once a test run on every
    solution notebook (the slowest thing the suite does): ``out/executed/`` the executed notebooks,
    ``out/figures/`` the plots, ``out/results/`` their numbers; ``result`` the finished process."""
    import subprocess
    import sys

    from autograder import ROOT
    out = tmp_path_factory.mktemp("lab")
    result = subprocess.run([sys.executable, "-m", "autograder", "lab", "--out", str(out), "--jobs", "2"], cwd=ROOT,
                            capture_output=True, text=True, timeout=1800)
    return out, result
