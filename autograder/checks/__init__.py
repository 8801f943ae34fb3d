"""The grader's checks: one pytest module per notebook part.

Each test belongs to one graded item (a graded function of a part) through ``@item(name)``. Tests
are hidden by default: feedback shows only their name, their item's points and a hint. The public
checks of ``allab.checks`` (the ones students run in the notebook) join each module through
:func:`public_tests`, and their failure messages are shown in full.

A test receives ``call`` (the student's functions, run in a worker) and ``reference`` (the
reference solution, run here); both return :class:`allab.harness.Outcome`.
"""
import pytest

from allab.checks import PublicCheck

MISTAKE_TAG = "mistake:"


def item(function, hidden=True):
    """Mark a test as one of the checks of graded function ``function`` of the module's part."""
    return pytest.mark.item(function, hidden=hidden)


def mistake(key):
    """An assertion message naming a catalogued mistake (``autograder/mistakes.toml``).

    Hidden tests fail with this instead of a free text, so feedback can name the likely mistake
    without revealing the test.
    """
    return f"{MISTAKE_TAG}{key}"


def public_tests(module):
    """A test function running every public check of ``module`` (an ``allab.checks`` module)."""
    checks = [obj for obj in vars(module).values() if isinstance(obj, PublicCheck)]

    @pytest.mark.parametrize("check", [
        pytest.param(c, id=c.function_name, marks=item(c.function_name, hidden=False)) for c in checks])
    def test_public(check, call):
        check.run(call)

    return test_public
