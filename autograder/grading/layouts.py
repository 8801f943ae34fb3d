"""How a class's submissions are laid out, recognised from each LMS's documented file and folder naming.

=============  ==========================================================================================
layout         what it looks like
=============  ==========================================================================================
``student``    one student's folder (notebooks at its top), or a single ``.ipynb``
``folders``    a folder per student
``nbgrader``   nbgrader's ``submitted/<student>/<assignment>/`` (with its ``timestamp.txt``)
``canvas``     Canvas's "Download Submissions": one flat folder of files named
               ``<lastfirst>[_LATE]_<user id>_<attachment id>_<file name>``
``moodle``     Moodle's "Download submissions": a folder per submission plug-in and student,
               ``<Full Name>_<participant id>_assignsubmission_<file|onlinetext>_`` (or flat files so named)
``gradescope`` Gradescope's "Export Submissions": ``submission_<id>/`` folders and ``submission_metadata.yml``
               (each submission's ``:submitters:`` with ``:name:``, ``:sid:``, ``:email:``, and ``:created_at:``)
=============  ==========================================================================================

:func:`entries` turns a path into one :class:`Entry` per student, with the submission time the layout records
(Gradescope's ``:created_at:``, nbgrader's ``timestamp.txt``; the files' modification times otherwise, said so).
An ambiguous path raises :class:`LayoutError` naming the files: loose notebooks beside student folders, files
of two Canvas or Moodle students in one student's folder, Canvas-named files mixed with others.
"""
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

LAYOUTS = ("student", "folders", "nbgrader", "canvas", "moodle", "gradescope")
# Canvas's <lastfirst> is the sortable name, lower-cased, without spaces or punctuation (letters may be accented)
CANVAS_FILE = re.compile(r"^(?P<login>[^\W_]+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<attachment>\d+)_(?P<file>.+)$")
MOODLE_NAME = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>file|onlinetext)_(?P<file>.*)$")
GRADESCOPE_METADATA = "submission_metadata.yml"
SUBMISSION_SUFFIXES = (".ipynb", ".zip")
FILE_TIMES = "the files' modification times (the layout records no submission time)"


def printable_name(name):
    """``name`` (a file or folder name, a student) as it may be printed or written: valid UTF-8 (bytes
    that were not become U+FFFD), no control or format characters (a newline would forge a line of the
    printed summary), no leading or trailing space, at most 100 characters."""
    text = str(name)
    try:
        text = os.fsencode(text).decode("utf-8", "replace")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte (from JSON's "\\ud800")
        text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join("_" if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return text.strip()[:100] or "_"


def is_debris(name):
    """A Jupyter checkpoint, a hidden file or folder, or macOS archive debris (``__MACOSX/``, ``._*``)."""
    return name.startswith(".") or name == "__MACOSX"


class LayoutError(Exception):
    """A class folder the grader will not guess about (exit code 2); the message names the files."""


@dataclass
class Entry:
    """One student's submission as the layout gives it: the files to read, and what it tells of them."""
    student: str
    folder: Path
    files: list
    layout: str
    key: str = ""                       # tells apart students who share a folder (Canvas, flat Moodle)
    submitted_at: datetime | None = None
    time_source: str = ""
    info: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)


def entries(path, layout=None, notes=None, exclude=None):
    """The :class:`Entry` s under ``path``, in the ``layout`` given or recognised (:func:`detect`).

    What is skipped (hidden folders, links) is appended to ``notes``; a folder at ``exclude`` (the grader's
    output folder, when it lies among the submissions) is no student's. Raises :class:`LayoutError` for an
    ambiguous path.
    """
    path = Path(path)
    notes = [] if notes is None else notes
    skip = () if exclude is None else (Path(exclude).resolve(),)
    layout = layout or detect(path, skip)
    if path.is_file():
        return [_entry(path.stem, path, [path], "student")]
    if layout == "nbgrader" and (path / "submitted").is_dir():
        path = path / "submitted"
    readers = {"student": _student, "folders": _folders, "nbgrader": _folders, "canvas": _canvas,
               "moodle": _moodle, "gradescope": _gradescope}
    return readers[layout](path, layout, notes, skip)


def detect(path, skip=()):
    """The layout of ``path`` (one of :data:`LAYOUTS`), from its file and folder names alone (the folders
    in ``skip`` left out)."""
    path = Path(path)
    if path.is_file():
        return "student"
    if (path / GRADESCOPE_METADATA).is_file():
        return "gradescope"
    if (path / "submitted").is_dir():
        return "nbgrader"
    folders, files = _folders_in(path, skip), _submission_files(path)
    if any(MOODLE_NAME.match(f.name) for f in [*folders, *files]):
        return "moodle"  # the names that are not Moodle's are refused, named
    if files and any(CANVAS_FILE.match(f.name) for f in files):
        return "canvas"
    return "student" if files else "folders"


def _student(path, layout, notes, skip):
    """One student's folder: its notebooks and zips (sub-folders are theirs too, two levels down)."""
    files = _find(path)
    if any(_find(folder) for folder in _folders_in(path, skip)) and _submission_files(path):
        _refuse_loose(path)
    _refuse_mixed(path, files)
    return [_entry(path.name, path, files, layout)]


def _folders(path, layout, notes, skip):
    """A folder per student (nbgrader's ``submitted/`` too); loose notebooks beside them are refused."""
    _refuse_loose(path)
    _note_skipped(path, notes)
    found = []
    for folder in _folders_in(path, skip):
        files = _find(folder)
        _refuse_mixed(folder, files)
        entry = _entry(folder.name, folder, files, layout)
        stamps = sorted(folder.glob("*/timestamp.txt"))
        if layout == "nbgrader" and stamps:  # nbgrader writes the hand-in time there
            entry.submitted_at = _parse_time(stamps[-1].read_text(errors="replace").strip())
            entry.time_source = "nbgrader's timestamp.txt" if entry.submitted_at else entry.time_source
        found.append(entry)
    return found


def _canvas(path, layout, notes, skip):
    """Canvas's flat folder: files grouped by ``<lastfirst>_<user id>``; every file must be so named."""
    _note_skipped(path, notes)
    others = [f for f in _submission_files(path) if not CANVAS_FILE.match(f.name)]
    if others:
        raise LayoutError(f"{printable_name(path)} looks like a Canvas download, but {_names(others)} "
                          f"{'is' if len(others) == 1 else 'are'} not named <name>_<user id>_<attachment id>_<file> "
                          "as Canvas names them: whose are they? Move them out, or put each student's files in a "
                          "folder of their own and grade with --layout folders")
    folders = _folders_in(path, skip)
    if folders:
        raise LayoutError(f"{printable_name(path)} looks like a Canvas download (one flat folder), but it also "
                          f"holds the folder(s) {_names(folders)}: whose are they? Move them out, or grade with "
                          "--layout")
    groups = {}
    for file in _submission_files(path):
        match = CANVAS_FILE.match(file.name)
        groups.setdefault((match["login"], match["id"]), []).append((file, match))
    found = []
    for (login, user_id), files in sorted(groups.items()):
        entry = _entry(login, path, [f for f, _ in files], layout, key=f"canvas:{user_id}")
        entry.info = {"id": user_id, "login": login}
        if any(m["late"] for _, m in files):
            entry.info["late"] = "Canvas marked it LATE"
            entry.problems.append("Canvas marked this submission LATE (the course policy decides what that costs)")
        found.append(entry)
    return found


def _moodle(path, layout, notes, skip):
    """Moodle's download: a folder (or flat files) per student and plug-in, merged per participant id."""
    _note_skipped(path, notes)
    others = [f for f in [*_folders_in(path, skip), *_submission_files(path)] if not MOODLE_NAME.match(f.name)]
    if others:
        raise LayoutError(f"{printable_name(path)} looks like a Moodle download, but {_names(others)} "
                          f"{'is' if len(others) == 1 else 'are'} not named <Full Name>_<id>_assignsubmission_"
                          "<plug-in>_ as Moodle names them: whose are they? Move them out, or grade with --layout")
    groups = {}
    for item in [*_folders_in(path, skip), *_submission_files(path)]:
        match = MOODLE_NAME.match(item.name)
        files = _find(item) if item.is_dir() else [item]
        group = groups.setdefault((match["name"], match["id"]), [])
        group += files
        if match["plugin"] == "onlinetext" and not files:
            group.append(None)  # an online text: no notebook in it, said below
    found = []
    for (name, participant), files in sorted(groups.items()):
        entry = _entry(name, path, [f for f in files if f is not None], layout, key=f"moodle:{participant}")
        entry.info = {"id": participant, "name": name}
        if None in files:
            entry.problems.append("an online text was handed in on Moodle: it is not graded (hand in the notebooks)")
        found.append(entry)
    return found


def _gradescope(path, layout, notes, skip):
    """Gradescope's export: a row per submitter of each ``submission_<id>/`` in the metadata."""
    import yaml
    try:
        metadata = yaml.safe_load((path / GRADESCOPE_METADATA).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LayoutError(f"{printable_name(path / GRADESCOPE_METADATA)} cannot be read ({exc}): re-export the "
                          "submissions from Gradescope") from None
    if not isinstance(metadata, dict):
        raise LayoutError(f"{printable_name(path / GRADESCOPE_METADATA)} is not Gradescope's submission metadata "
                          "(a mapping of submission_<id> to its submitters)")
    _refuse_loose(path)
    _note_skipped(path, notes)
    found = []
    for folder in _folders_in(path, skip):
        files = _find(folder, depth=8)  # one submission: its sub-folders are the same student's
        meta = metadata.get(folder.name)
        if not isinstance(meta, dict) or not isinstance(meta.get(":submitters"), list):
            entry = _entry(folder.name, folder, files, layout)
            entry.problems.append(f"{printable_name(folder.name)} is not in {GRADESCOPE_METADATA}: graded under its "
                                  "folder name")
            found.append(entry)
            continue
        when = _parse_time(meta.get(":created_at"))
        for person in meta[":submitters"]:
            person = person if isinstance(person, dict) else {}
            name = str(person.get(":name") or folder.name)
            entry = _entry(name, folder, files, layout, key=f"gradescope:{folder.name}:{person.get(':sid')}")
            entry.info = {k: str(person[f":{k}"]) for k in ("name", "sid", "email") if person.get(f":{k}")}
            if "sid" in entry.info:
                entry.info["id"] = entry.info.pop("sid")
            if when is not None:
                entry.submitted_at, entry.time_source = when, "Gradescope's created_at"
            if len(meta[":submitters"]) > 1:
                entry.problems.append(f"a group submission ({folder.name}): graded once for each of its "
                                      f"{len(meta[':submitters'])} members")
            found.append(entry)
    return found


def _entry(student, folder, files, layout, key=""):
    entry = Entry(student, folder, sorted(files), layout, key=key)
    times = [f.stat().st_mtime for f in files]
    if times:
        entry.submitted_at = datetime.fromtimestamp(max(times), timezone.utc)
        entry.time_source = FILE_TIMES
    return entry


def _parse_time(value):
    """A timezone-aware datetime from YAML's datetime or an ISO-like text (``2026-03-01 12:00:00 -0800``);
    None when it is none. A time without a zone is taken as UTC."""
    if isinstance(value, str):
        text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip().replace(" UTC", "+00:00"))
        text = re.sub(r"\s+([+-]\d\d:?\d\d)$", r"\1", text)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _refuse_loose(path):
    """Refuse notebooks (or zips) at the top of ``path`` beside folders of students' work."""
    loose = _submission_files(path)
    if loose:
        raise LayoutError(f"{printable_name(path)} holds student folders and also {_names(loose)} at its top: whose "
                          f"{'is it' if len(loose) == 1 else 'are they'}? Move {'it' if len(loose) == 1 else 'them'} "
                          "into the student's folder (or out), then grade again; nothing was graded or written")


def _refuse_mixed(folder, files):
    """Refuse a folder whose files carry two Canvas or Moodle students' names."""
    owners = {}
    for file in files:
        match = CANVAS_FILE.match(file.name) or MOODLE_NAME.match(file.name)
        if match:
            owners.setdefault(match["id"], []).append(file)
    if len(owners) > 1:
        named = "; ".join(_names(group) for group in owners.values())
        raise LayoutError(f"{printable_name(folder)} holds notebooks of {len(owners)} different students ({named}): "
                          "put each student's files in a folder of their own (or grade the LMS's download as it "
                          "came, with --layout canvas or moodle); nothing was graded or written")


def _note_skipped(path, notes):
    """Tell what at the top of ``path`` is not graded: hidden folders and files, links."""
    for item in sorted(path.iterdir()):
        if item.name == "__MACOSX" and item.is_dir():
            notes.append(f"skipped {printable_name(item)}: macOS archive debris (copies of the files' metadata)")
        elif item.is_symlink():
            notes.append(f"skipped {printable_name(item)}: a symbolic link (links are never followed)")
        elif item.name.startswith(".") and (item.is_dir() or item.suffix in SUBMISSION_SUFFIXES):
            notes.append(f"skipped {printable_name(item)}: its name starts with '.' (hidden; Jupyter's checkpoints and "
                         "archive debris are named so); rename it to grade it")


def _names(files, most=5):
    names = [printable_name(f.name) for f in files[:most]]
    return ", ".join(names) + (f" and {len(files) - most} more" if len(files) > most else "")


def _folders_in(path, skip=()):
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink() and not is_debris(p.name)
                  and p.resolve() not in skip)


def _submission_files(path):
    """The notebooks and zips at the top of ``path`` (no links, no debris)."""
    return sorted(p for p in path.iterdir() if p.suffix.lower() in SUBMISSION_SUFFIXES and p.is_file()
                  and not p.is_symlink() and not is_debris(p.name))


def _find(folder, depth=2):
    """The notebooks and zips of one student's ``folder``: at its top, else ``depth`` folders down."""
    try:
        found = _submission_files(folder)
        if not found and depth > 0:
            for sub in _folders_in(folder):
                found += _find(sub, depth - 1)
    except OSError:  # a folder the grader may not read: nothing found, the row says so
        return []
    return found
