"""Broken and hostile submissions, each built from the Part 1 reference with one thing done to it.

Every case says which Part 1 items must still get full marks (``full``), which must get nothing
(``zero``), and what the student's feedback must say (``says``). Items not named may go either way.
"""
import json
import os
import uuid
from dataclasses import dataclass, field

import nbformat

from autograder import ROOT, SOLUTIONS_DIR
from autograder.notebook import answer_cell, is_answer_cell, nbgrader_meta

PART = "part1_basics"
ITEMS = ["create_initial_split", "uncertainty_sampling", "oracle", "noisy_oracle", "active_learning_loop"]
OTHERS = [i for i in ITEMS if i != "oracle"]


@dataclass
class Case:
    name: str
    build: object                 # build(folder): writes the submission into folder
    full: list = field(default_factory=list)
    zero: list = field(default_factory=list)
    says: list = field(default_factory=list)   # a tuple in it: one of these (they differ by mode)
    needs_isolation: bool = False  # only safe to run when workers are isolated (not in mode "none")
    folder: str = ""              # the submission's folder name, when it is not the case's name
    leaves: list = field(default_factory=list)  # files its code creates that must not outlast the batch
    modes: tuple = ()             # the modes of tests/test_hostile.py to grade it in (every mode when empty)

    @property
    def path(self):
        return self.folder or self.name


def reference():
    return nbformat.read(str(SOLUTIONS_DIR / f"{PART}.ipynb"), as_version=4)


def write(nb, folder, name=f"{PART}.ipynb"):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / name))


def with_oracle(body):
    """The reference, with ``oracle`` doing ``body`` (indented code) before returning the right labels."""
    def build(folder):
        nb = reference()
        cell = answer_cell(nb, "oracle")
        cell.source = ("import os, sys, signal, socket\n" + cell.source.replace(
            "    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n" + body + "\n"))
        write(nb, folder)
    return build


def raw(text_or_bytes, name=f"{PART}.ipynb"):
    def build(folder):
        folder.mkdir(parents=True, exist_ok=True)
        data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode()
        (folder / name).write_bytes(data)
    return build


def both(*builds):
    """A submission built by every one of ``builds`` (several files in one folder)."""
    def build(folder):
        for b in builds:
            b(folder)
    return build


def intact(folder):
    write(reference(), folder)


def with_definition(code):
    """The reference with one more code cell: ``code`` runs when the grader loads the definitions."""
    return edit_cells(lambda cells: cells + [nbformat.v4.new_code_cell(code)])


def edit_cells(change):
    def build(folder):
        nb = reference()
        nb.cells = change(nb.cells)
        write(nb, folder)
    return build


def _old_format(folder):
    nb = reference()
    cells = [{"cell_type": c.cell_type, "input" if c.cell_type == "code" else "source": c.source,
              "metadata": {}, "outputs": [], "language": "python"} for c in nb.cells]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{PART}.ipynb").write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                                      "worksheets": [{"cells": cells, "metadata": {}}]}))


def _big_notebook(folder):
    nb = reference()
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("x" * (50 * 2**20)))
    write(nb, folder)


def _non_utf8(folder):
    nb = reference()
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("MARKER"))
    write(nb, folder)
    path = folder / f"{PART}.ipynb"
    path.write_bytes(path.read_bytes().replace(b"MARKER", b"caf\xe9 \xff\xfe"))


def change_answer(grade_id, old, new):
    """The reference with ``old`` replaced by ``new`` in the answer cell ``grade_id``."""
    def change(cells):
        cell = next(c for c in cells if is_answer_cell(c, grade_id))
        cell.source = cell.source.replace(old, new)
        return cells
    return edit_cells(change)


def _drop_answer(cells):
    return [c for c in cells if not is_answer_cell(c, "oracle")]


def copy_cell(cell):
    """A copy of ``cell`` with a cell id of its own (Jupyter's copy and paste)."""
    copy = nbformat.from_dict(cell)
    copy["id"] = uuid.uuid4().hex[:8]
    return copy


def _duplicate_grade_id(cells):
    # a copied cell (same grade_id) with a wrong version first; the correct one later wins, as in a kernel
    out = []
    for c in cells:
        if is_answer_cell(c, "uncertainty_sampling"):
            wrong = copy_cell(c)
            wrong.source = "def uncertainty_sampling(model, X_pool, n_samples=10):\n    return [0]\n"
            out.append(wrong)
        out.append(c)
    return out


def _patch_the_checks(cells):
    # tries to make every comparison pass inside the worker; the checks do not run there
    cells.append(nbformat.v4.new_code_cell(
        "import numpy as np, builtins\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_array_equal = lambda *a, **k: None\n"
        "builtins.AssertionError = type('Never', (Exception,), {})\n"
        "def oracle(X_query, y_pool, query_idx):\n    return [0] * len(query_idx)\n"))
    return cells


OUT = "__OUTPUT__"  # replaced by the grading output folder when the catalogue is graded
BUILT = ROOT / "build" / "hostile" / f"{PART}.ipynb"  # an executed reference notebook the test puts there
LEFTOVER = "allab-hostile-leftover"
SHARED = ["/tmp", "/dev/shm", "/var/tmp", "/run/lock"]
NOT_THERE = ("FileNotFoundError", "PermissionError")  # hidden (namespaces) or closed (permissions)


def _json(data):
    return raw(json.dumps(data))


def _with_cells(extra, at=1):
    """The reference, as plain JSON, with ``extra`` (anything) put among its cells."""
    def build(folder):
        nb = json.loads(nbformat.writes(reference()))
        nb["cells"][at:at] = extra
        raw(json.dumps(nb))(folder)
    return build


def _metadata_of_wrong_types(folder):
    nb = json.loads(nbformat.writes(reference()))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and not cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["metadata"] = [[1, 2], "x", None][i % 3]
        elif cell["cell_type"] == "markdown":
            cell["metadata"] = {"nbgrader": "not a dict", "tags": 5}
    nb["metadata"] = ["not", "a", "dict"]
    raw(json.dumps(nb))(folder)


def _fifo(folder):
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / f"{PART}.ipynb")  # reading it would block forever


def _symlink_to_solution(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{PART}.ipynb").symlink_to(SOLUTIONS_DIR / f"{PART}.ipynb")


DAEMON = (f"    if os.fork() == 0:\n"
          f"        try:\n"
          f"            os.setsid()\n"
          f"            import ctypes\n"
          f"            ctypes.CDLL(None).prctl(15, b'allab-daemon', 0, 0, 0)\n"
          f"            if os.fork() == 0:\n"
          f"                import time\n"
          f"                for _ in range(1200):\n"
          f"                    for path in (os.path.join({OUT!r}, 'grades.csv'), '/tmp/{LEFTOVER}-daemon'):\n"
          f"                        try:\n"
          f"                            open(path, 'w').write('forged,100,100')\n"
          f"                        except OSError:\n"
          f"                            pass\n"
          f"                    time.sleep(0.1)\n"
          f"        finally:\n"
          f"            os._exit(0)")

KILL_EVERYTHING = ("    killed = 0\n"
                   "    for pid in os.listdir('/proc'):\n"
                   "        if pid.isdigit() and int(pid) != os.getpid():\n"
                   "            try:\n"
                   "                os.kill(int(pid), signal.SIGKILL)\n"
                   "                killed += 1\n"
                   "            except OSError:\n"
                   "                pass\n"
                   "    if not killed:\n"
                   "        raise PermissionError('could not signal any other process')")

READ_OTHER_PROCESSES = ("    read = []\n"
                        "    for pid in os.listdir('/proc'):\n"
                        "        if pid.isdigit() and int(pid) not in (os.getpid(), 1):\n"
                        "            try:\n"
                        "                read.append(open(f'/proc/{pid}/environ', 'rb').read())\n"
                        "            except OSError:\n"
                        "                pass\n"
                        "    if not any(read):\n"
                        "        raise PermissionError('no other process readable')")

ESCAPE_WITH_UNSHARE = ("    import ctypes\n"
                       "    libc = ctypes.CDLL(None, use_errno=True)\n"
                       "    libc.unshare(0x10000000 | 0x00020000)\n"
                       f"    libc.umount2({str(ROOT).encode()!r}, 2)\n"
                       f"    libc.umount2(b'/tmp', 2)\n"
                       f"    open({str(SOLUTIONS_DIR / (PART + '.ipynb'))!r}).read()")

FORK_MEMORY = ("    children = []\n"
               "    for _ in range(3):\n"
               "        pid = os.fork()\n"
               "        if pid == 0:\n"
               "            try:\n"
               "                hog = bytearray(1500 * 2**20)\n"
               "                os._exit(0)\n"
               "            finally:\n"
               "                os._exit(1)\n"
               "        children.append(pid)\n"
               "    if any(os.waitpid(pid, 0)[1] for pid in children):\n"
               "        raise MemoryError('a child could not have its 1.5 GB')")

LEAVE_FILES = "".join(f"    try:\n        open('{place}/{LEFTOVER}', 'w').write('for the next student')\n"
                      f"    except OSError:\n        pass\n" for place in SHARED)

CASES = [
    Case("invalid_json", raw('{"cells": [ {"cell_type": "code", "source": "def oracle('),
         zero=ITEMS, says=["invalid JSON"]),
    Case("old_nbformat", _old_format, full=ITEMS, says=["old notebook format"]),
    Case("empty_notebook", raw(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})),
         zero=ITEMS, says=["has no code cells"]),
    Case("not_a_notebook", raw("just some text, not JSON at all"), zero=ITEMS, says=["invalid JSON"]),
    Case("deleted_answer_cell", edit_cells(_drop_answer), full=OTHERS, zero=["oracle"],
         says=["no function named 'oracle'"]),
    Case("deleted_check_cells", edit_cells(lambda cells: [c for c in cells if not nbgrader_meta(c).get("grade")]),
         full=ITEMS),
    Case("duplicated_cells", edit_cells(lambda cells: cells + [copy_cell(c) for c in cells]), full=ITEMS),
    Case("reordered_cells", edit_cells(lambda cells: cells[::-1]), full=ITEMS),
    Case("duplicated_grade_id", edit_cells(_duplicate_grade_id), full=ITEMS),
    Case("renamed_function", change_answer("oracle", "def oracle(", "def my_oracle("), full=OTHERS, zero=["oracle"],
         says=["is 'my_oracle' it, renamed?"]),
    Case("syntax_error", change_answer("oracle", "return np.array(", "return np.array(("), full=OTHERS,
         zero=["oracle"], says=["SyntaxError"]),
    Case("import_error", change_answer("noisy_oracle", "def noisy_oracle(",
                                       "import numpy_but_misspelled\ndef noisy_oracle("),
         full=ITEMS, says=["ModuleNotFoundError"]),
    Case("infinite_loop", with_oracle("    while True:\n        pass"), full=OTHERS, zero=["oracle"],
         says=["no answer within"]),
    Case("memory_bomb", with_oracle("    hog = bytearray(50 * 2**30)"), full=OTHERS, zero=["oracle"],
         says=["MemoryError"]),
    Case("fork_bomb", with_oracle("    while True:\n        os.fork()"), full=OTHERS, zero=["oracle"],
         needs_isolation=True),
    Case("sys_exit", with_oracle("    sys.exit(0)"), full=OTHERS, zero=["oracle"], says=["SystemExit"]),
    Case("os_exit", with_oracle("    os._exit(0)"), full=OTHERS, zero=["oracle"], says=["exited with code 0"]),
    Case("keyboard_interrupt", with_oracle("    raise KeyboardInterrupt"), full=OTHERS, zero=["oracle"],
         says=["KeyboardInterrupt"]),
    Case("kills_its_parent", with_oracle("    os.kill(os.getppid(), signal.SIGKILL)"), full=OTHERS,
         needs_isolation=True),
    Case("huge_output", with_oracle("    print('x' * (100 * 2**20))\n    os.write(1, b'y' * (10 * 2**20))"),
         full=ITEMS),
    Case("huge_result", with_oracle("    return np.zeros(10**8)"), full=OTHERS, zero=["oracle"]),
    Case("deep_recursion", with_oracle("    def down(n):\n        return down(n + 1)\n    down(0)"), full=OTHERS,
         zero=["oracle"], says=["RecursionError"]),
    Case("big_notebook", _big_notebook, full=ITEMS),
    Case("non_utf8_bytes", _non_utf8, full=ITEMS),
    Case("forged_results", with_oracle(
        f"    for name in ('grades.csv', 'results.json'):\n"
        f"        try:\n"
        f"            open(os.path.join({OUT!r}, name), 'w').write('forged,100,100')\n"
        f"        except OSError:\n"
        f"            pass\n"
        f"    return [0] * len(query_idx)"), full=OTHERS, zero=["oracle"]),
    Case("reads_the_solutions", with_oracle(
        f"    text = open({str(SOLUTIONS_DIR / (PART + '.ipynb'))!r}).read()"), full=OTHERS, zero=["oracle"],
         says=[NOT_THERE], needs_isolation=True),
    Case("writes_outside_its_folder", with_oracle(
        f"    open({str(ROOT / 'README.md')!r}, 'a').write('pwned')"), full=OTHERS, zero=["oracle"],
         needs_isolation=True),
    Case("deletes_course_files", with_oracle(
        f"    os.remove({str(SOLUTIONS_DIR / (PART + '.ipynb'))!r})"), full=OTHERS, zero=["oracle"],
         needs_isolation=True),
    Case("network_call", with_oracle("    socket.create_connection(('127.0.0.1', 22), timeout=2)"), full=OTHERS,
         zero=["oracle"], needs_isolation=True),
    Case("patches_the_checks", edit_cells(_patch_the_checks), zero=["oracle"]),
    Case("imports_the_reference", with_oracle("    from autograder.grading.reference import load_reference"),
         full=OTHERS, zero=["oracle"], says=["ModuleNotFoundError"]),
    Case("takes_answers_from_given", with_oracle(
        "    from allab.given import oracle as theirs\n    return theirs(X_query, y_pool, query_idx)"),
         full=OTHERS, zero=["oracle"], says=["No module named 'allab.given'"]),

    # --- notebooks that are JSON but not notebooks, or too big to parse safely
    Case("source_of_numbers", _with_cells([{"cell_type": "code", "source": [1, 2, 3], "metadata": {},
                                            "outputs": [], "execution_count": None}]),
         full=ITEMS, says=["source is not text"]),
    Case("cells_that_are_not_cells", _with_cells([1, "text", None, [1, 2], {"no": "type"}]), full=ITEMS,
         says=["is not a notebook cell"]),
    Case("metadata_of_wrong_types", _metadata_of_wrong_types, full=ITEMS),
    Case("worksheets_not_lists", _json({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                        "worksheets": [{"cells": 5}]}), zero=ITEMS, says=["worksheets"]),
    Case("cells_not_a_list", _json({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": {"a": 1}}),
         zero=ITEMS, says=["'cells' is not a list"]),
    Case("top_level_list", _json([{"cell_type": "code", "source": "def oracle(): pass"}]), zero=ITEMS,
         says=["JSON but not a notebook"]),
    Case("nested_deep", raw("[" * 200_000 + "]" * 200_000), zero=ITEMS, says=["nested 200000 levels deep"]),
    Case("millions_of_objects", raw('{"cells": [' + ",".join(["{}"] * 2_000_000) + "]}"), zero=ITEMS,
         says=["JSON objects and arrays"]),
    Case("too_big_notebook", raw(b'{"cells": []' + b" " * (61 * 2**20) + b"}"), zero=ITEMS,
         says=["more than the 60 MB"]),
    Case("megabytes_of_code", edit_cells(lambda cells: cells + [nbformat.v4.new_code_cell("x = 1\n" * 800_000)]),
         full=ITEMS, says=["MB of code"]),
    Case("fifo_notebook", _fifo, zero=ITEMS, says=["no notebook"]),
    Case("symlink_to_the_solution", _symlink_to_solution, zero=ITEMS, says=["no notebook"]),
    Case("non_utf8_file_name", both(intact, raw("{not json", name=os.fsdecode(b"\xff\xfe broken.ipynb"))),
         full=ITEMS, says=["\ufffd\ufffd broken.ipynb is not a readable notebook"]),
    # --- names
    Case("newline_forged_line", intact, full=ITEMS, folder="newline\nforged_line"),
    Case("escape_[31mred", intact, full=ITEMS, folder="escape\x1b[31mred"),
    Case("caf\ufffd", intact, full=ITEMS, folder=os.fsdecode(b"caf\xe9")),
    Case("grades.csv", intact, full=ITEMS),
    Case("report.md", intact, full=ITEMS),
    Case("n" * 100, intact, full=ITEMS, folder="n" * 250),
    Case("twin", intact, full=ITEMS, says=["two submissions are named 'twin'"]),
    # --- the grader's rights
    Case("reads_etc_shadow", with_oracle("    open('/etc/shadow').read()"), full=OTHERS, zero=["oracle"],
         says=[NOT_THERE]),
    Case("reads_build", with_oracle(f"    open({str(BUILT)!r}).read()"), full=OTHERS, zero=["oracle"],
         says=[NOT_THERE]),
    Case("reads_the_venv_s_checkout", with_oracle(
        "    open(os.path.join(os.path.dirname(os.path.realpath(sys.prefix)), 'solutions', "
        f"'{PART}.ipynb')).read()"), full=OTHERS, zero=["oracle"], says=[NOT_THERE]),
    Case("lists_the_checkout", with_oracle(f"    assert 'solutions' in os.listdir({str(ROOT)!r})"),
         full=OTHERS, zero=["oracle"]),
    Case("writes_into_autograder", with_oracle(
        f"    open({str(ROOT / 'autograder' / 'pwned.py')!r}, 'w').write('pwned')"), full=OTHERS, zero=["oracle"]),
    Case("rewrites_solutions_at_load", with_definition(
        f"def _rewrite(_=open({str(SOLUTIONS_DIR / (PART + '.ipynb'))!r}, 'w')):\n    pass\n"), full=ITEMS,
         says=[NOT_THERE]),
    Case("kills_every_process", with_oracle(KILL_EVERYTHING), full=OTHERS, zero=["oracle"]),
    Case("kills_all_it_may", with_oracle("    try:\n        os.kill(-1, signal.SIGKILL)\n"
                                         "    except ProcessLookupError:\n        pass"), full=ITEMS),
    Case("reads_other_processes", with_oracle(READ_OTHER_PROCESSES), full=OTHERS, zero=["oracle"]),
    Case("becomes_root", with_oracle("    os.setuid(0)"), full=OTHERS, zero=["oracle"]),
    Case("escapes_with_unshare", with_oracle(ESCAPE_WITH_UNSHARE), full=OTHERS, zero=["oracle"]),
    # --- limits over the whole submission, and what it leaves behind
    Case("memory_in_forked_children", with_oracle(FORK_MEMORY), full=OTHERS, zero=["oracle"]),
    Case("thread_bomb", with_oracle(
        "    import threading, time\n"
        "    for _ in range(200):\n"
        "        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()"),
         full=OTHERS, zero=["oracle"]),
    Case("leaves_files_in_shared_places", with_oracle(LEAVE_FILES), full=ITEMS,
         leaves=[f"{place}/{LEFTOVER}" for place in SHARED]),
    Case("daemon_outlives_grading", with_oracle(DAEMON), full=OTHERS, leaves=[f"/tmp/{LEFTOVER}-daemon"]),
]
