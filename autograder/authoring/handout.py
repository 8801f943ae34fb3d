"""What students get: ``python -m autograder handout --out build/handout.zip``.

The hand-out is the committed student release (``notebooks/``: the notebooks, the ``allab`` support
package with its public checks, the hand-in list and the pre-upload check ``python -m allab.check .``, the
student README) plus a requirements file for students. It holds
no reference code in any form: :func:`leaks` compares every function in it with every reference
graded function, and the command refuses to write a hand-out that has one.
"""
import ast
import io
import json
import re
import sys
import zipfile
from pathlib import Path

from autograder import NOTEBOOKS_DIR, PARTS, ROOT, SOLUTIONS_DIR
from autograder.notebook import answer_cells, read_json_notebook, strip_solution_markers

TOP = "active-learning-lab"
# What only the instructor's tools need (the grader, its pages of written answers, nbgrader's workflow, the test suite,
# its browser test and linters).
GRADER_ONLY = {"nbgrader", "pytest", "tqdm", "playwright", "markdown-it-py", "mdit-py-plugins", "latex2mathml", "nh3",
               "ruff", "mypy"}


def student_requirements(text):
    """``requirements.txt`` without the grader-only packages: each requirement keeps the comment lines
    right above it; a comment followed by a blank line (the file's header) is the course's, not kept."""
    kept, block = ["# What the lab's notebooks need, from the course's requirements.txt. Python 3.11-3.13."], []
    for line in text.splitlines():
        if not line.strip():
            block = []
        elif line.lstrip().startswith("#"):
            block.append(line)
        else:
            name = re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower()
            if name not in GRADER_ONLY:
                kept += [*block, line]
            block = []
    return "\n".join(kept) + "\n"


def handout_files(notebooks_dir=NOTEBOOKS_DIR):
    """``{path in the zip: bytes}``: the notebooks, ``allab`` (sources only), README and requirements."""
    files = {f"{TOP}/{part}.ipynb": (notebooks_dir / f"{part}.ipynb").read_bytes() for part in PARTS}
    for path in sorted([*(notebooks_dir / "allab").rglob("*.py"), *(notebooks_dir / "allab").rglob("*.json")]):
        files[f"{TOP}/{path.relative_to(notebooks_dir).as_posix()}"] = path.read_bytes()
    files[f"{TOP}/README.md"] = (notebooks_dir / "README.md").read_bytes()
    files[f"{TOP}/requirements.txt"] = student_requirements((ROOT / "requirements.txt").read_text()).encode()
    return files


def _body(func):
    """A function's body without its docstring, as a comparable string (names and layout aside)."""
    body = func.body[1:] if ast.get_docstring(func) is not None else func.body
    return ast.dump(ast.Module(body=body, type_ignores=[]), annotate_fields=False)


def _functions(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def reference_bodies(solutions_dir=SOLUTIONS_DIR):
    """``{body: "part:function"}`` of every function defined in the solutions' answer cells."""
    bodies = {}
    for part in PARTS:
        for source in answer_cells(read_json_notebook(solutions_dir / f"{part}.ipynb")).values():
            for func in _functions(strip_solution_markers(source)):
                bodies[_body(func)] = f"{part}:{func.name}"
    return bodies


def _sources(name, data):
    """The Python sources in one file of the hand-out: a module, or a notebook's code cells."""
    if name.endswith(".py"):
        return [data.decode("utf-8", errors="replace")]
    if name.endswith(".ipynb"):
        nb = json.loads(data)
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in nb["cells"] if c["cell_type"] == "code"]
    return []


def leaks(files, bodies=None):
    """What in ``files`` (``{name: bytes}``) gives away the reference: a list of reasons, empty if nothing.

    A function whose body equals a reference function's, an executed notebook (outputs may show
    results), compiled or pickled Python, or a file of the instructor's tools.
    """
    bodies = reference_bodies() if bodies is None else bodies
    found = []
    for name, data in files.items():
        parts = name.split("/")
        if name.endswith((".pyc", ".pyo", ".pkl", ".pickle", ".joblib", ".npy", ".npz")) or "__pycache__" in parts:
            found.append(f"{name}: compiled or pickled data")
        if {"solutions", "autograder", "tests"} & set(parts) or parts[-1] == "given.py":
            found.append(f"{name}: a file of the instructor's tools")
        if name.endswith(".ipynb") and any(c.get("outputs") for c in json.loads(data)["cells"]
                                           if c["cell_type"] == "code"):
            found.append(f"{name}: a notebook with outputs")
        for source in _sources(name, data):
            for func in _functions(source):
                if _body(func) in bodies:
                    found.append(f"{name}: {func.name} is the reference {bodies[_body(func)]}")
    return found


def write_zip(files, out):
    """Write ``files`` into the zip ``out`` (fixed timestamps: the same release gives the same zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(buffer.getvalue())


def main(args):
    files = handout_files()
    found = leaks(files)
    if found:
        print("refusing to write a hand-out that gives away the reference:", *found, sep="\n  ", file=sys.stderr)
        return 1
    write_zip(files, args.out)
    print(f"wrote {args.out}: {len(files)} files ({', '.join(PARTS)}, the allab package, README.md, "
          "requirements.txt); no reference code in it")
    return 0
