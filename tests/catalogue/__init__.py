"""Catalogues of student code for testing the grader: wrong implementations (mutants) that must lose
points on the item they break, and correct alternatives (variants) that must get full marks."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """A change to one answer cell of the reference solution.

    ``replace`` is a list of ``(old, new)`` text replacements applied to the reference cell (each ``old``
    must occur), or ``source`` is the whole new cell.
    """
    part: str
    function: str
    name: str
    replace: tuple = ()
    source: str = ""
    mistake: str = ""      # mutants: the catalogued mistake the feedback must name
    feedback: str = ""     # mutants: or a text the feedback must contain (e.g. the student's own error)
    main_job: bool = False  # mutants: fails the item's main job, so it must score 0 on the item

    @property
    def key(self):
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.name)  # a folder name
        return f"{self.part.split('_')[0]}-{self.function}-{name}"

    def apply(self, reference_source):
        if self.source:
            return self.source
        text = reference_source
        for old, new in self.replace:
            if old not in text:
                raise ValueError(f"{self.key}: {old!r} is not in the reference {self.function}")
            text = text.replace(old, new)
        return text


def _collect():
    import importlib

    from autograder import PARTS
    mutants, variants = [], []
    for part in PARTS:
        try:
            module = importlib.import_module(f"{__name__}.{part}")
        except ModuleNotFoundError:
            continue  # a part without graded functions
        mutants += module.MUTANTS
        variants += module.VARIANTS
    return mutants, variants


MUTANTS, VARIANTS = _collect()
