"""The pre-upload check: ``python -m allab.check FOLDER`` (``.`` for the folder you are in).

It reads the notebooks of the hand-in list (:mod:`allab.handin`) in ``FOLDER`` as the grader does (only their
definitions run, see :mod:`allab.definitions`), runs every check cell's public checks on your functions, and
lists what would cost points or is missing: notebooks not in the folder, functions still at their stub, check
cells failing, written answers empty, plots missing from ``figures/``. Then a one-line verdict, and the lab's
testing checklist, each box ticked or not with the evidence for it. The hidden checks run only at grading.
Exit status: 0 when ready to upload, 1 when not.
"""
import contextlib
import importlib
import io
import json
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .definitions import code_cells, run_definitions, still_stub
from .handin import handin, handin_markdown

__all__ = ["HandinReport", "check_folder", "print_report", "main", "TEXT_STUB", "unanswered"]

# nbgrader's text stub (ClearSolutions.text_stub; a test keeps them equal). The grader's written answers use
# this one, so that both say alike which answer is missing.
TEXT_STUB = "YOUR ANSWER HERE"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class HandinReport:
    """What the pre-upload check found, one list per kind of problem (each entry one line of text)."""
    missing_notebooks: list = field(default_factory=list)
    stubs: list = field(default_factory=list)
    failing: list = field(default_factory=list)      # (item name, [lines saying why])
    empty_answers: list = field(default_factory=list)
    missing_figures: list = field(default_factory=list)
    notes: list = field(default_factory=list)        # not problems: the bonus not handed in, cells that failed
    checklist: list = field(default_factory=list)    # (ticked, box, evidence)

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


@dataclass
class Notebook:
    """One handed-in notebook as the check read it: its definitions and its cells."""
    namespace: dict
    cells: list
    texts: dict          # {grade_id: markdown source} of its answer cells


def read_notebook(path):
    """The notebook at ``path`` read as JSON; raises ``OSError`` or ``ValueError``."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    return nb


def answer_texts(nb):
    """``{grade_id: text}`` of the notebook's markdown answer cells (nbgrader ``solution`` cells)."""
    texts = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if isinstance(meta, dict) and meta.get("solution") and cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            texts[meta.get("grade_id")] = "".join(source) if isinstance(source, list) else str(source)
    return texts


def load(path):
    """Run the definitions of the notebook at ``path``; return ``(Notebook, problems)``."""
    nb = read_notebook(path)
    cells = code_cells(nb)
    namespace = {"__name__": "__main__"}
    problems = run_definitions(cells, namespace, path.name)
    return Notebook(namespace, cells, answer_texts(nb)), problems


@contextlib.contextmanager
def notebooks_in(folder):
    """While it lasts, ``allab.mine`` reads the earlier parts' functions from ``folder``, as in the notebooks
    (even in a process where the grader made it serve its working versions)."""
    from . import mine
    before, source = os.environ.get("ALLAB_NOTEBOOKS"), mine._SOURCE
    os.environ["ALLAB_NOTEBOOKS"] = str(Path(folder).resolve())
    mine.use(None)
    try:
        yield
    finally:
        mine.use(source)
        if before is None:
            os.environ.pop("ALLAB_NOTEBOOKS", None)
        else:
            os.environ["ALLAB_NOTEBOOKS"] = before


def stub_or_missing(notebook, function):
    """"stub", "missing" or "" for ``function`` in ``notebook`` (the last definition wins, as in a kernel)."""
    if still_stub(notebook.cells, function):
        return "stub"
    return "" if callable(notebook.namespace.get(function)) else "missing"


def run_public_check(part, function, namespace):
    """The lines saying why the check cell of ``function`` fails ([] when it passes), run as in the notebook."""
    from .harness import LocalCaller
    check = getattr(importlib.import_module(f"allab.checks.{part}"), function)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            check.run(LocalCaller(namespace))
    except AssertionError as exc:
        return [str(exc) or "failed"]
    except Exception as exc:  # noqa: BLE001 - the check itself broke on what the function returned
        return [f"the check could not finish ({type(exc).__name__}: {exc}); look at what the function returns"]
    return []


def unanswered(text):
    """Whether the text of a written answer says nothing: empty, blank, or only the stub."""
    return not text.replace(TEXT_STUB, "").strip()


def answer_problem(text):
    """Why a written answer gets no points ("" when it has an answer)."""
    if text is None:
        return "the answer cell was not found (deleted?): write the answer in the cell the notebook gives"
    if unanswered(text):
        return f'no answer: the answer cell is empty or still "{TEXT_STUB}"'
    return ""


def plot_problem(path):
    """Why ``path`` is not a handed-in plot ("" when it is a PNG image)."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except FileNotFoundError:
        return "not in the folder: run the notebook that saves it"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return "" if head[:8] == PNG_SIGNATURE and width > 0 and height > 0 else "not a PNG image"


def check_folder(folder):
    """Check the folder a student is about to upload; return a :class:`HandinReport`."""
    folder = Path(folder)
    report = HandinReport()
    loaded = {}
    with notebooks_in(folder), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for entry in handin()["notebooks"]:
            _check_notebook(entry, folder, report, loaded)
        from .checklist import checklist
        with contextlib.redirect_stdout(io.StringIO()):
            report.checklist = checklist(folder, loaded, report)
    return report


def _check_notebook(entry, folder, report, loaded):
    """Check one notebook of the hand-in list (``entry`` of :func:`allab.handin.handin`) into ``report``."""
    path = folder / entry["file"]
    if not path.is_file() and entry["extra_credit"]:
        report.notes.append(f"{entry['file']} (extra credit) is not in the folder: fine if you did not do it")
        return
    for figure in entry["figures"]:
        why = plot_problem(folder / "figures" / f"{figure}.png")
        if why:
            report.missing_figures.append(f"figures/{figure}.png: {why}")
    if not path.is_file():
        report.missing_notebooks.append(entry["file"])
        return
    try:
        notebook, problems = load(path)
    except (OSError, ValueError, RecursionError) as exc:
        report.missing_notebooks.append(f"{entry['file']} could not be read: {exc}")
        return
    loaded[entry["part"]] = notebook
    report.notes += problems
    for function, item in entry["functions"].items():
        state = stub_or_missing(notebook, function)
        if state == "stub":
            report.stubs.append(item)
        elif state == "missing":
            report.failing.append((item, [f"{function} is not defined in {entry['file']}"]))
        else:
            why = run_public_check(entry["part"], function, notebook.namespace)
            if why:
                report.failing.append((item, why))
    for key, (item, title) in entry["written"].items():
        why = answer_problem(notebook.texts.get(key))
        if why:
            report.empty_answers.append(f"{item} ({title}): {why}")


def print_report(report, folder, out=None):
    """Print the report: one section per kind of problem found, the verdict, then the checklist."""
    out = out or sys.stdout
    sections = [("Notebooks missing", report.missing_notebooks),
                ("Functions still stubs (replace the `raise NotImplementedError(...)` line)", report.stubs),
                ("Public checks failing", ["\n      ".join([name, *lines]) for name, lines in report.failing]),
                ("Written answers empty", report.empty_answers),
                ("Plots missing (run the notebooks: they save them in figures/)", report.missing_figures),
                ("Notes", report.notes)]
    print(f"Checking {folder} before upload (public checks only; hidden checks run at grading)", file=out)
    for title, lines in sections:
        if lines:
            print(f"\n{title}:", file=out)
            for line in lines:
                print(f"  - {line}", file=out)
    if not report.ready:
        print(f"\nWhat to hand in:\n{handin_markdown()}", file=out)
    print(f"\n{report.verdict()}", file=out)
    print("\nTesting checklist (from the lab's hand-out):", file=out)
    for ticked, box, evidence in report.checklist:
        print(f"  [{'x' if ticked else ' '}] {box}: {evidence}", file=out)


def main(argv=None):
    """``python -m allab.check [FOLDER]``: exit 0 when ready to upload, 1 when not, 2 for a bad folder."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: python -m allab.check [FOLDER]   (FOLDER: where your notebooks are; . by default)",
              file=sys.stderr)
        return 2
    folder = Path(argv[0] if argv else ".")
    if not folder.is_dir():
        print(f"no such folder: {folder}", file=sys.stderr)
        return 2
    import matplotlib
    matplotlib.use("Agg")  # the checks draw figures; none is shown
    report = check_folder(folder)
    print_report(report, folder)
    return 0 if report.ready else 1


if __name__ == "__main__":
    sys.exit(main())
