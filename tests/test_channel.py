"""The wire between the grading process and a worker (autograder/worker/framing.py, calls.py): what arrives is checked.

Student code shares the worker's process, so it can write anything to the worker's end. Each test writes
what a hostile worker could, and the grading end must raise ProtocolError (never hang, crash or believe it).
"""
import json
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from autograder.worker.calls import Peer, Remote
from autograder.worker.framing import MAX_MESSAGE_BYTES, Channel, Closed, ProtocolError, TimedOut, check_depth


@pytest.fixture
def ends():
    grader, worker = socket.socketpair()
    yield Channel(grader.fileno(), checked=True), worker
    grader.close()
    worker.close()


def frame(data):
    return len(data).to_bytes(8, "big") + data


def soon():
    return time.monotonic() + 0.5


def test_a_well_formed_message_arrives(ends):
    channel, worker = ends
    worker.sendall(frame(json.dumps({"op": "reply", "id": 1, "to": 1, "value": [1, 2]}).encode()))
    assert channel.receive(soon())["value"] == [1, 2]


@pytest.mark.parametrize("data, says", [
    (b"[1, 2, 3]", "not a message"),
    (b'{"op": "reply"}', "not a message"),
    (b'{"op": 3, "id": 1}', "not a message"),
    (b"not json at all", "not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "not JSON"),      # deeper than the parser goes
    (b"[" * 500 + b"]" * 500, "nests more than"),        # parses, but deeper than any real message
])
def test_what_is_not_a_message_is_refused(ends, data, says):
    channel, worker = ends
    worker.sendall(frame(data))
    with pytest.raises(ProtocolError, match=says):
        channel.receive(soon())


def test_arrays_travel_as_their_bytes_and_arrive_equal():
    grader, worker = socket.socketpair()
    arrays = [np.arange(12.0).reshape(3, 4), np.array([True, False]), np.zeros((0, 5), dtype=np.int32),
              np.float32(2.5) * np.ones(3, dtype=">f4"), np.arange(24).reshape(2, 3, 4)[:, ::2, 1]]
    Channel(worker.fileno(), checked=False).send({"op": "reply", "id": 1, "value": arrays, "x": {"a": arrays[0]}})
    got = Channel(grader.fileno(), checked=True).receive(soon())
    for sent, arrived in zip(arrays + [arrays[0]], got["value"] + [got["x"]["a"]], strict=True):
        assert arrived.dtype == sent.dtype and arrived.shape == sent.shape and np.array_equal(arrived, sent)
        assert arrived.flags.writeable
    grader.close()
    worker.close()


def array_frame(text, sizes, blob):
    data = text.encode()
    return (len(sizes).to_bytes(4, "big") + len(data).to_bytes(4, "big")
            + b"".join(n.to_bytes(4, "big") for n in sizes) + data + blob)


@pytest.mark.parametrize("text, sizes, blob, says", [
    ('{"op": "reply", "id": 1, "value": {"__ndarray__": "<f8", "shape": [2], "buffer": 0}}', [8], b"\0" * 8,
     "not JSON"),   # 8 bytes are not two float64s
    ('{"op": "reply", "id": 1, "value": [{"__ndarray__": "<f8", "shape": [1], "buffer": 0}, '
     '{"__ndarray__": "<f8", "shape": [1], "buffer": 0}]}', [8], b"\0" * 8, "not JSON"),   # one array twice
    ('{"op": "reply", "id": 1, "value": {"__ndarray__": "|O", "shape": [1], "buffer": 0}}', [8], b"\0" * 8,
     "not JSON"),   # objects are never arrays of bytes
    ('{"op": "reply", "id": 1, "value": {"__ndarray__": "<f8", "shape": [1], "buffer": 1}}', [8], b"\0" * 8,
     "not JSON"),   # no such array
])
def test_an_array_that_is_not_what_the_frame_holds_is_refused(ends, text, sizes, blob, says):
    channel, worker = ends
    worker.sendall(array_frame(text, sizes, blob))
    with pytest.raises(ProtocolError, match=says):
        channel.receive(soon())


def test_too_many_arrays_are_refused_before_reading(ends):
    channel, worker = ends
    worker.sendall((2**62).to_bytes(8, "big"))
    with pytest.raises(ProtocolError, match="arrays, more than"):
        channel.receive(soon())


def test_a_huge_announced_size_is_refused_before_reading(ends):
    channel, worker = ends
    worker.sendall((MAX_MESSAGE_BYTES + 1).to_bytes(8, "big"))
    with pytest.raises(ProtocolError, match="announced"):
        channel.receive(soon())


@pytest.mark.parametrize("data", [b"\0\0\0\0", frame(b'{"op": "reply", "id": 1')[:12]])
def test_half_a_frame_times_out_instead_of_hanging(ends, data):
    channel, worker = ends
    worker.sendall(data)
    start = time.monotonic()
    with pytest.raises(TimedOut):
        channel.receive(time.monotonic() + 0.3)
    assert time.monotonic() - start < 5


def test_a_closed_worker_is_reported(ends):
    channel, worker = ends
    worker.sendall(b"\0\0")
    worker.close()
    with pytest.raises(Closed, match="in the middle of a message"):
        channel.receive(soon())


def test_sending_to_a_worker_that_stops_reading_times_out(ends):
    channel, _ = ends
    with pytest.raises(TimedOut, match="stopped reading"):
        channel.send({"op": "call", "id": 1, "data": "x" * (16 * 2**20)}, time.monotonic() + 0.3)


def test_a_reply_to_another_request_is_refused(ends):
    channel, worker = ends
    peer = Peer(channel)
    worker.sendall(frame(json.dumps({"op": "reply", "id": 7, "to": 99, "value": 1}).encode()))
    with pytest.raises(ProtocolError, match="reply to request 99 arrived while 1 was awaited"):
        peer.request("call", soon())


def test_an_extra_reply_is_noticed(ends):
    channel, worker = ends
    for to in (1, 1):
        worker.sendall(frame(json.dumps({"op": "reply", "id": 5, "to": to, "value": to}).encode()))
    assert Peer(channel).request("call", soon()) == 1
    time.sleep(0.05)
    assert channel.pending()


def test_a_request_the_grader_does_not_answer_is_refused(ends):
    channel, worker = ends
    worker.sendall(frame(json.dumps({"op": "shell", "id": 3, "cmd": "rm -rf /"}).encode()))
    with pytest.raises(ProtocolError, match="unexpected request 'shell'"):
        Peer(channel).request("call", soon())


def test_nested_requests_are_answered_and_the_answer_comes_back():
    """The worker asks the grader something while the grader waits for its reply (a working version)."""
    grader, worker = socket.socketpair()
    grader_peer = Peer(Channel(grader.fileno(), checked=True), {"callback": lambda m: m["x"] * 2})
    worker_channel = Channel(worker.fileno(), checked=False)

    def worker_side():
        request = worker_channel.receive()
        doubled = Peer(worker_channel).request("callback", x=21)
        worker_channel.send({"op": "reply", "id": 50, "to": request["id"], "value": doubled + 0.5})
    thread = threading.Thread(target=worker_side)
    thread.start()
    assert grader_peer.request("call", time.monotonic() + 5) == 42.5
    thread.join()


def test_an_oversized_answer_becomes_an_error_reply():
    grader, worker = socket.socketpair()
    worker_peer = Peer(Channel(worker.fileno(), checked=False), {"call": lambda m: "x" * (MAX_MESSAGE_BYTES + 1)})
    thread = threading.Thread(target=lambda: worker_peer.answer(worker_peer.channel.receive()))
    thread.start()
    with pytest.raises(Remote, match="larger than") as info:
        Peer(Channel(grader.fileno(), checked=True)).request("call", time.monotonic() + 20)
    thread.join()
    assert info.value.kind == "ResultTooLarge"


def test_a_failed_handler_answers_with_its_error_and_no_traceback():
    """The grading process's handlers run the reference: its traceback (the reference's source) must never
    reach the worker, where student code can read it. The student's own calls keep theirs (run_call)."""
    grader, worker = socket.socketpair()

    def reference(message):
        raise ValueError("the reference refused")
    grader_peer = Peer(Channel(grader.fileno(), checked=False), {"working": reference})
    worker_channel = Channel(worker.fileno(), checked=False)
    worker_channel.send({"op": "working", "id": 1})
    grader_peer.answer(grader_peer.channel.receive(soon()), soon())
    reply = worker_channel.receive(soon())
    assert reply["error"] == {"type": "ValueError", "message": "the reference refused", "traceback": ""}
    grader.close()
    worker.close()


def test_a_student_call_that_raises_keeps_its_traceback_and_reads_as_a_student_error():
    from allab.harness import Outcome, StudentError, run_call

    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    def query(pool):
        raise KeyError("pool")

    def odd():
        raise Unprintable()
    error = run_call({"query": query}, "query", [[1]], {})["error"]
    assert (error["type"], error["message"]) == ("KeyError", "'pool'") and "in query" in error["traceback"]
    with pytest.raises(StudentError, match="query raised KeyError: 'pool'"):
        _ = Outcome("query", error=error).value
    assert run_call({"odd": odd}, "odd", [], {})["error"]["message"] == "<message could not be printed>"


def test_depth_check_is_iterative():
    deep = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(ProtocolError):
        check_depth(deep)
    check_depth({"a": [[1, 2], {"b": [3]}]})


# In a fresh process: its peak memory (ru_maxrss) before and after receiving hostile 40 MB frames.
PEAK = """
import json, resource, socket, sys, threading
import numpy as np
from autograder.worker.framing import Channel, ProtocolError

def frame(text, arrays=()):
    head = len(arrays).to_bytes(4, "big") + len(text).to_bytes(4, "big")
    return head + b"".join(len(a).to_bytes(4, "big") for a in arrays) + text + b"".join(arrays)

forty = 40 * 2**20
frames = [frame(b"[" + b"[]," * (forty // 3) + b"[]]"),                      # 40 MB of empty lists
          frame(b"[" + b"[]," * (2**21 // 3 - 1) + b"[]]"),                  # 2 MB of them: 700,000 lists
          frame(b"[" + b"1.5," * (2**21 // 4 - 1) + b"1]"),                  # 2 MB of floats
          frame(json.dumps({"op": "reply", "id": 1, "to": 1, "value": {"__ndarray__": "<f8", "shape": [forty // 8],
                                                                       "buffer": 0}}).encode(), [bytes(forty)])]
grader, worker = socket.socketpair()
channel = Channel(grader.fileno(), checked=True)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcomes = []
for data in frames:
    threading.Thread(target=worker.sendall, args=(data,), daemon=True).start()
    try:
        message = channel.receive(None)
        outcomes.append(f"received {message['value'].nbytes}")
        del message
    except ProtocolError as exc:
        outcomes.append(f"refused: {exc}")
        grader.close(); worker.close()
        grader, worker = socket.socketpair()
        channel = Channel(grader.fileno(), checked=True)
del frames
print(json.dumps({"grew_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
                  "outcomes": outcomes}))
"""


def test_a_hostile_40_mb_frame_costs_the_grading_process_less_than_100_mb():
    """Parsing costs what a frame's objects cost, not its bytes (39 MB of ``[[],[],...]`` cost 1.1 GB):
    the JSON text is bounded before it is read, and arrays are views on the one buffer read."""
    result = subprocess.run([sys.executable, "-c", PEAK], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    refused, received = report["outcomes"][:3], report["outcomes"][3]
    assert all(o.startswith("refused") for o in refused[:2]), refused
    assert received == f"received {40 * 2**20}", report  # a legitimate 40 MB array still arrives
    assert report["grew_mb"] < 100, report
