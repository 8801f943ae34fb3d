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
