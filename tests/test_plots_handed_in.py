"""The deliverable plots of a submission: found by name anywhere in it, and real PNG images."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograder.grading.grade import check_plots  # noqa: E402
from autograder.markscheme import deliverable_figures  # noqa: E402
from autograder.results.outputs import feedback_markdown  # noqa: E402
from autograder.results.types import ItemResult, StudentResult  # noqa: E402


def test_plots_are_found_checked_and_reported(tmp_path):
    (tmp_path / "figures").mkdir()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    fig.savefig(tmp_path / "figures" / "part1_first_run.png")
    plt.close(fig)
    (tmp_path / "part3_learning_curves.png").write_text("not an image")
    (tmp_path / "part3_multiple_runs.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)  # zero size
    plots = check_plots(sorted(p for p in tmp_path.rglob("*") if p.is_file()))
    assert set(plots) == set(deliverable_figures())
    assert plots["part1_first_run"] == "ok"
    assert plots["part3_learning_curves"] == "not a PNG image"
    assert plots["part3_multiple_runs"] == "not a PNG image"
    assert plots["bonus_digits"] == "not handed in"
    text = feedback_markdown(StudentResult("s", items=_empty_items(), plots=plots))
    assert f"Plots handed in (1 of {len(plots)}; not scored)" in text
    assert "✔ figures/part1_first_run.png" in text and "✘ figures/bonus_digits.png: not handed in" in text


def _empty_items():
    from autograder.markscheme import load_items
    return {it.name: ItemResult(0.0, it.points, it.title, submitted=False) for it in load_items()}


def test_no_plots_is_one_line_not_twelve(tmp_path):
    plots = check_plots([])
    assert set(plots.values()) == {"not handed in"}
    text = feedback_markdown(StudentResult("s", items=_empty_items(), plots=plots))
    assert "No plot found" in text and "✘ figures/" not in text
