"""Whole notebooks: the main job (`python -m autograder lab`, run once for the whole suite by the session
fixture ``lab`` of conftest.py) executes every solution, and what the notebooks claim holds for the numbers
they computed. That the students' notebooks run up to their stubs is checked on the hand-out, in a venv of
its own requirements (test_handout.py)."""
import json
import re

import pytest

from autograder import PARTS
from autograder.markscheme import deliverable_figures

pytestmark = pytest.mark.slow

EXPECTED_FIGURES = set(deliverable_figures())


def test_every_solution_notebook_executes(lab):
    out, result = lab
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for part in PARTS:
        assert re.search(rf"^  {part} +ok +\d+\.\d s$", result.stdout, re.M), (part, result.stdout)
    assert "FAILED" not in result.stdout
    assert sorted(p.stem for p in (out / "executed").glob("*.ipynb")) == sorted(PARTS)


def test_main_job_saves_every_deliverable_plot_as_a_real_png(lab):
    out, _ = lab
    figures = {p.stem: p for p in (out / "figures").glob("*.png")}
    assert EXPECTED_FIGURES <= set(figures), f"missing plots: {EXPECTED_FIGURES - set(figures)}"
    for path in figures.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000, path


def test_main_job_summary_reports_the_headline(lab):
    out, result = lab
    text = result.stdout
    headline = json.loads((out / "results" / "part3_experiments.json").read_text())["headline"]
    assert headline["n_runs"] >= 10 and headline["wins"] >= 0.9 * headline["n_runs"]
    assert f"active learning wins on {headline['wins']} of {headline['n_runs']}" in text
    assert "AULC per strategy" in text and "Digits 3 vs 8" in text
    assert f"{len(list((out / 'figures').glob('*.png')))} plots in" in text


def test_executed_notebooks_write_nothing_to_stderr(lab):
    """No warning spam: a student must see clean output."""
    out, _ = lab
    for part in PARTS:
        nb = json.loads((out / "executed" / f"{part}.ipynb").read_text())
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                assert output.get("name") != "stderr", f"{part}: {output.get('text', '')[:300]}"


def test_claims_of_the_text_hold_for_the_executed_numbers(lab):
    """What the reference's results are, on the numbers the notebooks computed: the prose says what to look for
    (issue 18), and the rubrics and docs/changes-from-the-handout.md quote these results."""
    out, _ = lab
    part3 = json.loads((out / "results" / "part3_experiments.json").read_text())
    head = part3["headline"]  # the lab data, 20 paired starting sets, 20 rounds of 10
    assert head["n_runs"] == 20 and head["wins"] >= 0.9 * head["n_runs"] and head["p_value"] < 0.01
    assert head["labels_active"] < head["labels_random"]
    reached = re.search(r"active \S+ \(reached in (\d+) runs\), random \S+ \(reached in (\d+) runs\)",
                        _printed(out, "part3_experiments"))
    assert int(reached[1]) == head["n_runs"], "85% must be reachable by active learning on every seed"
    assert int(reached[2]) >= head["n_runs"] // 2
    s = part3["strategies_aulc"]  # the rubric: margin best, then least confidence; entropy barely above random
    assert s["margin"] > s["least-confidence"] > s["entropy"] >= s["random"] - 0.005
    assert s["entropy"] - s["random"] < 0.02
    hard = part3["hard_case"]  # no reliable advantage: wins on about half, mean AULCs practically equal
    assert 0.25 * hard["n_runs"] <= hard["wins"] <= 0.7 * hard["n_runs"]
    assert abs(hard["aulc_active"] - hard["aulc_random"]) < 0.01
    bonus = json.loads((out / "results" / "bonus.json").read_text())
    digits = bonus["digits"]
    assert digits["wins"] >= 0.9 * digits["n_runs"] and digits["labels_active"] < digits["labels_random"]
    qbc = bonus["qbc"]  # QBC about as good as least confidence; both beat random
    assert abs(qbc["query-by-committee"] - qbc["least confidence"]) < 0.01
    assert min(qbc["query-by-committee"], qbc["least confidence"]) > qbc["random"] + 0.01
    imbalance = bonus["imbalance"]
    assert imbalance["one_class_starts_ours"] == 0
    assert 0.07 < imbalance["one_class_starts_plain"] / imbalance["n_draws"] < 0.16
    picked = imbalance["minority_picked"]
    assert picked["class-balanced"] > picked["random"] and picked["least confidence"] > picked["random"]


def _printed(out, part):
    """Everything the executed notebook ``part`` printed."""
    nb = json.loads((out / "executed" / f"{part}.ipynb").read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", [])
                   if o.get("name") == "stdout")


def _figure(out, name):
    """The axes of a saved figure, as allab.figures.save_figure described them."""
    return json.loads((out / "results" / "figures" / f"{name}.json").read_text())["axes"]


def _flat_lines(ax):
    return [line["y"][0] for line in ax["lines"] if line["y"] and len(set(line["y"])) == 1]


def test_figures_show_what_the_text_says(lab):
    """Issue 13's figure fixes, on the figures the main job saved."""
    from sklearn.linear_model import LogisticRegression

    from allab.data import load_lab_data
    out, _ = lab
    # part1_first_run: the all-labels accuracy the text compares with, as a labelled line
    ax, = _figure(out, "part1_first_run")
    X_train, X_test, y_train, y_test = load_lab_data(random_state=42)
    full = LogisticRegression(random_state=42, max_iter=1000).fit(X_train, y_train).score(X_test, y_test)
    assert any(abs(y - full) < 1e-9 for y in _flat_lines(ax)), _flat_lines(ax)
    assert any(f"All {len(y_train)} training labels" in text for text in ax["legend"]), ax["legend"]
    # part3_selected_samples: the histograms count samples, so their ticks are whole numbers
    for ax in _figure(out, "part3_selected_samples"):
        assert ax["yticks"] and all(float(t).is_integer() for t in ax["yticks"]), ax["yticks"]
    # part3_learning_curves: the target line at a target the two runs reach with different labels
    ax, = _figure(out, "part3_learning_curves")
    assert 0.87 in _flat_lines(ax)
    # bonus_digits: the 97% line has a legend entry, and no band goes above accuracy 1
    ax, = _figure(out, "bonus_digits")
    assert 0.97 in _flat_lines(ax) and "Target 97%" in ax["legend"], ax["legend"]
    assert ax["bands"] and all(b["y_max"] <= 1.0 for b in ax["bands"])
    # bonus_qbc: the legend says what the shaded bands are
    ax, = _figure(out, "bonus_qbc")
    assert ax["bands"] and any("shaded: mean ± 1 std over runs" == text for text in ax["legend"]), ax["legend"]


def test_figures_read_as_a_reader_would(lab):
    """Issue 18's figure fixes: no legend hides data, reference lines stand clear of the edges, the shading is
    explained, the paired differences are shown, and a gap of a few test samples does not fill the plot."""
    out, _ = lab
    for name in EXPECTED_FIGURES:
        for ax in _figure(out, name):
            assert ax["covered_by_legend"] == 0, (name, ax["title"])
    # part0_queries: a colour bar says what the shading is
    assert any("P(class 1)" in ax["ylabel"] for ax in _figure(out, "part0_queries"))
    # Part 3: the all-labels line inside the plot, clear of its edges; a panel of each run's paired difference
    part3 = json.loads((out / "results" / "part3_experiments.json").read_text())
    for name, key in (("part3_multiple_runs", "headline"), ("part3_hard_case", "hard_case")):
        curves, differences = _figure(out, name)
        (ceiling,) = [y for y in _flat_lines(curves) if y > 0.5]
        low, high = curves["ylim"]
        assert low + 0.02 * (high - low) < ceiling < high - 0.02 * (high - low), (name, ceiling, curves["ylim"])
        assert len(differences["bars"]) == part3[key]["n_runs"]
        assert sum(d > 0 for d in differences["bars"]) == part3[key]["wins"], name
    # part4_modal: the y-axis spans at least 0.2, the three curves start at the same point
    ax, = _figure(out, "part4_modal")
    assert ax["ylim"][1] - ax["ylim"][0] >= 0.2 - 1e-9, ax["ylim"]
    assert len({line["y"][0] for line in ax["lines"]}) == 1
