"""What grading found about one student: :class:`StudentResult`, one :class:`ItemResult` per autograded item
(with a :class:`CheckRecord` per check) and one :class:`WrittenResult` per written answer.

Grading builds them (:func:`autograder.grading.grade.score`, :func:`autograder.results.written.collect`);
the outputs (:mod:`autograder.results.outputs`) and the commands only read them. This module imports no
grading code, so that both sides can import it.
"""
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from autograder.markscheme import gradebook_items


@dataclass
class CheckRecord:
    """The outcome of one check of one item.

    Attributes
    ----------
    item : str
        The item (``part1.oracle``).
    title : str
        What the check checks, as feedback says it (a hidden check's docstring's first line).
    passed : bool
    hidden : bool
        A hidden check (feedback shows its title, never its message).
    message : str
        Why it failed; shown to the student only for public checks.
    mistake : str
        The catalogue key the failing check named ("" when none).
    raised : str
        The student's own exception, when that is why the check failed (safe to show).
    name : str
        The check's name: its function's in ``hidden.py``, or "public" for the check cell's.
    """
    item: str
    title: str
    passed: bool
    hidden: bool
    message: str = ""
    mistake: str = ""
    raised: str = ""
    name: str = ""


@dataclass(frozen=True)
class ItemResult:
    """The score of one autograded item and why it lost points.

    Attributes
    ----------
    score : float
        The points it earned.
    max_score : float
        Its points in the mark scheme.
    title : str
        Its title in the mark scheme.
    tests : tuple of CheckRecord
        Its checks, in the order they ran.
    costs : tuple
        What each failed check of ``tests`` cost: points, ``"core"`` for a failed core check (the item
        scores 0), None for a passed check (and for the other failed checks when a core check failed).
    submitted : bool
        Whether its part was handed in.
    signature : str
        What is wrong with the function's signature ("" when nothing is).
    mistake : str
        Its one diagnosis: a catalogue key, or "".
    """
    score: float
    max_score: float
    title: str
    tests: tuple[CheckRecord, ...] = ()
    costs: tuple[float | str | None, ...] = ()
    submitted: bool = True
    signature: str = ""
    mistake: str = ""


@dataclass(frozen=True)
class WrittenResult:
    """One written answer and its state (see :mod:`autograder.results.written`).

    Attributes
    ----------
    score : float or None
        None while no TA has scored it (``status`` pending).
    max_score : float
        The item's points in the mark scheme.
    title : str
        The item's title.
    answer : str
        The student's text (cut when very long).
    status : str
        ``pending`` (a TA must score it), ``auto`` (no answer: 0) or ``graded`` (a TA scored it).
    comment : str
        Why it scored 0 automatically, or the TA's comment.
    """
    score: float | None
    max_score: float
    title: str
    answer: str
    status: str
    comment: str

    def graded(self, score: float, comment: str) -> "WrittenResult":
        """This answer as scored by a TA."""
        return dataclasses.replace(self, score=score, status="graded", comment=comment)

    def to_json(self) -> dict[str, Any]:
        """The entry of ``written_answers.json`` (keys in field order)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "WrittenResult":
        """The inverse of :meth:`to_json` (TypeError when ``data`` is not such an entry)."""
        return cls(**data)


@dataclass
class StudentResult:
    """Everything the outputs need about one graded student.

    Attributes
    ----------
    student : str
        The student's name (the submission's).
    items : dict
        ``{item name: ItemResult}`` of the autograded items.
    problems : list of str
        What was wrong with the submission's files.
    incidents : list of str
        What the code did while graded (timeouts, crashes).
    plots : dict
        ``{deliverable plot name: "ok" or what is wrong}``.
    seconds : float
        How long grading took.
    written : dict
        ``{written item name: WrittenResult}``.
    penalty : float
        Points taken off the total by the course policy (a late penalty).
    adjustments : list of str
        What the course policy changed (overrides, extension, late penalty), each with its reason.
    """
    student: str
    items: dict[str, ItemResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    plots: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    written: dict[str, WrittenResult] = field(default_factory=dict)
    penalty: float = 0.0
    adjustments: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        """Every judged point, extra credit included (pending written answers count nothing yet), less
        the policy's ``penalty``."""
        return round(sum(self.points(written) for written in (False, True)) - self.penalty, 2)

    @property
    def max_score(self) -> float:
        """The points of every required item, autograded and written (extra credit left out)."""
        return sum(v.max_score for name, v in self.all_items().items() if name not in _extra_names())

    @property
    def pending(self) -> float:
        """The points of written answers no TA has scored yet."""
        return sum(v.max_score for v in self.written.values() if v.score is None)

    def all_items(self) -> dict[str, ItemResult | WrittenResult]:
        """``{name: ItemResult or WrittenResult}`` of the autograded and the written items."""
        return {**self.items, **self.written}

    def points(self, written: bool, extra: bool | None = None) -> float:
        """The score of the autograded (or written) items; only extra credit (``extra=True``) or none."""
        entries = self.written if written else self.items
        return sum(v.score for name, v in entries.items() if v.score is not None
                   and (extra is None or (name in _extra_names()) == extra))


def _extra_names() -> set[str]:
    return {it.name for it in gradebook_items() if it.extra}
