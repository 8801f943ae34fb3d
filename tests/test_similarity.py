"""The similarity report: planted copies found through their disguises, the hand-out's code never evidence, the
answer cells found in a submission, and a page that shows students' text without running it."""
import csv
import json
import re

import pytest
from similarity_class import DISGUISES, OWN, SOLUTIONS, STUBS, Class, measure, table

from autograder import ROOT
from autograder.__main__ import main
from autograder.grading.submissions import discover
from autograder.markscheme import load_items, part_functions
from autograder.results.fingerprints import fingerprints, statements
from autograder.results.similarity import (
    ANSWER_CODE,
    Handout,
    answer_code,
    compare_class,
    load_handout,
    submission_pairs,
    write_answer_code,
)
from autograder.results.written import anonymous_id, pseudonym_key


@pytest.fixture(scope="module", params=[(0, 3), (1, 3), (2, 2)], ids=lambda p: f"seed{p[0]}")
def klass(request):
    seed, plant_every = request.param
    return Class(seed=seed, plant_every=plant_every)


@pytest.fixture(scope="module")
def sample():
    return Class(seed=0)


@pytest.fixture(scope="module")
def comparisons(klass):
    return compare_class(klass.code)


def test_every_planted_copy_ranks_above_every_independent_pair(klass, comparisons):
    measured = measure(klass, comparisons)
    print("\n" + table(measured))
    assert all(n >= 7 for n, _, _ in measured["disguises"].values()), measured["disguises"]  # each disguise tested
    missed = {item: f for item, f in measured["functions"].items() if f[1] < f[0] or f[2] < f[0]}
    assert not missed, f"planted pairs not ranked first (planted, in the top k, above all independent):\n{missed}"


def test_the_student_who_copied_everything_ranks_first(klass, comparisons):
    first = submission_pairs(comparisons)[0]
    assert {first.a, first.b} == set(klass.whole)
    assert len(first.flagged) >= 5, first


def _flagged_students(comparisons):
    return {s for c in comparisons for i, j in c.pairs() if c.flagged(i, j) for s in (c.students[i], c.students[j])}


def test_no_pair_is_flagged_for_sharing_the_handouts_code(klass, comparisons):
    assert not set(klass.handout_only) & _flagged_students(comparisons)
    assert not any(s in c.students for c in comparisons for s in klass.handout_only)  # nothing of their own
    # The check can fail: with only the stubs left out (not the demo cells), the two students who pasted the
    # same demo cells into their answers are flagged.
    handout = load_handout()
    stubs = {fp for text in STUBS.values() for fp in fingerprints(text, handout.given, handout.functions)}
    unfiltered = compare_class(klass.code, Handout(handout.given, handout.functions, frozenset(stubs)))
    assert set(klass.handout_only[2:]) <= _flagged_students(unfiltered)


def _prints(text):
    handout = load_handout()
    return set(fingerprints(text, handout.given, handout.functions, handout.prints))


ANSWER = STUBS["noisy_oracle"].replace('    # YOUR CODE HERE\n', '').replace(
    '    raise NotImplementedError("Not written yet: replace this line with your code; the docstring above says '
    'what to return.")', '''    rng = np.random.default_rng(random_state)  # seeded
    labels = np.asarray(y_pool)[query_idx].copy()
    classes = np.unique(y_pool)
    for i in rng.choice(len(labels), size=int(len(labels) * error_rate), replace=False):
        labels[i] = rng.choice(classes[classes != labels[i]])
    return labels''')


@pytest.mark.parametrize("disguise", sorted(DISGUISES))
def test_fingerprints_survive_each_disguise(disguise):
    import random

    from similarity_class import disguised
    copy = disguised(disguise, ANSWER, random.Random(1))
    assert copy is not None and copy != ANSWER
    original, copied = _prints(ANSWER), _prints(copy)
    assert len(original & copied) >= 0.6 * len(original | copied), (original ^ copied)


def test_normalisation():
    text = ('import numpy as xp\nfrom scipy.stats import entropy as H\n%matplotlib inline\n'
            'def oracle(X_query, y_pool, query_idx):\n    """Docs."""\n'
            '    picked = xp.sort(y_pool, axis=0)  # comment\n\n    return H(picked, base=2), len("x"), 3.5\n')
    assert [" ".join(t[0] for t in s) for s in statements(text, functions={"oracle"})] == [
        "V = V . sort ( V , axis = N )", "return V ( V , base = N ) , len ( S ) , N"]
    # names the hand-out gives stay; so do names imported under their own name
    assert [t[0] for t in statements("x = np.sort(clone(y))\n", given={"np"})[0]] == \
        ["V", "=", "np", ".", "sort", "(", "V", "(", "V", ")", ")"]
    assert [t[0] for t in statements("from sklearn.base import clone\nx = clone(y)\n")[0]][2] == "clone"
    # code that does not parse still has fingerprints up to where it breaks
    assert statements("x = f(1)\ny = g(\n") and statements("x = f(1)\n  y = 2\n")


def test_answer_code_is_the_last_cell_that_defines_the_function():
    cells = [(0, "import numpy as np"), (1, "def oracle(a, b, c):\n    return 1\n"),
             (2, "def oracle_helper():\n    pass\n"), (3, "x = 1\ndef oracle (a, b, c):\n    return 2\n")]
    assert answer_code(cells, ["oracle", "noisy_oracle"]) == {"oracle": cells[3][1], "noisy_oracle": None}


def test_grade_saves_every_students_answer_cells(tmp_path):
    submissions = discover([ROOT / "data" / "example_submissions"], part_functions())
    write_answer_code(submissions, tmp_path / ANSWER_CODE)
    saved = json.loads((tmp_path / ANSWER_CODE).read_text())["students"]
    assert set(saved) == {"alice_complete", "bob_partial", "carol_broken"}
    assert set(saved["alice_complete"]) == {it.name for it in load_items()}
    assert "def uncertainty_sampling" in saved["carol_broken"]["part1.uncertainty_sampling"]
    assert saved["bob_partial"]["part4.modal_learning_loop"] is None  # Part 4 not handed in


def _write_class(folder, code):
    folder.mkdir()
    (folder / ANSWER_CODE).write_text(json.dumps({"students": code}))


def test_the_page_shows_the_pairs_escaped_and_runs_nothing(tmp_path, sample, capsys):
    klass = sample
    source, copier = klass.whole
    hostile = '<script>alert("name")</script>'
    code = {(hostile if s == copier else s): answers for s, answers in klass.code.items()}
    item = next(iter(klass.planted))
    code[source] = dict(code[source], **{item: code[source][item] + "\n# </pre><script>alert(1)</script>\n"})
    _write_class(tmp_path / "graded", code)
    assert main(["similarity", str(tmp_path / "graded")]) == 0
    assert "pair(s) of answers flagged" in capsys.readouterr().out
    page = (tmp_path / "graded" / "similarity" / "index.html").read_text()
    assert "<script" not in page.lower()
    assert html_escaped(hostile) in page and "<mark>" in page
    with open(tmp_path / "graded" / "similarity" / "submissions.csv", newline="") as f:
        first = next(csv.DictReader(f))
    assert {first["student_a"], first["student_b"]} == {source, hostile}
    with open(tmp_path / "graded" / "similarity" / "pairs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert any(r["flagged"] == "yes" and {r["student_a"], r["student_b"]} == {source, hostile} for r in rows)


def html_escaped(text):
    import html
    return html.escape(text)


def test_anonymous_view_shows_no_names(tmp_path, sample):
    klass = sample
    _write_class(tmp_path / "graded", klass.code)
    assert main(["similarity", str(tmp_path / "graded"), "--anonymous"]) == 0
    out = tmp_path / "graded" / "similarity"
    written = "".join((out / name).read_text() for name in ("index.html", "pairs.csv", "submissions.csv"))
    assert not re.search(r"student\d{3}", written)
    key = pseudonym_key(tmp_path / "graded")  # the folder's secret, the one `answers --anonymous` uses
    assert anonymous_id(klass.whole[0], key) in written and anonymous_id(klass.whole[1], key) in written


def test_a_folder_without_answer_code_is_a_clear_error(tmp_path, capsys):
    assert main(["similarity", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "answer_code.json" in err and "python -m autograder grade" in err
    (tmp_path / ANSWER_CODE).write_text('{"students": {"a": {"part1.oracle": 3}}}')
    assert main(["similarity", str(tmp_path)]) == 2
    assert "is not one `grade` wrote" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("function", sorted(OWN))
def test_the_independent_solutions_pass_the_public_checks(function):
    """The test's own solutions are correct ones (as far as the public checks tell), not strawmen."""
    import importlib

    import numpy as np
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    from autograder.markscheme import function_part
    from autograder.notebook import strip_solution_markers
    check = importlib.import_module(f"allab.checks.{function_part(function)}")
    earlier = {"np": np, "LogisticRegression": LogisticRegression, "clone": clone}
    for name in ("uncertainty_sampling", "oracle", "active_learning_loop"):  # what the loops call
        exec(strip_solution_markers(SOLUTIONS[name]), earlier)
    for text in OWN[function]:
        namespace = dict(earlier)
        exec(text, namespace)
        getattr(check, function)(namespace[function])  # raises AssertionError, saying what, when one fails
