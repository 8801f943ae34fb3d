"""Your own functions from earlier parts, for the later parts: ``from allab.mine import oracle``.

The lab is one story told in several notebooks: Part 2 runs the loop you wrote in Part 1, Part 3
compares the strategies of Parts 1 and 2, and so on. This module finds the notebook in the folder the
notebook runs in that has the function's exercise (its answer cell, whose nbgrader ``grade_id`` is the
function's name), reads it the way the grader does (only its definitions run, not its experiments) and
gives you the function you wrote there. Save the earlier notebook after changing it.

A function that is missing or still the release's stub comes back as a stand-in that raises
:class:`NotFinishedError` when called, naming the exercise (the heading above its answer cell) and the
notebook to finish first.

Where the functions come from can be changed with :func:`use` (the grader does: while your Part 3 is
graded, Part 1's functions are the course's working versions, so one mistake costs only one item).
"""
import json
import os
from pathlib import Path

from .definitions import code_cells, run_definitions, still_stub

__all__ = ["NotFinishedError", "use", "from_notebooks", "exercises"]

# The hand-out's own notebooks sit next to this package: they name the notebook of a function the
# student's folder lacks.
HANDOUT = Path(__file__).resolve().parent.parent


class NotFinishedError(RuntimeError):
    """An earlier exercise this code needs is missing or not written yet."""


def folder():
    """Where your notebooks are: ``$ALLAB_NOTEBOOKS`` if set, else the working folder (Jupyter
    starts a notebook's kernel in the notebook's folder)."""
    return Path(os.environ.get("ALLAB_NOTEBOOKS") or os.getcwd())


def exercises(nb):
    """The graded functions a notebook asks for, each with its exercise.

    Parameters
    ----------
    nb : dict
        The notebook, as JSON (``json.load`` of the ``.ipynb`` file); malformed parts are skipped.

    Returns
    -------
    dict
        ``{function: exercise}`` in notebook order: one entry per answer cell (a code cell whose nbgrader
        metadata has ``solution`` and not ``grade``; its ``grade_id`` is the function's name), with the
        heading above it (e.g. ``"Exercise 1.5: The active learning loop"``).
    """
    found, heading = {}, ""
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if not isinstance(cell, dict):
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) and all(isinstance(s, str) for s in text) else text
        if cell.get("cell_type") == "markdown" and isinstance(text, str):
            for line in text.splitlines():
                if line.startswith(("# ", "## ")):  # a part's or an exercise's heading, not a sub-section's
                    heading = line.lstrip("#").strip()
        meta = cell.get("metadata", {})
        meta = meta.get("nbgrader") if isinstance(meta, dict) else None
        if (cell.get("cell_type") == "code" and isinstance(meta, dict) and meta.get("solution")
                and not meta.get("grade") and isinstance(meta.get("grade_id"), str)):
            found[meta["grade_id"]] = heading
    return found


_CACHE = {}  # notebook path -> (modification time, what was read)


def _cached(path, read):
    stamp = path.stat().st_mtime_ns
    key = (path, read.__name__)
    if key not in _CACHE or _CACHE[key][0] != stamp:
        _CACHE[key] = (stamp, read(path))
    return _CACHE[key][1]


def _read_exercises(path):
    with open(path, encoding="utf-8") as f:
        return exercises(json.load(f))


_LOADING = set()  # the notebooks whose definitions are running (one importing its own function)


def _read_namespace(path):
    with open(path, encoding="utf-8") as f:
        cells = code_cells(json.load(f))
    namespace = {"__name__": f"allab.mine.{path.stem}"}
    _LOADING.add(path)
    try:
        problems = run_definitions(cells, namespace, path.name)
    finally:
        _LOADING.discard(path)
    return namespace, problems, cells


def _unfinished(name, exercise, notebook, why):
    def unfinished(*args, **kwargs):
        raise NotFinishedError(f"{name} ({exercise}) {why}: finish it in {notebook} first, save that "
                               "notebook, then run this notebook's import cell again.")
    unfinished.__name__ = unfinished.__qualname__ = name
    unfinished.__doc__ = f"Not available yet: {name} ({exercise}) {why}."
    return unfinished


def _where(name, notebooks):
    """``(path, exercise)`` of the first of ``notebooks`` with an answer cell for ``name``, and the
    ``{path: error}`` of those that could not be read."""
    unreadable = {}
    for path in notebooks:
        try:
            found = _cached(path, _read_exercises)
        except (OSError, ValueError) as exc:
            unreadable[path] = exc
            continue
        if name in found:
            return (path, found[name]), unreadable
    return None, unreadable


def from_notebooks(name):
    """``name`` as defined in your own notebook (see the module docstring)."""
    released, _ = _where(name, sorted(HANDOUT.glob("*.ipynb")))
    here = folder()
    # The hand-out's name first, then the shortest: part1_basics.ipynb before part1_basics-Copy1.ipynb.
    mine = sorted(here.glob("*.ipynb"), key=lambda p: (released is None or p.name != released[0].name,
                                                       len(p.name), p.name))
    found, unreadable = _where(name, mine)
    if found is None:
        if released is None:
            raise AttributeError(f"allab.mine has no function {name!r}; it gives the graded functions of "
                                 f"earlier parts, and no notebook in {here} or {HANDOUT} has one of that name")
        notebook, exercise = released[0].name, released[1]
        if here / notebook in unreadable:
            return _unfinished(name, exercise, notebook,
                               f"could not be read from {notebook} ({unreadable[here / notebook]})")
        return _unfinished(name, exercise, notebook, f"is needed, but {notebook} is not in {here}")
    path, exercise = found
    if path in _LOADING:
        return _unfinished(name, exercise, path.name, f"is defined in {path.name} itself, which is being read")
    try:
        namespace, problems, cells = _cached(path, _read_namespace)
    except (OSError, ValueError) as exc:
        return _unfinished(name, exercise, path.name, f"could not be read from {path.name} ({exc})")
    function = namespace.get(name)
    if not callable(function):
        why = "is not defined" + (f" ({problems[0]})" if problems else "")
        return _unfinished(name, exercise, path.name, why)
    if still_stub(cells, name):
        return _unfinished(name, exercise, path.name, "is still the stub that raises NotImplementedError")
    return function


_SOURCE = from_notebooks


def use(source):
    """Make ``source(name)`` the provider of the earlier functions (``None``: your notebooks again)."""
    global _SOURCE
    _SOURCE = from_notebooks if source is None else source


def __getattr__(name):
    if name.startswith("_"):  # a module attribute Python or a tool looks for, never a graded function
        raise AttributeError(f"module 'allab.mine' has no attribute {name!r}")
    return _SOURCE(name)


def __dir__():
    names = set(__all__)
    for path in folder().glob("*.ipynb"):  # for tab completion: the graded functions of the folder's notebooks
        try:
            names.update(_cached(path, _read_exercises))
        except (OSError, ValueError):
            pass
    return sorted(names)
