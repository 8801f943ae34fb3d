"""The roster (autograder/results/roster.py), the course policy (policy.py) and the export's columns (export.py),
without grading: synthetic results, each rule checked on its own."""
from datetime import datetime, timedelta, timezone

import pytest

from autograder.markscheme import load_items, written_items
from autograder.results.export import CSV_COLUMNS, export_rows, missing_ids
from autograder.results.policy import PolicyError, apply_policy, parse_policy
from autograder.results.roster import RosterError, match, read_roster
from autograder.results.types import ItemResult, StudentResult, WrittenResult
from autograder.scoring import points_text

DUE = datetime(2026, 3, 1, 23, 59, tzinfo=timezone.utc)
POLICY = """due = 2026-03-01T23:59:00Z
[late]
percent_per_day = 10
max_percent = 25
grace_minutes = 30
[extensions]
"10235" = 2026-03-04T23:59:00Z
[[override]]
student = "alice"
item = "{item}"
score = 1
reason = "re-marked after a regrade request"
"""


def result(student="alice"):
    """A student with every autograded item at full marks and every written answer pending: 40 points."""
    items = {it.name: ItemResult(it.points, it.points, it.title) for it in load_items()}
    written = {it.name: WrittenResult(None, it.points, it.title, "an answer", "pending", "") for it in written_items()}
    return StudentResult(student, items=items, written=written)


def policy(item=None):
    return parse_policy(POLICY.format(item=item or written_items()[0].name))


@pytest.mark.parametrize("late, penalty", [
    (timedelta(minutes=29), 0),            # within the grace
    (timedelta(minutes=31), 4.0),          # one day started: 10% of 40
    (timedelta(days=1, hours=1), 8.0),     # two days
    (timedelta(days=6), 10.0),             # capped at 25%
])
def test_the_late_rule(late, penalty):
    graded = apply_policy(result("bob"), policy(), {"bob"}, DUE + late, "Gradescope's created_at")
    assert graded.penalty == penalty and graded.score == 40 - penalty
    said = [a for a in graded.adjustments if a.startswith("late by")]
    assert len(said) == (1 if penalty else 0)
    if penalty:
        assert f"-{penalty:g} points" in said[0] and "time from Gradescope's created_at" in said[0]


def test_an_extension_found_by_roster_id_and_an_override_of_a_written_answer():
    bob = apply_policy(result("bob"), policy(), {"bob", "10235"}, DUE + timedelta(days=2), "file times")
    assert bob.penalty == 0
    assert bob.adjustments == ["extension: due 2026-03-04 23:59 UTC instead of 2026-03-01 23:59 UTC"]
    item, reason = written_items()[0], "re-marked after a regrade request"
    original = result()
    alice = apply_policy(original, policy(item.name), {"alice"}, DUE, "file times")
    assert alice.written[item.name].score == 1 and alice.written[item.name].comment == reason
    assert alice.adjustments == [f"{item.name} set to 1 (was not graded) by the instructor: {reason}"]
    assert original.written[item.name].score is None and not original.adjustments, "the graded result was changed"


def test_no_submission_time_is_said_not_guessed():
    graded = apply_policy(result("bob"), policy(), {"bob"}, None)
    assert graded.penalty == 0 and "no submission time is known" in graded.adjustments[0]


@pytest.mark.parametrize("text, message", [
    ("due = 2026-03-01T23:59:00Z\nlate_days = 3", "unknown key(s) late_days"),
    ("[late]\npercent_per_day = 10", "a [late] rule needs a due date"),
    ("due = 'tomorrow'", "is not a date-time"),
    ("[late]\npercent_per_day = -5\n", "is not a number >= 0"),
    ('[[override]]\nstudent = "a"\nitem = "part9.nothing"\nscore = 1\nreason = "x"', "'part9.nothing' is not an item"),
    ('[[override]]\nstudent = "a"\nitem = "part1.oracle"\nscore = 99\nreason = "x"', "score 99 is not from 0"),
    ('[[override]]\nstudent = "a"\nitem = "part1.oracle"\nscore = 1\nreason = " "', "the reason is empty"),
    ('[[override]]\nstudent = "a"\nitem = "part1.oracle"\nscore = 1', "missing reason"),
    ("due = [", "is not valid TOML"),
])
def test_a_bad_policy_is_refused_saying_what_is_wrong(text, message):
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        parse_policy(text, "policy.toml")


CANVAS_EXPORT = """Student,ID,SIS User ID,SIS Login ID,Section,Lab 3 (5501)
    Points Possible,,,,,42
"Anderson, Alice",10234,S1,aanderson,Sec 1,
"Brown, Bob",10235,S2,bbrown,Sec 1,
"Lee, Kim",10240,S3,klee1,Sec 2,
"Lee, Kim",10241,S4,klee2,Sec 2,
"Nobody, Ned",10299,S5,nned,Sec 2,
"""


def test_a_canvas_gradebook_export_is_a_roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(CANVAS_EXPORT)
    roster = read_roster(path)
    assert [r["name"] for r in roster] == ["Anderson, Alice", "Brown, Bob", "Lee, Kim", "Lee, Kim", "Nobody, Ned"]
    people = {"andersonalice": {"student": "andersonalice", "login": "andersonalice", "id": "10234"},
              "Bob Brown": {"student": "Bob Brown"},            # by name, "Last, First" against "First Last"
              "leekim": {"student": "leekim"},                    # two Kim Lees: matches neither
              "stranger": {"student": "stranger"}}
    matched, unmatched, missing = match(people, roster)
    assert {s: r["id"] for s, r in matched.items()} == {"andersonalice": "10234", "Bob Brown": "10235"}
    assert unmatched == ["leekim", "stranger"]
    assert [r["id"] for r in missing] == ["10240", "10241", "10299"]


def test_a_roster_without_a_known_column_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("who,when\nalice,today\n")
    with pytest.raises(RosterError, match="none of the columns student, name, email, id"):
        read_roster(path)


def test_export_columns_and_who_the_lms_cannot_match():
    rows = [{"student": "alice", "name": "Anderson, Alice", "id": "10234", "email": "a@x.edu", "required": 40.0,
             "extra_credit": 5.0, "late_penalty": 4.0, "total": 41.0},
            {"student": "bob", "required": 30.0, "extra_credit": 0.0, "late_penalty": 0.0, "total": 30.0}]
    header, table = export_rows(rows, "canvas", "Lab 3")
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 3", "Lab 3 (extra credit)"]
    assert table[0] == ["Anderson, Alice", "10234", "", "", "", "36", "5"]
    header, table = export_rows(rows, "moodle", "Lab 3")
    assert header[:4] == ["Email address", "ID number", "Username", "Full name"] and table[0][0] == "a@x.edu"
    assert missing_ids(rows, "canvas") == ["bob"] and missing_ids(rows, "moodle") == ["bob"]
    assert missing_ids(rows, "csv") == []


def test_export_prints_points_as_the_gradebook_does():
    """One way to print a score: the export's columns are points_text's (grades.csv's, report.md's), never
    another format's (``:g`` wrote 7.333 and 1e+06)."""
    rows = [{"student": "carol", "required": 7.333, "extra_credit": 1_000_000.0, "late_penalty": 0.5, "total": 2.5},
            {"student": "dan", "required": None, "extra_credit": None, "late_penalty": None, "total": None}]
    _, table = export_rows(rows, "csv", "Lab 3")
    points = [CSV_COLUMNS.index(c) for c in ("required", "extra_credit", "late_penalty", "total")]
    assert [table[0][i] for i in points] == [points_text(x) for x in (7.333, 1_000_000.0, 0.5, 2.5)]
    assert [table[0][i] for i in points] == ["7.33", "1000000", "0.5", "2.5"]
    assert [table[1][i] for i in points] == ["", "", "", ""]
    _, table = export_rows(rows, "canvas", "Lab 3")
    assert table[0][-2:] == ["6.83", "1000000"]
