"""The import graph of the course's code: one-way layers, no cycles, and the students' package never imports
the grader.

Every ``import`` in every module of ``autograder/`` and ``notebooks/allab/`` counts, also the ones inside
functions (imported late to save start-up time, they are still a dependency) and relative ones.
"""
import ast
import re

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


# The layers, top to bottom: a module imports only from its own layer or below. A module's layer is that of
# the first pattern its name matches, so a new module of a folder (commands/, worker/, results/...) has its
# folder's layer at once. Scoring sits below the results: the outputs print its diagnoses and points.
LAYERS = [
    ("command line", [r"autograder\.__main__", r"autograder\.commands(\..*)?"]),
    ("authoring and grading", [r"autograder\.(authoring|grading|worker|checks)(\..*)?"]),
    ("results", [r"autograder\.results(\..*)?"]),
    ("scoring", [r"autograder\.scoring"]),
    ("shared basics", [r"autograder", r"autograder\.(markscheme|notebook)"]),
    ("the students' package", [r"allab(\..*)?"]),
]


def layer(module):
    """The index in :data:`LAYERS` of ``module``'s layer (0 is the top); None when it is in none."""
    return next((i for i, (_, patterns) in enumerate(LAYERS) for p in patterns if re.fullmatch(p, module)), None)


def upward_imports(edges):
    """``[(module, imported module)]`` of every import of a higher layer's module."""
    return sorted((a, b) for a, targets in edges.items() for b in targets if layer(b) < layer(a))


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in modules() if layer(m) is None)
    assert not unplaced, f"modules in no layer of tests/test_architecture.py's LAYERS: {unplaced}"


def test_the_layers_are_one_way():
    """The command line on top, then authoring and grading (with the worker and the checks), then the
    results, then scoring, then the shared basics and the students' package."""
    wrong = upward_imports(graph())
    named = [f"{a} ({LAYERS[layer(a)][0]}) imports {b} ({LAYERS[layer(b)][0]})" for a, b in wrong]
    assert not wrong, "imports against the layers:\n" + "\n".join(named)


def test_the_layer_rule_sees_an_upward_import():
    assert layer("autograder.commands.grade") == 0 and layer("autograder.worker.limits") == 1
    assert layer("autograder.results.similarity") == 2 and layer("autograder.markscheme") == 4
    assert layer("autograder.somewhere_new") is None
    edges = {"autograder.results.outputs": {"autograder.grading.grade", "autograder.scoring"},
             "autograder.scoring": {"autograder.markscheme"}}
    assert upward_imports(edges) == [("autograder.results.outputs", "autograder.grading.grade")]


# The layers that only compute and write files: what is printed, and main() and argparse, are the command line's.
QUIET_LAYERS = {"results", "scoring", "shared basics"}


def quiet(module):
    """Whether ``module`` is in one of the :data:`QUIET_LAYERS`."""
    return layer(module) is not None and LAYERS[layer(module)][0] in QUIET_LAYERS


def command_line_code(source):
    """``["line N: what"]`` of the command line's code in ``source``: print() calls, a function ``main``, argparse
    imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            found.append((node.lineno, "print()"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main":
            found.append((node.lineno, "def main"))
        elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "argparse" for a in node.names) or \
                isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "argparse":
            found.append((node.lineno, "imports argparse"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


def test_the_engine_leaves_the_command_line_to_the_commands():
    """The results, scoring and the shared basics print nothing and parse no arguments: ``commands/`` and
    ``__main__.py`` do (the grading engine, above them, reports its progress on stderr as it goes)."""
    wrong = {name: found for name, path in modules().items()
             if quiet(name) and (found := command_line_code(path.read_text()))}
    assert not wrong, f"command-line code outside the command line: {wrong}"


def test_the_command_line_rule_sees_a_print_a_main_and_argparse():
    assert quiet("autograder.results.report") and quiet("autograder.scoring") and quiet("autograder")
    assert quiet("autograder.notebook") and quiet("autograder.markscheme")
    assert not quiet("autograder.commands.report") and not quiet("autograder.__main__") and not quiet("allab.check")
    planted = ("import argparse, sys\nfrom argparse import ArgumentParser\n\n\ndef main(args):\n"
               "    print('done', file=sys.stderr)  # print() in a comment is no call\n    return 0\n")
    assert command_line_code(planted) == ["line 1: imports argparse", "line 2: imports argparse",
                                          "line 5: def main", "line 6: print()"]
    assert command_line_code("def main_table(rows):\n    return f'print({rows})'\n") == []


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


def test_importing_the_reference_leaves_allab_mine_alone():
    """Only loading a reference (or asking for it) makes allab.mine give the reference functions."""
    import subprocess
    import sys
    code = ("import allab.mine, autograder.grading.reference as ref, autograder.grading.grade\n"
            "assert allab.mine._SOURCE is allab.mine.from_notebooks, 'an import changed allab.mine'\n"
            "ref.load_reference('part1_basics')\n"
            "assert allab.mine._SOURCE is ref.reference_function\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
