"""Instructor tools for the active learning lab: release, run and grade."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = ROOT / "solutions"
NOTEBOOKS_DIR = ROOT / "notebooks"
# Part order; also the order of the gradebook's columns.
PARTS = ["part0_overview", "part1_basics", "part2_strategies", "part3_experiments", "part4_modal", "bonus"]

# The grader uses the very support package students get (data, probes, public checks).
if str(NOTEBOOKS_DIR) not in sys.path:
    sys.path.insert(0, str(NOTEBOOKS_DIR))
