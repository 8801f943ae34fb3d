"""Scoring: an item's points from its checks' records, the one mistake that explains its failures, and the
words for a mistake.

Grading calls these to build the results; the results' writers call :func:`mistake_message` and
:func:`points_text` to print them. This module imports only the mark scheme (the catalogue of mistakes), so
both can import it.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from autograder.markscheme import load_mistakes

UNCOMMON = "uncommon"    # a check's verdict when the result fits none of the catalogued mistakes
SIGNATURE = "signature"  # an item's diagnosis when its function's signature differs from the notebook's
STUB = "stub"            # not written yet: not a mistake (mistakes.csv and the class report leave it out)


class Record(Protocol):
    """What scoring reads of a check's record (:class:`autograder.results.types.CheckRecord`)."""
    name: str
    passed: bool
    mistake: str


@dataclass(frozen=True)
class CheckRules:
    """How an item's checks share its points.

    Attributes
    ----------
    core : frozenset of str
        The names of its core checks (the item's main job): failing one scores 0 on the item.
    weights : tuple
        ``((check name, weight), ...)``; a check not listed weighs 1.
    """
    core: frozenset[str]
    weights: tuple[tuple[str, float], ...] = ()

    def weight(self, check: str) -> float:
        """The weight of check ``check`` (a name)."""
        return dict(self.weights).get(check, 1.0)


def item_score(tests: Sequence[Record], rules: CheckRules, points: float) -> tuple[float, list[float | str | None]]:
    """The score of one item and what each failed check cost.

    Parameters
    ----------
    tests : sequence of CheckRecord
        The item's checks (see :class:`autograder.results.types.CheckRecord`).
    rules : CheckRules
        How they share the points.
    points : float
        The item's points.

    Returns
    -------
    score : float
        Rounded to two decimals (see :func:`points_text`).
    costs : list
        ``costs[i]`` is what failed check ``tests[i]`` cost: points, "core" for a failed core check (which
        scores the item 0), None for a passed check and for the other failed checks when a core check failed.
    """
    if not tests:
        return 0.0, []
    costs: list[float | str | None]
    total = sum(rules.weight(t.name) for t in tests)
    if any(not t.passed and t.name in rules.core for t in tests):
        costs = ["core" if not t.passed and t.name in rules.core else None for t in tests]
        return 0.0, costs
    costs = [None if t.passed else round(points * rules.weight(t.name) / total, 2) for t in tests]
    passed = sum(rules.weight(t.name) for t in tests if t.passed)
    return round(points * passed / total, 2), costs


def diagnose(tests: Sequence[Record], rules: CheckRules, signature: str = "") -> str:
    """The one catalogue key that best explains the failed checks of an item ("" when none names one).

    A signature problem explains everything. Otherwise the key named by most failed checks wins, ties going
    to the failed core checks first, then to the first check; "not a common mistake" only when no failed
    check names a catalogued one.
    """
    failed = [t for t in tests if not t.passed]
    if not failed:
        return ""
    if signature:
        return SIGNATURE
    ordered = sorted(failed, key=lambda t: t.name not in rules.core)  # stable: core first
    keys = [t.mistake for t in ordered if t.mistake and t.mistake != UNCOMMON]
    if keys:
        return max(keys, key=lambda k: (keys.count(k), -keys.index(k)))
    if any(t.mistake == UNCOMMON for t in failed):
        return UNCOMMON
    return ""


def mistake_message(key: str) -> str:
    """The catalogue's words for mistake ``key`` (the key itself, readable, if it is not catalogued)."""
    return load_mistakes().get(key, key.replace("_", " "))


def points_text(x: float) -> str:
    """A score or a number of points as every output prints it: at most two decimals (scores are rounded so),
    no trailing zeros (``3``, ``2.5``, ``0.33``)."""
    return f"{round(float(x), 2):.2f}".rstrip("0").rstrip(".")
