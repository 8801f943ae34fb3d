"""Instructor tools for the active learning lab: release, run and grade."""
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = ROOT / "solutions"
NOTEBOOKS_DIR = ROOT / "notebooks"
# Where the parts are declared (with their solution notebooks): see autograder.markscheme.
MARKSCHEME = Path(__file__).resolve().parent / "markscheme.toml"
with open(MARKSCHEME, "rb") as _f:
    # The parts in lab order: the order of their [parts.<part>] tables, and of the gradebook's columns.
    PARTS = list(tomllib.load(_f).get("parts", {}))


def _check_own_allab():
    """Refuse to run against another checkout's ``allab`` (a copy of the course run with the Python where the
    original is installed would mix the two trees: its own checks, the other's support package)."""
    import importlib.util
    spec = importlib.util.find_spec("allab")  # found, not imported
    expected = NOTEBOOKS_DIR / "allab"
    found = Path(spec.origin).resolve().parent if spec and spec.origin else None
    if found != expected:
        raise ImportError(f"the grader in {ROOT} needs its own support package {expected}, but this Python "
                          f"{'finds ' + str(found) if found else 'has no allab'}: install this checkout "
                          f"(`make`, or `python -m pip install -e {ROOT}`)")


_check_own_allab()
