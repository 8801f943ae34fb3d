"""What to hand in: every notebook says it at its top and its end, and `check FOLDER` finds what is missing."""
import shutil
import subprocess
import sys

import matplotlib
import pytest

from autograder import NOTEBOOKS_DIR, PARTS, ROOT
from autograder.authoring.examples import EXAMPLES_DIR
from autograder.markscheme import deliverable_figures, written_items
from autograder.notebook import nbgrader_meta, read_notebook

matplotlib.use("Agg")


@pytest.mark.parametrize("part", PARTS)
def test_every_notebook_says_what_to_hand_in_at_its_top_and_end(part):
    cells = read_notebook(NOTEBOOKS_DIR / f"{part}.ipynb").cells
    top, end = cells[1], cells[-1]
    assert nbgrader_meta(top)["grade_id"] == "md_handin" and nbgrader_meta(end)["grade_id"] == "md_upload"
    prefix = part.split("_")[0] + "_"
    mine = {f for f in deliverable_figures() if f.startswith(prefix)}
    for cell in (top, end):
        text = cell.source
        assert "`figures/`" in text and all(f"`{p}.ipynb`" in text for p in PARTS)
        assert {f for f in deliverable_figures() if f"figures/{f}.png" in text} == mine
        assert ("YOUR ANSWER HERE" in text) == any(it.part == part for it in written_items())
    assert "python -m autograder check FOLDER" in end.source and "Restart Kernel and Run All" in end.source


def run_check(folder):
    return subprocess.run([sys.executable, "-m", "autograder", "check", str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def save_plots(folder, names):
    import matplotlib.pyplot as plt
    (folder / "figures").mkdir(parents=True)
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    for name in names:
        fig.savefig(folder / "figures" / f"{name}.png")
    plt.close(fig)


@pytest.mark.slow
def test_check_folder_says_ready_for_a_complete_folder(tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(EXAMPLES_DIR / "alice_complete", folder)
    save_plots(folder, deliverable_figures())
    result = run_check(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("Ready to upload")
    for heading in ("Notebooks missing", "stubs", "Public checks failing", "Written answers empty", "Plots missing"):
        assert heading not in result.stdout


@pytest.mark.slow
def test_check_folder_lists_what_is_missing(tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(EXAMPLES_DIR / "bob_partial", folder)
    save_plots(folder, [f for f in deliverable_figures() if f != "part3_hard_case"])
    result = run_check(folder)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    section = out.split("Notebooks missing:")[1].split("\n\n")[0]
    assert "part0_overview.ipynb" in section and "part4_modal.ipynb" in section and "bonus" not in section
    assert "bonus.ipynb (extra credit) is not in the folder" in out
    stubs = out.split("Functions still stubs")[1].split("\n\n")[0]
    assert "part2.strategy_overlap" in stubs and "part1" not in stubs
    failing = out.split("Public checks failing:")[1].split("\n\n")[0]
    for name in ("part1.uncertainty_sampling", "part1.active_learning_loop", "part2.entropy_sampling"):
        assert name in failing
    for name in ("part1.oracle", "part2.margin_sampling", "part2.strategy_overlap", "part3."):
        assert f"- {name}" not in failing  # passing, or listed as a stub already
    empty = out.split("Written answers empty:")[1].split("\n\n")[0]
    assert empty.count("no answer") == 3 and "bonus.digits_analysis" not in empty
    plots = out.split("Plots missing")[1].split("\n\n")[0]
    assert "figures/part3_hard_case.png" in plots and "part1_first_run" not in plots and "bonus_" not in plots
    assert out.strip().splitlines()[-1] == (
        "Not ready to upload: 2 notebooks missing, 1 function still a stub, 3 functions failing public checks, "
        "3 written answers empty, 1 plot missing.")
