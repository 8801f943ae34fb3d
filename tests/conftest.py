"""Shared fixtures: the repository's folders, and the reference solutions loaded from solutions/."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("MPLBACKEND", "Agg")

from autograder import PARTS  # noqa: E402
from autograder.grading.reference import load_reference  # noqa: E402


@pytest.fixture(scope="session")
def ref():
    """``ref(part)``: the namespace of a solution notebook's setup and answer cells."""
    return load_reference
