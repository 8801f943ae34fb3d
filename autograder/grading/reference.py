"""The reference functions, loaded from the solution notebooks (the single source of truth).

They exist only in the grading process: workers, where student code runs, get none of them (see
:mod:`autograder.worker.working_versions`). Loading one makes ``allab.mine`` (later parts' imports of earlier
functions) give the reference functions in this process (:func:`provide_mine`): the reference's own cells
import from it.
"""
import functools
import warnings

import allab.mine
from autograder import SOLUTIONS_DIR
from autograder.markscheme import function_part
from autograder.notebook import answer_cells, read_json_notebook, setup_cell, strip_solution_markers


def notebook_namespace(nb, name="<notebook>"):
    """Execute a notebook's setup cell and its answer cells; return the namespace they define.

    Only these cells run: the demos and experiments of the notebook do not, so this is fast.
    """
    namespace = {"__name__": f"reference_{name}"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(setup_cell(nb), f"{name}:setup", "exec"), namespace)
        for grade_id, source in answer_cells(nb).items():
            exec(compile(strip_solution_markers(source), f"{name}:{grade_id}", "exec"), namespace)
    return namespace


@functools.lru_cache(maxsize=None)
def load_reference(part):
    """The namespace of the reference solution of ``part`` (e.g. ``"part1_basics"``); see :func:`provide_mine`."""
    provide_mine()
    return notebook_namespace(read_json_notebook(SOLUTIONS_DIR / f"{part}.ipynb"), part)


def reference_function(name):
    """The reference version of an earlier part's graded function (what ``allab.mine`` gives here)."""
    try:
        part = function_part(name)
    except KeyError:
        raise AttributeError(f"allab.mine has no function {name!r}: it is no part's graded function") from None
    return load_reference(part)[name]


def provide_mine():
    """Make ``allab.mine`` give the reference functions in this process (the grading process's checks and
    the reference's cells import earlier parts' functions from it)."""
    allab.mine.use(reference_function)
