"""The class list: who is enrolled, with the ids each LMS's gradebook import needs.

``grade --roster FILE.csv`` reads a CSV with a header row and any of these columns (other names in
parentheses are read the same; a Canvas gradebook export can be given as it is):

- ``student`` (folder, submission): the submission's name as ``grade`` prints it;
- ``name`` (full name; Canvas's ``Student`` column, "Last, First");
- ``email`` (email address, e-mail);
- ``id`` (Canvas's ``ID``, Gradescope's sid, Moodle's participant id, user id);
- ``sis_user_id``, ``sis_login_id`` (login, username), ``id_number`` (Moodle's ID number), ``section``.

A submission is matched to a row by id, then e-mail, then its name (case, spaces and punctuation aside;
"Last, First" matches "First Last" and Canvas's ``lastfirst``). Students on the roster with no submission, and
submissions on no row, are listed.
"""
import csv
import re
from pathlib import Path

COLUMNS = ("student", "name", "email", "id", "sis_user_id", "sis_login_id", "id_number", "section")
ALIASES = {"folder": "student", "submission": "student", "full name": "name", "student name": "name",
           "email address": "email", "e-mail": "email", "user id": "id", "canvas id": "id", "sid": "id",
           "sis user id": "sis_user_id", "sis login id": "sis_login_id", "login": "sis_login_id",
           "username": "sis_login_id", "id number": "id_number", "idnumber": "id_number"}


class RosterError(Exception):
    """A roster that cannot be read; the message names the file and what is wrong."""


def read_roster(path):
    """The rows of the roster CSV at ``path``: a list of ``{column: text}`` (see the module docstring)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"cannot read the roster {path}: {exc}") from exc
    if not rows:
        raise RosterError(f"the roster {path} is empty")
    header = [h.strip().casefold() for h in rows[0]]
    canvas = "sis user id" in header  # Canvas's gradebook export: its "Student" column is the name
    columns = [("name" if canvas and h == "student" else ALIASES.get(h, h)) for h in header]
    if not {"student", "name", "email", "id"} & set(columns):
        raise RosterError(f"the roster {path} has none of the columns student, name, email, id in its header "
                          f"({', '.join(rows[0])})")
    roster = []
    for row in rows[1:]:
        entry = {c: v.strip() for c, v in zip(columns, row, strict=False) if c in COLUMNS and v.strip()}
        if entry and not entry.get("name", "").startswith("Points Possible"):  # Canvas's second row
            roster.append(entry)
    return roster


def keys(person):
    """The keys a roster row or a submission (``{"student", "name", "login", "id", "email"}``) matches by."""
    found = {f"id:{person['id']}"} if person.get("id") else set()
    if person.get("email"):
        found.add(f"email:{person['email'].casefold()}")
    for field in ("student", "name", "login", "sis_login_id"):
        text = person.get(field, "")
        if text:
            found.add(f"name:{_squash(text)}")
            if "," in text:  # "Last, First": also First Last
                last, first = text.split(",", 1)
                found.add(f"name:{_squash(first + last)}")
    return found


def match(people, roster):
    """``({student: roster row}, [students on no row], [roster rows with no submission])``.

    ``people`` is ``{student: {"student", "name", "login", "id", "email"}}``. A key shared by two roster
    rows matches neither (it is ambiguous); a row is given to one student only.
    """
    index = {}
    for number, row in enumerate(roster):
        for key in keys(row):
            index[key] = None if key in index else number
    matched, used = {}, set()
    for student, person in people.items():
        person_keys = keys(person)
        numbers = [index.get(k) for k in sorted(person_keys, key=_priority) if index.get(k) is not None]
        number = next((n for n in numbers if n not in used), None)
        if number is not None:
            matched[student] = roster[number]
            used.add(number)
    missing = [row for number, row in enumerate(roster) if number not in used]
    return matched, [s for s in people if s not in matched], missing


def _priority(key):
    return ("id:", "email:", "name:").index(key.split(":", 1)[0] + ":")


def _squash(text):
    return re.sub(r"[\W_]+", "", text.casefold())


def describe(row):
    """A roster row in a few words, for the lists of who is missing."""
    return " ".join(filter(None, (row.get("name") or row.get("student"),
                                  f"<{row['email']}>" if row.get("email") else "",
                                  f"(id {row['id']})" if row.get("id") else "")))
