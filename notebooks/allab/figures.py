"""Where notebooks put what they hand in: plots in ``figures/``, headline numbers in ``results/``."""
import json
from pathlib import Path

FIGURE_DIR = Path("figures")
RESULTS_DIR = Path("results")


def save_figure(fig, name, dpi=150):
    """Save ``fig`` as ``figures/<name>.png`` (relative to the working folder) and return the path."""
    FIGURE_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURE_DIR / f"{name}.png"
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def save_results(name, results):
    """Save a dict of headline numbers as ``results/<name>.json`` and return the path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(results, indent=2, default=_plain) + "\n")
    return path


def _plain(value):
    # numpy scalars and arrays are what notebooks usually hold
    return value.tolist() if hasattr(value, "tolist") else str(value)
