"""What students read: each changed claim or number checked against what it says (issues 13 and 18), and scans of
all student text for notes about the original handout and for numbers that depend on the student's own code.

The figures' fixes are checked on the executed notebooks in test_notebooks.py
(test_figures_show_what_the_text_says, test_figures_read_as_a_reader_would).
"""
import json
import re

import numpy as np
import pytest

from autograder import NOTEBOOKS_DIR, PARTS, ROOT, SOLUTIONS_DIR
from autograder.notebook import nbgrader_meta, read_json_notebook, source


def cells(part, folder=SOLUTIONS_DIR):
    return read_json_notebook(folder / f"{part}.ipynb")["cells"]


def text_of(part, start):
    found = [source(c) for c in cells(part) if source(c).startswith(start)]
    assert len(found) == 1, f"{part}: no single cell starting {start!r}"
    return found[0]


@pytest.mark.parametrize("part", [p for p in PARTS if p != "part0_overview"])
def test_each_notebook_announces_the_hidden_checks_once_near_its_first_check(part):
    nb = cells(part, NOTEBOOKS_DIR)
    first_check = next(i for i, c in enumerate(nb) if nbgrader_meta(c).get("grade_id", "").startswith("check_"))
    announcing = [i for i, c in enumerate(nb) if "*hidden* checks run as well" in source(c)]
    assert announcing == [first_check + 1], (first_check, announcing)
    text = source(nb[first_check + 1])
    for scope in ("other inputs", "edge cases", "several classes"):
        assert scope in text


def test_part3_says_how_each_binary_score_moves_with_p():
    """Least confidence and entropy fall as |p - 0.5| grows, the margin |2p - 1| grows: the text says so,
    and the numbers agree."""
    text = " ".join(text_of("part3_experiments", "## Which query strategy works best?").split())
    assert "decreasing function of |p - 0.5|, so" not in text
    assert "least confidence and entropy decrease as it grows, the margin |2p - 1| grows with it" in text
    p = np.linspace(0.5, 1.0, 51)
    distance = np.abs(p - 0.5)
    least_confidence = 1 - np.maximum(p, 1 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nan_to_num(p * np.log(p)) - np.nan_to_num((1 - p) * np.log(1 - p))
    margin = np.abs(2 * p - 1)
    assert np.all(np.diff(least_confidence) < 0) and np.all(np.diff(entropy) < 0)
    assert np.all(np.diff(margin) > 0) and np.allclose(margin, 2 * distance)


def test_part4_promises_no_curve_that_depends_on_an_unstated_tie_rule():
    # No docstring fixes how ties are broken, so the prose may point at ties but not promise equal curves.
    text = " ".join(text_of("part4_modal", "The three curves start at the same point").split())
    assert "how your strategies break ties" in text
    assert not any(claim in text for claim in ("identical", "reproduces", "exactly"))


def test_check_messages_name_the_classes_expected():
    from allab.checks import part1_basics as part1
    from allab.harness import LocalCaller

    def one_class_split(X_train, y_train, n_initial=20, *, random_state=None):
        rng = np.random.default_rng(random_state)
        order = rng.permutation(np.flatnonzero(np.asarray(y_train) == 0))
        lab = order[:n_initial]
        pool = np.setdiff1d(np.arange(len(y_train)), lab)
        return X_train[lab], y_train[lab], X_train[pool], y_train[pool], pool

    with pytest.raises(AssertionError) as info:
        part1.create_initial_split.run(LocalCaller({"create_initial_split": one_class_split}))
    assert "every class of y_train at least once (0, 1 and 2); it holds only [0]" in str(info.value)


@pytest.mark.parametrize("returned, shown", [
    (lambda p: (1 - p.max(axis=1))[:2], "these are scores, not indices"),
    (lambda p: np.array([0, 9]), "expected row indices from 0 to 4"),
])
def test_public_checks_tell_indices_from_scores(returned, shown):
    """Scores are no longer cast to int (which showed "got [0, 0]")."""
    from allab.checks import part1_basics as part1
    from allab.harness import LocalCaller

    def student(model, X_pool, n_samples=10):
        return returned(model.predict_proba(X_pool))

    with pytest.raises(AssertionError) as info:
        part1.uncertainty_sampling.run(LocalCaller({"uncertainty_sampling": student}))
    assert shown in str(info.value) and "got [0, 0]" not in str(info.value)


@pytest.mark.slow
def test_ex_3_1_targets_tell_the_two_runs_apart(ref):
    """Ex. 3.1's targets and target line are ones the two runs reach with different numbers of labels (85%
    was met by both at the 20 starting labels)."""
    from allab.data import load_lab_data
    nb = cells("part3_experiments")
    loop = next(source(c) for c in nb if "for target in (" in source(c))
    targets = [float(t) for t in re.search(r"for target in \(([^)]*)\)", loop).group(1).split(",") if t.strip()]
    line = float(re.search(r"target=(0\.\d+)\)", next(source(c) for c in nb if "part3_learning_curves" in source(c)
                                                       and "save_figure" in source(c))).group(1))
    p1, p2, p3 = ref("part1_basics"), ref("part2_strategies"), ref("part3_experiments")
    X_train, X_test, y_train, y_test = load_lab_data()
    split = p1["create_initial_split"](X_train, y_train, n_initial=20, random_state=0)[:4]
    active = p1["active_learning_loop"](*split, X_test, y_test, n_iterations=20, n_queries=10, verbose=False)
    random = p2["random_sampling_loop"](*split, X_test, y_test, n_iterations=20, n_queries=10, random_state=0,
                                        verbose=False)
    assert active[0][0] > 0.85, "the reason 85% was dropped: the starting set alone reaches it"
    for target in [*targets, line]:
        n_active = p3["labels_to_target"](*active, target)
        n_random = p3["labels_to_target"](*random, target)
        assert n_active is not None and n_active > 20, (target, n_active)
        assert n_random is None or n_random > n_active, (target, n_active, n_random)
    assert line in targets


@pytest.mark.slow
def test_part4_modal_entropy_reproduces_the_loop_only_with_its_tie_rule(ref):
    """The claim as the notebook now states it: with the Part 1 loop's tie rule the modAL entropy run equals
    the loop; another correct tie rule gives another curve."""
    import warnings

    from sklearn.ensemble import RandomForestClassifier

    from allab.data import load_lab_data
    p1, p4 = ref("part1_basics"), ref("part4_modal")
    X_train, X_test, y_train, y_test = load_lab_data()
    data = (*p1["create_initial_split"](X_train, y_train, n_initial=20, random_state=0)[:4], X_test, y_test)
    entropy = p4["entropy"]

    def last_of_ties_first(classifier, X_pool, n_instances=1):
        H = entropy(classifier.predict_proba(X_pool), axis=1)
        idx = np.argsort(H)[-n_instances:][::-1]
        return idx, X_pool[idx]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scratch = p1["active_learning_loop"](*data, model=RandomForestClassifier(random_state=42), verbose=False)[0]
        same = p4["modal_learning_loop"](*data, query_strategy=p4["entropy_query_strategy"], verbose=False)[0]
        other = p4["modal_learning_loop"](*data, query_strategy=last_of_ties_first, verbose=False)[0]
    assert same == scratch
    assert other != scratch


# --- Issue 18: the student's text speaks to students, and no number in it depends on the student's own code.
# What a student reads: the released notebooks (markdown; the strings and comments of code cells, i.e. what they
# print, plot and explain), the hand-out README, and allab's modules. Docstrings of the functions to write are
# rules, not results: they are scanned for the handout, not for numbers.

def code_texts(code, docstrings=False):
    """The string constants and comments of ``code`` (no f-string format specs; docstrings only if asked)."""
    import ast
    import io
    import tokenize
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return [code]
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            skip |= {id(n) for n in ast.walk(node.format_spec)}
        if not docstrings and isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) \
                and ast.get_docstring(node) is not None:
            skip.add(id(node.body[0].value))
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
               and id(n) not in skip]
    comments = [t.string for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type == tokenize.COMMENT]
    return strings + comments


def student_texts(docstrings=False):
    """``(document, text)`` for what a student reads in the hand-out."""
    for part in PARTS:
        for cell in cells(part, NOTEBOOKS_DIR):
            if cell["cell_type"] == "markdown":
                yield part, source(cell)
            else:
                yield from ((part, text) for text in code_texts(source(cell), docstrings))
    yield "README.md", (NOTEBOOKS_DIR / "README.md").read_text()
    if docstrings:
        for module in sorted((NOTEBOOKS_DIR / "allab").rglob("*.py")):
            yield from ((module.name, text) for text in code_texts(module.read_text(), docstrings=True))


EXERCISE = re.compile(r"\b(?:Ex\.|Exercises?|Bonus|Part|Parts) \d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?")
# A version, "N of M", a decimal, a percentage or a p-value: the shapes in which a result is reported.
NUMBER = re.compile(r"(?<![\w.])(?:\d+(?:\.\d+){2,}|\d+ of (?:the )?\d+|\d+(?:\.\d+)?%|[-+]?\d*\.\d+(?:e-?\d+)?"
                    r"|\d+e-\d+)(?![\w])")
# Phrases that report one run's outcome as a fact ("here they reach ...", "in these runs").
OUTCOME = re.compile(r"\bhere (?:it|they|we) (?:reach|reaches|gets?|wins?)\b|\bin these runs\b"
                     r"|\bmarginally (?:ahead|better|worse)\b", re.IGNORECASE)

# Every number the student's text may state, per document, and why it is the same for every correct
# implementation (a setting of the lab, a fact of the data or of a library, or a published result).
FIXED_NUMBERS = {
    "part0_overview": {"0.45": "the uncertain band, given code", "0.55": "the uncertain band, given code",
                       "0.5": "P = 0.5, the boundary"},
    "part1_basics": {"70%": "the train/test split", "30%": "the train/test split", "0.5": "P = 0.5"},
    "part2_strategies": {"0.5": "P = 0.5"},
    "part3_experiments": {
        "0.5": "P = 0.5", "85%": "the headline target, a setting",
        "90%": "the full-pool accuracy of the lab data: scikit-learn only (test_claims' ceiling test)",
        "4.5": "the square root of 20", "1%": "flip_y=0.01 of load_hard_data, a setting",
        "2 of the 1000": "labels flip_y changes in load_hard_data (test_flip_y_changes_what_the_text_says)",
        "23 of 26": "published (Lu, Li and Lin, 2023)", "+0.001": "published", "+0.030": "published"},
    "part4_modal": {"0.4.2.1": "modAL's version", "1.6": "scikit-learn's version", "1.7": "scikit-learn's version",
                    "1.8": "scikit-learn's version"},
    "bonus": {"90%": "the imbalance, a setting", "10%": "the imbalance, a setting", "70%": "the split",
              "30%": "the split", "97%": "Bonus 2's target, a setting"},
    "README.md": {"3.11": "Python's version", "3.12": "Python's version", "3.13": "Python's version"},
}


def numbers_in(text):
    """The numbers ``text`` states, besides exercise and part numbers."""
    return set(NUMBER.findall(EXERCISE.sub("", text)))


def unexplained_numbers(texts):
    """``(document, number)`` for every number of ``texts`` that FIXED_NUMBERS does not explain."""
    return {(doc, n) for doc, text in texts for n in numbers_in(text) if n not in FIXED_NUMBERS.get(doc, {})}


def test_the_number_scan_flags_results_and_passes_settings():
    planted = "Here they reach 0.863, and it wins on 7 of 20 starting sets (p = 4e-06, 55.6% saved)."
    assert numbers_in(planted) == {"0.863", "7 of 20", "4e-06", "55.6%"}
    assert OUTCOME.search(planted)
    assert numbers_in("Ex. 3.1, Exercise 1.2 and Part 3 use 0.45 < P < 0.55 with modAL 0.4.2.1") == \
        {"0.45", "0.55", "0.4.2.1"}
    assert unexplained_numbers([("part0_overview", "0.45 < P(class 1) < 0.55"), ("part3_experiments", planted)]) \
        == {("part3_experiments", n) for n in ("0.863", "7 of 20", "4e-06", "55.6%")}
    assert not OUTCOME.search("Compare the count of wins printed above with the headline experiment's.")


def test_no_number_that_depends_on_the_students_code_in_student_text():
    """A number a student reads is printed by their notebook, or is one of FIXED_NUMBERS (issue 18)."""
    texts = list(student_texts())
    assert not unexplained_numbers(texts), sorted(unexplained_numbers(texts))
    outcomes = [(doc, m.group(0)) for doc, text in texts for m in OUTCOME.finditer(text)]
    assert not outcomes, outcomes
    stated = {(doc, n) for doc, text in texts for n in numbers_in(text)}
    stale = {(doc, n) for doc, numbers in FIXED_NUMBERS.items() for n in numbers if (doc, n) not in stated}
    assert not stale, f"FIXED_NUMBERS lists numbers no student text states any more: {sorted(stale)}"


HANDOUT = re.compile(r"\bhandout\b|changed from the", re.IGNORECASE)


def handout_mentions(texts):
    return [(doc, text[:120]) for doc, text in texts if HANDOUT.search(text)]


def test_student_text_never_mentions_the_handout():
    """Students never see the original handout: what changed from it is for instructors (issue 18)."""
    assert not handout_mentions(student_texts(docstrings=True)), handout_mentions(student_texts(docstrings=True))
    planted = ("part1_basics", "**Changed from the handout:** its loop queried once.")
    assert handout_mentions([planted, ("part2_strategies", "Draw them with a seed.")]) == [planted]


def test_the_instructors_document_holds_every_parts_changes():
    changes = (ROOT / "docs" / "changes-from-the-handout.md").read_text()
    for part in ("Part 1", "Part 2", "Part 3", "Part 4", "Bonus"):
        assert f"## {part}\n" in changes, part
    assert "(docs/changes-from-the-handout.md)" in (ROOT / "README.md").read_text()


# --- Issue 18: the claims the corrected sentences make, checked.

def test_flip_y_changes_what_the_text_says():
    """flip_y=0.01 reassigns 1% of the labels to a random class, so about half keep theirs: 2 of load_hard_data's
    1000 labels change (Part 3's hard case and data.py say so; "flips 1% of the labels" was false)."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    from allab.data import load_hard_data
    settings = dict(n_samples=1000, n_features=20, n_informative=15, n_redundant=5, n_classes=2, random_state=42)
    X, y = make_classification(**settings)
    ours_split = train_test_split(X, y, test_size=0.3, random_state=42, stratify=y)
    for ours, theirs in zip(ours_split, load_hard_data(), strict=True):
        np.testing.assert_array_equal(ours, theirs)  # these are load_hard_data's settings
    # The labels before the flip are fixed by the cluster sizes, and the flip comes before the shuffle.
    flipped = make_classification(**settings, shuffle=False)[1]
    clean = make_classification(**settings, shuffle=False, flip_y=0.0)[1]
    changed = int(np.sum(flipped != clean))
    assert changed == 2
    part3 = " ".join(text_of("part3_experiments", "**What to look for.** Compare the count of wins").split())
    assert f"on this data set {changed} of the 1000 labels are wrong" in part3
    assert "flips 1% of the labels" not in part3
    assert f"({changed} of the 1000 labels change)" in " ".join(load_hard_data.__doc__.split())


def test_modal_strategies_return_indices_and_scores_and_query_returns_rows():
    """Part 4: modAL's strategies return (indices, scores); learner.query returns (indices, X_pool[indices]); a
    strategy returning exactly two bare indices gives one row."""
    import warnings

    from sklearn.linear_model import LogisticRegression
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from modAL.models import ActiveLearner
        from modAL.uncertainty import classifier_uncertainty, uncertainty_sampling
        rng = np.random.default_rng(0)
        X = rng.normal(size=(40, 3))
        y = (X[:, 0] > 0).astype(int)
        learner = ActiveLearner(estimator=LogisticRegression(), X_training=X[:10], y_training=y[:10])
        indices, second = uncertainty_sampling(learner, X[10:], n_instances=3)
        np.testing.assert_allclose(second, classifier_uncertainty(learner, X[10:])[indices])
        indices, rows = learner.query(X[10:], n_instances=3)
        np.testing.assert_array_equal(rows, X[10:][indices])

        def bare(classifier, X_pool, n_instances=1):
            return uncertainty_sampling(classifier, X_pool, n_instances=n_instances)[0]

        trapped = ActiveLearner(estimator=LogisticRegression(), query_strategy=bare, X_training=X[:10],
                                y_training=y[:10])
        assert np.size(trapped.query(X[10:], n_instances=2)[0]) == 1
        assert np.size(trapped.query(X[10:], n_instances=3)[0]) == 3
    text = " ".join(text_of("part4_modal", "## Exercise 4.2").split())
    assert "as modAL's own strategies do" not in text
    assert "modAL's own strategies return the selected indices and their scores" in text


def test_part0_says_what_its_map_shows(tmp_path, monkeypatch):
    """Part 0's given code, run: the map has a colour bar, most of the pool is outside the uncertain band, and
    some points outside it are misclassified with some confidence (no longer "would tell the model little")."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for cell in cells("part0_overview"):
        if cell["cell_type"] == "code":
            exec(source(cell), namespace)
    plt.close("all")
    in_band, wrong = namespace["in_band"], namespace["wrong_outside"]
    assert np.sum(in_band) < len(in_band) / 2
    p = namespace["p_pool"]
    assert np.sum(wrong) > 0 and np.max(np.maximum(p, 1 - p)[wrong]) > 0.6
    text = " ".join(text_of("part0_overview", "The model here is a logistic regression").split())
    assert "would tell the model little" not in text and "the model is wrong about some points" in text
    queries = json.loads((tmp_path / "results" / "figures" / "part0_queries.json").read_text())["axes"]
    assert any("P(class 1)" in ax["ylabel"] for ax in queries), [ax["ylabel"] for ax in queries]


def test_part1_says_later_parts_run_the_students_own_functions():
    text = " ".join(text_of("part1_basics", "# Part 1").split())
    assert "*our* working versions" not in text
    assert "Later parts run *your* versions of these functions" in text
    part2 = cells("part2_strategies")
    assert any("from allab.mine import" in source(c) for c in part2 if c["cell_type"] == "code")
