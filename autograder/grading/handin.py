"""``python -m autograder check FOLDER``: a student's check of the folder they are about to upload.

It lists what would cost points or is missing: notebooks not in the folder, graded functions still at their
stub, public checks failing, written answers empty, plots missing from ``figures/``; then a one-line verdict.
Only public checks run (the hidden ones run at grading).
"""
import re
from dataclasses import dataclass, field

from autograder import PARTS
from autograder.markscheme import extra_credit_parts, figure_parts, load_items, part_functions, written_items
from autograder.grading.submissions import gather

# nbgrader's code stub (ClearSolutions.code_stub in nbgrader_config.py) raises this.
STUB_RAISE = "raise NotImplementedError("


@dataclass
class HandinReport:
    """What the pre-upload check found, one list per kind of problem (each entry one line of text)."""
    missing_notebooks: list = field(default_factory=list)
    stubs: list = field(default_factory=list)
    failing: list = field(default_factory=list)      # (item name, [feedback lines])
    empty_answers: list = field(default_factory=list)
    missing_figures: list = field(default_factory=list)
    notes: list = field(default_factory=list)        # not problems: the bonus not handed in, file problems

    @property
    def ready(self):
        return not (self.missing_notebooks or self.stubs or self.failing or self.empty_answers
                    or self.missing_figures)

    def verdict(self):
        """One line: ready to upload, or what is still missing, counted."""
        if self.ready:
            return "Ready to upload: every notebook, function, public check, written answer and plot is there."
        counts = [(len(self.missing_notebooks), "notebook", "missing"), (len(self.stubs), "function", "still a stub"),
                  (len(self.failing), "function", "failing public checks"),
                  (len(self.empty_answers), "written answer", "empty"), (len(self.missing_figures), "plot", "missing")]
        return "Not ready to upload: " + ", ".join(f"{n} {what}{'s' if n > 1 else ''} {state}"
                                                   for n, what, state in counts if n) + "."


def stub_functions(submission):
    """The graded functions of the submission whose cell still holds nbgrader's stub."""
    stubs = []
    for it in load_items():
        nb = submission.notebooks.get(it.part)
        if nb is None:
            continue
        defining = re.compile(rf"^def\s+{re.escape(it.function)}\s*\(", re.M)
        if any(defining.search(src) and STUB_RAISE in src for _, src in nb.code_cells):
            stubs.append(it.name)
    return stubs


def check_folder(folder):
    """Check the folder a student is about to upload; return a :class:`HandinReport`."""
    from autograder.grading.grade import check_plots, grade_submission
    from autograder.results.outputs import item_feedback
    submission = gather(folder.name, folder, part_functions())
    report = HandinReport(notes=list(submission.problems))
    extra = extra_credit_parts()
    handed_in = set(submission.notebooks)
    report.missing_notebooks = [f"{p}.ipynb" for p in PARTS if p not in handed_in and p not in extra]
    report.notes += [f"{p}.ipynb (extra credit) is not in the folder: fine if you did not do it"
                     for p in PARTS if p in extra and p not in handed_in]
    report.stubs = stub_functions(submission)
    result = grade_submission(submission, public_only=True)
    report.notes += result.incidents
    for name, item in result.items.items():
        if item.tests and name not in report.stubs and not all(t.passed for t in item.tests):
            report.failing.append((name, item_feedback(item)))
    for it in written_items():
        entry = result.written[it.name]
        if it.part in handed_in and entry.comment:  # a comment before any TA: no answer, or no answer cell
            report.empty_answers.append(f"{it.name} ({it.title}): {entry.comment}")
    wanted = [f for f, part in figure_parts().items() if part in handed_in or part not in extra]
    plots = check_plots(submission.files)
    report.missing_figures = [f"figures/{f}.png: {plots[f]}" for f in wanted if plots[f] != "ok"]
    return report


def print_report(report, folder):
    """Print the report: one section per kind of problem that was found, then the verdict."""
    sections = [("Notebooks missing", report.missing_notebooks),
                ("Functions still stubs (replace the `raise NotImplementedError(...)` line)", report.stubs),
                ("Public checks failing", [f"{name}\n      " + "\n      ".join(lines) for name, lines in report.failing]),
                ("Written answers empty", report.empty_answers),
                ("Plots missing (run the notebooks: they save them in figures/)", report.missing_figures),
                ("Notes", report.notes)]
    print(f"Checking {folder} before upload (public checks only; hidden checks run at grading)")
    for title, lines in sections:
        if lines:
            print(f"\n{title}:")
            for line in lines:
                print(f"  - {line}")
    print(f"\n{report.verdict()}")
