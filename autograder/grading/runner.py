"""The runner of the checks: each part's public and hidden checks against one submission, one record a check.

A part's checks live in ``autograder/checks/<part>/``: ``public.py`` (what students run in the notebook's
check cells) and ``hidden.py`` (functions registered with :func:`check`), for every part with graded
functions in the mark scheme. A check
takes its arguments by name: ``call`` runs the student's functions (in the worker), ``reference`` the
reference solution's (here); both return :class:`allab.harness.Outcome`. A hidden check fails with
:class:`Mistake` (through :func:`expect`), naming a key of ``autograder/mistakes.toml``: feedback names the
likely mistake without revealing the check.

Grading ran these through pytest before; pytest stays for the project's own tests, as a runner of ours
needs no collection, fixtures, plugins or reports for some fifty plain function calls a submission.
"""
import importlib
import inspect
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from allab.checks import PublicCheck
from allab.codec import to_plain
from allab.figures import skip_layout
from allab.harness import LocalCaller, StudentError
from autograder.markscheme import load_items, part_functions
from autograder.results.types import CheckRecord
from autograder.scoring import CheckRules

CHECKS_DIR = Path(__file__).resolve().parent.parent / "checks"
PUBLIC = "public"   # the name of a part's public check of an item (the notebook's check cell)


class Mistake(AssertionError):
    """A failed hidden check naming the catalogued mistake ``key`` (a key of ``autograder/mistakes.toml``)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def expect(condition: object, key: str) -> None:
    """Raise :class:`Mistake` ``key`` unless ``condition`` holds."""
    if not condition:
        raise Mistake(key)


@dataclass(frozen=True)
class Check:
    """One check of graded function ``function``: ``run`` takes the arguments named in ``needs``."""
    function: str
    name: str
    title: str
    run: Callable[..., object]
    needs: tuple[str, ...]
    core: bool = False
    weight: float = 1.0
    hidden: bool = True


def check(function: str, core: bool = False, weight: float = 1.0) -> Callable[[Callable[..., object]], Check]:
    """Decorator: register a hidden check of graded function ``function`` of the module's part.

    Parameters
    ----------
    function : str
        The graded function (an item of the mark scheme) the check is about.
    core : bool
        Whether the check tests the item's main job: failing it scores 0 on the item. An item without a
        core check has its public check as core.
    weight : float
        The check's share of the item's points, relative to its other checks (1 each by default).

    The check's name is the function's name, its title the first line of its docstring.
    """
    if weight <= 0:
        raise ValueError(f"a check's weight must be positive; got {weight}")

    def register(func: Callable[..., Any]) -> Check:
        title = func.__doc__.strip().splitlines()[0] if func.__doc__ else func.__name__.replace("_", " ")
        return Check(function, func.__name__, title, func, _needs(func), core, float(weight))
    return register


def _needs(func: Callable[..., object]) -> tuple[str, ...]:
    return tuple(inspect.signature(func).parameters)


def check_parts() -> list[str]:
    """The parts that have checks, in lab order: those with graded functions (each has its folder of checks,
    ``autograder/checks/<part>/``)."""
    return list(part_functions())


@lru_cache(maxsize=None)
def part_checks(part: str) -> tuple[Check, ...]:
    """The checks of ``part``, in running order: its public checks, then its hidden ones as defined."""
    public, hidden = (_checks_module(part, kind) for kind in ("public", "hidden"))
    checks = [Check(c.function_name, PUBLIC, f"public checks of {c.function_name}", c.run, ("call",), hidden=False)
              for c in vars(public).values() if isinstance(c, PublicCheck)]
    checks += [c for c in vars(hidden).values() if isinstance(c, Check)]
    functions = {it.function for it in load_items() if it.part == part}
    for c in checks:
        if c.function not in functions:
            raise RuntimeError(f"{part}: check {c.name} is of {c.function!r}, which is not in the mark scheme")
    return tuple(checks)


def _checks_module(part: str, kind: str) -> Any:
    path = CHECKS_DIR / part / f"{kind}.py"
    if not path.is_file():
        raise RuntimeError(f"{part} has graded functions in the mark scheme but no {kind} checks: write "
                           f"{path} (see the README's \"Adding or changing a part\")")
    return importlib.import_module(f"autograder.checks.{part}.{kind}")


@lru_cache(maxsize=None)
def check_rules() -> dict[str, CheckRules]:
    """``{item name: CheckRules}`` from the checks' declarations (an item without a core check: its public
    check is core)."""
    rules = {}
    for it in load_items():
        checks = [c for c in part_checks(it.part) if c.function == it.function]
        core = frozenset(c.name for c in checks if c.core) or frozenset({PUBLIC})
        weights = tuple(sorted((c.name, c.weight) for c in checks if c.weight != 1.0))
        rules[it.name] = CheckRules(core, weights)
    return rules


class Process(Protocol):
    """Where a submission's functions run (:class:`autograder.worker.client.StudentProcess`)."""

    def call(self, part: str, name: str, args: tuple, kwargs: dict) -> Any: ...


class StudentCaller:
    """``call(name, *args, **kwargs)`` on the student's functions of one part, in the worker."""

    def __init__(self, process: Process, part: str, shared: dict[str, Any]) -> None:
        self.process, self.part, self._shared = process, part, shared

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        # The other graded functions it uses are working versions during the call: no cascade of one mistake.
        return self.process.call(self.part, name, args, kwargs)

    def shared(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Like ``call``, but checks that look at different sides of one result share one call per
        submission. Not for checks of randomness, which must see every call."""
        key = _key(self.part, name, args, kwargs)
        if key not in self._shared:
            self._shared[key] = self(name, *args, **kwargs)
        return self._shared[key]


def _key(part: str, name: str, args: tuple, kwargs: dict) -> str:
    return json.dumps([part, name, to_plain(list(args)), to_plain(kwargs)])


class ReferenceCaller(LocalCaller):
    """``call`` on the reference solution; results are cached, as every student needs the same."""

    _cache: dict[str, Any] = {}

    def __init__(self, part: str) -> None:
        from autograder.grading.reference import load_reference
        skip_layout()  # the reference's plots too: layout is never checked
        super().__init__(load_reference(part))
        self.part = part

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        key = _key(self.part, name, args, kwargs)
        if key not in self._cache:
            self._cache[key] = super().__call__(name, *args, **kwargs)
        return self._cache[key]


def run_check(c: Check, arguments: Mapping[str, object]) -> tuple[bool, str, str, str]:
    """Run check ``c`` with the arguments it names among ``arguments``; return ``(passed, message, mistake,
    raised)``."""
    try:
        c.run(*(arguments[name] for name in c.needs))
    except Mistake as exc:
        return False, "", exc.key, ""
    except StudentError as exc:
        return False, "", "", str(exc)[:1000]
    except AssertionError as exc:
        return False, str(exc)[:2000], "", ""
    except Exception as exc:  # noqa: BLE001 - a check that breaks fails, saying how
        return False, f"{type(exc).__name__}: {exc}"[:2000], "", ""
    return True, "", "", ""


def run_checks(process: Process, parts: Collection[str], public_only: bool = False) -> list[CheckRecord]:
    """Run the checks of ``parts`` against the submission in ``process``; return the :class:`CheckRecord` s.

    With ``public_only``, only the public checks (the notebook's check cells) run.
    """
    names = {(it.part, it.function): it.name for it in load_items()}
    shared: dict[str, Any] = {}   # outcomes of calls that several checks look at (StudentCaller.shared)
    records: list[CheckRecord] = []
    for part in check_parts():
        if part not in parts:
            continue
        arguments = {"call": StudentCaller(process, part, shared), "reference": ReferenceCaller(part)}
        for c in part_checks(part):
            if public_only and c.hidden:
                continue
            passed, message, mistake, raised = run_check(c, arguments)
            records.append(CheckRecord(names[part, c.function], c.title, passed, c.hidden, message, mistake,
                                       raised, c.name))
    return records
