"""Public checks: what students run in the notebook's check cells, and what the grader runs too.

Each check is a function of ``call`` (see :mod:`allab.harness`) decorated with
:func:`public_check`. In a notebook, ``check.uncertainty_sampling(uncertainty_sampling)`` runs it
on the student's function in the kernel; the grader runs the same function with a ``call`` that
executes the student's code in an isolated worker.
"""
import functools

from ..harness import LocalCaller

__all__ = ["public_check", "PublicCheck"]


class PublicCheck:
    """A check of one graded function; call it with the student's function."""

    def __init__(self, func, function_name):
        functools.update_wrapper(self, func)
        self.func = func
        self.function_name = function_name

    def run(self, call):
        """Run the check with ``call``; raises ``AssertionError`` saying what is wrong."""
        self.func(call)

    def __call__(self, student_function):
        if not callable(student_function):
            raise TypeError(f"pass your function itself, e.g. check.{self.function_name}"
                            f"({self.function_name}); got {type(student_function).__name__}")
        try:
            self.run(LocalCaller({self.function_name: student_function}))
        except AssertionError as exc:
            text = str(exc)
            if not text.startswith(self.function_name):
                text = f"{self.function_name}: {text}"
            raise AssertionError(text) from None
        print(f"\u2714 {self.function_name} passes the public checks.")


def public_check(function_name):
    """Decorator: turn ``check(call)`` into a :class:`PublicCheck` of ``function_name``."""
    return lambda func: PublicCheck(func, function_name)
