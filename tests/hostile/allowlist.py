"""Hostile cases for the allowlist (issue 20): what the worker must not see or keep beyond what it needs.

- another copy of the course, world-readable, outside /tmp (:data:`COPY`, as a second checkout in a home
  folder would be; the test builds it, with a marker line in its hidden checks): its solution cells
  executed by untouched stubs, at definition time (a default argument, a decorator, a class body) and
  at call time, earn nothing; its hidden checks never reach the feedback;
- System V and POSIX IPC objects, made at definition and at call time: none outlives the batch
  (:data:`IPC_KEYS`, :data:`MQUEUE`);
- a relay between two submissions through IPC: a correct writer publishes its oracle's answers, a
  reader without an oracle looks them up; the reader earns nothing.
"""
import nbformat

from autograder.notebook import answer_cell, is_answer_cell

from .cases import ITEMS, OTHERS, Case, change_answer, edit_cells, reference, with_oracle, write

COPY = "/home/allab-hostile-copy"          # the test puts a world-readable copy of the course here
MARKER = "ALLAB-COPY-MARKER: the hidden checks of another copy"
IPC_KEYS = range(0x4A11B000, 0x4A11B010)  # System V keys the cases use; none may exist after the batch
MQUEUE = "/allab-hostile-mq"              # a POSIX message queue the cases open
RELAY_KEY = 0x4A11B00F

# Execute every answer cell of the copy's Part 1 solution into ``g`` (what the stubs would need).
_RUN_THE_COPY = ("def _run_the_copy(g):\n"
                 "    import json\n"
                 f"    nb = json.load(open({COPY!r} + '/solutions/part1_basics.ipynb'))\n"
                 "    for cell in nb['cells']:\n"
                 "        if cell['cell_type'] == 'code' and 'BEGIN SOLUTION' in ''.join(cell['source']):\n"
                 "            try:\n"
                 "                exec(''.join(cell['source']), g)\n"
                 "            except Exception:\n"
                 "                pass\n"
                 "    return g\n")


def _stub(source):
    """An answer cell's function with its body a stub (as the release hands it out)."""
    return source[:source.index("    ### BEGIN SOLUTION")] + "    raise NotImplementedError('Not written yet')\n"


def _stubs_running_the_copy(how):
    """Every Part 1 answer a stub; one more cell runs the copy's solutions ``how``: at definition time
    (``default``, ``decorator``, ``class``) or at call time (``call``: the stub oracle runs them)."""
    hook = {"default": "def _load(g=_run_the_copy(globals())):\n    return g\n",
            "decorator": "def _deco(f, _=_run_the_copy(globals())):\n    return f\n@_deco\ndef _noop():\n    pass\n",
            "class": "class _Loaded:\n    g = _run_the_copy(globals())\n",
            "call": ""}[how]

    def build(folder):
        nb = reference()
        for cell in nb.cells:
            if any(is_answer_cell(cell, item) for item in ITEMS):
                cell.source = _stub(cell.source)
                if how == "call" and is_answer_cell(cell, "oracle"):
                    cell.source = cell.source.replace(
                        "raise NotImplementedError('Not written yet')",
                        "return _run_the_copy({'np': __import__('numpy')})['oracle'](X_query, y_pool, query_idx)")
        nb.cells.append(nbformat.v4.new_code_cell(_RUN_THE_COPY + hook))
        write(nb, folder)
    return build


_RAISE_THE_COPY = (f"    raise RuntimeError(open({COPY!r} + '/autograder/checks/part1_basics/hidden.py').read())")

# Makes every kind of IPC object (System V segments, queues, semaphores; a POSIX queue) with 0666 rights.
_MAKE_IPC = ("def _make_ipc(offset):\n"
             "    import ctypes\n"
             "    libc = ctypes.CDLL(None, use_errno=True)\n"
             f"    base = {IPC_KEYS.start} + offset\n"
             "    made = [libc.shmget(base + i, 8 << 20, 0o1666) for i in range(3)]\n"
             "    made += [libc.msgget(base + 3, 0o1666), libc.semget(base + 4, 1, 0o1666)]\n"
             f"    made.append(libc.mq_open({MQUEUE.encode()!r}, 0o100 | 0o2, 0o666, None))\n"
             "    return made\n")


def _ipc_at_definition_and_call_time(folder):
    nb = reference()
    cell = answer_cell(nb, "oracle")
    cell.source = cell.source.replace("    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n    _make_ipc(8)\n")
    nb.cells.append(nbformat.v4.new_code_cell(_MAKE_IPC + "def _at_load(made=_make_ipc(0)):\n    return made\n"))
    write(nb, folder)


_PUBLISH = ("    try:\n"
            "        import ctypes, json\n"
            "        libc = ctypes.CDLL(None, use_errno=True)\n"
            "        libc.shmat.restype = ctypes.c_void_p\n"
            f"        shm = libc.shmget({RELAY_KEY}, 1 << 20, 0o1666)\n"
            "        at = libc.shmat(shm, None, 0) if shm >= 0 else None\n"
            "        if at in (None, ctypes.c_void_p(-1).value):\n"
            "            raise OSError('no segment')\n"
            "        book = json.loads(ctypes.string_at(at, 1 << 20).split(b'\\0')[0] or b'{}')\n"
            "        answer = [int(y_pool[i]) for i in query_idx]\n"
            "        book[repr(list(map(int, query_idx)))] = answer\n"
            "        data = json.dumps(book).encode()[:(1 << 20) - 1] + b'\\0'\n"
            "        ctypes.memmove(at, data, len(data))\n"
            "    except Exception:\n"
            "        pass\n")

_LOOK_UP = ("    import ctypes, json, time\n"
            "    libc = ctypes.CDLL(None, use_errno=True)\n"
            "    libc.shmat.restype = ctypes.c_void_p\n"
            "    for _ in range(5):\n"
            "        try:\n"
            f"            shm = libc.shmget({RELAY_KEY}, 0, 0)\n"
            "            if shm >= 0:\n"
            "                at = libc.shmat(shm, None, 0)\n"
            "                if at == ctypes.c_void_p(-1).value:\n"
            "                    raise OSError('not attached')\n"
            "                book = json.loads(ctypes.string_at(at, 1 << 20).split(b'\\0')[0] or b'{}')\n"
            "                key = repr(list(map(int, query_idx)))\n"
            "                if key in book:\n"
            "                    return np.array(book[key])\n"
            "        except Exception:\n"
            "            pass\n"
            "        time.sleep(0.1)\n"
            "    return np.zeros(len(query_idx), dtype=int)\n")


def _reader(folder):
    def change(cells):
        for cell in cells:
            if is_answer_cell(cell, "oracle"):
                start = cell.source.index("    ### BEGIN SOLUTION")
                cell.source = cell.source[:start] + _LOOK_UP
        return cells
    edit_cells(change)(folder)


ALLOWLIST_CASES = [
    Case("copy_run_in_a_default", _stubs_running_the_copy("default"), zero=ITEMS),
    Case("copy_run_in_a_decorator", _stubs_running_the_copy("decorator"), zero=ITEMS),
    Case("copy_run_in_a_class_body", _stubs_running_the_copy("class"), zero=ITEMS),
    Case("copy_run_at_call_time", _stubs_running_the_copy("call"), zero=ITEMS),
    Case("error_carries_the_copy_s_hidden_checks", with_oracle(_RAISE_THE_COPY), full=OTHERS, zero=["oracle"]),
    Case("ipc_left_behind", _ipc_at_definition_and_call_time, full=ITEMS),
    Case("ipc_relay_a_writer",
         change_answer("oracle", "    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n" + _PUBLISH), full=ITEMS),
    Case("ipc_relay_b_reader", _reader, full=OTHERS, zero=["oracle"]),
]
