"""The mark scheme (``markscheme.toml``) and the catalogue of common mistakes (``mistakes.toml``)."""
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Item:
    """One graded item: a graded function of a part, worth ``points``."""
    part: str
    function: str
    points: float
    title: str

    written = False  # a TA's judgement (WrittenItem), not the checks'

    @property
    def name(self):
        """The item's stable name, e.g. ``part1.uncertainty_sampling`` (a gradebook column)."""
        return f"{self.part.split('_')[0]}.{self.function}"

    @property
    def extra(self):
        """Whether the item is extra credit: outside ``max_score``, its points can take a score above it."""
        return self.part in extra_credit_parts()


@dataclass(frozen=True)
class WrittenItem(Item):
    """A written answer (a markdown answer cell whose grade_id is ``function``), scored by a TA."""
    written = True


@lru_cache(maxsize=None)
def load_items(path=HERE / "markscheme.toml"):
    """Every graded item, in mark scheme order."""
    data = tomllib.loads(Path(path).read_text())
    return tuple(Item(part, function, float(spec["points"]), spec["title"])
                 for part, functions in data["items"].items() for function, spec in functions.items())


@lru_cache(maxsize=None)
def _scheme(path=HERE / "markscheme.toml"):
    return tomllib.loads(Path(path).read_text())


def written_items(path=HERE / "markscheme.toml"):
    """Every written item (``[written.<part>]``), in mark scheme order."""
    return tuple(WrittenItem(part, grade_id, float(spec["points"]), spec["title"])
                 for part, answers in _scheme(path).get("written", {}).items() for grade_id, spec in answers.items())


def extra_credit_parts(path=HERE / "markscheme.toml"):
    """The parts whose items are extra credit (``[extra_credit] parts``)."""
    return frozenset(_scheme(path).get("extra_credit", {}).get("parts", ()))


def gradebook_items():
    """Every item of the gradebook, autograded and written, in part order (autograded first in a part)."""
    from autograder import PARTS
    items = [*load_items(), *written_items()]
    return tuple(sorted(items, key=lambda it: (PARTS.index(it.part), it.written)))


def max_score(items):
    """The points ``items`` count towards the maximum score: all but the extra-credit ones."""
    return sum(it.points for it in items if not it.extra)


@lru_cache(maxsize=None)
def deliverable_figures(path=HERE / "markscheme.toml"):
    """The names of the plots a complete submission hands in (``figures/<name>.png``)."""
    return tuple(tomllib.loads(Path(path).read_text())["deliverables"]["figures"])


@lru_cache(maxsize=None)
def load_mistakes(path=HERE / "mistakes.toml"):
    """``{key: message}``: what feedback says for each catalogued mistake."""
    return dict(tomllib.loads(Path(path).read_text())["mistakes"])


def part_functions():
    """``{part: set of graded function names}``: how a notebook is recognised as a part."""
    parts = {}
    for it in load_items():
        parts.setdefault(it.part, set()).add(it.function)
    return parts
