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

    @property
    def name(self):
        """The item's stable name, e.g. ``part1.uncertainty_sampling`` (a gradebook column)."""
        return f"{self.part.split('_')[0]}.{self.function}"


@lru_cache(maxsize=None)
def load_items(path=HERE / "markscheme.toml"):
    """Every graded item, in mark scheme order."""
    data = tomllib.loads(Path(path).read_text())
    return tuple(Item(part, function, float(spec["points"]), spec["title"])
                 for part, functions in data["items"].items() for function, spec in functions.items())


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
