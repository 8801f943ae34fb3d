"""allab.figures: what save_figure records about a plot, for the tests that read figures as a reader would."""
import json

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from allab.figures import save_figure  # noqa: E402


def facts(fig, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_figure(fig, "plot")
    plt.close(fig)
    return json.loads((tmp_path / "results" / "figures" / "plot.json").read_text())["axes"]


def bars(ax):
    for k, heights in enumerate(([18, 5], [2, 15], [2, 15])):
        ax.bar(np.arange(2) + 0.25 * k, heights, 0.25, label=f"strategy {k}")


def test_a_legend_over_bars_is_counted(tmp_path, monkeypatch):
    """bonus_imbalance's old layout: the legend in the upper right, over the tall right-hand bars."""
    fig, ax = plt.subplots()
    bars(ax)
    ax.legend(loc="upper right")
    (ax,) = facts(fig, tmp_path, monkeypatch)
    assert ax["covered_by_legend"] > 0
    assert sorted(ax["bars"]) == [2, 2, 5, 15, 15, 18]


def test_a_legend_below_the_axes_covers_nothing(tmp_path, monkeypatch):
    fig, ax = plt.subplots()
    bars(ax)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.1))
    (ax,) = facts(fig, tmp_path, monkeypatch)
    assert ax["covered_by_legend"] == 0


def test_line_points_under_a_legend_are_counted(tmp_path, monkeypatch):
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2, 3], [0.9, 0.91, 0.92, 0.99], "o-", label="a long label for the curve")
    ax.set_ylim(0.8, 1.0)
    ax.legend(loc="upper right")
    (ax,) = facts(fig, tmp_path, monkeypatch)
    assert ax["covered_by_legend"] == 1
    assert ax["ylim"] == [0.8, 1.0]
