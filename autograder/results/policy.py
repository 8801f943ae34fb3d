"""The course policy (``grade --policy policy.toml``): due date, late rule, extensions, per-student overrides.

::

    due = 2026-03-01T23:59:00Z          # a TOML date-time; without a zone it is UTC

    [late]
    percent_per_day = 10                # of the student's score, for each day (or part of a day) late
    max_percent = 50                    # never more than this
    grace_minutes = 15                  # later than due by at most this is on time

    [extensions]                        # a student (as `grade` names them, or their roster id or e-mail)
    bob_partial = 2026-03-03T23:59:00Z  # a new due date for them

    [[override]]                        # any item of the mark scheme, for one student, with a reason
    student = "carol_broken"
    item = "part2.margin_sampling"
    score = 2
    reason = "her upload was corrupted; graded from the copy she e-mailed on time"

Each adjustment is written into the student's feedback, the gradebook (``adjustments``, ``late_penalty``),
the export and ``report``. The submission time comes from the layout (see
:mod:`autograder.grading.layouts`); the adjustment says where it came from.
"""
import dataclasses
import math
import tomllib
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from autograder.markscheme import gradebook_items
from autograder.scoring import points_text

TOP_KEYS = {"due", "late", "extensions", "override"}
LATE_KEYS = {"percent_per_day", "max_percent", "grace_minutes"}
OVERRIDE_KEYS = {"student", "item", "score", "reason"}


class PolicyError(Exception):
    """A policy file that cannot be applied; the message names the file and the entry."""


def read_policy(path):
    """Read and check the policy at ``path``; return its text (kept in the output folder) after checking it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read the policy {path}: {exc}") from exc
    parse_policy(text, str(path))
    return text


def parse_policy(text, where="the policy"):
    """The policy of TOML ``text`` as a dict (due, late, extensions, overrides), checked."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{where} is not valid TOML: {exc}") from exc
    _only(data, TOP_KEYS, where)
    late = data.get("late", {})
    _only(late, LATE_KEYS, f"{where}, [late]")
    for key in LATE_KEYS & set(late):
        if not isinstance(late[key], (int, float)) or late[key] < 0:
            raise PolicyError(f"{where}, [late] {key}: {late[key]!r} is not a number >= 0")
    if late and "due" not in data:
        raise PolicyError(f"{where}: a [late] rule needs a due date (due = 2026-03-01T23:59:00Z)")
    policy = {"due": _when(data["due"], f"{where}, due") if "due" in data else None, "late": late,
              "extensions": {str(k): _when(v, f"{where}, [extensions] {k}")
                             for k, v in data.get("extensions", {}).items()},
              "overrides": [_override(o, f"{where}, [[override]] {n}")
                            for n, o in enumerate(data.get("override", []), start=1)]}
    return policy


def _only(table, allowed, where):
    if not isinstance(table, dict):
        raise PolicyError(f"{where} is not a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)} (expected {', '.join(sorted(allowed))})")


def _when(value, where):
    """A timezone-aware datetime from a TOML date-time (or date: the end of that day), UTC without a zone."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if not isinstance(value, datetime):
        raise PolicyError(f"{where}: {value!r} is not a date-time (write 2026-03-01T23:59:00Z)")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _override(entry, where):
    _only(entry, OVERRIDE_KEYS, where)
    missing = sorted(OVERRIDE_KEYS - set(entry))
    if missing:
        raise PolicyError(f"{where}: missing {', '.join(missing)}")
    items = {it.name: it.points for it in gradebook_items()}
    if entry["item"] not in items:
        raise PolicyError(f"{where}: {entry['item']!r} is not an item of the mark scheme")
    score = entry["score"]
    if not isinstance(score, (int, float)) or not 0 <= score <= items[entry["item"]]:
        raise PolicyError(f"{where}: score {score!r} is not from 0 to the item's {items[entry['item']]:g} points")
    if not str(entry["reason"]).strip():
        raise PolicyError(f"{where}: the reason is empty (the student reads it)")
    return {k: entry[k] for k in OVERRIDE_KEYS} | {"student": str(entry["student"])}


def names_of(student, person):
    """What a policy may call ``student`` by: the name ``grade`` gives them, their id, e-mail."""
    return {student, *(str(person[k]) for k in ("id", "email", "sis_user_id", "sis_login_id") if person.get(k))}


def apply_policy(result, policy, names, submitted_at=None, time_source=""):
    """``result`` with the ``policy`` applied for the student called any of ``names`` (a copy; the graded
    result is kept as it was): overrides, then the late penalty. Each adjustment is said in
    ``adjustments``."""
    result = dataclasses.replace(result, items=dict(result.items), written=dict(result.written),
                                 adjustments=list(result.adjustments))
    for entry in policy["overrides"]:
        if entry["student"] in names:
            _apply_override(result, entry)
    due = next((policy["extensions"][n] for n in sorted(names) if n in policy["extensions"]), None)
    if due is not None:
        result.adjustments.append(f"extension: due {_show(due)} instead of {_show(policy['due'])}")
    due = due or policy["due"]
    if due is not None and policy["late"]:
        _apply_late(result, policy["late"], due, submitted_at, time_source)
    return result


def _apply_override(result, entry):
    name, score = entry["item"], float(entry["score"])
    if name in result.items:
        before = result.items[name].score
        result.items[name] = dataclasses.replace(result.items[name], score=score)
    else:
        before = result.written[name].score
        result.written[name] = result.written[name].graded(score, entry["reason"])
    # the score set is the instructor's, as given; the one it replaces is printed as every output prints points
    was = "not graded" if before is None else points_text(before)
    result.adjustments.append(f"{name} set to {score:g} (was {was}) by the instructor: {entry['reason']}")


def _apply_late(result, late, due, submitted_at, time_source):
    if submitted_at is None:
        result.adjustments.append("no submission time is known: no late penalty was applied (check by hand)")
        return
    over = submitted_at - due - timedelta(minutes=late.get("grace_minutes", 0))
    if over <= timedelta(0):
        return
    days = math.ceil(over / timedelta(days=1))
    percent = min(days * late.get("percent_per_day", 0), late.get("max_percent", 100))
    result.penalty = round((result.score + result.penalty) * percent / 100, 2)
    result.adjustments.append(
        f"late by {_duration(submitted_at - due)} (handed in {_show(submitted_at)}, due {_show(due)}; time from "
        f"{time_source or 'the layout'}): {days} day{'s' if days > 1 else ''} x {late.get('percent_per_day', 0):g}%"
        f"{' (capped)' if percent < days * late.get('percent_per_day', 0) else ''} = -{percent:g}% of the score, "
        f"-{points_text(result.penalty)} points")


def _show(when):
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _duration(delta):
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 24 else f"{hours:.1f} hours"
