"""Reading notebooks and finding their graded cells.

The helpers take a notebook as nbformat gives it or as plain JSON (``json.load`` of the file): the
grader reads the solutions as JSON, because importing nbformat costs more than a second per process.
"""
import json

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"


def read_notebook(path):
    """Read an ``.ipynb`` file as nbformat version 4 (validated, for tools that write notebooks)."""
    import nbformat  # imported here: its jsonschema format checkers take 1.5 s to import
    return nbformat.read(str(path), as_version=4)


def read_json_notebook(path):
    """Read an ``.ipynb`` file (nbformat 4) as plain JSON: fast, not validated."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def source(cell):
    """A cell's source as one string (on disk it may be a list of lines; nbformat 3 calls it ``input``),
    or None when it is neither a string nor a list of strings (a hand-made or damaged file)."""
    text = cell.get("source", cell.get("input", ""))
    if isinstance(text, list) and all(isinstance(line, str) for line in text):
        return "".join(text)
    return text if isinstance(text, str) else None


def nbgrader_meta(cell):
    """The cell's nbgrader metadata (an empty dict when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_answer_cell(cell, grade_id):
    """Whether ``cell`` is the code cell students write ``grade_id`` in."""
    return cell["cell_type"] == "code" and nbgrader_meta(cell).get("grade_id") == grade_id


def answer_cell(nb, grade_id):
    """The answer cell ``grade_id`` of ``nb`` (``StopIteration`` if there is none)."""
    return next(cell for cell in nb["cells"] if is_answer_cell(cell, grade_id))


def answer_cells(nb):
    """The code cells a student writes in, as ``{grade_id: source}`` in notebook order."""
    cells = {}
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            cells[meta["grade_id"]] = source(cell)
    return cells


def strip_solution_markers(source):
    """The source with the ``### BEGIN/END SOLUTION`` lines removed and the code between kept."""
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))


def setup_cell(nb):
    """The source of the notebook's first code cell: the imports every later cell relies on."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            return source(cell)
    return ""
