"""Broken and hostile submissions, each built from the Part 1 reference with one thing done to it.

Every case says which Part 1 items must still get full marks (``full``), which must get nothing
(``zero``), and what the student's feedback must say (``says``). Items not named may go either way.
"""
import json
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
    says: list = field(default_factory=list)
    needs_isolation: bool = False  # only safe to run when workers are isolated (root on Linux)


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


def raw(text_or_bytes):
    def build(folder):
        folder.mkdir(parents=True, exist_ok=True)
        data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode()
        (folder / f"{PART}.ipynb").write_bytes(data)
    return build


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
    Case("renamed_function", change_answer("oracle", "def oracle(", "def my_oracle("), full=OTHERS, zero=["oracle"], says=["is 'my_oracle' it, renamed?"]),
    Case("syntax_error", change_answer("oracle", "return np.array(", "return np.array(("), full=OTHERS, zero=["oracle"], says=["SyntaxError"]),
    Case("import_error", change_answer("noisy_oracle", "def noisy_oracle(",
                                       "import numpy_but_misspelled\ndef noisy_oracle("), full=ITEMS, says=["ModuleNotFoundError"]),
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
         says=["FileNotFoundError"], needs_isolation=True),
    Case("writes_outside_its_folder", with_oracle(
        f"    open({str(ROOT / 'README.md')!r}, 'a').write('pwned')"), full=OTHERS, zero=["oracle"],
         needs_isolation=True),
    Case("deletes_course_files", with_oracle(
        f"    os.remove({str(SOLUTIONS_DIR / (PART + '.ipynb'))!r})"), full=OTHERS, zero=["oracle"],
         needs_isolation=True),
    Case("network_call", with_oracle("    socket.create_connection(('127.0.0.1', 22), timeout=2)"), full=OTHERS,
         zero=["oracle"], needs_isolation=True),
    Case("patches_the_checks", edit_cells(_patch_the_checks), zero=["oracle"]),
    Case("imports_the_reference", with_oracle("    from autograder.reference import load_reference"),
         full=OTHERS, zero=["oracle"], says=["ModuleNotFoundError"]),
    Case("takes_answers_from_given", with_oracle(
        "    from allab.given import oracle as theirs\n    return theirs(X_query, y_pool, query_idx)"),
         full=OTHERS, zero=["oracle"], says=["No module named 'allab.given'"]),
]
