"""Lending: live objects one side lets the other use by handle (a student's model, a reference's model).

Only plain data and handles cross: a :class:`Borrowed` stands in for the other side's object, and its
public attributes, calls and ``sklearn.base.clone`` become requests (:mod:`autograder.worker.calls`).
"""
from __future__ import annotations

from typing import Any, Callable

from autograder.worker.framing import ProtocolError


class Borrowed:
    """Stands in for a live object of the other side (a student's model in the grading process; a
    model of the reference code in the worker). Public attributes, calls and ``sklearn.base.clone``
    become requests; nothing but plain data and further handles ever crosses."""

    __slots__ = ("_peer", "_id", "_type")

    def __init__(self, peer, handle_id, type_name):
        self._peer, self._id, self._type = peer, handle_id, type_name

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if (self._type, name) in self._peer.methods:  # a method: call it in one request, not two
            peer, target = self._peer, self._id

            def method(*args, **kwargs):
                return peer.borrowed_request("invoke", target=target, method=name, args=list(args), kwargs=kwargs)
            return method
        value = self._peer.borrowed_request("getattr", target=self._id, name=name)
        if isinstance(value, Borrowed) and value._type == "method":
            self._peer.methods.add((self._type, name))
        return value

    def __call__(self, *args, **kwargs):
        return self._peer.borrowed_request("invoke", target=self._id, args=list(args), kwargs=kwargs)

    def __sklearn_clone__(self):
        return self._peer.borrowed_request("clone", target=self._id)

    def __repr__(self):
        return f"<{self._type} of the other process>"


def is_public(name: Any) -> bool:
    """Whether ``name`` is an attribute the other side may ask for (a str not starting with ``_``)."""
    return isinstance(name, str) and not name.startswith("_")


class Lender:
    """The objects one side lends the other (by number) and the encoding of values with handles.

    Parameters
    ----------
    peer : Peer
    lendable : callable
        ``lendable(obj)`` -> bool: whether ``obj`` may be lent (the grading process lends no code).
    special : callable
        ``special(obj)`` -> a handle dict or None, tried first (a working-function proxy is sent by name).
    by_name : callable
        ``by_name(name)`` -> the object a ``{"__handle__": "ref", "name": ...}`` handle stands for.
    twin : callable or None
        ``twin(data)`` -> a local twin of the other side's probe (``{"__handle__": "probe", ...}``).
    """

    def __init__(self, peer: Any, lendable: Callable[[Any], bool], special: Callable[[Any], dict | None],
                 by_name: Callable[[str], Any], twin: Callable[[dict], Any] | None = None) -> None:
        self.peer, self.lendable, self.special, self.by_name, self.twin = peer, lendable, special, by_name, twin
        self.lent: dict[Any, Any] = {}

    def export(self, obj: Any) -> dict:
        """The handle (or placeholder) ``obj`` travels as."""
        if isinstance(obj, Borrowed):
            return {"__handle__": "yours", "id": obj._id}
        tagged = self.special(obj)
        if tagged is not None:
            return tagged
        if not self.lendable(obj):
            return {"__object__": type(obj).__name__, "repr": ""}
        handle_id = len(self.lent) + 1
        self.lent[handle_id] = obj
        return {"__handle__": "mine", "id": handle_id, "type": type(obj).__name__}

    def resolve(self, data: dict) -> Any:
        """The object a handle that arrived stands for."""
        kind = data.get("__handle__")
        if kind == "mine" and type(data.get("id")) is int:
            return Borrowed(self.peer, data["id"], str(data.get("type", "object"))[:100])
        if kind == "yours" and data.get("id") in self.lent:
            return self.lent[data["id"]]
        if kind == "ref" and isinstance(data.get("name"), str):
            return self.by_name(data["name"])
        if kind == "probe" and self.twin is not None:
            return self.twin(data)
        raise ProtocolError(f"a handle that names nothing: {str(data)[:100]}")

    def target(self, message: dict) -> Any:
        """The lent object a request is about."""
        if message.get("target") not in self.lent:
            raise ProtocolError("a request about an object that was never lent")
        return self.lent[message["target"]]

    def clear(self) -> None:
        """Forget every lent object (after each request the grading process made)."""
        self.lent.clear()
