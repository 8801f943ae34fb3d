"""Inside the worker: the student's definitions, and the working versions that stand in for graded functions.

Only the *definitions* of the student's cells run (see :mod:`allab.definitions`). No reference code
is ever in the worker: the graded functions a checked function calls (and the earlier parts'
functions ``allab.mine`` gives) are :class:`WorkingVersion` proxies, answered by the grading
process's :class:`~autograder.worker.working_versions.WorkingVersions` through the worker's end of the channel.
"""
from __future__ import annotations

import contextlib
import types
from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from autograder.worker.calls import Peer

_PEER: Peer | None = None  # the worker's end of the channel (see connect)


def connect(peer: Peer) -> None:
    """Make ``peer`` (a :class:`~autograder.worker.calls.Peer`) the end :class:`WorkingVersion` s call through."""
    global _PEER
    _PEER = peer


class WorkingVersion:
    """Stands in for a graded function whose working version lives in the grading process.

    Calling it sends the arguments there; the grading process decides whether this call may use
    it (never the function being graded) and sends back the result.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from allab.probes import spy_log
        if _PEER is None:
            raise RuntimeError("a working version outside a worker (no connect())")
        answer = _PEER.borrowed_request("callback", name=self.name, args=list(args), kwargs=kwargs)
        for key, events in answer["logs"].items():  # what the twins of the check's probes recorded there
            spy_log(key).extend(events)
        return answer["result"]

    def __repr__(self) -> str:
        return f"<working version of {self.name}>"


def load_part(cells: list[tuple[int, str]], part: str,
              graded: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """Execute the definitions of ``cells`` (``[(index, source)]``); return (namespace, problems).

    The ``graded`` functions start as working versions, so that a definition that refers to one the
    student did not manage to define (``query_strategy=uncertainty_sampling`` after a syntax error in
    that cell) still works; afterwards, the graded names the student did not define are removed, so
    they are graded as missing.
    """
    from allab.definitions import run_definitions
    preset = {name: WorkingVersion(name) for name in graded}
    namespace = {"__name__": f"student_{part}", **preset}
    problems = run_definitions(cells, namespace, part)
    for name, ours in preset.items():
        if namespace.get(name) is ours:
            del namespace[name]
    return namespace, problems


@contextlib.contextmanager
def working_versions(namespace: dict[str, Any], names: Iterable[str]) -> Iterator[None]:
    """Within the block, ``names`` in ``namespace`` are :class:`WorkingVersion` s.

    A check of one function then calls working versions of the other graded functions it uses (a
    loop calls the strategy and the oracle), so one wrong function costs only its own item.
    """
    saved = {name: namespace.get(name) for name in names}
    proxies = {name: WorkingVersion(name) for name in names}
    namespace.update(proxies)
    # Defaults were bound when the student's functions were defined (query_strategy=uncertainty_sampling):
    # point them at the working versions too.
    swapped = {id(f): proxies[name] for name, f in saved.items() if f is not None}
    changed = []
    for f in list(namespace.values()):
        if not isinstance(f, types.FunctionType):
            continue
        kwdefaults, defaults = f.__kwdefaults__ or {}, f.__defaults__ or ()
        if any(id(v) in swapped for v in (*kwdefaults.values(), *defaults)):
            changed.append((f, f.__kwdefaults__, f.__defaults__))
            f.__kwdefaults__ = {k: swapped.get(id(v), v) for k, v in kwdefaults.items()} or None
            f.__defaults__ = tuple(swapped.get(id(v), v) for v in defaults) or None
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                namespace.pop(name, None)  # the student did not define it
            else:
                namespace[name] = value
        for f, old_kwdefaults, old_defaults in changed:
            f.__kwdefaults__, f.__defaults__ = old_kwdefaults, old_defaults


@contextlib.contextmanager
def earlier_parts(names: Collection[str]) -> Iterator[None]:
    """Within the block, ``allab.mine`` gives working versions of ``names`` (the earlier parts' functions)."""
    import allab.mine

    def source(name):
        if name not in names:
            raise ImportError(f"{name} is not from an earlier part: define it in this notebook")
        return WorkingVersion(name)
    allab.mine.use(source)
    try:
        yield
    finally:
        allab.mine.use(no_notebooks)


def no_notebooks(name: str) -> NoReturn:
    """What ``allab.mine`` gives outside a load or a call: nothing."""
    raise ImportError("allab.mine reads no notebooks while grading")

