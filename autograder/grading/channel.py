"""The wire between the grading process and a worker: framed JSON messages with ids, checked on arrival.

A frame is a header (two big-endian 32-bit numbers: how many numeric arrays, how long the JSON), the
arrays' sizes, the JSON, then the arrays' bytes. An array in a message (``to_plain(..., raw=True)``
leaves them in) travels as its bytes, not as base64 inside the JSON: base64 and scanning it as JSON text
cost both ends tens of milliseconds a megabyte, and a complete submission sends about 10 MB of arrays.

Both ends use :class:`Peer`. A request carries an ``id``; its reply says which request it answers
(``to``). While one side waits for a reply it answers the other side's requests (a proxy in the
worker asks the grading process for a working function; the reference code running there asks the
worker about the student's model), so calls can nest.

The grading process trusts nothing that arrives: every read has a deadline, a frame has a size
bound, its JSON a depth bound, and a reply must answer the request being awaited. Anything else
raises :class:`ProtocolError`, and the caller kills the worker. Student code can write to the
worker's end (it shares the process), so a forged, partial or extra message must never be able to
hang, crash or mislead the grading process.
"""
import itertools
import json
import os
import select
import time

import numpy as np

from allab.harness import failed_call, from_plain, to_plain

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_ARRAYS = 1 << 16      # arrays in one message
MAX_DEPTH = 200           # legitimate messages nest a few dozen levels (to_plain stops at 20 objects deep)
MAX_NESTING = 16          # requests answered while waiting for a reply, one inside the other
_HEADER = 8


class ProtocolError(Exception):
    """What arrived is not what the protocol allows (or did not arrive in time)."""


class TimedOut(ProtocolError):
    """Nothing (or not all of a message) arrived before the deadline."""


class TooLarge(ProtocolError):
    """A message over the size bound (the sender answers with an error instead)."""


class Closed(ProtocolError):
    """The other end closed the connection (the worker died)."""


class Channel:
    """Length-prefixed JSON frames over a connected socket's file descriptor.

    Parameters
    ----------
    fd : int
        The socket's file descriptor (a ``multiprocessing`` Pipe end's ``fileno()``).
    checked : bool
        Whether incoming frames are untrusted (in the grading process): then reads and writes are
        non-blocking with deadlines, and frames are checked for size and depth.
    """

    def __init__(self, fd, checked=True):
        self.fd = fd
        self.checked = checked
        if checked:
            os.set_blocking(fd, False)

    def send(self, message, deadline=None):
        arrays = []

        def attach(obj):
            if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":
                arrays.append(np.ascontiguousarray(obj).reshape(-1).view(np.uint8))
                return {"__ndarray__": obj.dtype.str, "shape": list(obj.shape), "buffer": len(arrays) - 1}
            raise TypeError(f"a {type(obj).__name__} is not plain data")
        data = json.dumps(message, default=attach).encode()
        size = len(data) + sum(a.nbytes for a in arrays)
        if size > MAX_MESSAGE_BYTES or len(arrays) > MAX_ARRAYS:
            raise TooLarge(f"a message of {size // 2**20} MB is larger than the "
                           f"{MAX_MESSAGE_BYTES // 2**20} MB allowed")
        head = b"".join([len(arrays).to_bytes(4, "big"), len(data).to_bytes(4, "big"),
                         *(a.nbytes.to_bytes(4, "big") for a in arrays), data])
        for chunk in (head, *arrays):
            view = memoryview(chunk)
            while view:
                self._wait(deadline, write=True)
                try:
                    sent = os.write(self.fd, view)
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError) as exc:
                    raise Closed("the worker closed the connection") from exc
                view = view[sent:]

    def receive(self, deadline=None):
        head = self._read(_HEADER, deadline)
        count, size = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")
        if count > MAX_ARRAYS:
            raise ProtocolError(f"a frame announced {count} arrays, more than the {MAX_ARRAYS} allowed")
        if size > MAX_MESSAGE_BYTES:
            raise ProtocolError(f"a frame announced {size} bytes, more than the {MAX_MESSAGE_BYTES} allowed")
        sizes = self._read(4 * count, deadline) if count else b""
        sizes = [int.from_bytes(sizes[i:i + 4], "big") for i in range(0, len(sizes), 4)]
        if size + sum(sizes) > MAX_MESSAGE_BYTES:
            raise ProtocolError(f"a frame announced {size + sum(sizes)} bytes, more than the "
                                f"{MAX_MESSAGE_BYTES} allowed")
        text = self._read(size, deadline)
        blob = self._read(sum(sizes), deadline) if count else b""
        try:
            message = json.loads(text, object_hook=_arrays(blob, sizes) if count else None)
        except (ValueError, TypeError, RecursionError) as exc:
            raise ProtocolError(f"a frame is not JSON ({type(exc).__name__})") from exc
        if self.checked:
            check_depth(message)
        if not (isinstance(message, dict) and isinstance(message.get("op"), str)
                and type(message.get("id")) is int):
            raise ProtocolError("a frame is not a message (a dict with an int id and an op)")
        return message

    def pending(self):
        """Whether anything arrived that nobody asked for (the connection should be quiet now)."""
        return bool(select.select([self.fd], [], [], 0)[0])

    def _read(self, n, deadline):
        chunks, left = [], n
        while left:
            self._wait(deadline)
            try:
                chunk = os.read(self.fd, min(left, 1 << 20))
            except BlockingIOError:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed("the worker closed the connection" + (" in the middle of a message" if chunks else ""))
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _wait(self, deadline, write=False):
        if deadline is None:
            return
        left = deadline - time.monotonic()
        ready = select.select([], [self.fd], [], max(left, 0)) if write else \
            select.select([self.fd], [], [], max(left, 0))
        if not any(ready):
            raise TimedOut("no answer in time" if not write else "the worker stopped reading")


def _arrays(blob, sizes):
    """A ``json.loads`` object hook that makes each ``{"__ndarray__", "shape", "buffer": i}`` the
    array of the frame's ``i``-th bytes (each used once, its size that of its type and shape)."""
    starts = [0, *itertools.accumulate(sizes)]
    used = set()

    def hook(d):
        if "buffer" not in d or "__ndarray__" not in d:
            return d
        i, shape = d["buffer"], d.get("shape")
        dtype = np.dtype(str(d["__ndarray__"]))
        if not (type(i) is int and 0 <= i < len(sizes) and i not in used and dtype.kind in "biuf"
                and isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
            raise ValueError("not an array the frame holds")
        used.add(i)
        if sizes[i] != dtype.itemsize * int(np.prod(shape, dtype=object)):
            raise ValueError("an array's size does not match its shape")
        return np.frombuffer(blob, dtype, sizes[i] // dtype.itemsize, starts[i]).reshape(shape).copy()
    return hook


def check_depth(data, limit=MAX_DEPTH):
    """Raise :class:`ProtocolError` if ``data`` (parsed JSON) nests deeper than ``limit``."""
    stack = [(data, 1)]
    while stack:
        obj, depth = stack.pop()
        if depth > limit:
            raise ProtocolError(f"a message nests more than {limit} levels deep")
        if isinstance(obj, dict):
            obj = obj.values()
        elif not isinstance(obj, list):
            continue
        stack.extend((x, depth + 1) for x in obj if isinstance(x, (list, dict)))


class Remote(Exception):
    """The other side's handler raised: ``kind`` is the exception's type name."""

    def __init__(self, kind, message):
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

    def __init__(self, channel, handlers=None, catch_all=False):
        self.channel = channel
        self.handlers = dict(handlers or {})
        self.catch_all = catch_all    # the worker answers even a student's SystemExit with an error reply
        self.deadline = None          # of the request being served (the grading process sets it per call)
        self.lender = None
        self.methods = set()          # (type name, attribute) of the other side's objects known to be methods
        self._next_id = 0
        self._nesting = 0

    def lend(self, lendable, special, by_name, run=lambda f: f(), twin=None):
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

    def encode(self, value):
        return to_plain(value, export=self.lender.export, raw=True)

    def borrowed_request(self, op, **fields):
        """A request about a :class:`Borrowed` object; its answer decoded (with handles)."""
        fields = {k: self.encode(v) if k in ("args", "kwargs") else v for k, v in fields.items()}
        try:
            value = self.request(op, self.deadline, **fields)
        except Remote as exc:
            raise as_exception(exc) from None
        return from_plain(value, self.lender.resolve)

    def new_id(self):
        self._next_id += 1
        return self._next_id

    def request(self, op, deadline=None, **fields):
        """Send a request and wait for its reply; return the reply's value or raise :class:`Remote`."""
        my_id = self.new_id()
        self.channel.send({"op": op, "id": my_id, **fields}, deadline)
        while True:
            message = self.channel.receive(deadline)
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

    def answer(self, message, deadline=None):
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


def as_exception(remote):
    """The :class:`Remote` error as an exception of its own built-in type where there is one."""
    import builtins
    kind = getattr(builtins, remote.kind, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and kind is not Exception:
        try:
            return kind(str(remote))
        except Exception:  # noqa: BLE001 - a type whose constructor wants other arguments
            pass
    return RuntimeError(f"{remote.kind}: {remote}")


# --- live objects lent across the wire --------------------------------------------------------

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


def is_public(name):
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

    def __init__(self, peer, lendable, special, by_name, twin=None):
        self.peer, self.lendable, self.special, self.by_name, self.twin = peer, lendable, special, by_name, twin
        self.lent = {}

    def export(self, obj):
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

    def resolve(self, data):
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

    def target(self, message):
        if message.get("target") not in self.lent:
            raise ProtocolError("a request about an object that was never lent")
        return self.lent[message["target"]]

    def clear(self):
        self.lent.clear()
