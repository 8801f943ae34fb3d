"""Finding the students and their notebooks in the paths a TA passes to ``grade``.

A path is a student's folder of notebooks, a single ``.ipynb`` (the student is its file stem), or a class
in one of the layouts of :mod:`autograder.grading.layouts` (a folder per student, nbgrader, Canvas, Moodle,
Gradescope). Notebooks inside a zip are read from the zip, in memory.
Which part a notebook is does not depend on its file name: it is recognised by its graded cells'
``grade_id`` s, then by the graded functions it defines, then by its file name.
"""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder import PARTS
from autograder.grading.layouts import MAX_NOTEBOOK_BYTES, entries, printable_name, zipped_notebooks
from autograder.grading.layouts import is_debris as _is_debris
from autograder.markscheme import short_name
from autograder.notebook import source

MAX_JSON_DEPTH = 64          # a notebook written by Jupyter nests about 8 levels deep
MAX_JSON_CONTAINERS = 200_000  # objects and arrays: what costs memory in the parsed notebook
MAX_JSON_BRACKETS = 4_000_000   # in strings too (a notebook with more is no notebook Jupyter wrote)
MAX_JSON_ESCAPED_QUOTES = 200_000
MAX_CELLS = 10_000
MAX_CODE_BYTES = 4 * 1024 * 1024  # all code cells of a notebook together
NO_NOTEBOOK = "no notebook (.ipynb) found in the submission"
REDOWNLOAD = "re-download it from Jupyter with File > Download"


@dataclass
class Notebook:
    """One notebook file of a submission: its code cells, or why they could not be read."""
    path: Path
    code_cells: list = field(default_factory=list)   # [(cell_index, source)]
    grade_ids: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    texts: dict = field(default_factory=dict)        # grade_id -> text of the written-answer cell(s)
    text_cells: list = field(default_factory=list)   # [(grade_id or None, text)]: every markdown and raw cell

    @property
    def name(self):
        """The file name, printable (see :func:`printable_name`)."""
        return printable_name(self.path.name)


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


def read_code_cells(path, data=None):
    """Read ``path`` (or ``data``, its bytes, when given) as a notebook; return a :class:`Notebook`
    (never raises for bad content).

    What could cost the grading process memory or time is bounded before parsing: the file's size,
    then the JSON's nesting depth and number of objects and arrays. Then the parts of the notebook the
    grader uses are checked: a cell that is not a cell, or whose code is not text, is skipped and said.
    """
    nb = Notebook(Path(path))
    try:
        if data is None:
            with open(nb.path, "rb") as f:
                data = f.read(MAX_NOTEBOOK_BYTES + 1)  # read no more than the limit, whatever stat said
    except OSError as exc:
        nb.problems.append(f"{nb.name} could not be read ({exc.strerror or exc})")
        return nb
    if len(data) > MAX_NOTEBOOK_BYTES:
        nb.problems.append(f"{nb.name} is more than the {MAX_NOTEBOOK_BYTES // 2**20} MB a notebook may have: "
                           "not read (clear its outputs: Edit > Clear Outputs of All Cells, then save)")
        return nb
    too_big = _json_too_big(data)
    if too_big:
        nb.problems.append(f"{nb.name} is not a notebook Jupyter wrote ({too_big}): not read; {REDOWNLOAD}")
        return nb
    try:
        notebook = json.loads(data.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as exc:
        nb.problems.append(f"{nb.name} is not a readable notebook (invalid JSON: {exc}); {REDOWNLOAD}")
        return nb
    del data
    cells = _cells(nb, notebook)
    if cells is None:
        return nb
    _read_cells(nb, cells)
    if not nb.code_cells:
        nb.problems.append(f"{nb.name} has no code cells")
    return nb


def _json_too_big(data):
    """What makes ``data`` (JSON text) too deep or too big to parse safely, or "" if nothing does.

    Brackets inside strings do not count. Done with numpy on the bytes, without building Python objects:
    the unescaped quotes delimit the strings, and a bracket is outside them when an even number of
    unescaped quotes precedes it."""
    import numpy as np
    brackets = data.count(b"{") + data.count(b"[")
    if brackets <= MAX_JSON_DEPTH:
        return ""
    if brackets > MAX_JSON_BRACKETS:
        return f"{brackets} brackets, more than {MAX_JSON_BRACKETS}"
    text = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(text == ord('"'))
    maybe_escaped = quotes[(quotes > 0) & (text[quotes - 1] == ord("\\"))]
    if len(maybe_escaped) > MAX_JSON_ESCAPED_QUOTES:
        return f"{len(maybe_escaped)} escaped quotes, more than {MAX_JSON_ESCAPED_QUOTES}"
    escaped = [q for q in maybe_escaped.tolist() if _backslashes_before(data, q) % 2]
    quotes = np.setdiff1d(quotes, np.array(escaped, dtype=quotes.dtype), assume_unique=True)
    is_bracket = np.zeros(256, dtype=bool)
    is_bracket[list(b"{[]}")] = True
    where = np.flatnonzero(is_bracket[text])  # a lookup: np.isin would copy the text as int64
    where = where[np.searchsorted(quotes, where) % 2 == 0]  # outside strings
    opening = (text[where] == ord("{")) | (text[where] == ord("["))
    if int(opening.sum()) > MAX_JSON_CONTAINERS:
        return f"{int(opening.sum())} JSON objects and arrays, more than {MAX_JSON_CONTAINERS}"
    depth = int(np.cumsum(np.where(opening, 1, -1), dtype=np.int32).max(initial=0))
    if depth > MAX_JSON_DEPTH:
        return f"JSON nested {depth} levels deep, more than {MAX_JSON_DEPTH}"
    return ""


def _backslashes_before(data, position):
    count = 0
    while position - count - 1 >= 0 and data[position - count - 1] == ord("\\"):
        count += 1
    return count


def _cells(nb, notebook):
    """The list of cells of the parsed ``notebook`` (nbformat 4, or 3's worksheets), or None (said why)."""
    if not isinstance(notebook, dict):
        nb.problems.append(f"{nb.name} is JSON but not a notebook (it holds a {type(notebook).__name__}, "
                           f"not an object with cells); {REDOWNLOAD}")
        return None
    cells = notebook.get("cells")
    if cells is None and "worksheets" in notebook:
        # nbformat 3 and older kept cells in worksheets, with code in "input"
        worksheets = notebook["worksheets"]
        if not isinstance(worksheets, list) or not all(
                isinstance(ws, dict) and isinstance(ws.get("cells", []), list) for ws in worksheets):
            nb.problems.append(f"{nb.name} is not a valid notebook (nbformat 3 worksheets that are not lists "
                               f"of cells); {REDOWNLOAD}")
            return None
        cells = [c for ws in worksheets for c in ws.get("cells", [])]
        nb.problems.append(f"{nb.name} uses an old notebook format (nbformat "
                           f"{printable_name(notebook.get('nbformat'))}); it was read, but save it with a current "
                           "Jupyter")
    if not isinstance(cells, list):
        why = "" if cells is None else f" (its 'cells' is not a list); {REDOWNLOAD}"
        nb.problems.append(f"{nb.name} has no cells{why}")
        return None
    if len(cells) > MAX_CELLS:
        nb.problems.append(f"{nb.name} has {len(cells)} cells, more than {MAX_CELLS}: not read")
        return None
    return cells


def _read_cells(nb, cells):
    """Collect the code cells and grade ids of ``cells`` into ``nb``; say which cells were skipped."""
    skipped, code_bytes = [], 0
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            skipped.append(f"cell {index} is not a notebook cell")
            continue
        if cell["cell_type"] != "code":
            _add_text(nb, cell)
            continue
        text = source(cell)
        if text is None:
            skipped.append(f"cell {index}'s source is not text")
            continue
        code_bytes += len(text)
        if code_bytes > MAX_CODE_BYTES:
            skipped.append(f"cell {index} and later: more than {MAX_CODE_BYTES // 2**20} MB of code")
            break
        nb.code_cells.append((index, text))
        grade_id = _grade_id(cell)
        if isinstance(grade_id, str):
            nb.grade_ids.append(grade_id)
    if skipped:
        more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
        nb.problems.append(f"{nb.name}: {'; '.join(skipped[:3])}{more}: skipped; {REDOWNLOAD}")


def _grade_id(cell):
    """The cell's nbgrader grade_id, or None (also for malformed metadata)."""
    meta = cell.get("metadata", {})
    return meta.get("nbgrader", {}).get("grade_id") if isinstance(meta, dict) and \
        isinstance(meta.get("nbgrader"), dict) else None


def _add_text(nb, cell):
    """Keep the text of a non-code cell (an answer may be written in a new cell); one with an nbgrader
    grade_id is also kept under it (a written answer; a copied cell adds to it)."""
    try:
        text = source(cell)
    except TypeError:  # a source list holding something else than strings: no readable answer
        return
    if not isinstance(text, str):
        return
    grade_id = _grade_id(cell)
    grade_id = grade_id if isinstance(grade_id, str) else None
    nb.text_cells.append((grade_id, text))
    if grade_id is not None:
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
            note = (f"two submissions are named {printable_name(entry.student)!r}: {printable_name(first.folder)} "
                    f"is graded as {first.student!r}, {printable_name(entry.folder)} as {sub.student!r}")
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
