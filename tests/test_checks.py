"""The public checks (the notebooks' check cells) pass on the reference and fail on the stubs; each part's
checks stand in its own folder and import no other part's."""
import ast
import importlib
import inspect

import pytest

from allab.checks import PublicCheck
from allab.harness import LocalCaller
from autograder import NOTEBOOKS_DIR, PARTS
from autograder.grading.reference import notebook_namespace
from autograder.grading.runner import CHECKS_DIR, check_parts
from autograder.notebook import answer_cells, read_notebook


def graded_functions(part):
    return list(answer_cells(read_notebook(NOTEBOOKS_DIR / f"{part}.ipynb")))


def public_check(part, name):
    module = importlib.import_module(f"allab.checks.{part}")
    check = getattr(module, name, None)
    assert isinstance(check, PublicCheck), f"allab.checks.{part} has no public check of {name}"
    return check


CASES = [(part, name) for part in check_parts() for name in graded_functions(part)]


@pytest.fixture(scope="module")
def stubs():
    cache = {}

    def load(part):
        if part not in cache:
            cache[part] = notebook_namespace(read_notebook(NOTEBOOKS_DIR / f"{part}.ipynb"), part)
        return cache[part]
    return load


@pytest.mark.parametrize("part,name", CASES)
def test_public_check_passes_on_the_reference(part, name, ref):
    public_check(part, name).run(LocalCaller(ref(part)))


@pytest.mark.parametrize("part,name", CASES)
def test_public_check_fails_on_the_stub_with_a_helpful_message(part, name, stubs):
    with pytest.raises(AssertionError, match="NotImplementedError: Not written yet"):
        public_check(part, name).run(LocalCaller(stubs(part)))


@pytest.mark.parametrize("part,name", CASES)
def test_stub_raises_not_implemented_with_instructions(part, name, stubs):
    function = stubs(part)[name]
    required = [p for p in inspect.signature(function).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    with pytest.raises(NotImplementedError, match="replace this line with your code"):
        function(*[None] * len(required))
    assert function.__doc__ and "Returns" in function.__doc__, f"{name}'s stub must keep its docstring"


def test_part0_has_no_graded_function():
    assert graded_functions("part0_overview") == []
    assert set(check_parts()) | {"part0_overview"} == set(PARTS)


def imported_modules(path):
    """``[(module, level)]`` of every import in the file at ``path`` (level > 0: a relative import)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
        elif isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
    return found


@pytest.mark.parametrize("part", check_parts())
def test_a_parts_checks_import_no_other_part_and_public_ones_nothing_private(part):
    """The public checks are copied into allab.checks as they are: absolute imports of allab only. No
    check imports another part's checks, or a private name of a shared module."""
    others = [p for p in check_parts() if p != part]
    for kind in ("public", "hidden"):
        path = CHECKS_DIR / part / f"{kind}.py"
        for module, level in imported_modules(path):
            assert level == 0, f"{path.name} of {part}: a relative import"
            assert not any(other in module for other in others), f"{kind}.py of {part} imports {module}"
            if kind == "public":
                assert module.split(".")[0] in ("allab", "numpy", "functools", "sklearn"), module
        tree = ast.parse(path.read_text())
        private = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   for alias in node.names if alias.name.startswith("_")]
        assert not private, f"{kind}.py of {part} imports private names {private}"
