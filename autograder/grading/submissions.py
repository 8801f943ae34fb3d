"""Finding the students and their notebooks in the paths a TA passes to ``grade``.

A path is a student's folder of notebooks, a single ``.ipynb`` (the student is its file stem), or a class
in one of the layouts of :mod:`autograder.grading.layouts` (a folder per student, nbgrader, Canvas, Moodle,
Gradescope). Notebooks inside a zip are read from the zip, in memory.
Which part a notebook is does not depend on its file name: it is recognised by its graded cells'
``grade_id`` s, then by the graded functions it defines, then by its file name.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder import PARTS
from autograder.grading.layouts import entries, printable_name
from autograder.grading.layouts import is_debris as _is_debris
from autograder.grading.notebook_file import read_code_cells, zipped_notebooks
from autograder.markscheme import short_name

NO_NOTEBOOK = "no notebook (.ipynb) found in the submission"


@dataclass
class Submission:
    """One student: a part name for each notebook found, and what went wrong reading them."""
    student: str
    folder: Path
    notebooks: dict = field(default_factory=dict)    # part -> Notebook
    problems: list = field(default_factory=list)
    submitted_at: object = None   # datetime (timezone-aware) of the hand-in, when the layout tells it
    time_source: str = ""         # where submitted_at comes from ("Canvas file name", "file times", ...)
    info: dict = field(default_factory=dict)  # what the layout tells of the student: id, name, email, ...
    layout: str = ""
    sources: list = field(default_factory=list)  # the files read: notebooks and zips (for the content hash)

    @property
    def files(self):
        """Every file the submission holds (notebooks, saved figures, ...)."""
        if self.folder.is_file():
            return [self.folder]
        return sorted(p for p in self.folder.rglob("*") if p.is_file() and not p.is_symlink())


def identify_part(nb, signatures):
    """The part whose graded cells ``nb`` has most of (``signatures``: part -> set of names), or None."""
    ids = set(nb.grade_ids)
    defined = set(re.findall(r"^def\s+(\w+)\s*\(", "\n".join(s for _, s in nb.code_cells), re.M))
    best, best_score = None, 0
    for part, names in signatures.items():
        score = 2 * len(ids & names) + len(defined & names)
        if score > best_score:
            best, best_score = part, score
    if best is None:
        best = next((p for p in PARTS if short_name(p) in nb.path.stem.lower()), None)
    return best


def discover(paths, signatures, exclude=None, layout=None, notes=None):
    """The :class:`Submission` s under ``paths``, sorted by student.

    Each path's layout (:mod:`autograder.grading.layouts`) is recognised from its file and folder naming,
    or forced with ``layout``. Student names are printable (:func:`printable_name`) and unique: a second folder of
    the same name (or of a name that prints the same) is graded apart, as ``name~2``, and both are told.
    A folder at ``exclude`` (the grader's output folder, if it lies among the submissions) is skipped, and
    so is a folder given twice. What was skipped, and why, is appended to ``notes``.

    Raises
    ------
    FileNotFoundError
        For a path that does not exist.
    LayoutError
        For a path whose layout is ambiguous (loose notebooks beside student folders, two students'
        notebooks in one folder); the message names the files.
    """
    students, seen = {}, {}
    notes = [] if notes is None else notes
    exclude = None if exclude is None else Path(exclude).resolve()
    found = []
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {printable_name(path)}")
        found += entries(path, layout, notes, exclude)  # every path is checked before anything is read
    for entry in found:
        where = (entry.folder.resolve(), entry.key)
        if entry.folder.resolve() == exclude or where in seen:
            continue
        sub = Submission(_unique(printable_name(entry.student), students), entry.folder, problems=list(entry.problems),
                         submitted_at=entry.submitted_at, time_source=entry.time_source,
                         info={k: printable_name(v) for k, v in entry.info.items()},
                         layout=entry.layout, sources=list(entry.files))
        seen[where] = students[sub.student] = sub
        if sub.student != printable_name(entry.student):
            first = students[printable_name(entry.student)]
            note = (f"two submissions are named {printable_name(entry.student)!r}: "
                    f"{printable_name(first.folder)} is graded as {first.student!r}, "
                    f"{printable_name(entry.folder)} as {sub.student!r}")
            first.problems.append(note)
            sub.problems.append(note)
        for nb in read_files(entry.files, sub.problems):
            _add_notebook(sub, nb, signatures)
    for sub in students.values():
        if not sub.notebooks and not sub.problems:
            sub.problems.append(NO_NOTEBOOK)
    return [students[s] for s in sorted(students)]


def read_files(files, problems):
    """The :class:`Notebook` s of ``files``: notebooks, and the notebooks inside zips (read in memory,
    never unpacked: nothing is written into the submission). What a zip held that was not read is
    appended to ``problems``."""
    notebooks = []
    for file in files:
        if file.suffix.lower() == ".zip":
            for name, data in zipped_notebooks(file, problems):
                notebooks.append(read_code_cells(file / name, data=data))
        else:
            notebooks.append(read_code_cells(file))
    return notebooks


def _unique(name, taken):
    """``name``, or ``name~2``, ``name~3``, ... : the first that is not in ``taken``."""
    unique, n = name, 1
    while unique in taken:
        n += 1
        unique = f"{name}~{n}"
    return unique


def _add_notebook(sub, nb, signatures):
    sub.problems.extend(nb.problems)
    if not nb.code_cells:
        return  # unreadable or empty: its part is graded as not handed in, the problem says why
    part = identify_part(nb, signatures)
    if part is None:
        sub.problems.append(f"{nb.name}: not recognised as a part of the lab (no graded function found)")
        return
    if part in sub.notebooks:
        kept = max(nb, sub.notebooks[part], key=lambda n: n.path.name)
        sub.problems.append(f"{nb.name} and {sub.notebooks[part].name} are both {part}: graded {kept.name}")
        if kept is not nb:
            return
    sub.notebooks[part] = nb


def _is_students(path, base):
    """Whether ``path``, below ``base``, is one of the student's notebooks: a file, not a symlink, and
    nowhere on its way from ``base`` a name :func:`_is_debris` skips."""
    return (path.suffix.lower() in (".ipynb", ".zip") and path.is_file() and not path.is_symlink()
            and not any(_is_debris(part) for part in path.relative_to(base).parts))


def gather(student, folder, signatures):
    """One :class:`Submission` of ``student`` from every notebook anywhere under ``folder``.

    For a folder that holds exactly one student's work whatever its layout (Gradescope's
    ``submission/``): sub-folders are that student's too, not other students. Jupyter checkpoints,
    hidden folders and macOS archive debris (``__MACOSX/``, ``._*``) are skipped.
    """
    folder = Path(folder)
    sub = Submission(student, folder)
    files = sorted(p for suffix in ("*.ipynb", "*.zip") for p in folder.rglob(suffix) if _is_students(p, folder))
    for nb in read_files(files, sub.problems):
        _add_notebook(sub, nb, signatures)
    if not sub.notebooks and not sub.problems:
        sub.problems.append(NO_NOTEBOOK)
    return sub
