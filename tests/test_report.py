"""The `report` command: per-item pass rates and means, the score spread, report.md and report.png."""
import contextlib
import csv
import io
from types import SimpleNamespace

import pytest

from autograder.__main__ import main
from autograder.markscheme import load_items

POINTS = {it.name: it.points for it in load_items()}
# Four students; every item at full marks except three, given as shares of the item's points.
SHARES = {
    "part2.margin_sampling": [0, 0, 0, 0],                 # pass rate 0/4, mean 0
    "part1.oracle": [1, 0, 0, 0.5],                        # pass rate 1/4, mean 0.375 of the points
    "part3.run_multiple_experiments": [1, 1, 0.5, 0],      # pass rate 2/4, mean 0.625 of the points
}
STUDENTS = ["ann", "ben", "cat", "dan"]


def run(*args):
    """``python -m autograder ARGS`` in this process (test_cli runs the command line itself)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def write_gradebook(folder):
    names = list(POINTS)
    rows = []
    for i, student in enumerate(STUDENTS):
        scores = {n: POINTS[n] * SHARES[n][i] if n in SHARES else POINTS[n] for n in names}
        rows.append([student, f"{sum(scores.values()):g}", f"{sum(POINTS.values()):g}",
                     *(f"{scores[n]:g}" for n in names)])
    with open(folder / "grades.csv", "w", newline="") as f:
        csv.writer(f).writerows([["student", "score", "max_score", *names], *rows])
    return [float(r[1]) for r in rows]


def table(text):
    """``{item: (points, mean as printed, pass rate)}`` from the printed table."""
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] in POINTS:
            found[parts[0]] = (float(parts[1]), parts[2], parts[3])
    return found


def test_report_numbers_order_and_files(tmp_path):
    totals = write_gradebook(tmp_path)
    result = run("report", tmp_path)
    assert result.returncode == 0, result.stderr
    rows = table(result.stdout)
    assert set(rows) == set(POINTS)
    p = POINTS
    assert rows["part2.margin_sampling"] == (p["part2.margin_sampling"], "0.00", "0%")
    assert rows["part1.oracle"] == (p["part1.oracle"], f"{0.375 * p['part1.oracle']:.2f}", "25%")
    assert rows["part3.run_multiple_experiments"] == (
        p["part3.run_multiple_experiments"], f"{0.625 * p['part3.run_multiple_experiments']:.2f}", "50%")
    assert rows["part1.active_learning_loop"] == (
        p["part1.active_learning_loop"], f"{p['part1.active_learning_loop']:.2f}", "100%")
    assert "(1/4)" in result.stdout and "(4/4)" in result.stdout
    # weakest first: the three items that lost points lead the table, in order of pass rate
    order = [line.split()[0] for line in result.stdout.splitlines() if line.split() and line.split()[0] in POINTS]
    assert order[:3] == ["part2.margin_sampling", "part1.oracle", "part3.run_multiple_experiments"]
    # the score spread: totals are 40 - losses, so compute them from the shares by hand
    losses = [sum(p[n] * (1 - SHARES[n][i]) for n in SHARES) for i in range(4)]
    expected = sorted(sum(p.values()) - loss for loss in losses)
    assert sorted(totals) == pytest.approx(expected)
    mean, median = sum(expected) / 4, (expected[1] + expected[2]) / 2
    summary = next(line for line in result.stdout.splitlines() if line.startswith("Total scores"))
    assert "n = 4" in summary and f"mean = {mean:.2f}" in summary
    assert f"median = {median:g}" in summary
    assert f"min = {expected[0]:g}" in summary and f"max = {expected[-1]:g}" in summary

    md = (tmp_path / "report.md").read_text()
    assert "| `part1.oracle` |" in md and "25% (1/4)" in md and "50% (2/4)" in md
    assert md.index("part2.margin_sampling") < md.index("part1.oracle") < md.index("part1.active_learning_loop")
    assert f"| 4 | {mean:.2f} | {median:g} | {expected[0]:g} | {expected[-1]:g} |" in md

    png = (tmp_path / "report.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    import matplotlib.image
    image = matplotlib.image.imread(tmp_path / "report.png")
    assert image.shape[0] > 300 and image.shape[1] > 600


@pytest.mark.parametrize("content, message", [
    (None, "no gradebook"),
    ("", "is empty"),
    ("name,points\nann,3\n", "not a gradebook written by `grade`"),
    ("student,score,max_score,part1.oracle\n", "no students"),
    ("student,score,max_score,part1.oracle\nann,1,40,one\n", "line 2: not a number"),
    ("student,score,max_score,part1.oracle\nann,1,40\n", "line 2: 3 values"),
    ("student,score,max_score,part9.nothing\nann,1,40,1\n", "not items of the mark scheme"),
])
def test_report_refuses_a_missing_or_malformed_gradebook(tmp_path, content, message):
    if content is not None:
        (tmp_path / "grades.csv").write_text(content)
    result = run("report", tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    assert not (tmp_path / "report.png").exists()


MISTAKES = [("ann", "part2.margin_sampling", "largest_margin"), ("ben", "part2.margin_sampling", "largest_margin"),
            ("cat", "part2.margin_sampling", "returns_scores"), ("dan", "part1.oracle", "wrong_rows"),
            ("ben", "part1.oracle", "uncommon"), ("cat", "part1.oracle", "wrong_rows")]


def test_report_lists_each_items_mistakes_most_frequent_first_and_who(tmp_path):
    from autograder.markscheme import load_mistakes
    write_gradebook(tmp_path)
    with open(tmp_path / "mistakes.csv", "w", newline="") as f:
        csv.writer(f).writerows([["student", "item", "mistake"], *MISTAKES])
    result = run("report", tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout[result.stdout.index("Common mistakes"):]
    lines = [line.split() for line in text.splitlines()[1:]]
    # items in the table's order (weakest first); each item's mistakes most frequent first
    assert [line[0] for line in lines if len(line) == 1] == ["part2.margin_sampling", "part1.oracle"]
    margin = text.index("part2.margin_sampling")
    assert text.index("2  largest_margin", margin) < text.index("1  returns_scores", margin)
    assert load_mistakes()["largest_margin"] in text
    oracle = text.index("part1.oracle")
    assert text.index("2  wrong_rows", oracle) < text.index("1  uncommon", oracle)
    md = (tmp_path / "report.md").read_text()
    assert "## Common mistakes" in md
    assert "| 2 | `largest_margin` |" in md and "| ann, ben |" in md and "| 2 | `wrong_rows` |" in md
    assert "| cat, dan |" in md
    import matplotlib.image
    image = matplotlib.image.imread(tmp_path / "report.png")
    assert image.shape[1] > 1500  # the third panel: the most common mistakes


def test_report_without_mistakes_csv_still_works_and_a_bad_one_is_refused(tmp_path):
    write_gradebook(tmp_path)
    result = run("report", tmp_path)
    assert result.returncode == 0 and "Common mistakes" not in result.stdout
    (tmp_path / "mistakes.csv").write_text("student,item,mistake\nann,part9.nothing,x\n")
    result = run("report", tmp_path)
    assert result.returncode == 2 and "mistakes.csv, line 2" in result.stderr, result.stderr
