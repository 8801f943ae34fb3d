"""Generate the student release (``notebooks/``) from the reference solutions (``solutions/``).

The release of a notebook is nbgrader's own ``generate_assignment`` pipeline of preprocessors,
configured by the course's ``nbgrader_config.py``, without nbgrader's database step. No reference
code is released: later parts use the student's own earlier functions (``allab.mine``). Each part's public
checks (``autograder/checks/<part>/public.py``) reach the student package as ``allab/checks/<part>.py``, a
relative symbolic link to them: one file in two places (the hand-out zip and the Gradescope bundle hold its
text).
"""
import os
import runpy
import sys

import nbformat
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    LockCells,
)
from traitlets.config import Config

from autograder import NOTEBOOKS_DIR, PARTS, ROOT, SOLUTIONS_DIR
from autograder.authoring.examples import example_files
from autograder.grading.handin import handin_data, handin_json, handin_texts, readme_with_handin
from autograder.grading.runner import CHECKS_DIR, check_parts
from autograder.notebook import read_notebook


def course_config():
    """The nbgrader configuration in the repository's ``nbgrader_config.py``."""
    namespace = runpy.run_path(str(ROOT / "nbgrader_config.py"), init_globals={"get_config": Config})
    return namespace["c"]


def release_notebook(nb, config=None, generated=None):
    """Return the student version of a solution notebook (solutions, outputs and hidden tests removed), its
    ``generated`` cells (``{grade_id: text}``, the hand-in cells of :func:`handin_texts`) rendered again."""
    config = course_config() if config is None else config
    nb = nbformat.from_dict(nb)  # a copy: the solution stays as it was
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in (generated or {}):
            cell.source = generated[grade_id]
    resources = {}
    # nbgrader's generate_assignment order, less IncludeHeaderFooter/InstantiateTests (unused)
    # and SaveCells (its database).
    for step in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums,
                 ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata):
        nb, resources = step(config=config).preprocess(nb, resources)
    return nb


def release_files(solutions_dir=SOLUTIONS_DIR, notebooks_dir=NOTEBOOKS_DIR):
    """``{path: text}`` of every generated file of the release."""
    config = course_config()
    data = handin_data()
    generated = handin_texts(data)
    files = {}
    for part in PARTS:
        nb = release_notebook(read_notebook(solutions_dir / f"{part}.ipynb"), config, generated.get(part))
        files[notebooks_dir / f"{part}.ipynb"] = nbformat.writes(nb) + "\n"
    files[notebooks_dir / "allab" / "handin.json"] = handin_json()
    readme = notebooks_dir / "README.md"
    if readme.exists():
        files[readme] = readme_with_handin(readme.read_text(), data)
    if solutions_dir == SOLUTIONS_DIR:
        files.update(example_files(PARTS, release_notebook))
    return files


def public_check_links(notebooks_dir=NOTEBOOKS_DIR):
    """``{link: target}``: the student package's public checks, ``allab/checks/<part>.py``, each a relative
    symbolic link to its part's ``autograder/checks/<part>/public.py``."""
    folder = notebooks_dir / "allab" / "checks"
    return {folder / f"{part}.py": os.path.relpath(CHECKS_DIR / part / "public.py", folder) for part in check_parts()}


def stale_files(solutions_dir=SOLUTIONS_DIR, notebooks_dir=NOTEBOOKS_DIR):
    """The generated files whose committed text (or link) differs from what the solutions generate."""
    stale = [path for path, text in release_files(solutions_dir, notebooks_dir).items()
             if not path.exists() or path.read_text() != text]
    return stale + [link for link, target in public_check_links(notebooks_dir).items()
                    if not link.is_symlink() or os.readlink(link) != target]


def main(args):
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        if stale:
            print("run `python -m autograder release` and commit the result", file=sys.stderr)
            return 1
        print("the student release is up to date")
        return 0
    for path, text in release_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    for link, target in public_check_links().items():
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
        print(f"linked {link.relative_to(ROOT)} -> {target}")
    return 0
