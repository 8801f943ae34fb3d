"""How long the students' pre-upload check (``python -m allab.check``) takes, and where the time goes.

    .venv/bin/python benchmarks/pre_upload_check.py [FOLDER]

FOLDER defaults to a copy of the complete example submission (with placeholder plots). Prints the seconds of
each notebook's check cells and of the whole check, best of three runs.
"""
import shutil
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from allab import check  # noqa: E402
from allab.handin import handin  # noqa: E402
from autograder.authoring.examples import EXAMPLES_DIR  # noqa: E402


def complete_folder():
    folder = Path(tempfile.mkdtemp()) / "alice"
    shutil.copytree(EXAMPLES_DIR / "alice_complete", folder)
    (folder / "figures").mkdir()
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (1).to_bytes(4, "big") * 2
    for nb in handin()["notebooks"]:
        for figure in nb["figures"]:
            (folder / "figures" / f"{figure}.png").write_bytes(png)
    return folder


def timed_parts(folder):
    """``{part: seconds}`` of each handed-in notebook's definitions and check cells."""
    seconds, report, loaded = {}, check.HandinReport(), {}
    with check.notebooks_in(folder):
        for entry in handin()["notebooks"]:
            start = time.perf_counter()
            check._check_notebook(entry, folder, report, loaded)
            seconds[entry["part"]] = time.perf_counter() - start
    return seconds


def main():
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else complete_folder()
    timed_parts(folder)  # warm: imports, data sets
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        report = check.check_folder(folder)
        runs.append(time.perf_counter() - start)
    for part, seconds in timed_parts(folder).items():
        print(f"{part:<20} {seconds:6.2f} s")
    print(f"{'whole check':<20} {min(runs):6.2f} s (best of 3; {'ready' if report.ready else 'not ready'})")


if __name__ == "__main__":
    main()
