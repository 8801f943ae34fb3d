"""Fixtures of the checks: ``call`` runs the student's code, ``reference`` the solution's."""
import json

import pytest

from allab.harness import LocalCaller, Outcome, to_plain
from autograder.grading.grade import current_submission
from autograder.grading.reference import load_reference
from autograder.grading.server import skip_layout


skip_layout()  # the reference's plots too: layout is never checked


def pytest_configure(config):
    config.addinivalue_line("markers", "item(function, hidden=True): the graded function a test checks")


class StudentCaller:
    """``call(name, *args, **kwargs)`` on the student's functions of one part, in the worker."""

    def __init__(self, submission, part):
        self.submission, self.part = submission, part

    def __call__(self, name, *args, **kwargs):
        # The other graded functions it uses are working versions during the call: no cascade of one mistake.
        return self.submission.process.call(self.part, name, args, kwargs)

    def shared(self, name, *args, **kwargs):
        """Like ``call``, but checks that look at different sides of one result share one call per
        submission. Not for checks of randomness, which must see every call."""
        key = _key(self.part, name, args, kwargs)
        if key not in self.submission.shared:
            self.submission.shared[key] = self(name, *args, **kwargs)
        return self.submission.shared[key]


def _key(part, name, args, kwargs):
    return json.dumps([part, name, to_plain(list(args)), to_plain(kwargs)])


class ReferenceCaller(LocalCaller):
    """``call`` on the reference solution; results are cached, as every student needs the same."""

    _cache = {}

    def __init__(self, part):
        super().__init__(load_reference(part))
        self.part = part

    def __call__(self, name, *args, **kwargs):
        key = _key(self.part, name, args, kwargs)
        if key not in self._cache:
            self._cache[key] = super().__call__(name, *args, **kwargs)
        return self._cache[key]


@pytest.fixture
def call(request):
    return StudentCaller(current_submission(), request.module.PART)


@pytest.fixture
def reference(request):
    return ReferenceCaller(request.module.PART)
