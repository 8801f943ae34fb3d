"""Hostile cases that go after the answers or the grader's channel from inside the worker (issue 9, 10).

Each targets ``oracle`` of Part 1: the reference's working versions must never answer for the function
being graded, whatever route the student's code takes to them, at definition time or at call time; and
whatever the student's code writes to the worker's channel, the grading process must neither crash, hang
nor believe it.
"""
from autograder.notebook import is_answer_cell, nbgrader_meta

from .cases import ITEMS, OTHERS, Case, change_answer, edit_cells, with_oracle

# Calls ``candidate`` (any callable named oracle that is not the student's own) and returns its answer.
_TRY = ("        try:\n"
        "            got = candidate(X_query, y_pool, query_idx)\n"
        "        except Exception:\n"
        "            continue\n"
        "        return got\n")


# ... and when nothing answered, a wrong answer (so the correct code after it never runs).
_NOTHING = "    return [-1] * len(query_idx)\n"


def _find_peer():
    return ("    import gc\n"
            "    peer = next(o for o in gc.get_objects() if type(o).__name__ == 'Peer')\n")


def _write_frame(payload):
    """Code that writes ``payload`` (bytes expression) as a frame onto the worker's channel."""
    return (_find_peer() +
            f"    data = {payload}\n"
            "    os.write(peer.channel.fd, len(data).to_bytes(8, 'big') + data)\n")


def _at_definition_time(code):
    """A cell that runs ``code`` when the notebook's definitions are loaded (a decorator's argument)."""
    return change_answer("oracle", "def oracle(",
                         "import os\n"
                         "def _hostile():\n" + code + "    return lambda f: f\n"
                         "@_hostile()\n"
                         "def oracle(")


def _stall_everywhere(cells):
    """Every answer of the part sleeps just under the per-call limit, then answers correctly."""
    for cell in cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            cell.source = cell.source.replace("    ### BEGIN SOLUTION\n",
                                              "    ### BEGIN SOLUTION\n    __import__('time').sleep(9.5)\n")
    return cells


def _oracle_calls_stubbed_noisy_oracle(folder):
    def change(cells):
        for cell in cells:
            if is_answer_cell(cell, "oracle"):
                cell.source = cell.source.replace("    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n"
                                                  "    return noisy_oracle(X_query, y_pool, query_idx, 0.0)\n")
            if is_answer_cell(cell, "noisy_oracle"):
                start = cell.source.index("    ### BEGIN SOLUTION")
                cell.source = cell.source[:start] + "    raise NotImplementedError('Not written yet')\n"
        return cells
    edit_cells(change)(folder)


# The batches are graded with `grade --submission-seconds SUBMISSION_SECONDS`: the stalling case's cost (a
# complete submission needs under 2 s here).
SUBMISSION_SECONDS = 15

REACH_CASES = [
    # a submission whose every call stalls is cut off by its budget (`--submission-seconds`), not after 5
    # minutes (as root only: the budget is the grading process's own accounting, the same in every mode)
    Case("stalls_every_call", edit_cells(_stall_everywhere), says=[f"used up its {SUBMISSION_SECONDS} s"],
         modes=("root",)),
    Case("default_bound_to_working_version", change_answer(
        "oracle", "def oracle(X_query, y_pool, query_idx):\n",
        "def oracle(X_query, y_pool, query_idx, _ref=oracle):\n    return _ref(X_query, y_pool, query_idx)\n"),
         full=OTHERS, zero=["oracle"], says=["oracle is the function being graded"]),
    Case("sibling_globals", with_oracle(
        "    for f in list(globals().values()):\n"
        "        candidate = getattr(f, '__globals__', {}).get('oracle')\n"
        "        if candidate is None or candidate is oracle:\n"
        "            continue\n" + _TRY + _NOTHING), full=OTHERS, zero=["oracle"]),
    Case("frame_walk", with_oracle(
        "    frame = sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        for candidate in [*frame.f_locals.values(), *frame.f_globals.values()]:\n"
        "            if candidate is oracle or not callable(candidate) or "
        "getattr(candidate, '__name__', getattr(candidate, 'name', None)) != 'oracle':\n"
        "                continue\n" + _TRY.replace("        ", "            ") +
        "        frame = frame.f_back\n" + _NOTHING), full=OTHERS, zero=["oracle"]),
    Case("memory_scan", with_oracle(
        "    import gc\n"
        "    for candidate in gc.get_objects():\n"
        "        if candidate is oracle or not callable(candidate) or "
        "getattr(candidate, '__name__', getattr(candidate, 'name', None)) != 'oracle':\n"
        "            continue\n" + _TRY + _NOTHING), full=OTHERS, zero=["oracle"]),
    Case("bytecode_caches", with_oracle(
        "    import marshal, pathlib, types\n"
        "    for top in sys.path:\n"
        "        for pyc in pathlib.Path(top or '.').rglob('*.pyc'):\n"
        "            try:\n"
        "                code = marshal.loads(pyc.read_bytes()[16:])\n"
        "            except Exception:\n"
        "                continue\n"
        "            found = [c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == 'oracle']\n"
        "            for c in found:\n"
        "                candidate = types.FunctionType(c, {'np': __import__('numpy')})\n" +
        _TRY.replace("        ", "                ") + _NOTHING), full=OTHERS, zero=["oracle"]),
    Case("forged_callback", with_oracle(
        _find_peer() +
        "    return peer.borrowed_request('callback', name='oracle', args=[X_query, y_pool, query_idx], kwargs={})"),
         full=OTHERS, zero=["oracle"], says=["oracle is the function being graded"]),
    # a sibling the oracle's reference does not use is the student's own (as in a kernel): a stub stays a stub
    Case("sibling_stub_for_a_working_version", _oracle_calls_stubbed_noisy_oracle,
         full=["create_initial_split", "uncertainty_sampling", "active_learning_loop"],
         zero=["oracle", "noisy_oracle"], says=["NotImplementedError"]),
    Case("own_part_from_mine", with_oracle(
        "    from allab.mine import oracle as theirs\n    return theirs(X_query, y_pool, query_idx)"),
         full=OTHERS, zero=["oracle"], says=["not from an earlier part"]),
    Case("working_version_at_definition_time", change_answer(
        "oracle", "def oracle(X_query, y_pool, query_idx):\n",
        "def oracle(X_query, y_pool, query_idx, _labels=noisy_oracle(None, [0, 1, 2], [0, 1, 2], 0.0)):\n"),
         full=OTHERS, zero=["oracle"], says=["cannot be called while the notebook's definitions are loaded"]),
    # the channel
    Case("channel_reply_not_a_message", _at_definition_time(_write_frame("b'[1, 2, 3]'")),
         zero=ITEMS, says=["tampered with"]),
    Case("channel_reply_nested_deep", _at_definition_time(_write_frame("b'[' * 100000 + b']' * 100000")),
         zero=ITEMS, says=["tampered with"]),
    Case("channel_reply_huge_header", _at_definition_time(
        _find_peer() + "    os.write(peer.channel.fd, (2**62).to_bytes(8, 'big'))\n"),
         zero=ITEMS, says=["tampered with"]),
    Case("channel_half_header_then_hang", with_oracle(
        _find_peer() + "    os.write(peer.channel.fd, b'\\0\\0\\0\\0')\n    import time\n    time.sleep(60)"),
         full=OTHERS, zero=["oracle"], says=["no answer within"]),
    Case("channel_forged_and_extra_reply", with_oracle(
        _find_peer() +
        "    import json\n"
        "    frame = sys._getframe()\n"
        "    while frame is not None and 'message' not in frame.f_locals:\n"
        "        frame = frame.f_back\n"
        "    outcome = {'name': 'oracle', 'value': [-1] * len(query_idx), 'error': None, "
        "'stdout': '', 'logs': {}, 'args_after': [], 'seconds': 0.0}\n"
        "    data = json.dumps({'op': 'reply', 'id': 999, 'to': frame.f_locals['message']['id'], "
        "'value': outcome, 'error': None}).encode()\n"
        "    os.write(peer.channel.fd, len(data).to_bytes(8, 'big') + data)\n"
        "    return [0] * len(query_idx)"),
         zero=["oracle"], says=["tampered with"]),
]
