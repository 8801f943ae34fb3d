"""How long each cell of the solution notebooks runs: what nbgrader's per-cell limit (``Execute.timeout``,
30 s by default) is measured against, since ``nbgrader autograde`` executes every cell.

    .venv/bin/python benchmarks/cell_times.py [--parts part3_experiments ...] [--top 8]

Executes each solution notebook with nbclient in a temporary copy of ``notebooks/`` holding the solutions (so
``allab``, ``allab.mine`` and ``figures/`` behave as in a complete student's folder) and prints the slowest cells,
with their grade_id and first line.
"""
import argparse
import datetime
import shutil
import tempfile
from pathlib import Path

from autograder import NOTEBOOKS_DIR, PARTS, SOLUTIONS_DIR
from autograder.notebook import nbgrader_meta, read_notebook


def cell_seconds(cell):
    """The seconds ``cell`` ran, from the timing nbclient records (None if it did not run)."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = datetime.datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args(argv)
    from nbclient import NotebookClient
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "notebooks"
        shutil.copytree(NOTEBOOKS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
        for notebook in SOLUTIONS_DIR.glob("*.ipynb"):  # what `from allab.mine import ...` reads
            shutil.copy(notebook, folder)
        for part in args.parts:
            nb = read_notebook(SOLUTIONS_DIR / f"{part}.ipynb")
            NotebookClient(nb, timeout=1800, resources={"metadata": {"path": str(folder)}}).execute()
            for cell in nb.cells:
                seconds = cell_seconds(cell) if cell.cell_type == "code" else None
                if seconds is not None:
                    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
                    rows.append((seconds, part, nbgrader_meta(cell).get("grade_id", ""), first))
    rows.sort(reverse=True)
    print(f"{'seconds':>8}  {'part':<18} {'cell':<28} first line")
    for seconds, part, grade_id, first in rows[:args.top]:
        print(f"{seconds:8.1f}  {part:<18} {grade_id:<28} {first}")
    print(f"total {sum(r[0] for r in rows):.1f} s over {len(rows)} code cells")


if __name__ == "__main__":
    main()
