"""Calls over the wire: requests with ids and their replies, answered while waiting (so calls nest).

Both ends use :class:`Peer`. A request carries an ``id``; its reply says which request it answers
(``to``). While one side waits for a reply it answers the other side's requests (a proxy in the
worker asks the grading process for a working function; the reference code running there asks the
worker about the student's model), so calls can nest, at most :data:`MAX_NESTING` deep. A reply must
answer the request being awaited: anything else is a :class:`~autograder.worker.framing.ProtocolError`.
Frames are :mod:`autograder.worker.framing`'s; live objects lent across, :mod:`autograder.worker.lending`'s.
"""
from __future__ import annotations

from typing import Any, Callable

from allab.codec import from_plain, to_plain
from allab.harness import failed_call
from autograder.worker.framing import MAX_MESSAGE_BYTES, Channel, ProtocolError, TooLarge
from autograder.worker.lending import Lender, is_public

MAX_NESTING = 16          # requests answered while waiting for a reply, one inside the other


class Remote(Exception):
    """The other side's handler raised: ``kind`` is the exception's type name."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Peer:
    """One end of the protocol: make requests, and answer the other end's while waiting.

    Parameters
    ----------
    channel : Channel
    handlers : dict
        ``{op: handler(message) -> value}`` for the requests this end answers. A handler's
        exception is sent back as an error reply (its type name and message).
    """

    def __init__(self, channel: Channel, handlers: dict | None = None, catch_all: bool = False) -> None:
        self.channel = channel
        self.handlers = dict(handlers or {})
        self.catch_all = catch_all    # the worker answers even a student's SystemExit with an error reply
        self.deadline: float | None = None  # of the request being served (the grading process sets it per call)
        self.lender: Lender | None = None
        self.max_bytes = MAX_MESSAGE_BYTES  # of a frame awaited (the grading process sets it per request)
        # (type name, attribute) of the other side's objects known to be methods
        self.methods: set[tuple[str, str]] = set()
        self._next_id = 0
        self._nesting = 0

    def lend(self, lendable: Callable[[Any], bool], special: Callable[[Any], dict | None],
             by_name: Callable[[str], Any], run: Callable = lambda f: f(), twin: Callable | None = None) -> None:
        """Let this end lend live objects (see :class:`Lender`) and answer requests about them;
        ``run(f)`` calls ``f()`` for each such request (the worker checks who is answering)."""
        self.lender = Lender(self, lendable, special, by_name, twin)
        lender = self.lender

        def decode(message, key, default):
            return from_plain(message.get(key, default), lender.resolve)

        def getattr_(message):
            obj, name = lender.target(message), message.get("name")
            if not is_public(name):
                raise AttributeError(f"{name!r} is not a public attribute")
            return self.encode(run(lambda: getattr(obj, name)))

        def invoke(message):
            obj, args, kwargs = lender.target(message), decode(message, "args", []), decode(message, "kwargs", {})
            if not (isinstance(args, list) and isinstance(kwargs, dict) and all(map(is_public, kwargs))):
                raise TypeError("bad arguments")
            method = message.get("method")
            if method is not None:
                if not is_public(method):
                    raise AttributeError(f"{method!r} is not a public method")
                obj = getattr(obj, method)
            return self.encode(run(lambda: obj(*args, **kwargs)))

        def clone(message):
            from sklearn.base import clone as sk_clone
            obj = lender.target(message)
            return self.encode(run(lambda: sk_clone(obj)))

        self.handlers.update(getattr=getattr_, invoke=invoke, clone=clone)

    def encode(self, value: Any) -> Any:
        """``value`` as plain data, live objects as handles this end lends."""
        return to_plain(value, export=self.lender.export, raw=True)  # type: ignore[union-attr]  # set by lend()

    def borrowed_request(self, op: str, **fields: Any) -> Any:
        """A request about a :class:`Borrowed` object; its answer decoded (with handles)."""
        fields = {k: self.encode(v) if k in ("args", "kwargs") else v for k, v in fields.items()}
        try:
            value = self.request(op, self.deadline, **fields)
        except Remote as exc:
            raise as_exception(exc) from None
        return from_plain(value, self.lender.resolve)  # type: ignore[union-attr]  # set by lend()

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def request(self, op: str, deadline: float | None = None, **fields: Any) -> Any:
        """Send a request and wait for its reply; return the reply's value or raise :class:`Remote`."""
        my_id = self.new_id()
        self.channel.send({"op": op, "id": my_id, **fields}, deadline)
        while True:
            message = self.channel.receive(deadline, self.max_bytes)
            if message["op"] != "reply":
                self.answer(message, deadline)
                continue
            if message.get("to") != my_id:
                raise ProtocolError(f"a reply to request {message.get('to')!r} arrived while {my_id} was awaited")
            if message.get("error") is not None:
                error = message["error"]
                if not (isinstance(error, dict) and isinstance(error.get("type"), str)
                        and isinstance(error.get("message"), str)):
                    raise ProtocolError("an error reply without a type and message")
                raise Remote(error["type"], error["message"])
            return message.get("value")

    def answer(self, message: dict, deadline: float | None = None) -> None:
        """Run the handler of an incoming request and send its reply."""
        handler = self.handlers.get(message["op"])
        if handler is None:
            raise ProtocolError(f"unexpected request {message['op'][:40]!r}")
        if self._nesting >= MAX_NESTING:
            raise ProtocolError(f"requests nested more than {MAX_NESTING} deep")
        self._nesting += 1
        try:
            reply = {"value": handler(message), "error": None}
        except ProtocolError:
            raise
        except Exception as exc:  # noqa: BLE001 - the handler's failure is the requester's answer
            reply = {"value": None, "error": failed_call(exc)}
        except BaseException as exc:
            if not self.catch_all:
                raise  # the grading process's own time limit or interrupt
            reply = {"value": None, "error": failed_call(exc)}
        finally:
            self._nesting -= 1
        try:
            self.channel.send({"op": "reply", "id": self.new_id(), "to": message["id"], **reply}, deadline)
        except TooLarge as exc:
            self.channel.send({"op": "reply", "id": self.new_id(), "to": message["id"], "value": None,
                               "error": failed_call("ResultTooLarge", str(exc))}, deadline)


def as_exception(remote: Remote) -> Exception:
    """The :class:`Remote` error as an exception of its own built-in type where there is one."""
    import builtins
    kind = getattr(builtins, remote.kind, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and kind is not Exception:
        try:
            return kind(str(remote))
        except Exception:  # noqa: BLE001 - a type whose constructor wants other arguments
            pass
    return RuntimeError(f"{remote.kind}: {remote}")


