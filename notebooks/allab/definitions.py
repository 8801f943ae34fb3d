"""Running only the *definitions* of a notebook's code cells: imports, functions, classes and
assignments of literal constants.

This is how the grader reads a submission, and how :mod:`allab.mine` reads a student's earlier
notebook: demos and experiments are skipped, so it is fast, and deleted, reordered or duplicated
cells do not matter (the last definition wins, as in a kernel run top to bottom). Definitions still
run code (default arguments, decorators and class bodies are evaluated when the ``def`` runs), so
whoever calls :func:`run_definitions` decides what that code may reach.
"""
import ast
import contextlib
import io
import warnings

__all__ = ["definitions", "run_definitions", "is_stub", "still_stub", "code_cells"]


def definitions(source):
    """The statements of a cell that define things, as a list of ``ast`` statements.

    A cell that is not plain Python is translated from IPython syntax (``%magic``, ``!cmd``) and
    parsed again. Raises ``SyntaxError``.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # perhaps IPython syntax; translating costs more than parsing, so only then
        from IPython.core.inputtransformer2 import TransformerManager
        tree = ast.parse(TransformerManager().transform_cell(source))
    return [stmt for stmt in tree.body if _is_definition(stmt)]


def _is_definition(stmt):
    if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        try:
            ast.literal_eval(stmt.value)
            return True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    return False


def run_definitions(cells, namespace, label):
    """Execute the definitions of ``cells`` (``[(index, source)]``) in ``namespace``.

    Output and warnings are swallowed. Returns the problems, one line each (a cell that does not
    parse, a definition that raised), naming ``label`` and the cell; never raises for student code.
    """
    problems = []
    for index, source in cells:
        try:
            statements = definitions(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            line = getattr(exc, "lineno", None)
            problems.append(f"{label}, cell {index}: {type(exc).__name__}"
                            f"{f' on line {line}' if line else ''}: {getattr(exc, 'msg', exc)} "
                            "(the functions in this cell could not be graded)")
            continue
        for stmt in statements:
            module = ast.Module(body=[stmt], type_ignores=[])
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                        contextlib.redirect_stderr(io.StringIO()):
                    warnings.simplefilter("ignore")
                    exec(compile(module, f"<{label} cell {index}>", "exec"), namespace)
            except BaseException as exc:  # noqa: BLE001 - an import or decorator of the student failed
                problems.append(f"{label}, cell {index}, line {stmt.lineno}: "
                                f"{type(exc).__name__}: {str(exc)[:300]}")
    return problems


def is_stub(source, name):
    """Whether the function ``name`` defined in ``source`` is still the release's stub: its body,
    past the docstring, is only ``raise NotImplementedError(...)``. False if it is not defined there."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            return len(body) == 1 and isinstance(body[0], ast.Raise) and \
                "NotImplementedError" in ast.unparse(body[0])
    return False


def still_stub(cells, name):
    """Whether function ``name`` is still the release's stub in the code ``cells`` (``[(index, source)]``, as
    :func:`code_cells` gives them): its last definition is (the last wins, as in a kernel). The one rule of the
    grader, the pre-upload check and :mod:`allab.mine`."""
    defining = [source for _, source in cells if f"def {name}(" in source]
    return bool(defining) and is_stub(defining[-1], name)


def code_cells(nb):
    """``[(index, source)]`` of the code cells of a notebook read as JSON (nbformat 4)."""
    cells = []
    for index, cell in enumerate(nb.get("cells", [])):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            text = cell.get("source", "")
            cells.append((index, "".join(text) if isinstance(text, list) else text))
    return cells
