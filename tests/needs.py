"""What some tests need from the machine, and the one line that says how to get it.

A test says what it needs by a marker (``@pytest.mark.needs_root``, ``needs_browser``, ``needs_isolation``;
registered in pyproject.toml), or by calling :func:`need` where the need depends on a parameter. Where the
machine lacks it, the test fails with that line in CI (``CI=true``: CI must run every test; ``make test``
installs what it can) and is skipped with it elsewhere (``pytest -ra`` lists the reasons).
"""
import os
import sys
from functools import lru_cache
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def _root():
    return sys.platform.startswith("linux") and os.geteuid() == 0


def _browser():
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


@lru_cache(maxsize=None)
def _isolation():
    from autograder.worker.confinement import can_isolate
    return can_isolate()


# marker: (probe, what is missing and how to get it)
NEEDS = {
    "needs_root": (_root, "needs root (it changes owners and uids, or simulates a container with capsh): run "
                          "`sudo make test` (CI runs as root)"),
    "needs_browser": (_browser, f"needs Chromium at {CHROMIUM}: `sudo apt-get install -y chromium` (`make test` "
                                "installs it when run as root), or set CHROMIUM to its path"),
    "needs_isolation": (_isolation, "needs workers isolated from the grader in a network-free sandbox (root with "
                                    "namespaces, or unprivileged user namespaces): run `sudo make test`"),
}


def in_ci():
    """Whether this is CI, where every test must run (``CI=true``, as CI services set it)."""
    return os.environ.get("CI", "").lower() in ("true", "1")


def need(marker):
    """Fail (in CI) or skip (elsewhere) the running test unless the machine has what ``marker`` names."""
    probe, message = NEEDS[marker]
    if not probe():
        (pytest.fail if in_ci() else pytest.skip)(message)

