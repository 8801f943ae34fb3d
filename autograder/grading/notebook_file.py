"""Reading one submitted notebook file (or the notebooks in a zip), bounded: what the grader keeps of it (code
cells, grade ids, written answers) or why it could not be read.

A submitted file may be anything: what could cost the grading process memory or time (its size, the JSON's
nesting and number of containers, the number of cells, the amount of code) is bounded before or while it is
parsed, and each problem is said in words a student can act on. Finding the students and which part each
notebook is: :mod:`autograder.grading.submissions`.
"""
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.layouts import is_debris, printable_name
from autograder.notebook import source

MAX_NOTEBOOK_BYTES = 60 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000        # entries of a zip looked at
MAX_ZIP_NOTEBOOKS = 20        # notebooks read from one zip
MAX_ZIP_BYTES = 200 * 2**20   # notebook bytes read from one zip
MAX_JSON_DEPTH = 64          # a notebook written by Jupyter nests about 8 levels deep
MAX_JSON_CONTAINERS = 200_000  # objects and arrays: what costs memory in the parsed notebook
MAX_JSON_BRACKETS = 4_000_000   # in strings too (a notebook with more is no notebook Jupyter wrote)
MAX_JSON_ESCAPED_QUOTES = 200_000
MAX_CELLS = 10_000
MAX_CODE_BYTES = 4 * 1024 * 1024  # all code cells of a notebook together
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


def zipped_notebooks(path, problems):
    """Yield ``(member name, bytes)`` of each notebook in the zip at ``path``, read in memory (bounded in
    count and size; no member is ever written out, so none can escape). What was not read is appended to
    ``problems``, and so is what was."""
    name = printable_name(path.name)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        problems.append(f"{name} is not a readable zip ({exc}): its notebooks were not graded; hand in the "
                        ".ipynb files")
        return
    read, total, skipped = [], 0, []
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            skipped.append(f"entries after the first {MAX_ZIP_MEMBERS}")
        for member in members[:MAX_ZIP_MEMBERS]:
            parts = Path(member.filename).parts
            if member.filename.startswith(("/", "\\")) or ".." in parts:
                skipped.append(f"{printable_name(member.filename)} (a path outside the zip)")
            elif member.filename.lower().endswith(".zip"):
                skipped.append(f"{printable_name(member.filename)} (a zip inside the zip)")
            elif member.is_dir() or not member.filename.lower().endswith(".ipynb") or any(map(is_debris, parts)):
                continue
            elif len(read) >= MAX_ZIP_NOTEBOOKS or member.file_size > MAX_NOTEBOOK_BYTES or \
                    total + member.file_size > MAX_ZIP_BYTES:
                skipped.append(f"{printable_name(member.filename)} (over the zip's limits)")
            else:
                try:
                    with archive.open(member) as f:
                        data = f.read(MAX_NOTEBOOK_BYTES + 1)
                except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
                    skipped.append(f"{printable_name(member.filename)} ({exc})")
                    continue
                total += len(data)
                read.append(printable_name(member.filename))
                yield member.filename, data
    if read:
        problems.append(f"{name} was opened: {', '.join(read)} read from it")
    if skipped:
        problems.append(f"{name}: not read: {'; '.join(skipped)}")
    if not read and not skipped:
        problems.append(f"{name} holds no notebook (.ipynb)")
