"""Does a graded function keep the signature the notebook gives?

The student's functions are read from the notebook's source (``ast``), never executed here: a default value
is code, and student code runs only in a worker. The reference signature comes from the reference solution.
A signature problem is the one diagnosis of its item: a check that passes a missing parameter fails with a
bare ``TypeError``, and the student needs to hear once which parameter to restore, not once per check.
"""
import ast
import inspect
import re

from allab.definitions import definitions

KINDS = {"posonly": inspect.Parameter.POSITIONAL_ONLY, "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
         "kwonly": inspect.Parameter.KEYWORD_ONLY}


def student_functions(code_cells, names):
    """``{name: ast.FunctionDef}``: the last top-level definition of each of ``names`` in ``code_cells``.

    Parameters
    ----------
    code_cells : list of (int, str)
        The notebook's code cells, ``(index, source)``; cells that do not parse are skipped.
    names : iterable of str
        The graded function names to look for.
    """
    wanted, found = set(names), {}
    # Parsing is the costly part (a quarter of a second a submission): only cells that may define one.
    defines = re.compile(r"\bdef\s+(?:" + "|".join(map(re.escape, sorted(wanted))) + r")\s*\(")
    for _, source in code_cells:
        if not wanted or not defines.search(source):
            continue
        try:
            statements = definitions(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for stmt in statements:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in wanted:
                found[stmt.name] = stmt
    return found


def _student_parameters(fn):
    """``[(name, kind, has_default)]`` of an ``ast.FunctionDef``, and whether it takes ``*args``/``**kwargs``."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    n_defaults = len(a.defaults)
    params = [(p.arg, KINDS["posonly"] if i < len(a.posonlyargs) else KINDS["args"],
               i >= len(positional) - n_defaults) for i, p in enumerate(positional)]
    params += [(p.arg, KINDS["kwonly"], d is not None) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
    return params, a.vararg is not None, a.kwarg is not None


def signature_problem(fn, reference):
    """What is wrong with the signature of ``fn`` (an ``ast.FunctionDef``) against ``reference`` (a function).

    Returns an empty string when every parameter of the reference can still be passed the way the notebook
    passes it (positional ones by position, keyword ones by name) and no extra parameter is required.
    """
    params, star_args, star_kwargs = _student_parameters(fn)
    names = [p[0] for p in params]
    problems = []
    want = list(inspect.signature(reference).parameters.values())
    for i, p in enumerate(want):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in names:
            continue
        if star_kwargs and p.kind != p.POSITIONAL_ONLY:
            continue
        extra = [n for n, _, _ in params if n not in {q.name for q in want}]
        same_place = names[i] if i < len(names) and names[i] in extra else (extra[0] if len(extra) == 1 else "")
        problems.append(f"`{p.name}` is renamed `{same_place}`" if same_place else f"`{p.name}` is missing")
    reference_names = {q.name for q in want}
    for name, _, has_default in params:
        if name not in reference_names and not has_default and not any(f"`{name}`" in x for x in problems):
            problems.append(f"`{name}` is an extra parameter without a default")
    if not problems:
        return ""
    return (f"keep the signature the notebook gives, {fn.name}{_shown(reference)}: "
            + "; ".join(f"the parameter {p}" for p in problems))


def _shown(reference):
    """The reference signature with its defaults as the notebook writes them (no object reprs)."""
    sig = inspect.signature(reference)
    parts, star = [], False
    for p in sig.parameters.values():
        if p.kind == p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        default = p.default
        if default is p.empty:
            parts.append(p.name)
        else:
            shown = getattr(default, "__name__", None) if callable(default) else repr(default)
            parts.append(f"{p.name}={shown or '...'}")
    return f"({', '.join(parts)})"


def signature_problems(code_cells, reference_namespace, names):
    """``{name: problem}`` for every graded function of ``names`` that is defined with another signature."""
    found = student_functions(code_cells, names)
    problems = {}
    for name, fn in found.items():
        reference = reference_namespace.get(name)
        if callable(reference):
            problem = signature_problem(fn, reference)
            if problem:
                problems[name] = problem
    return problems
