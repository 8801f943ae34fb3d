"""``export DIR --to canvas|moodle|csv``: the graded class as the LMS's gradebook import takes it.

- ``canvas``: Canvas's gradebook CSV (Grades > Import): ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, then one column per assignment. Canvas matches rows by ``ID`` (or the SIS ids) and creates an
  assignment for a column it does not know. Here: the assignment (required points, less any late penalty) and
  its extra credit as a second column, so that extra credit can be its own (0-point) assignment.
- ``moodle``: a CSV for Moodle's "Import grades: CSV file": an identifier column to map users by (``Email
  address``, ``ID number``, ``Username``), ``Full name``, and a grade column each for the assignment and its
  extra credit, mapped to grade items on import.
- ``csv``: every id the roster gave and the points apart (required, extra credit, late penalty, total) with
  the adjustments, for any other gradebook.

Ids come from the roster (``grade --roster``) or the layout (Canvas's user id, Gradescope's sid). A student
without the id the LMS matches by is listed, and so is a roster student with no submission (a row with an
empty grade: the import leaves their grade as it is).
"""
import csv

from autograder.scoring import points_text

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["Email address", "ID number", "Username", "Full name"]
CSV_COLUMNS = ["student", "name", "id", "email", "sis_user_id", "sis_login_id", "section", "required",
               "extra_credit", "late_penalty", "total", "adjustments"]


def export_rows(rows, target, assignment):
    """``(header, rows)`` of the export; ``rows`` are dicts with the people's ids and their points
    (``required``, ``extra_credit``, ``late_penalty``, ``total``: numbers, or None for no submission)."""
    grade, extra = assignment, f"{assignment} (extra credit)"
    if target == "canvas":
        header = [*CANVAS_COLUMNS, grade, extra]
        table = [[r.get("name") or r["student"], r.get("id", ""), r.get("sis_user_id", ""),
                  r.get("sis_login_id", ""), r.get("section", ""), _after_penalty(r), _points(r["extra_credit"])]
                 for r in rows]
    elif target == "moodle":
        header = [*MOODLE_COLUMNS, grade, extra]
        table = [[r.get("email", ""), r.get("id_number", ""), r.get("sis_login_id", ""),
                  r.get("name") or r["student"], _after_penalty(r), _points(r["extra_credit"])] for r in rows]
    else:
        header = CSV_COLUMNS
        table = [[_points(r.get(c)) if c in ("required", "extra_credit", "late_penalty", "total") else r.get(c, "")
                  for c in CSV_COLUMNS] for r in rows]
    return header, table


def missing_ids(rows, target):
    """The students the LMS cannot match: no ``ID``/SIS id (Canvas), no e-mail or ID number (Moodle)."""
    needed = {"canvas": ("id", "sis_user_id", "sis_login_id"), "moodle": ("email", "id_number", "sis_login_id")}
    if target not in needed:
        return []
    return [r.get("name") or r["student"] for r in rows if not any(r.get(k) for k in needed[target])]


def write_export(rows, target, assignment, path):
    """Write the export of ``rows`` (see :func:`export_rows`) to ``path``."""
    header, table = export_rows(rows, target, assignment)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(table)


def _after_penalty(row):
    """The required points less the late penalty (the penalty is taken from the required column first)."""
    if row["required"] is None:
        return ""
    return _points(round(max(0.0, row["required"] - (row["late_penalty"] or 0.0)), 2))


def _points(x):
    """Points as every output prints them (:func:`~autograder.scoring.points_text`, also Canvas's and Moodle's
    imports: a plain decimal); "" for no submission (the import leaves that grade as it is)."""
    return "" if x is None else points_text(x)
