"""Fingerprints of Python code that survive the usual disguises of a copy.

A piece of code becomes a list of *statements* (logical lines), each a list of normalised tokens:

- the names a student chooses (variables, parameters, their helper functions, import aliases) all become
  ``V``; what they cannot rename without changing the program stays: keywords, builtins, attributes
  (``np.argsort``), keyword arguments of calls (``axis=``) and the names the hand-out imports or defines;
- numbers become ``N`` and strings ``S``; comments, docstrings, blank lines, indentation, imports, IPython
  magics (``%matplotlib``) and the header of the graded function (``def name(...):``, given) are dropped.

Its fingerprints are the ``K``-token windows of each statement (a shorter statement is one fingerprint):
a set, so that statements in another order, a blank line or a comment more change nothing, and a loop
rewritten as a comprehension keeps the windows of its expressions. Every window is kept (winnowing's
selection would throw most of a ten-line function's evidence away to save memory it does not need).

The tokens come from one regular expression, not from ``tokenize``: in Python 3.11 ``tokenize`` is pure
Python and took two thirds of the time on a class of 200; the expression also reads code that does not
parse (a student's syntax error, an unclosed bracket) to its end.
"""
import builtins
import keyword
import re

K = 5  # tokens per fingerprint: long enough to be specific, short enough to fit inside one statement
BUILTINS = frozenset(dir(builtins))
MAGIC = re.compile(r"^[ \t]*[%!?].*$", re.M)  # IPython magics and shell escapes are no Python
TOKEN = re.compile(r"""
 (?P<comment>\#[^\r\n]*)
|(?P<string>(?i:[rbuf]{0,2})(?:'''(?s:.*?)'''|\"\"\"(?s:.*?)\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"))
|(?P<number>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)
|(?P<name>[^\W\d]\w*)
|(?P<op>\*\*=|//=|>>=|<<=|\.\.\.|->|:=|[-+*/%&|^@<>=!]=|\*\*|//|<<|>>|[-+*/%&|^~<>=.,:;@()\[\]{}])
|(?P<newline>\r?\n)
|(?P<skip>\\\r?\n)
""", re.X)  # what matches nothing (spaces, a stray `$`) finditer skips


def _logical_lines(source):
    """The tokens ``(kind, text, start, end)`` of ``source`` grouped by logical line (a newline inside
    brackets continues the line; ``;`` ends one too)."""
    line, depth = [], 0
    for match in TOKEN.finditer(MAGIC.sub(lambda m: " " * len(m.group()), source)):
        kind = match.lastgroup
        if kind == "op":
            text = match.group()
            if text == ";" and depth == 0:
                if line:
                    yield line
                line = []
                continue
            depth += text in "([{"
            depth = max(0, depth - (text in ")]}"))
            line.append((kind, text, match.start(), match.end()))
        elif kind == "newline":
            if depth == 0 and line:
                yield line
                line = []
        elif kind != "comment" and kind != "skip":
            line.append((kind, match.group(), match.start(), match.end()))
    if line:
        yield line


def _given_by_import(line):
    """The names an import imports under their own names (``import numpy``, ``from x import clone``):
    renaming them would break the import, so they are not the student's names. An alias (``as H``) is."""
    names, alias = set(), False
    for kind, text, _, _ in line[1:]:
        if kind == "name" and text not in ("import", "from", "as"):
            if not alias:
                names.add(text)
            alias = False
        alias = alias or text == "as"
    return names


def _is_docstring(line):
    return all(kind == "string" for kind, _, _, _ in line)


def _is_given_header(line, functions):
    """Whether ``line`` is the ``def`` header of one of ``functions`` (the hand-out gives it)."""
    return len(line) > 1 and line[0][1] == "def" and line[1][1] in functions


def statements(source, given=frozenset(), functions=frozenset()):
    """``source`` as a list of statements, each a list of ``(normalised text, start, end)`` (character
    offsets into ``source``; see the module docstring).

    Parameters
    ----------
    source : str
        Python code (a notebook cell).
    given : set of str
        Names kept as they are: those the hand-out imports or defines.
    functions : set of str
        Functions whose ``def`` header is dropped (the hand-out's signatures).
    """
    lines = [line for line in _logical_lines(source)
             if not _is_docstring(line) and not _is_given_header(line, functions)]
    imports = [line for line in lines if line[0][1] in ("import", "from")]
    kept = given | BUILTINS | {name for line in imports for name in _given_by_import(line)}
    return [_normalise(line, kept) for line in lines if line[0][1] not in ("import", "from")]


def _normalise(line, kept):
    """The tokens of one logical line, normalised (see the module docstring)."""
    out, depth, in_def = [], 0, line[0][1] == "def"
    for i, (kind, text, start, end) in enumerate(line):
        if kind == "op":
            depth += text in "([{"
            depth -= text in ")]}"
        elif kind == "number":
            text = "N"
        elif kind == "string":
            text = "S"
        elif not (keyword.iskeyword(text) or text in kept or _is_api_name(line, i, depth, in_def)):
            text = "V"
        out.append((text, start, end))
    return out


def _is_api_name(line, i, depth, in_def):
    """Whether the name ``line[i]`` is an attribute (``.argsort``) or a keyword argument of a call
    (``axis=``): names of the library, not the student's."""
    before = line[i - 1][1] if i else ""
    after = line[i + 1][1] if i + 1 < len(line) else ""
    return before == "." or (depth > 0 and not in_def and after == "=" and before in ("(", ","))


def fingerprints(source, given=frozenset(), functions=frozenset(), exclude=frozenset()):
    """``{fingerprint: [(start, end), ...]}``: every ``K``-token window of every statement of ``source`` (a
    shorter statement is one window) but those in ``exclude``, with where each occurrence is in ``source``
    (character offsets). ``given`` and ``functions`` are as for :func:`statements`."""
    found = {}
    for statement in statements(source, given, functions):
        texts = [text for text, _, _ in statement]
        width = min(K, len(statement))
        for i in range(len(statement) - width + 1):
            key = " ".join(texts[i:i + width])
            if key not in exclude:
                found.setdefault(key, []).append((statement[i][1], statement[i + width - 1][2]))
    return found
