"""The runner of the checks: a check's verdict becomes a record, and its declaration the item's rules."""
import pytest

from allab.harness import LocalCaller, StudentError
from autograder.grading.runner import Mistake, check, check_rules, expect, part_checks, run_check
from autograder.markscheme import load_items
from autograder.scoring import CheckRules


def student(x):
    if x < 0:
        raise ValueError("negative")
    return 2 * x


@check("double", core=True)
def doubles(call):
    """twice its argument"""
    expect(call("double", 3).value == 6, "wrong_value")


@check("double", weight=0.5)
def doubles_negative_numbers(call, reference):
    expect(call("double", -1).value == reference("double", -1).value, "wrong_sign")


@check("double")
def breaks(call):
    return {}["missing"]


def run(c, function=student):
    return run_check(c, {"call": LocalCaller({"double": function}), "reference": LocalCaller({"double": abs})})


def test_the_decorator_declares_the_item_title_core_and_weight():
    assert (doubles.function, doubles.name, doubles.title, doubles.core, doubles.weight) == \
        ("double", "doubles", "twice its argument", True, 1.0)
    assert (doubles_negative_numbers.core, doubles_negative_numbers.weight) == (False, 0.5)
    assert doubles_negative_numbers.needs == ("call", "reference")
    assert doubles_negative_numbers.title == "doubles negative numbers"
    with pytest.raises(ValueError):
        check("double", weight=0)


def test_a_passing_check_a_mistake_a_student_error_and_a_broken_check():
    assert run(doubles) == (True, "", "", "")
    assert run(doubles, lambda x: x + 1) == (False, "", "wrong_value", "")
    passed, message, mistake, raised = run(doubles_negative_numbers)
    assert (passed, message, mistake) == (False, "", "") and "ValueError" in raised and "negative" in raised
    assert run(breaks) == (False, "KeyError: 'missing'", "", "")


def test_a_mistake_is_an_assertion_error_carrying_its_key():
    with pytest.raises(Mistake) as info:
        expect(False, "wrong_count")
    assert isinstance(info.value, AssertionError) and info.value.key == "wrong_count"
    expect(True, "wrong_count")
    assert issubclass(StudentError, AssertionError)  # why run_check looks for a Mistake first


def test_rules_come_from_the_declarations_and_default_to_the_public_check():
    rules = check_rules()
    declared = [c for c in part_checks("part1_basics") if c.function == "active_learning_loop"]
    assert {c.name for c in declared if c.core} == rules["part1.active_learning_loop"].core
    assert rules["part1.active_learning_loop"].weight("loop_stops_when_the_pool_runs_out") == 0.5
    assert CheckRules(frozenset()).weight("anything") == 1.0


def test_an_item_without_a_core_check_has_its_public_check_as_core(monkeypatch):
    import dataclasses

    from autograder.grading import runner
    declared = part_checks("part1_basics")
    monkeypatch.setattr(runner, "part_checks", lambda part: tuple(dataclasses.replace(c, core=False) for c in declared)
                        if part == "part1_basics" else part_checks(part))
    runner.check_rules.cache_clear()
    try:
        rules = runner.check_rules()
    finally:
        runner.check_rules.cache_clear()
    part1 = [it.name for it in load_items() if it.part == "part1_basics"]
    assert part1 and all(rules[name].core == {"public"} for name in part1)
    assert rules["part2.margin_sampling"].core != {"public"}
