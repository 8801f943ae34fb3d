"""Figures: where notebooks put what they hand in (plots in ``figures/``, headline numbers in ``results/``),
and what a plot shows as plain data, for the course's tests (:func:`figure_facts`) and for the checks
(:func:`describe_figure`), which look at that instead of pixels."""
import json
from pathlib import Path

FIGURE_DIR = Path("figures")
RESULTS_DIR = Path("results")


def save_figure(fig, name, dpi=150):
    """Save ``fig`` as ``figures/<name>.png`` (relative to the working folder) and return the path.

    What the plot shows (legend, lines, bands, ticks) also goes to ``results/figures/<name>.json``, so that
    the course's tests can check a figure's claims without reading pixels.
    """
    FIGURE_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURE_DIR / f"{name}.png"
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    facts = RESULTS_DIR / "figures" / f"{name}.json"
    facts.parent.mkdir(parents=True, exist_ok=True)
    facts.write_text(json.dumps(figure_facts(fig), indent=1, default=_plain) + "\n")
    return path


def figure_facts(fig):
    """What each axes of ``fig`` shows: title, y label, legend entries, lines, filled bands (their y range), bar
    heights, tick values, the y range shown, and how many bars and line points a legend hides (call it after the
    figure was drawn or saved: legends are placed when drawn)."""
    import numpy as np
    axes = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        lo, hi = ax.get_ylim()
        axes.append({
            "title": ax.get_title(),
            "ylabel": ax.get_ylabel(),
            "legend": [] if legend is None else [t.get_text() for t in legend.get_texts()],
            "lines": [{"label": str(line.get_label()), "y": np.asarray(line.get_ydata(), dtype=float).tolist()}
                      for line in ax.get_lines()],
            "bands": [{"label": str(c.get_label()),
                       "y_max": max((float(np.max(p.vertices[:, 1])) for p in c.get_paths() if len(p.vertices)),
                                    default=None)}
                      for c in ax.collections if type(c).__name__ in ("PolyCollection", "FillBetweenPolyCollection")],
            "bars": [float(bar.get_height()) for bar in _bars(ax)],
            "yticks": [float(t) for t in ax.get_yticks() if lo <= t <= hi],
            "ylim": [float(lo), float(hi)],
            "covered_by_legend": _covered_by_legend(fig, ax),
        })
    return {"axes": axes}


def _covered_by_legend(fig, ax):
    """How many of ``ax``'s line points lie under a legend (the axes' own or the figure's), and how many bars
    it covers or crowds (comes within a tenth of the axes' height of)."""
    import numpy as np
    from matplotlib.transforms import Bbox
    boxes = [legend.get_window_extent() for legend in [ax.get_legend(), *fig.legends] if legend is not None]
    if not boxes:
        return 0
    margin = 0.1 * ax.get_window_extent().height
    crowded = [Bbox.from_extents(b.x0, b.y0 - margin, b.x1, b.y1 + margin)
               for b in (bar.get_window_extent() for bar in _bars(ax))]
    bars = sum(any(box.overlaps(bar) for box in boxes) for bar in crowded)
    points = np.concatenate([line.get_transform().transform(line.get_xydata()) for line in ax.get_lines()]
                            or [np.empty((0, 2))])
    return int(bars + sum(np.any([box.contains(x, y) for box in boxes]) for x, y in points))


def _bars(ax):
    """The bars of ``ax``: its rectangles with an area (``ax.bar``, ``ax.hist``)."""
    from matplotlib.patches import Rectangle
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() and p.get_width()]


def save_results(name, results):
    """Save a dict of headline numbers as ``results/<name>.json`` and return the path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(results, indent=2, default=_plain) + "\n")
    return path


def _plain(value):
    # numpy scalars and arrays are what notebooks usually hold
    return value.tolist() if hasattr(value, "tolist") else str(value)


def skip_layout():
    """Make ``tight_layout`` free in this process (the grader's processes, never a student's kernel): it only
    moves axes, which no check looks at, and it cost about 85 ms a call, a third of a complete submission's
    grading time."""
    import matplotlib.figure
    import matplotlib.pyplot as plt
    matplotlib.figure.Figure.tight_layout = lambda self, *args, **kwargs: None
    plt.tight_layout = lambda *args, **kwargs: None


class FigureDescription(dict):
    """What :func:`describe_figure` says of a figure the student's function returned."""


def describe_figure(fig):
    """A plain description of a matplotlib figure: what a check inspects instead of pixels."""
    import numpy as np
    axes = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        axes.append({
            "title": ax.get_title(),
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "legend": None if legend is None else [t.get_text() for t in legend.get_texts()],
            "lines": [{"x": np.asarray(line.get_xdata(), dtype=float).tolist(),
                       "y": np.asarray(line.get_ydata(), dtype=float).tolist(),
                       "label": str(line.get_label())}
                      for line in ax.get_lines()],
            "collections": [{"type": type(c).__name__, "label": str(c.get_label()),
                             "n_paths": len(c.get_paths()),
                             "offsets": np.asarray(c.get_offsets(), dtype=float).tolist()}
                            for c in ax.collections],
            "containers": [{"type": type(c).__name__, "label": str(c.get_label()),
                            "heights": [float(p.get_height()) for p in c.patches]
                            if hasattr(c, "patches") else []}
                           for c in ax.containers],
            "n_patches": len(ax.patches),
            "n_images": len(ax.images),
        })
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    return {"axes": axes, "suptitle": suptitle}


def is_figure(obj):
    """Whether ``obj`` is a matplotlib figure or axes (False where matplotlib is not installed)."""
    try:
        from matplotlib.axes import Axes
        from matplotlib.figure import Figure
    except ImportError:
        return False
    return isinstance(obj, (Figure, Axes))


def close_figures():
    """Close the figures a checked call made, so that checks do not draw in the notebook."""
    import sys
    if "matplotlib.pyplot" not in sys.modules:
        return
    import matplotlib.pyplot as plt
    plt.close("all")
