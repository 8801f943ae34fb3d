"""Framing: the bytes of one message between the grading process and a worker, checked on arrival.

A frame is a header (two big-endian 32-bit numbers: how many numeric arrays, how long the JSON), the
arrays' sizes, the JSON, then the arrays' bytes. An array in a message (``to_plain(..., raw=True)``
leaves them in) travels as its bytes, not as base64 inside the JSON: base64 and scanning it as JSON text
cost both ends tens of milliseconds a megabyte, and a complete submission sends about 10 MB of arrays.

The grading process trusts nothing that arrives: every read has a deadline, and a frame is bounded
before it is read: its JSON text by :data:`MAX_TEXT_BYTES` and :data:`MAX_CONTAINERS` (what a JSON text
costs once parsed is its objects, not its bytes: 39 MB of ``[[],[],...]`` cost 1.1 GB), its arrays by
what the awaited reply may hold (``max_bytes``), its depth by :data:`MAX_DEPTH`. Arrays are views on
the one buffer the frame is read into: a frame costs the grading process its size, once. Anything else
raises :class:`ProtocolError`, and the caller kills the worker. Student code can write to the worker's
end (it shares the process), so a forged, partial or extra message must never be able to hang, crash
or exhaust the grading process. Requests and replies over frames are :mod:`autograder.worker.calls`'.
"""
from __future__ import annotations

import itertools
import json
import os
import select
import time
from typing import Any

import numpy as np

MAX_MESSAGE_BYTES = 64 * 1024 * 1024   # a whole frame, arrays included (a call's reply; see max_bytes)
MAX_TEXT_BYTES = 2 * 1024 * 1024       # a frame's JSON text: a complete submission's largest is about 30 KB
MAX_CONTAINERS = 100_000               # lists and dicts in one JSON text (each costs 56-200 bytes parsed)
MAX_ARRAYS = 1 << 16      # arrays in one message
MAX_DEPTH = 200           # legitimate messages nest a few dozen levels (to_plain stops at 20 objects deep)
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

    def __init__(self, fd: int, checked: bool = True) -> None:
        self.fd = fd
        self.checked = checked
        if checked:
            os.set_blocking(fd, False)

    def send(self, message: dict, deadline: float | None = None) -> None:
        """Write ``message`` (plain data and numeric arrays) as one frame.

        Raises
        ------
        TooLarge
            The frame would be over :data:`MAX_MESSAGE_BYTES` (nothing is written).
        Closed
            The other end is gone.
        """
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
        if not self.checked and over_text_bounds(data):  # the worker's own: an error reply, not a violation
            raise TooLarge(over_text_bounds(data))
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

    def receive(self, deadline: float | None = None, max_bytes: int = MAX_MESSAGE_BYTES) -> dict:
        """The next message (a dict with an int ``id`` and a str ``op``).

        Parameters
        ----------
        deadline : float or None
            ``time.monotonic()`` by which the whole frame must have arrived (None: wait).
        max_bytes : int
            The most the frame may hold, JSON text and arrays: what the awaited reply can need.

        Raises
        ------
        ProtocolError
            The frame is over a bound, not JSON, too deep, or not a message; :class:`TimedOut` and
            :class:`Closed` are kinds of it.
        """
        head = self._read(_HEADER, deadline)
        count, size = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")
        if count > MAX_ARRAYS:
            raise ProtocolError(f"a frame announced {count} arrays, more than the {MAX_ARRAYS} allowed")
        if size > (min(MAX_TEXT_BYTES, max_bytes) if self.checked else max_bytes):
            raise ProtocolError(f"a frame announced {size} bytes of JSON, more than allowed")
        sizes = self._read(4 * count, deadline) if count else b""
        sizes = [int.from_bytes(sizes[i:i + 4], "big") for i in range(0, len(sizes), 4)]
        if size + sum(sizes) > max_bytes:
            raise ProtocolError(f"a frame announced {size + sum(sizes)} bytes, more than the "
                                f"{max_bytes} the awaited message may hold")
        text = self._read(size, deadline)
        if self.checked and over_text_bounds(text):
            raise ProtocolError(over_text_bounds(text))
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

    def pending(self) -> bool:
        """Whether anything arrived that nobody asked for (the connection should be quiet now)."""
        return bool(select.select([self.fd], [], [], 0)[0])

    def _read(self, n, deadline):
        """Exactly ``n`` bytes, read into one buffer (no copies: arrays become views on it)."""
        buffer = bytearray(n)
        view, done = memoryview(buffer), 0
        while done < n:
            self._wait(deadline)
            try:
                got = os.readv(self.fd, [view[done:done + (1 << 20)]])
            except BlockingIOError:
                continue
            except ConnectionResetError:
                got = 0
            if not got:
                raise Closed("the worker closed the connection" + (" in the middle of a message" if done else ""))
            done += got
        return buffer

    def _wait(self, deadline, write=False):
        if deadline is None:
            return
        left = deadline - time.monotonic()
        ready = select.select([], [self.fd], [], max(left, 0)) if write else \
            select.select([self.fd], [], [], max(left, 0))
        if not any(ready):
            raise TimedOut("no answer in time" if not write else "the worker stopped reading")


def over_text_bounds(text: bytes) -> str:
    """Why a frame's JSON text is over the bounds the grading process reads ("" if it is not)."""
    if len(text) > MAX_TEXT_BYTES:
        return f"a message of {len(text)} bytes of JSON, more than the {MAX_TEXT_BYTES} allowed"
    if text.count(b"[") + text.count(b"{") > MAX_CONTAINERS:
        return f"a message of more than {MAX_CONTAINERS} lists and dicts"
    return ""


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
        return np.frombuffer(blob, dtype, sizes[i] // dtype.itemsize, starts[i]).reshape(shape)
    return hook


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
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


