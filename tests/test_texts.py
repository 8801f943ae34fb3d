"""Issue 13's text fixes: each changed claim or number, checked against what it says.

The figures' fixes are checked on the executed notebooks in test_notebooks.py
(test_figures_show_what_the_text_says).
"""
import json
import re

import numpy as np
import pytest

from autograder import NOTEBOOKS_DIR, PARTS, SOLUTIONS_DIR
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


def test_part4_states_the_tie_rule_its_claim_needs():
    text = " ".join(text_of("part4_modal", "The three curves start at the same point").split())
    assert "reproduces our own loop exactly (see the printout)" not in text
    assert 'np.argsort(-H, kind="stable")' in text and "np.argsort(H)[-n:][::-1]" in text


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
