"""The mark scheme: the parts and their graded items, and the catalogue of common mistakes (``mistakes.toml``).

A part is declared in two places only: its table in ``markscheme.toml`` (title, extra credit, deliverable
plots, the earlier functions it uses, the titles of its items) and its solution notebook, whose nbgrader
metadata says which items exist and what they are worth. :func:`load_parts` reads both and refuses to go
on, saying which file lacks what, when they disagree.
"""
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from autograder import MARKSCHEME, SOLUTIONS_DIR
from autograder.notebook import answer_cells, nbgrader_meta, read_json_notebook

HERE = Path(__file__).resolve().parent
PART_KEYS = {"title", "extra_credit", "deliverables", "uses", "items", "written"}


class MarkSchemeError(ValueError):
    """``markscheme.toml`` and a solution notebook disagree, or one of them is malformed."""


def short_name(part):
    """The part's short name, e.g. ``part1`` for ``part1_basics``: the prefix of its gradebook columns."""
    return part.split("_")[0]


@dataclass(frozen=True)
class Item:
    """One graded item: a graded function of a part, worth ``points``."""
    part: str
    function: str
    points: float
    title: str

    written = False  # a TA's judgement (WrittenItem), not the checks'

    @property
    def name(self):
        """The item's stable name, e.g. ``part1.uncertainty_sampling`` (a gradebook column)."""
        return f"{short_name(self.part)}.{self.function}"

    @property
    def extra(self):
        """Whether the item is extra credit: outside ``max_score``, its points can take a score above it."""
        return self.part in extra_credit_parts()


@dataclass(frozen=True)
class WrittenItem(Item):
    """A written answer (a markdown answer cell whose grade_id is ``function``), scored by a TA."""
    written = True


@dataclass(frozen=True)
class Part:
    """One part of the lab, as its ``[parts.<name>]`` table and its solution notebook declare it.

    Attributes
    ----------
    name : str
        The part, e.g. ``"part1_basics"`` (its notebook is ``<name>.ipynb``).
    title : str
        The part's title.
    extra_credit : bool
        Whether its items count outside ``max_score``.
    deliverables : tuple of str
        The plots it hands in (``figures/<name>.png``).
    uses : tuple of str
        The earlier parts' graded functions its notebook imports through ``allab.mine``.
    items, written : tuple of Item, tuple of WrittenItem
        Its graded functions and its written answers, in notebook order.
    """
    name: str
    title: str
    extra_credit: bool
    deliverables: tuple
    uses: tuple
    items: tuple
    written: tuple


def graded_cells(nb, where="<notebook>"):
    """The graded cells of a solution notebook.

    Parameters
    ----------
    nb : dict
        The notebook (JSON or nbformat).
    where : str or path-like
        The notebook's file, for error messages.

    Returns
    -------
    functions, written : dict, dict
        ``{grade_id: points}`` of its graded functions and of its written answers, in notebook order.

    Notes
    -----
    A graded function is an answer cell (a code cell with ``solution`` and not ``grade``; its grade_id is the
    function's name) and its check cell (a code cell with ``grade``, grade_id ``check_<name>``, ``points``); a
    written answer is a markdown cell with ``solution``, ``grade`` and ``points``. Raises
    :class:`MarkSchemeError` (naming ``where``) for an answer cell without its check cell, or the reverse.
    """
    answers, checks, written = list(answer_cells(nb)), {}, {}
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if cell["cell_type"] == "code" and meta.get("grade"):
            checks[grade_id] = _points(meta, where, grade_id)
        elif cell["cell_type"] == "markdown" and meta.get("grade") and meta.get("solution"):
            written[grade_id] = _points(meta, where, grade_id)
    unchecked = [name for name in answers if f"check_{name}" not in checks]
    if unchecked:
        raise MarkSchemeError(f"{where}: the answer cell of {', '.join(unchecked)} has no graded check cell; "
                              f"expected a code cell with grade_id check_<name>, grade = true and its points")
    unanswered = [gid for gid in checks if gid.removeprefix("check_") not in answers]
    if unanswered:
        raise MarkSchemeError(f"{where}: the graded cell {', '.join(unanswered)} checks no answer cell; expected "
                              f"grade_id check_<name> after the answer cell whose grade_id is <name>")
    return {name: checks[f"check_{name}"] for name in answers}, written


def _points(meta, where, grade_id):
    points = meta.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise MarkSchemeError(f"{where}: the graded cell {grade_id} has points = {points!r}; expected a positive "
                              "number in its nbgrader metadata")
    return float(points)


def _titles(path, part, spec, key, cells, notebook, kind):
    """The titles of ``cells`` from the part's ``key`` table, each cell titled and each title a cell."""
    titles = spec.get(key, {})
    if not isinstance(titles, dict) or not all(isinstance(t, str) and t for t in titles.values()):
        raise MarkSchemeError(f"{path}: [parts.{part}.{key}] must map each {kind} to its title (a string)")
    untitled = [name for name in cells if name not in titles]
    if untitled:
        raise MarkSchemeError(f"{path}: [parts.{part}.{key}] has no title for {', '.join(untitled)}, graded in "
                              f"{notebook}; add `{untitled[0]} = \"<title>\"`")
    uncelled = [name for name in titles if name not in cells]
    if uncelled:
        raise MarkSchemeError(f"{path}: [parts.{part}.{key}] titles {', '.join(uncelled)}, but {notebook} has no "
                              f"graded cell of that name (its {kind}s: {', '.join(cells) or 'none'}); remove the "
                              "title or add the cell")
    return titles


@lru_cache(maxsize=None)
def load_parts(path=MARKSCHEME, solutions=SOLUTIONS_DIR):
    """Every part, in lab order: its ``[parts.<part>]`` table in ``path`` with the graded cells of its
    solution notebook in ``solutions``.

    Parameters
    ----------
    path : path-like
        The mark scheme (``autograder/markscheme.toml``).
    solutions : path-like
        The folder of the solution notebooks (``solutions/``).

    Returns
    -------
    tuple of Part

    Raises
    ------
    MarkSchemeError
        When the file and a notebook disagree (an item in one and not the other), a title is missing, a
        part uses a function that is not an earlier part's, or a table has a key it should not.
    """
    path, solutions = Path(path), Path(solutions)
    declared = tomllib.loads(path.read_text()).get("parts")
    if not isinstance(declared, dict) or not declared:
        raise MarkSchemeError(f"{path}: no [parts.<part>] tables; expected one per part, in lab order")
    parts, earlier = [], {}
    for name, spec in declared.items():
        unknown = set(spec) - PART_KEYS
        if unknown:
            raise MarkSchemeError(f"{path}: [parts.{name}] has {', '.join(sorted(unknown))}; expected only "
                                  f"{', '.join(sorted(PART_KEYS))}")
        if not isinstance(spec.get("title"), str) or not spec["title"]:
            raise MarkSchemeError(f"{path}: [parts.{name}] has no title; add `title = \"<the part's title>\"`")
        notebook = solutions / f"{name}.ipynb"
        if not notebook.is_file():
            raise MarkSchemeError(f"{path}: [parts.{name}] has no solution notebook: {notebook} does not exist")
        functions, answers = graded_cells(read_json_notebook(notebook), notebook)
        titles = _titles(path, name, spec, "items", functions, notebook, "graded function")
        written_titles = _titles(path, name, spec, "written", answers, notebook, "written answer")
        uses = tuple(spec.get("uses", ()))
        foreign = [f for f in uses if f not in earlier]
        if foreign:
            raise MarkSchemeError(f"{path}: [parts.{name}] uses {', '.join(foreign)}, not a graded function of an "
                                  f"earlier part (those are: {', '.join(earlier) or 'none'})")
        parts.append(Part(name, spec["title"], bool(spec.get("extra_credit", False)),
                          tuple(spec.get("deliverables", ())), uses,
                          tuple(Item(name, f, p, titles[f]) for f, p in functions.items()),
                          tuple(WrittenItem(name, w, p, written_titles[w]) for w, p in answers.items())))
        earlier.update(dict.fromkeys(functions, name))
    return tuple(parts)


def load_items(path=MARKSCHEME):
    """Every graded function, in lab order (part by part, notebook order within a part)."""
    return tuple(it for part in load_parts(path) for it in part.items)


def written_items(path=MARKSCHEME):
    """Every written answer, in lab order."""
    return tuple(it for part in load_parts(path) for it in part.written)


def extra_credit_parts(path=MARKSCHEME):
    """The parts whose items are extra credit."""
    return frozenset(part.name for part in load_parts(path) if part.extra_credit)


def gradebook_items():
    """Every item of the gradebook, autograded and written, in part order (autograded first in a part)."""
    return tuple(it for part in load_parts() for it in (*part.items, *part.written))


def max_score(items):
    """The points ``items`` count towards the maximum score: all but the extra-credit ones."""
    return sum(it.points for it in items if not it.extra)


def deliverable_figures(path=MARKSCHEME):
    """The names of the plots a complete submission hands in (``figures/<name>.png``), in part order."""
    return tuple(figure for part in load_parts(path) for figure in part.deliverables)


def figure_parts(path=MARKSCHEME):
    """``{plot name: the part that hands it in}``."""
    return {figure: part.name for part in load_parts(path) for figure in part.deliverables}


@lru_cache(maxsize=None)
def load_mistakes(path=HERE / "mistakes.toml"):
    """``{key: message}``: what feedback says for each catalogued mistake."""
    return dict(tomllib.loads(Path(path).read_text())["mistakes"])


def part_functions():
    """``{part: set of graded function names}`` of the parts that have some: how a notebook is recognised."""
    return {part.name: {it.function for it in part.items} for part in load_parts() if part.items}


@lru_cache(maxsize=None)
def uses(part):
    """``{function: the part that defines it}`` of the earlier functions ``part`` uses (``allab.mine``)."""
    parts = load_parts()
    defined = {it.function: p.name for p in parts for it in p.items}
    return {name: defined[name] for p in parts if p.name == part for name in p.uses}


def function_part(function):
    """The part whose graded function ``function`` is (``KeyError`` if there is none)."""
    for it in load_items():
        if it.function == function:
            return it.part
    raise KeyError(f"{function} is not a graded function of any part")
