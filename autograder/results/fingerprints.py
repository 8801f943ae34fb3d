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
"""
import builtins
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

K = 5  # tokens per fingerprint: long enough to be specific, short enough to fit inside one statement
DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
           tokenize.ENDMARKER}
# Python 3.12 splits an f-string into tokens; it is one string all the same.
FSTRING_START, FSTRING_END = getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_END", -2)
BUILTINS = frozenset(dir(builtins))
MAGIC = re.compile(r"^[ \t]*[%!?].*$", re.M)  # IPython magics and shell escapes are no Python


@dataclass(frozen=True)
class Token:
    """A normalised token and where it is in the source (character offsets)."""
    text: str
    start: int
    end: int


def _offsets(source):
    """The character offset of each line's start (tokenize counts rows from 1)."""
    starts, total = [0, 0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _raw_tokens(source):
    """``tokenize``'s tokens of ``source``, as many as it can read: a cell that does not parse (a
    student's syntax error, an unclosed bracket) still has fingerprints up to where it breaks."""
    readline = io.StringIO(MAGIC.sub("", source)).readline
    try:
        yield from tokenize.generate_tokens(readline)
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        return


def _given_by_import(tokens):
    """The names a statement imports under their own names (``import numpy``, ``from x import clone``):
    renaming them would break the import, so they are not the student's names. An alias (``as H``) is."""
    names, alias = set(), False
    for tok in tokens[1:]:
        if tok.type == tokenize.NAME and tok.string not in ("import", "from", "as"):
            if not alias:
                names.add(tok.string.split(".")[0])
            alias = False
        alias = alias or tok.string == "as"
    return names


def _logical_lines(source):
    """The raw tokens of ``source`` grouped by logical line (``;`` splits a line too)."""
    line = []
    for tok in _raw_tokens(source):
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or (tok.type == tokenize.OP and tok.string == ";"):
            if line:
                yield line
            line = []
        elif tok.type not in DROPPED:
            line.append(tok)
    if line:
        yield line


def _is_docstring(line):
    return all(tok.type == tokenize.STRING for tok in line)


def _is_dropped_header(line, functions):
    """Whether ``line`` is the ``def`` header of one of ``functions`` (the hand-out gives it)."""
    return len(line) > 1 and line[0].string == "def" and line[1].string in functions


def statements(source, given=frozenset(), functions=frozenset()):
    """``source`` as a list of statements, each a list of :class:`Token` (see the module docstring).

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
             if not _is_docstring(line) and not _is_dropped_header(line, functions)]
    imports = [line for line in lines if line[0].string in ("import", "from")]
    kept = given | BUILTINS | {name for line in imports for name in _given_by_import(line)}
    offsets = _offsets(source)
    result = []
    for line in lines:
        if line in imports:
            continue
        normalised = _normalise(line, kept, offsets)
        if normalised:
            result.append(normalised)
    return result


def _normalise(line, kept, offsets):
    """The tokens of one logical line, normalised (see the module docstring)."""
    out, depth, in_def, fstring = [], 0, line[0].string == "def", 0
    for i, tok in enumerate(line):
        start = offsets[tok.start[0]] + tok.start[1]
        end = offsets[tok.end[0]] + tok.end[1]
        if tok.type == FSTRING_START:
            fstring += 1
            if fstring == 1:
                out.append(Token("S", start, end))
            continue
        if fstring:
            fstring -= tok.type == FSTRING_END
            out[-1] = Token("S", out[-1].start, end)
            continue
        if tok.type == tokenize.OP:
            depth += tok.string in "([{"
            depth -= tok.string in ")]}"
        out.append(Token(_class(line, i, kept, depth, in_def), start, end))
    return out


def _class(line, i, kept, depth, in_def):
    """The normalised text of token ``line[i]``."""
    tok = line[i]
    if tok.type == tokenize.NUMBER:
        return "N"
    if tok.type == tokenize.STRING:
        return "S"
    if tok.type != tokenize.NAME or keyword.iskeyword(tok.string) or tok.string in kept:
        return tok.string
    after_dot = i > 0 and line[i - 1].string == "."
    keyword_argument = (depth > 0 and not in_def and i + 1 < len(line) and line[i + 1].string == "="
                        and line[i - 1].string in ("(", ","))
    return tok.string if after_dot or keyword_argument else "V"


def fingerprints(source, given=frozenset(), functions=frozenset(), exclude=frozenset()):
    """``{fingerprint: [(start, end), ...]}``: every ``K``-token window of every statement of ``source`` (a
    shorter statement is one window) but those in ``exclude``, with where each occurrence is in ``source``
    (character offsets). ``given`` and ``functions`` are as for :func:`statements`."""
    found = {}
    for statement in statements(source, given, functions):
        texts = [tok.text for tok in statement]
        width = min(K, len(statement))
        for i in range(len(statement) - width + 1):
            key = " ".join(texts[i:i + width])
            if key not in exclude:
                found.setdefault(key, []).append((statement[i].start, statement[i + width - 1].end))
    return found
