"""One diagnosis per failed item: the verdicts that tell mistakes apart, signatures, marks by weight, and
the feedback that shows one likely mistake (fast: no submission is graded here; test_grading does that)."""
import ast

import numpy as np
import pytest

from autograder.checks.verdicts import (
    KEYS,
    UNCOMMON,
    as_indices,
    check_selection,
    check_selections,
    selection_keys,
    selection_verdict,
)
from autograder.grading.reference import load_reference
from autograder.grading.runner import CHECKS_DIR, Mistake, check_parts, check_rules, part_checks
from autograder.grading.signature import signature_problem, signature_problems, student_functions
from autograder.markscheme import load_items, load_mistakes
from autograder.results.outputs import item_feedback
from autograder.results.types import CheckRecord as Record
from autograder.results.types import ItemResult
from autograder.scoring import SIGNATURE, CheckRules, diagnose, item_score

RNG = np.random.default_rng(0)
THREE = RNG.dirichlet(np.ones(3) * 0.7, size=40)   # three classes: the strategies disagree
TEN = RNG.dirichlet(np.ones(10) * 0.7, size=40)
N = 7


def top(score, n=N):
    return np.argsort(-score, kind="stable")[:n]


def entropy(p):
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), axis=1)


def margin(p):
    s = np.sort(p, axis=1)
    return s[:, -1] - s[:, -2]


# --- verdicts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("strategy, got, key", [
    ("least_confidence", top(THREE.max(axis=1)), "most_confident"),
    ("least_confidence", top(entropy(THREE)), "other_strategy"),
    ("least_confidence", top(THREE[:, 1]), "one_class_probability"),
    ("least_confidence", top(-np.abs(THREE[:, 1] - 0.5)), "one_class_probability"),
    ("least_confidence", np.argsort(THREE.argmax(axis=1), kind="stable")[:N], "hard_labels"),
    ("margin", top(margin(THREE)), "largest_margin"),
    ("margin", top(-(THREE.max(axis=1) - THREE.min(axis=1))), "margin_top_two"),
    ("margin", top(-np.abs(THREE[:, 0] - THREE[:, 1])), "margin_top_two"),
    ("margin", top(1 - THREE.max(axis=1)), "other_strategy"),
    ("entropy", top(-entropy(THREE)), "lowest_entropy"),
    ("entropy", top(-margin(THREE)), "other_strategy"),
    ("entropy", np.array([2, 0, 1]), "entropy_axis"),
])
def test_a_wrong_selection_gets_the_key_of_its_mistake(strategy, got, key):
    assert selection_verdict(got, THREE, N, strategy) == key


def test_each_right_answer_is_another_strategy_for_the_others():
    """On ten classes each strategy's own answer is "another strategy" for the other two; on three classes a
    score can fit two mistakes, and the verdict over both tables is the one that fits both."""
    for table in (TEN, THREE):
        right = {"least_confidence": top(1 - table.max(axis=1)), "margin": top(-margin(table)),
                 "entropy": top(entropy(table))}
        for strategy, got in right.items():
            check_selection(got, table, N, strategy)  # no Mistake raised
            for other in set(right) - {strategy}:
                keys = selection_keys(got, table, N, other)
                assert "other_strategy" in keys
                if table is TEN:
                    assert keys[0] == "other_strategy"
    lc = [(top(1 - t.max(axis=1)), t, N) for t in (THREE, TEN)]
    with pytest.raises(Mistake) as info:
        check_selections(lc, "margin")
    assert info.value.key == "other_strategy"


def test_random_rows_are_told_by_a_second_call():
    draws = iter([RNG.permutation(40)[:N] for _ in range(2)])
    first = next(draws)
    assert selection_verdict(first, THREE, N, "entropy", again=lambda: next(draws)) == "random_rows"
    assert selection_verdict(first, THREE, N, "entropy", again=lambda: first) == UNCOMMON


@pytest.mark.parametrize("value, key", [
    (np.sort(1 - THREE.max(axis=1))[:N], "returns_scores"),
    (np.array([0.2, 0.5, np.nan]), "returns_scores"),
    (np.zeros((N, 2)), "returns_rows"),
    (np.array([0, 3, 99]), "not_indices"),
    (np.array([-1, 3, 4]), "not_indices"),
    (np.array([1, 1, 2]), "duplicates"),
    ("abc", "not_indices"),
])
def test_what_is_not_an_index_set_says_what_it_is(value, key):
    with pytest.raises(Mistake) as info:
        as_indices(value, 40)
    assert info.value.key == key


def test_a_selection_that_fits_no_mistake_is_uncommon_or_the_checks_default():
    # the rows with the median uncertainty: no score of the list puts them on top
    middle = np.argsort(1 - THREE.max(axis=1))[16:16 + N]
    assert selection_verdict(middle, THREE, N, "least_confidence") == UNCOMMON
    with pytest.raises(Mistake) as info:
        check_selection(middle, THREE, N, "least_confidence", default="wrong_score")
    assert info.value.key == "wrong_score"


def named_keys(path):
    """The mistake keys a check module names: in ``expect(..., key)``, ``Mistake(key)``, ``default=key`` and
    the strings its functions return (the ``_verdict`` helpers), constants of either branch of an ``if``."""
    def constants(node):
        if isinstance(node, ast.IfExp):
            return constants(node.body) | constants(node.orelse)
        return {node.value} if isinstance(node, ast.Constant) and isinstance(node.value, str) else set()
    named = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "expect" and len(node.args) == 2:
            named |= constants(node.args[1])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Mistake":
            named |= constants(node.args[0])
        elif isinstance(node, ast.keyword) and node.arg == "default":
            named |= constants(node.value)
        elif isinstance(node, ast.Return) and node.value is not None and path.name == "hidden.py":
            named |= constants(node.value) - {""}
    return named


def test_every_verdict_and_check_key_is_catalogued():
    named = set(KEYS)
    for path in [CHECKS_DIR / "verdicts.py", *CHECKS_DIR.glob("*/hidden.py")]:
        named |= named_keys(path)
    assert len(named) >= 60  # the collection finds them (the catalogue has about 70)
    assert named <= set(load_mistakes()), named - set(load_mistakes())


# --- signatures -----------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("def create_initial_split(X_train, y_train, n_initial=20):\n    pass", ["`random_state` is missing"]),
    ("def create_initial_split(X_train, y_train, n_initial=20, *, seed=None):\n    pass",
     ["`random_state` is renamed `seed`"]),
    ("def create_initial_split(X_train, y_train, n_initial=20, **kwargs):\n    pass", []),
    ("def create_initial_split(X_train, y_train, n_initial=20, *, random_state=None, verbose):\n    pass",
     ["`verbose` is an extra parameter without a default"]),
    ("def active_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test, n_iterations=20,\n"
     "                         n_queries=10, *, verbose=True):\n    pass",
     ["`query_strategy` is missing", "`model` is missing"]),
])
def test_a_signature_problem_names_the_parameter(source, expected):
    ns = load_reference("part1_basics")
    name = source.split("(")[0].removeprefix("def ")
    fn = student_functions([(0, source)], [name])[name]
    problem = signature_problem(fn, ns[name])
    for text in expected:
        assert text in problem, problem
    if not expected:
        assert problem == ""
    else:
        assert problem.startswith(f"keep the signature the notebook gives, {name}(")
        assert "<function" not in problem  # defaults as the notebook writes them


def test_signatures_come_from_the_source_without_running_it():
    cells = [(0, "import os\ndef noisy_oracle(X_query, y_pool, query_idx, error_rate=os.abort()):\n    pass"),
             (1, "def broken(:\n"), (2, "%matplotlib inline\ndef oracle(X_query, y_pool, query_idx):\n    pass")]
    problems = signature_problems(cells, load_reference("part1_basics"), ["noisy_oracle", "oracle"])
    assert set(problems) == {"noisy_oracle"} and "`random_state` is missing" in problems["noisy_oracle"]


# --- marks by weight ------------------------------------------------------------------------------

def record(check, passed, mistake="", hidden=True, raised=""):
    return Record("part1.x", f"check {check}", passed, hidden, "", mistake, raised, check)


def test_a_failed_core_check_scores_zero_and_the_others_share_by_weight():
    rules = CheckRules(frozenset({"main"}), (("small", 0.5),))
    tests = [record("main", True), record("small", False, "wrong_count"), record("other", False, "duplicates")]
    score, costs = item_score(tests, rules, 2.0)
    assert score == round(2.0 * 1 / 2.5, 2) and costs == [None, 0.4, 0.8]
    tests[0] = record("main", False, "most_confident")
    assert item_score(tests, rules, 2.0) == (0.0, ["core", None, None])


def test_every_item_has_public_and_hidden_checks_and_a_core():
    items = {(it.part, it.function): it.name for it in load_items()}
    checked = {(part, c.function) for part in check_parts() for c in part_checks(part)}
    assert checked == {key for key in items if key[0] in check_parts()}
    rules = check_rules()
    for (part, function), name in items.items():
        checks = [c for c in part_checks(part) if c.function == function]
        assert {c.name for c in checks if not c.hidden} == {"public"} and any(c.hidden for c in checks), name
        assert rules[name].core and rules[name].core <= {c.name for c in checks}, name
    assert rules["part1.active_learning_loop"] == CheckRules(frozenset({"loop_trains_on_exactly_the_queried_rows"}),
                                                             (("loop_stops_when_the_pool_runs_out", 0.5),))
    assert rules["part2.margin_sampling"].core == {"margin_matches_reference_on_random_tables"}


# --- one diagnosis --------------------------------------------------------------------------------

def test_the_diagnosis_is_the_key_most_failed_checks_name_core_first():
    rules = CheckRules(frozenset({"main"}))
    tests = [record("a", False, "wrong_count"), record("main", False, "most_confident"),
             record("b", False, "most_confident"), record("c", False, UNCOMMON)]
    assert diagnose(tests, rules) == "most_confident"
    assert diagnose(tests[:2], rules) == "most_confident"       # a tie: the core check's key
    assert diagnose([tests[3], record("d", False)], rules) == UNCOMMON
    assert diagnose(tests, rules, signature="keep the signature") == SIGNATURE
    assert diagnose([record("main", True)], rules) == ""


def feedback(tests, mistake, signature=""):
    costs = item_score(tests, CheckRules(frozenset({"main"})), 2.0)[1]
    return item_feedback(ItemResult(0.0, 2.0, "an item", tuple(tests), tuple(costs), signature=signature,
                                    mistake=mistake))


def test_feedback_shows_one_likely_mistake_and_what_each_failure_cost():
    tests = [record("main", True), record("a", False, "wrong_count"), record("b", False, "most_confident"),
             record("public", False, hidden=False)]
    lines = feedback(tests, "most_confident")
    likely = [line for line in lines if "Likely mistake" in line]
    assert likely == [f"- Likely mistake: {load_mistakes()['most_confident']}"]
    assert load_mistakes()["wrong_count"] not in "\n".join(lines)
    assert "(cost 0.5 points)" in lines[0]
    lines = feedback([record("main", False, "most_confident"), record("a", False)], "most_confident")
    assert "the item scores 0" in lines[0] and "cost" not in lines[1]


def test_feedback_without_a_known_mistake_says_so_once():
    lines = feedback([record("a", False, UNCOMMON), record("b", False)], UNCOMMON)
    assert [line for line in lines if "Likely mistake" in line] == \
        ["- Likely mistake: not one of the common mistakes: compare with the docstring"]


def test_a_signature_problem_is_the_one_message_without_bare_type_errors():
    error = "create_initial_split raised TypeError: create_initial_split() got an unexpected keyword argument"
    tests = [record("main", False, raised=error), record("a", False, raised=error), record("b", True)]
    lines = feedback(tests, SIGNATURE, signature="keep the signature the notebook gives, f(x, *, random_state=None): "
                                                 "the parameter `random_state` is missing")
    text = "\n".join(lines)
    assert "TypeError" not in text and text.count("Likely mistake") == 1 and "`random_state` is missing" in text


def test_a_selection_that_ignores_the_probabilities_is_told_by_a_mirrored_table():
    seeded = np.random.default_rng(0).permutation(40)[:N]
    assert selection_verdict(seeded, THREE, N, "entropy", again=lambda: seeded, mirrored=lambda: seeded) == \
        "random_rows"
    first_rows = np.arange(N)
    assert selection_verdict(first_rows, THREE, N, "margin", mirrored=lambda: first_rows) == "random_rows"
    # a score-based mistake moves with the table: not "random"
    reversed_right = top(THREE.max(axis=1))
    mirrored_answer = top(THREE[::-1].max(axis=1))
    assert selection_verdict(reversed_right, THREE, N, "least_confidence", mirrored=lambda: mirrored_answer) == \
        "most_confident"


def test_several_tables_agree_on_the_key_that_fits_most_of_them():
    from autograder.checks.verdicts import combined_verdict
    assert combined_verdict([["entropy_axis"], ["random_rows"], ["random_rows"]]) == "random_rows"
    assert combined_verdict([["margin_top_two", "other_strategy"], ["other_strategy"]]) == "other_strategy"
    assert combined_verdict([[UNCOMMON], [UNCOMMON], ["hard_labels"]]) == "hard_labels"
    assert combined_verdict([["lowest_entropy"], ["entropy_nan"]]) == "lowest_entropy"


def test_a_stub_is_not_written_yet_never_a_mistake(tmp_path):
    """An untouched stub is "not written yet" in the feedback, and mistakes.csv (the class report's source) leaves
    it out; failing hidden checks of a stub name no mistake of theirs."""
    from autograder.grading.grade import score, submission_stubs
    from autograder.results.outputs import write_mistakes
    from autograder.results.types import StudentResult
    from autograder.scoring import STUB
    stub = 'def random_sampling_loop(X_labeled, y_labeled):\n    """Doc."""\n    raise NotImplementedError("x")\n'
    written = "def random_sampling_loop(X_labeled, y_labeled):\n    return [], []\n"
    assert submission_stubs({"part2_strategies": [(0, written), (1, stub)]}) == {"part2.random_sampling_loop"}
    assert submission_stubs({"part2_strategies": [(0, stub), (1, written)]}) == set()
    records = [Record("part2.random_sampling_loop", "large batches", False, True, "", "duplicates", "",
                      "random_loop_large_batches_are_distinct")]
    items = score(records, {"part2_strategies"}, stubs={"part2.random_sampling_loop"})
    item = items["part2.random_sampling_loop"]
    feedback = "\n".join(item_feedback(item))
    assert item.mistake == STUB and load_mistakes()[STUB] in feedback
    assert load_mistakes()["duplicates"] not in feedback and load_mistakes()["uncommon"] not in feedback
    result = StudentResult("s")
    result.items = items
    write_mistakes([result], tmp_path / "mistakes.csv")
    assert (tmp_path / "mistakes.csv").read_text().strip().splitlines()[1:] == []


def test_a_written_score_below_full_without_a_comment_says_so():
    from autograder.results.outputs import entry_feedback
    from autograder.results.types import WrittenResult
    low = WrittenResult(1.0, 3.0, "Report 1", "my answer", "graded", "")
    full = WrittenResult(3.0, 3.0, "Report 1", "my answer", "graded", "")
    commented = WrittenResult(1.0, 3.0, "Report 1", "my answer", "graded", "too short")
    assert entry_feedback(low) == ["- a TA scored this answer below full marks and left no comment: ask your TA "
                                   "what was missing"]
    assert entry_feedback(full) == ["- a TA gave this answer full marks"]
    assert entry_feedback(commented) == ["- too short"]
    assert "All checks passed" not in "\n".join(entry_feedback(low) + entry_feedback(full))
