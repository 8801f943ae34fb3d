"""The grading process's side of a call: the working versions of graded functions, run here, never in a worker.

While one of a student's functions is checked, the other graded functions it calls (the loop calls
the strategy and the oracle; Part 3 calls Part 1's loop) must work, so that one mistake costs one
item. Their implementation stays in the grading process: in the worker they are
``WorkingVersion`` proxies that send their arguments here (plain data, and handles on live objects
such as the student's model), and the :class:`WorkingVersions` runs the reference and sends back plain data.

It decides which working versions a call may use: the graded functions of earlier parts
(what ``allab.mine`` gives the notebook), and the functions of the same part that the reference of
the function being checked itself uses. Never the function being checked: a student who writes
``def oracle(*a, _ref=oracle)`` gets no answer.
"""
import contextlib
import functools
import io
import types
import warnings
from collections.abc import Callable
from typing import Any

from allab.codec import from_plain
from allab.figures import close_figures
from allab.probes import build_probe, spy_log
from autograder.grading.reference import load_reference
from autograder.markscheme import part_functions, uses
from autograder.worker.calls import Peer


class Refused(PermissionError):
    """A working version the call may not use."""


@functools.lru_cache(maxsize=None)
def dependencies(part: str, name: str) -> frozenset[str]:
    """The graded functions of ``part`` that the reference of ``name`` uses, directly or not."""
    graded = part_functions()[part]
    namespace = load_reference(part)
    found: set[str] = set()
    todo = [name]
    while todo:
        func = namespace.get(todo.pop())
        for used in _names_used(func) & graded - found - {name}:
            found.add(used)
            todo.append(used)
    return frozenset(found)


def _names_used(func: object) -> set[str]:
    code = getattr(func, "__code__", None)
    names: set[str] = set()
    codes = [code] if code is not None else []
    while codes:
        c = codes.pop()
        names.update(c.co_names)
        codes.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    defaults = [*(getattr(func, "__defaults__", None) or ()), *(getattr(func, "__kwdefaults__", None) or {}).values()]
    names.update(getattr(d, "__name__", "") for d in defaults if callable(d))
    return names


@functools.lru_cache(maxsize=None)
def _one_thread() -> None:
    """The working versions run in this process: one BLAS thread, as in the workers (--jobs sets the
    parallelism; two grading processes with two threads each on two cores ran at half speed). Once per
    process: it lasts, and finding the libraries cost 15-30 ms a submission."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)


class WorkingVersions:
    """Answers a worker's requests for working versions, for one submission.

    Parameters
    ----------
    order : list of str
        The parts in lab order (``part_functions`` keys in mark scheme order).
    """

    def __init__(self, order: list[str]) -> None:
        _one_thread()
        for part in order:  # loaded before any student code runs, and never again from disk
            load_reference(part)
        self.part: str | None = None
        self.target: str | None = None
        self._references: dict[int, str] = {}   # id(function) -> name, for sending a working function by name
        self._twins: list[str | None] = []      # log keys of the probe twins built for the callback being answered

    def begin(self, part: str | None = None, target: str | None = None) -> None:
        """The call about to be made: ``target`` of ``part`` (``None``: loading, no working versions)."""
        self.part, self.target = part, target

    def allowed(self, name: str) -> str:
        """Where the working version of ``name`` lives (its part) if this call may use it, else raise."""
        if self.part is None:
            raise Refused(f"{name} cannot be called while the notebook's definitions are loaded")
        if name == self.target:
            raise Refused(f"{name} is the function being graded: it cannot call a working version of itself")
        earlier = uses(self.part)  # always working versions
        if name in earlier:
            return earlier[name]
        if self.target is not None and name in dependencies(self.part, self.target):
            return self.part
        raise Refused(f"{self.target} cannot use a working version of {name} while it is graded")

    def working_function(self, name: str) -> Callable[..., Any]:
        """The reference function ``name`` if the current call may use it (see :meth:`allowed`)."""
        part = self.allowed(name)
        func = load_reference(part)[name]
        self._references[id(func)] = name
        return func

    def special(self, obj: object) -> dict[str, str] | None:
        """A reference function crosses by name only (and becomes a ``WorkingVersion`` there)."""
        name = self._references.get(id(obj))
        return None if name is None else {"__handle__": "ref", "name": name}

    @staticmethod
    def lendable(obj: object) -> bool:
        """Live objects the worker may use through handles: instances, never code of ours."""
        if isinstance(obj, types.MethodType):
            return WorkingVersions.lendable(obj.__self__)
        return not isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type,
                                    types.CodeType, types.FrameType, types.GeneratorType, types.CoroutineType,
                                    functools.partial, staticmethod, classmethod, property))

    def twin(self, data: dict[str, Any]) -> Any:
        """A twin, built here, of a probe the check gave the student's code (a spy model, a recording
        strategy): the working version uses it without a request per call; what it records goes back."""
        if data.get("kind") not in ("fixed_proba", "spy", "strategy", "estimator") or \
                not isinstance(data.get("key"), (str, type(None))):
            raise Refused("not a probe")
        params = from_plain(data.get("params"))
        if not isinstance(params, dict):
            raise Refused("not a probe")
        self._twins.append(data["key"])
        return build_probe(data["kind"], params, data["key"], fresh=True)

    def callback(self, peer: Peer, message: dict[str, Any]) -> Any:
        """Run the working version a worker asked for; return ``{"result", "logs"}`` as plain data
        (with handles): its result, and what the twins of the check's probes recorded."""
        name = message.get("name")
        if not isinstance(name, str):
            raise Refused("a callback without a function name")
        func = self.working_function(name)
        outer, self._twins = self._twins, []
        try:
            resolve = peer.lender.resolve  # type: ignore[union-attr]  # the client lent before any callback
            args = from_plain(message.get("args", []), resolve)
            kwargs = from_plain(message.get("kwargs", {}), resolve)
            if not (isinstance(args, list) and isinstance(kwargs, dict) and all(isinstance(k, str) for k in kwargs)):
                raise TypeError("bad arguments")
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                result = func(*args, **kwargs)
            logs = {key: spy_log(key) for key in set(self._twins) if key is not None}
            return peer.encode({"result": result, "logs": logs})
        finally:
            for key in self._twins:
                spy_log(key).clear()
            self._twins = outer
            close_figures()  # a plot the working version drew went back as a description
