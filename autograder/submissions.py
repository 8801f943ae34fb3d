"""Finding the students and their notebooks in the paths a TA passes to ``grade``.

A path is a student's folder of notebooks, a single ``.ipynb`` (the student is its file stem), or a
folder of student folders; nbgrader's ``submitted/<student>/<assignment>/`` layout is recognised.
Which part a notebook is does not depend on its file name: it is recognised by its graded cells'
``grade_id`` s, then by the graded functions it defines, then by its file name.
"""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import PARTS
from .notebook import source

MAX_NOTEBOOK_BYTES = 60 * 1024 * 1024
NO_NOTEBOOK = "no notebook (.ipynb) found in the submission"


@dataclass
class Notebook:
    """One notebook file of a submission: its code cells, or why they could not be read."""
    path: Path
    code_cells: list = field(default_factory=list)   # [(cell_index, source)]
    grade_ids: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    texts: dict = field(default_factory=dict)        # grade_id -> text of the written-answer cell(s)


@dataclass
class Submission:
    """One student: a part name for each notebook found, and what went wrong reading them."""
    student: str
    folder: Path
    notebooks: dict = field(default_factory=dict)    # part -> Notebook
    problems: list = field(default_factory=list)

    @property
    def files(self):
        """Every file the submission holds (notebooks, saved figures, ...)."""
        if self.folder.is_file():
            return [self.folder]
        return sorted(p for p in self.folder.rglob("*") if p.is_file() and not p.is_symlink())


def read_code_cells(path):
    """Read ``path`` as a notebook; return a :class:`Notebook` (never raises for bad content)."""
    nb = Notebook(Path(path))
    try:
        size = nb.path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            nb.problems.append(f"{nb.path.name} is {size / 2**20:.0f} MB, more than the "
                               f"{MAX_NOTEBOOK_BYTES // 2**20} MB a notebook may have: not read")
            return nb
        data = json.loads(nb.path.read_bytes().decode("utf-8", errors="replace"))
    except (OSError, ValueError) as exc:
        nb.problems.append(f"{nb.path.name} is not a readable notebook (invalid JSON: {exc}); "
                           "re-download it from Jupyter with File > Download")
        return nb
    cells = data.get("cells") if isinstance(data, dict) else None
    if cells is None and isinstance(data, dict) and isinstance(data.get("worksheets"), list):
        # nbformat 3 and older kept cells in worksheets, with code in "input"
        cells = [c for ws in data["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
        nb.problems.append(f"{nb.path.name} uses an old notebook format (nbformat "
                           f"{data.get('nbformat')}); it was read, but save it with a current Jupyter")
    if not isinstance(cells, list):
        nb.problems.append(f"{nb.path.name} has no cells")
        return nb
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") != "code":
            _add_text(nb, cell)
            continue
        text = source(cell)
        if not isinstance(text, str):
            continue
        nb.code_cells.append((index, text))
        grade_id = _grade_id(cell)
        if isinstance(grade_id, str):
            nb.grade_ids.append(grade_id)
    if not nb.code_cells:
        nb.problems.append(f"{nb.path.name} has no code cells")
    return nb


def _grade_id(cell):
    """The cell's nbgrader grade_id, or None (also for malformed metadata)."""
    meta = cell.get("metadata", {})
    return meta.get("nbgrader", {}).get("grade_id") if isinstance(meta, dict) and \
        isinstance(meta.get("nbgrader"), dict) else None


def _add_text(nb, cell):
    """Keep the text of a non-code cell with an nbgrader grade_id (a written answer); a copied cell adds to it."""
    grade_id = _grade_id(cell)
    if not isinstance(grade_id, str):
        return
    try:
        text = source(cell)
    except TypeError:  # a source list holding something else than strings: no readable answer
        return
    if isinstance(text, str):
        nb.texts[grade_id] = f"{nb.texts[grade_id]}\n\n{text}" if grade_id in nb.texts else text


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
        best = next((p for p in PARTS if p.split("_")[0] in nb.path.stem.lower()), None)
    return best


def discover(paths, signatures, exclude=None):
    """The :class:`Submission` s under ``paths`` (see the module docstring), sorted by student.

    A folder at ``exclude`` (the grader's output folder, if it lies among the submissions) is skipped.
    Raises ``FileNotFoundError`` for a path that does not exist.
    """
    students = {}
    exclude = None if exclude is None else Path(exclude).resolve()
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        for student, folder, files in _student_folders(path):
            if exclude is not None and folder.resolve() == exclude:
                continue
            sub = students.setdefault(student, Submission(student, folder))
            for file in files:
                _add_notebook(sub, read_code_cells(file), signatures)
    for sub in students.values():
        if not sub.notebooks and not sub.problems:
            sub.problems.append(NO_NOTEBOOK)
    return [students[s] for s in sorted(students)]


def _add_notebook(sub, nb, signatures):
    sub.problems.extend(nb.problems)
    if not nb.code_cells:
        return  # unreadable or empty: its part is graded as not handed in, the problem says why
    part = identify_part(nb, signatures)
    if part is None:
        if nb.code_cells:
            sub.problems.append(f"{nb.path.name}: not recognised as a part of the lab (no graded function found)")
        return
    if part in sub.notebooks:
        sub.problems.append(f"{nb.path.name} and {sub.notebooks[part].path.name} are both {part}: "
                            f"graded {nb.path.name if nb.path.name > sub.notebooks[part].path.name else sub.notebooks[part].path.name}")
        if nb.path.name < sub.notebooks[part].path.name:
            return
    sub.notebooks[part] = nb


def _is_students(path, base):
    """Whether ``path``, below ``base``, is one of the student's notebooks: a file, not a symlink, and
    nowhere on its way from ``base`` a name :func:`_is_debris` skips."""
    return (path.suffix == ".ipynb" and path.is_file() and not path.is_symlink()
            and not any(_is_debris(part) for part in path.relative_to(base).parts))


def _is_debris(name):
    """A Jupyter checkpoint, a hidden file or folder, or macOS archive debris (``__MACOSX/``, ``._*``)."""
    return name.startswith(".") or name == "__MACOSX"


def _notebooks_in(folder, depth=2):
    found = sorted(p for p in folder.glob("*.ipynb") if _is_students(p, folder))
    if not found and depth > 0:
        for sub in sorted(p for p in folder.iterdir() if _is_students_folder(p)):
            found += _notebooks_in(sub, depth - 1)
    return found


def _is_students_folder(path):
    return path.is_dir() and not path.is_symlink() and not _is_debris(path.name)


def _student_folders(path):
    """Yield ``(student, folder, notebook files)`` for every student under ``path``."""
    if path.is_file():
        yield path.stem, path, [path]
        return
    if (path / "submitted").is_dir():           # an nbgrader course root
        path = path / "submitted"
    direct = sorted(p for p in path.glob("*.ipynb") if _is_students(p, path))
    if direct:                                   # a student's own folder
        yield path.name, path, direct
        return
    for folder in sorted(p for p in path.iterdir() if _is_students_folder(p)):
        yield folder.name, folder, _notebooks_in(folder)


def gather(student, folder, signatures):
    """One :class:`Submission` of ``student`` from every notebook anywhere under ``folder``.

    For a folder that holds exactly one student's work whatever its layout (Gradescope's
    ``submission/``): sub-folders are that student's too, not other students. Jupyter checkpoints,
    hidden folders and macOS archive debris (``__MACOSX/``, ``._*``) are skipped.
    """
    folder = Path(folder)
    sub = Submission(student, folder)
    for file in sorted(p for p in folder.rglob("*.ipynb") if _is_students(p, folder)):
        _add_notebook(sub, read_code_cells(file), signatures)
    if not sub.notebooks and not sub.problems:
        sub.problems.append(NO_NOTEBOOK)
    return sub
