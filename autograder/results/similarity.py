"""Which students handed in alike code, graded function by graded function.

Each student's answer to a graded function (the cell that defines it: see :func:`answer_code`) becomes a
set of fingerprints (:mod:`autograder.results.fingerprints`), less every fingerprint of the hand-out's
code (the stubs, the demo cells; renamed, it is still the hand-out's). Two answers are compared by what
they share, each fingerprint weighted by how rare it is among the answers to that function
(``log((n+1)/holders)``: one that every student has weighs almost nothing):

- *similarity*: twice the weight the two share over the sum of their weights, each counted with PRIOR
  more fragments of its own (so that the two shared fragments of a two-line answer are not 100%);
- *z*: how unusual that is for this function: how many spreads the pair lies above the class's typical pair
  (median and scaled median absolute deviation of all pairs, which a few copies do not move; the standard
  deviation when most pairs are alike the same). None below MIN_ANSWERS answers: too few to tell;
- *flagged*: z >= Z_FLAG, similarity >= SIMILARITY_FLAG, at least SHARED_FLAG fingerprints shared (about a
  line of code), and no crowd: at most CROWD other answers as alike to either of the two (an answer that
  many students wrote the same way is no evidence against any two of them).

The whole-submission view (:func:`submission_pairs`) ranks the pairs of students by the number of
functions on which they are flagged.
"""
import ast
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from autograder import NOTEBOOKS_DIR
from autograder.markscheme import load_items
from autograder.notebook import read_json_notebook, source
from autograder.results.fingerprints import fingerprints

ANSWER_CODE = "answer_code.json"  # what `grade` saves of each student's answer cells
MAX_ANSWER_CHARS = 20_000
Z_FLAG = 3.0
SIMILARITY_FLAG = 0.5
SHARED_FLAG = 8
MIN_ANSWERS = 6
CROWD = 3
PRIOR = 2  # fragments found in no other answer, added to each: a tiny answer's few shared fragments are not 100%


class SimilarityError(Exception):
    """``DIR`` holds no answer code of a ``grade`` run (exit code 2)."""


def answer_code(code_cells, functions):
    """``{function: source of the cell defining it, or None}``: for each of ``functions``, the last code
    cell (of ``code_cells``, ``[(index, source)]``) with a ``def`` of it at the top level, the one that
    runs. Found by its text, not its grade_id: a copied or re-made cell counts too."""
    found = dict.fromkeys(functions)
    for _, text in code_cells:
        for function in functions:
            if re.search(rf"^def\s+{re.escape(function)}\s*\(", text, re.M):
                found[function] = text[:MAX_ANSWER_CHARS]
    return found


def submission_code(submission):
    """``{item name: answer source or None}`` of every graded function, for one
    :class:`~autograder.grading.submissions.Submission` (a part not handed in: None)."""
    code = {}
    for part in {it.part for it in load_items()}:
        nb = submission.notebooks.get(part)
        items = [it for it in load_items() if it.part == part]
        found = answer_code(nb.code_cells if nb else [], [it.function for it in items])
        code.update({it.name: found[it.function] for it in items})
    return code


def write_answer_code(submissions, path, everyone=None):
    """``answer_code.json``: every student's answer cells (for ``similarity``).

    ``submissions`` are read now; the other students of ``everyone`` (the gradebook's, when only some
    students were graded into the folder) keep the code the file already holds for them.
    """
    try:
        kept = read_answer_code(Path(path).parent) if everyone is not None else {}
    except SimilarityError:
        kept = {}
    students = {name: code for name, code in kept.items() if name in set(everyone or ())}
    students.update((sub.student, submission_code(sub)) for sub in submissions)
    data = {"students": dict(sorted(students.items()))}
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_answer_code(folder):
    """``{student: {item name: source or None}}`` from ``folder/answer_code.json`` (raises SimilarityError)."""
    path = Path(folder) / ANSWER_CODE
    try:
        students = json.loads(path.read_text(encoding="utf-8"))["students"]
        if not all(isinstance(code, dict) and all(isinstance(s, (str, type(None))) for s in code.values())
                   for code in students.values()):
            raise ValueError("a student's entry is not {item: source}")
        return students
    except FileNotFoundError:
        raise SimilarityError(f"no {path}: run `python -m autograder grade ... --out {folder}` first "
                              "(it saves the answer cells there)") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SimilarityError(f"{path} is not one `grade` wrote: {exc}") from exc


@dataclass(frozen=True)
class Handout:
    """What every student was given: the names it defines or imports, its functions (whose headers are
    given) and the fingerprints of its code (renamed, it is still the hand-out's)."""
    given: frozenset
    functions: frozenset
    prints: frozenset


def _bound_names(tree):
    """The names a hand-out cell imports or defines at the top level."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


@lru_cache(maxsize=None)
def load_handout(folder=NOTEBOOKS_DIR):
    """The :class:`Handout` of the notebooks in ``folder`` (``notebooks/``)."""
    cells = [source(c) or "" for path in sorted(Path(folder).glob("*.ipynb"))
             for c in read_json_notebook(path)["cells"] if c["cell_type"] == "code"]
    given = set()
    for cell in cells:
        try:
            given |= _bound_names(ast.parse(cell))
        except SyntaxError:
            continue
    functions = frozenset(it.function for it in load_items())
    prints = {fp for cell in cells for fp in fingerprints(cell, frozenset(given), functions)}
    return Handout(frozenset(given), functions, frozenset(prints))


@dataclass
class Comparison:
    """All pairs of one graded function's answers.

    Attributes
    ----------
    item : str
        The item's name (``part1.uncertainty_sampling``).
    students : list of str
        The students with code of their own in this answer (the others are not compared).
    answers : dict
        ``{student: answer source}``.
    prints : dict
        ``{student: {fingerprint: [(start, end), ...]}}``, the hand-out's left out.
    similarity, shared, z, flags : ndarray
        Pair by pair (rows and columns in the order of ``students``): the similarity, the number of
        fingerprints shared, how unusual the similarity is (NaN when there are too few answers) and
        whether the pair is flagged.
    """
    item: str
    students: list
    answers: dict
    prints: dict
    similarity: np.ndarray
    shared: np.ndarray
    z: np.ndarray
    flags: np.ndarray

    def flagged(self, i, j):
        """Whether the pair ``(students[i], students[j])`` is flagged (see the module docstring)."""
        return bool(self.flags[i, j])

    def pairs(self):
        """``[(i, j)]`` of every pair that shares something, most alike first."""
        i, j = np.triu_indices(len(self.students), k=1)
        keep = self.shared[i, j] > 0
        i, j = i[keep], j[keep]
        order = np.lexsort((-self.shared[i, j], -self.similarity[i, j]))
        return list(zip(i[order].tolist(), j[order].tolist(), strict=True))

    def spans(self, a, b):
        """``(spans in a's answer, spans in b's answer)`` of the fingerprints students ``a`` and ``b`` share:
        where to mark their shared fragments."""
        common = self.prints[a].keys() & self.prints[b].keys()
        return ([s for fp in common for s in self.prints[a][fp]], [s for fp in common for s in self.prints[b][fp]])


def compare(item, answers, handout):
    """The :class:`Comparison` of ``answers`` (``{student: source or None}``) to the graded function
    ``item`` (an :class:`~autograder.markscheme.Item`), the ``handout``'s code left out."""
    prints = _fingerprint_answers(answers, handout)
    students = sorted(prints)
    x = _incidence([prints[s] for s in students])
    similarity = _similarity(x)
    shared = (x @ x.T).toarray()
    z = _unusual(similarity)
    return Comparison(item.name, students, {s: answers[s] for s in students}, prints, similarity, shared, z,
                      _flags(similarity, shared, z))


def _fingerprint_answers(answers, handout):
    """``{student: fingerprints}`` of the answers with code of their own (beyond the hand-out's)."""
    cache, prints = {}, {}
    for student, text in answers.items():
        if text:
            if text not in cache:  # untouched stubs, and copies, are fingerprinted once
                cache[text] = fingerprints(text, handout.given, handout.functions, handout.prints)
            if cache[text]:
                prints[student] = cache[text]
    return prints


def _incidence(prints):
    """The sparse 0/1 matrix of which answer (row) has which fingerprint (column)."""
    from scipy.sparse import csr_matrix  # scikit-learn's dependency
    vocabulary, rows, cols = {}, [], []
    for row, found in enumerate(prints):
        for fp in found:
            rows.append(row)
            cols.append(vocabulary.setdefault(fp, len(vocabulary)))
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(prints), len(vocabulary)))


def _similarity(x):
    """Pair by pair, the weighted Dice similarity of the rows of ``x`` (see the module docstring)."""
    n = x.shape[0]
    weight = np.log((n + 1) / np.asarray(x.sum(axis=0)).ravel())
    shared_weight = (x.multiply(weight[None, :]) @ x.T).toarray()
    own = np.asarray(x @ weight).ravel() + PRIOR * np.log((n + 1) / 2)  # as if PRIOR more, found in no one else
    similarity = 2 * shared_weight / (own[:, None] + own[None, :])
    np.fill_diagonal(similarity, 0)
    return similarity


def _unusual(similarity):
    """How many spreads above the typical pair each pair's similarity is (NaN below MIN_ANSWERS answers).

    Typical and spread are the median and the scaled median absolute deviation of all pairs, robust to a
    few copies; when most pairs are alike the same (MAD 0) the spread is the standard deviation."""
    n = len(similarity)
    z = np.full_like(similarity, np.nan)
    if n < MIN_ANSWERS:
        return z
    values = similarity[np.triu_indices(n, k=1)]
    centre = np.median(values)
    spread = 1.4826 * np.median(np.abs(values - centre)) or values.std()
    if spread > 0:
        z = (similarity - centre) / spread
    else:
        z = np.zeros_like(similarity)
    np.fill_diagonal(z, np.nan)
    return z


def _flags(similarity, shared, z):
    """Which pairs are flagged: unusual, alike and sharing more than a line, and not one of a crowd (no more
    than CROWD other answers as alike to either of the two: an answer that many wrote is no pair's evidence)."""
    with np.errstate(invalid="ignore"):  # NaN z: not judged
        flags = (z >= Z_FLAG) & (similarity >= SIMILARITY_FLAG) & (shared >= SHARED_FLAG)
    i, j = np.nonzero(flags)
    as_alike = np.maximum(similarity[i], similarity[j]) >= similarity[i, j][:, None]
    flags[i, j] = as_alike.sum(axis=1) - 2 <= CROWD  # less the pair itself
    return flags


def compare_class(code, handout=None):
    """``[Comparison]`` of every graded function, in lab order, for ``code`` (``{student: {item name:
    source}}``, as :func:`read_answer_code` gives it)."""
    handout = handout or load_handout()
    return [compare(it, {s: entries.get(it.name) for s, entries in code.items()}, handout) for it in load_items()]


@dataclass(frozen=True)
class PairSummary:
    """A pair of students across all graded functions: the whole-submission view."""
    a: str
    b: str
    flagged: tuple  # the items on which the pair is flagged
    mean_z: float   # over the functions both answered with code of their own (NaN when none has a z)
    compared: int   # how many functions both answered


def submission_pairs(comparisons):
    """``[PairSummary]`` of every pair of students flagged on some function, alike on the most functions
    first (then by mean z)."""
    flagged = {}
    for c in comparisons:
        for i, j in zip(*np.nonzero(np.triu(c.flags, k=1)), strict=True):
            flagged.setdefault((c.students[i], c.students[j]), []).append(c.item)
    indexes = [{s: n for n, s in enumerate(c.students)} for c in comparisons]
    summaries = []
    for (a, b), items in flagged.items():
        zs = [float(c.z[index[a], index[b]])
              for c, index in zip(comparisons, indexes, strict=True) if a in index and b in index]
        known = [z for z in zs if not math.isnan(z)]
        summaries.append(PairSummary(a, b, tuple(items), float(np.mean(known)) if known else math.nan, len(zs)))
    return sorted(summaries, key=lambda p: (-len(p.flagged), -np.nan_to_num(p.mean_z, nan=-np.inf), p.a, p.b))
