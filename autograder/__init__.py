"""Instructor tools for the active learning lab: release, run and grade."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = ROOT / "solutions"
NOTEBOOKS_DIR = ROOT / "notebooks"
# Part order; also the order of the gradebook's columns.
PARTS = ["part0_overview", "part1_basics", "part2_strategies", "part3_experiments", "part4_modal", "bonus"]
