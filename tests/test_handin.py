"""What to hand in: every notebook says it at its top and its end, and `check FOLDER` finds what is missing."""
import io
import shutil
import subprocess
import sys

import matplotlib
import pytest

from allab.handin import CHECK_COMMAND, handin, handin_markdown
from autograder import NOTEBOOKS_DIR, PARTS, ROOT, SOLUTIONS_DIR
from autograder.authoring import handout
from autograder.authoring.examples import EXAMPLES_DIR
from autograder.authoring.handout import handout_files
from autograder.grading.handin import handin_json, handin_texts
from autograder.markscheme import deliverable_figures, load_parts, written_items
from autograder.notebook import nbgrader_meta, read_notebook

matplotlib.use("Agg")


@pytest.mark.parametrize("part", PARTS)
def test_every_notebook_says_what_to_hand_in_at_its_top_and_end(part):
    cells = read_notebook(NOTEBOOKS_DIR / f"{part}.ipynb").cells
    top, end = cells[1], cells[-1]
    assert nbgrader_meta(top)["grade_id"] == "md_handin" and nbgrader_meta(end)["grade_id"] == "md_upload"
    for cell in (top, end):
        assert handin_markdown() in cell.source
        assert CHECK_COMMAND in cell.source and "python -m autograder" not in cell.source
    assert ("YOUR ANSWER HERE" in end.source) == any(it.part == part for it in written_items())
    assert "Restart Kernel and Run All" in end.source


def test_the_hand_in_list_is_the_same_everywhere():
    """One list: the mark scheme's, in handin.json, the README, every notebook (solution and release) and the
    feedback; the notebooks handed in are the parts with something graded."""
    assert (NOTEBOOKS_DIR / "allab" / "handin.json").read_text() == handin_json()
    listed = handin_markdown()
    graded = [p.name for p in load_parts() if p.items or p.written]
    assert [nb["part"] for nb in handin()["notebooks"]] == graded and "part0_overview" not in graded
    handed, not_needed = listed.split("- not needed:")
    for part in PARTS:
        assert (f"`{part}.ipynb`" in handed) == (part in graded) != (f"`{part}.ipynb`" in not_needed)
    assert all(f"`{f}.png`" in listed for f in deliverable_figures()) and "`results/`" in listed
    readme = (NOTEBOOKS_DIR / "README.md").read_text()
    assert readme.count(listed) == 1 and CHECK_COMMAND in readme
    texts = handin_texts()
    for part in PARTS:
        for folder in (SOLUTIONS_DIR, NOTEBOOKS_DIR):
            for cell in read_notebook(folder / f"{part}.ipynb").cells:
                grade_id = nbgrader_meta(cell).get("grade_id")
                if grade_id in texts[part]:
                    assert cell.source == texts[part][grade_id], f"{folder.name}/{part}: {grade_id} is stale"
    files = handout_files()
    top = handout.TOP
    assert {f"{top}/allab/check.py", f"{top}/allab/handin.json"} <= set(files)
    assert CHECK_COMMAND in files[f"{top}/README.md"].decode()


def test_feedback_and_the_check_show_the_list_when_something_is_missing(tmp_path):
    from allab.check import HandinReport, print_report
    from autograder.results.outputs import feedback_markdown
    from autograder.results.types import StudentResult
    result = StudentResult("x")
    result.plots = {f: "not handed in" for f in deliverable_figures()}
    assert handin_markdown() in feedback_markdown(result)
    out = io.StringIO()
    print_report(HandinReport(missing_notebooks=["part1_basics.ipynb"]), tmp_path, out)
    assert handin_markdown() in out.getvalue()
    out = io.StringIO()
    print_report(HandinReport(), tmp_path, out)
    assert "Ready to upload" in out.getvalue() and handin_markdown() not in out.getvalue()


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
    assert "\nReady to upload" in result.stdout and "[ ]" not in result.stdout, result.stdout
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
    assert "part4_modal.ipynb" in section and "part0_overview" not in section and "bonus" not in section
    assert "bonus.ipynb (extra credit) is not in the folder" in out
    stubs = out.split("Functions still stubs")[1].split("\n\n")[0]
    assert "part2.strategy_overlap" in stubs and "part1" not in stubs
    failing = out.split("Public checks failing:")[1].split("\n\n")[0]
    for name in ("part1.uncertainty_sampling", "part1.active_learning_loop", "part2.entropy_sampling"):
        assert name in failing
    # As in his notebooks: Part 2's random loop runs his own Part 1 loop (the pool never shrinks), and Part 3's
    # analyze_selected_samples his own uncertainty_sampling (the most confident rows)
    assert "part2.random_sampling_loop" in failing and "part3.analyze_selected_samples" in failing
    for name in ("part1.oracle", "part2.margin_sampling", "part2.strategy_overlap", "part3.cost_analysis"):
        assert f"- {name}" not in failing  # passing, or listed as a stub already
    empty = out.split("Written answers empty:")[1].split("\n\n")[0]
    assert empty.count("no answer") == 3 and "bonus.digits_analysis" not in empty
    plots = out.split("Plots missing")[1].split("\n\n")[0]
    assert "figures/part3_hard_case.png" in plots and "part1_first_run" not in plots and "bonus_" not in plots
    verdict = [line for line in out.splitlines() if line.startswith("Not ready")]
    assert verdict == [(
        "Not ready to upload: 1 notebook missing, 1 function still a stub, 5 functions failing public checks, "
        "3 written answers empty, 1 plot missing.")]


def test_the_pre_upload_check_reads_answers_and_plots_as_the_grader_does():
    import allab.check
    from autograder.grading import handin as command
    from autograder.results import written
    assert written.TEXT_STUB is allab.check.TEXT_STUB and written.unanswered is allab.check.unanswered
    assert command.check_folder is allab.check.check_folder  # `autograder check FOLDER` runs the students' check


STUB = 'def oracle(idx, y_pool):\n    """Doc."""\n'
TRICKY_STUBS = [  # (cells of part1_basics, whether oracle is still the stub)
    ([(0, STUB + "    # TODO: look the labels up\n    raise NotImplementedError  # replace this line\n")], True),
    ([(0, STUB + '    raise NotImplementedError("Ex. 1.1")\n')], True),
    ([(0, STUB + '    text = "raise NotImplementedError"\n    return y_pool[idx]\n')], False),
    ([(0, STUB + "    return y_pool[idx]\n    raise NotImplementedError\n")], False),
    ([(0, STUB + "    return y_pool[idx]\n"), (1, STUB + "    raise NotImplementedError\n")], True),  # the last wins
    ([(0, STUB + "    raise NotImplementedError\n"), (1, STUB + "    return y_pool[idx]\n")], False),
    ([(0, 'NOTE = """\ndef oracle(idx, y_pool):\n    raise NotImplementedError\n"""\n')], False),
    ([], False),
]


@pytest.mark.parametrize(("cells", "stub"), TRICKY_STUBS)
def test_the_grader_and_the_pre_upload_check_agree_on_a_stub(cells, stub):
    """One rule (allab.definitions.still_stub): a comment beside the stub line leaves it a stub, the stub line in
    a string or after a return is not one, the last definition wins; the grader and the students' check
    say the same."""
    from allab.check import Notebook, stub_or_missing
    from allab.definitions import run_definitions
    from autograder.grading.grade import submission_stubs
    namespace: dict = {}
    run_definitions(cells, namespace, "part1_basics.ipynb")
    checked = stub_or_missing(Notebook(namespace, cells, {}), "oracle") == "stub"
    graded = "part1.oracle" in submission_stubs({"part1_basics": cells})
    assert checked == graded == stub
