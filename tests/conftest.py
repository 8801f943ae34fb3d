"""Shared fixtures: the reference solutions loaded from solutions/, the main job's run of every solution
notebook (executed once per test run), and the markers of what a test needs from the machine (see needs.py)."""
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from needs import NEEDS, need  # noqa: E402

from autograder.grading.reference import load_reference  # noqa: E402


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
    """``(out, timings)``: the main job (``python -m autograder lab``) run once on every solution notebook:
    ``out/executed/`` the executed notebooks, ``out/figures/`` the plots, ``out/results/`` their numbers."""
    from autograder.authoring.lab import run_lab
    out = tmp_path_factory.mktemp("lab")
    return out, run_lab(out, jobs=2)
