"""What a class's output folder remembers between runs of ``grade``: every student's graded result, the content
hash of what was graded, where the submission came from, and the TAs' scores, roster and policy last given.

It lives in ``OUT/.grading-state/`` (no student's folder can be named so: see
:func:`autograder.results.outputs.safe_name`): ``class.json`` (roster, policy, TAs' scores) and one file per
student, so that saving a student as they finish costs the same in a class of 10 or 500. ``grade`` grades
only the students whose files changed (or all of them when the course files changed, or with
``--regrade-all``), and rewrites the gradebook from every student the folder remembers: a run on a few students
never replaces the class by those few.
"""
import hashlib
import json
import os
from dataclasses import asdict
from datetime import datetime

from autograder.grading.runner import CheckRecord
from autograder.results.types import ItemResult, StudentResult, WrittenResult

STATE_DIR = ".grading-state"
VERSION = 1
CLASS_KEYS = ("version", "manual", "roster", "policy")


class StateError(Exception):
    """An output folder whose state file is not one ``grade`` wrote."""


def content_hash(submission):
    """The sha256 of what was read of ``submission``: each file's name (relative to its folder) and bytes."""
    digest = hashlib.sha256()
    base = submission.folder if submission.folder.is_dir() else submission.folder.parent
    for path in sorted(submission.sources):
        digest.update(os.fsencode(os.path.relpath(path, base)) + b"\0")
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(2**20), b""):
                    digest.update(block)
        except OSError as exc:  # unreadable now: a hash that cannot match, so it is graded (and says why)
            digest.update(repr(exc).encode())
    return digest.hexdigest()


def course_hash(fingerprint):
    """One hash of the course files' fingerprint (``batch.fingerprint()``)."""
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()


def load_state(out):
    """The state of output folder ``out`` (an empty one when there is none). Raises :class:`StateError`."""
    folder = out / STATE_DIR
    state = {"version": VERSION, "students": {}, "manual": [], "roster": None, "policy": None}
    if not folder.is_dir():
        return state
    try:
        state.update(json.loads((folder / "class.json").read_text(encoding="utf-8")))
        if state["version"] != VERSION:
            raise ValueError(f"version {state['version']!r}, expected {VERSION}")
        for path in sorted((folder / "students").glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            state["students"][data["student"]] = dict(data["record"], result=result_from_json(data["record"]["result"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StateError(f"{folder} is not a grading state `grade` wrote ({exc}); move the output folder aside "
                         "and grade the class again") from exc
    return state


def save_state(out, state, students=None):
    """Write ``state`` into ``out``: the class's part, and the ``students`` named (default: all)."""
    folder = out / STATE_DIR
    (folder / "students").mkdir(parents=True, exist_ok=True)
    _write(folder / "class.json", {k: state[k] for k in CLASS_KEYS})
    for name in state["students"] if students is None else students:
        record_ = state["students"][name]
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        _write(folder / "students" / f"{digest}.json",
               {"student": name, "record": dict(record_, result=result_to_json(record_["result"]))})


def _write(path, data):
    """Write JSON to a temporary file first, then rename it: an interrupted write loses nothing."""
    temporary = path.with_suffix(".tmp")
    # ASCII: a name or message that is not valid UTF-8 (a lone surrogate from a file name) is kept escaped
    temporary.write_text(json.dumps(data, default=_time), encoding="ascii")
    temporary.replace(path)


def record(submission, result, digest):
    """A student's entry of the state: the result and what the layout told of the submission."""
    return {"hash": digest, "result": result, "layout": submission.layout, "info": submission.info,
            "submitted_at": submission.submitted_at.isoformat() if submission.submitted_at else None,
            "time_source": submission.time_source, "folder": str(submission.folder)}


def submitted_at(record):
    """The record's submission time (a datetime), or None."""
    return datetime.fromisoformat(record["submitted_at"]) if record.get("submitted_at") else None


def result_to_json(result):
    """A JSON-able dict of a :class:`StudentResult` (as graded: no penalty or adjustment)."""
    data = asdict(result)
    for key in ("penalty", "adjustments"):
        data.pop(key, None)
    return data


def result_from_json(data):
    """The inverse of :func:`result_to_json`."""
    items = {name: ItemResult(**dict(item, tests=tuple(CheckRecord(**t) for t in item["tests"]),
                                     costs=tuple(item["costs"])))
             for name, item in data["items"].items()}
    written = {name: WrittenResult.from_json(entry) for name, entry in data["written"].items()}
    return StudentResult(data["student"], items=items, problems=list(data["problems"]),
                         incidents=list(data["incidents"]), plots=dict(data["plots"]), seconds=data["seconds"],
                         written=written)


def _time(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def finished(state):
    """``({student: result}, {student: person})`` of every student ``state`` remembers, sorted by student:
    each result with the TAs' scores and the course policy applied, each person with the ids the roster and
    the layout give (``id``, ``name``, ``email``, ``submitted_at``, ...)."""
    from autograder.results.policy import apply_policy, names_of, parse_policy
    from autograder.results.roster import match
    from autograder.results.written import apply_manual
    people = {name: {"student": name, **record["info"], "submitted_at": record.get("submitted_at") or ""}
              for name, record in state["students"].items()}
    matched, _, _ = match(people, state["roster"] or [])
    for name, row in matched.items():
        people[name].update({k: v for k, v in row.items() if k != "student"})
    policy = parse_policy(state["policy"]) if state.get("policy") else None
    manual = {(s, item): (score, comment) for s, item, score, comment in state["manual"]}
    results = {}
    for name in sorted(state["students"]):
        record_ = state["students"][name]
        result = record_["result"]
        result = StudentResult(**{**result.__dict__, "written": dict(result.written), "items": dict(result.items)})
        apply_manual(result, manual)
        if policy is not None:
            result = apply_policy(result, policy, names_of(name, people[name]), submitted_at(record_),
                                  record_.get("time_source", ""))
        results[name] = result
    return results, {name: people[name] for name in sorted(people)}


def roster_lists(state):
    """``(submissions on no roster row, roster rows with no submission)``; both empty without a roster."""
    from autograder.results.roster import match
    if not state["roster"]:
        return [], []
    people = {name: {"student": name, **record["info"]} for name, record in state["students"].items()}
    _, unmatched, missing = match(people, state["roster"])
    return unmatched, missing
