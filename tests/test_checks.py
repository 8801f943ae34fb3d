"""The public checks (the notebooks' check cells) pass on the reference and fail on the stubs."""
import importlib
import inspect

import pytest

from allab.checks import PublicCheck
from allab.harness import LocalCaller
from autograder import NOTEBOOKS_DIR, PARTS
from autograder.markscheme import part_functions, short_name
from autograder.notebook import answer_cells, read_notebook
from autograder.grading.worker import public_check_modules
from autograder.grading.reference import notebook_namespace

# Each part's public checks: allab.checks.<part>, or allab.checks.<short name> (e.g. part1).
MODULES = [m.removeprefix("allab.checks.") for m in public_check_modules()]
CHECK_MODULES = {part: next((m for m in (part, short_name(part)) if m in MODULES), None) for part in part_functions()}


def graded_functions(part):
    return list(answer_cells(read_notebook(NOTEBOOKS_DIR / f"{part}.ipynb")))


def public_check(part, name):
    module = importlib.import_module(f"allab.checks.{CHECK_MODULES[part]}")
    check = getattr(module, name, None)
    assert isinstance(check, PublicCheck), f"allab.checks.{CHECK_MODULES[part]} has no public check of {name}"
    return check


CASES = [(part, name) for part in CHECK_MODULES for name in graded_functions(part)]


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
    assert set(CHECK_MODULES) | {"part0_overview"} == set(PARTS)


def test_each_part_with_graded_functions_has_one_module_of_public_checks():
    missing = [part for part, module in CHECK_MODULES.items() if module is None]
    assert not missing, f"no allab.checks.<part> module for {missing} (modules: {MODULES})"
    assert sorted(CHECK_MODULES.values()) == sorted(MODULES), "a module of public checks belongs to no part"
