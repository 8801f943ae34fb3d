"""The import graph of the course's code: no cycles, and the students' package never imports the grader.

Every ``import`` in every module of ``autograder/`` and ``notebooks/allab/`` counts, also the ones inside
functions (imported late to save start-up time, they are still a dependency) and relative ones.
"""
import ast

from autograder import NOTEBOOKS_DIR, ROOT

PACKAGES = {"autograder": ROOT / "autograder", "allab": NOTEBOOKS_DIR / "allab"}


def modules():
    """``{module name: path}`` of every module of the course's packages."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(name, path):
    """The absolute names of every module ``path`` (module ``name``) imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from a import b` imports a, and a.b too when b is a module
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def graph():
    """``{module: set of the course's modules it imports}``; a name resolves to its longest known module."""
    known = modules()
    edges = {}
    for name, path in known.items():
        targets = set()
        for target in imported(name, path):
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        edges[name] = targets
    return edges


def find_cycle(edges):
    """One import cycle as a list of modules (first = last), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_relative_and_function_level_imports():
    edges = graph()
    assert "allab.harness" in edges["allab.checks"]  # `from ..harness import LocalCaller`
    assert "allab.check" in edges["autograder.grading.grade"]  # imported inside a function
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_allab_never_imports_the_grader():
    """allab is handed out to students; autograder is not."""
    wrong = {}
    for name, path in modules().items():
        if name.split(".")[0] == "allab":
            grader = sorted(t for t in imported(name, path) if t.split(".")[0] == "autograder")
            if grader:
                wrong[name] = grader
    assert not wrong, f"modules of allab import the grader: {wrong}"


def test_the_readme_names_every_module():
    """The README's table of modules names each one by its path (a part's checks as ``<part>``; the students'
    links to them are the table's ``notebooks/allab/checks/``)."""
    from autograder.grading.runner import check_parts
    readme = (ROOT / "README.md").read_text()
    missing = []
    for path in modules().values():
        rel = path.relative_to(ROOT).as_posix()
        folder = path.parent.name
        if path.name == "__init__.py" and path.parent.parent.name != "checks":
            continue
        if path.parent.parent.name == "checks" and folder in check_parts():
            rel = rel.replace(f"/{folder}/", "/<part>/")
            if path.name == "__init__.py":
                continue
        elif folder == "checks" and path.stem in check_parts() or path.name == "__init__.py":
            rel = path.parent.relative_to(ROOT).as_posix() + "/"
        if f"`{rel}`" not in readme:
            missing.append(rel)
    assert not missing, f"README.md's table of modules does not name {sorted(set(missing))}"


def test_a_copy_of_the_course_refuses_another_checkouts_allab(tmp_path):
    """Run from a copy with the Python where this checkout is installed, the grader would mix the copy's checks
    with this checkout's support package: it stops, naming both and how to install the copy."""
    import os
    import shutil
    import subprocess
    import sys
    for name in ("autograder", "notebooks"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-c", "import autograder"]
    mixed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert mixed.returncode != 0
    assert f"needs its own support package {tmp_path / 'notebooks' / 'allab'}" in mixed.stderr
    assert f"finds {NOTEBOOKS_DIR / 'allab'}" in mixed.stderr and "pip install -e" in mixed.stderr
    own = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path / "notebooks")})
    assert own.returncode == 0, own.stderr
