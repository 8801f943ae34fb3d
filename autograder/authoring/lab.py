"""The main job: execute every reference notebook headless and summarise what the lab shows.

Notebooks run in the output folder, so their deliverables land in ``OUT/figures/*.png`` and
``OUT/results/*.json``; the executed notebooks are kept in ``OUT/executed/``.
"""
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder import NOTEBOOKS_DIR, PARTS, SOLUTIONS_DIR


def execute_notebook(path, workdir, timeout=600, allow_errors=False):
    """Execute the notebook at ``path`` with ``workdir`` as its working folder; return it executed.

    The ``allab`` support package is put on the kernel's import path, and ``allab.mine`` reads the
    earlier parts from the notebook's own folder. Raises nbclient's
    ``CellExecutionError`` when a cell fails, unless ``allow_errors`` (then errors are cell outputs).
    """
    nb = nbformat.read(str(path), as_version=4)
    # One BLAS thread per kernel: notebooks run side by side, and oversubscribed BLAS threads made
    # Part 3 four times slower on 2 cores.
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", ALLAB_NOTEBOOKS=str(Path(path).resolve().parent), PYTHONPATH=os.pathsep.join(
        filter(None, [str(NOTEBOOKS_DIR), os.environ.get("PYTHONPATH")])))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no transport warning
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)  # passed on to the kernel's process
    return nb


def run_lab(out, jobs=2, parts=PARTS):
    """Execute the solution notebooks of ``parts`` into ``out``; return ``{part: seconds or error}``."""
    out = Path(out).resolve()
    (out / "executed").mkdir(parents=True, exist_ok=True)

    def run(part):
        start = time.perf_counter()
        try:
            nb = execute_notebook(SOLUTIONS_DIR / f"{part}.ipynb", out)
        except CellExecutionError as exc:
            return part, f"FAILED: {str(exc).strip().splitlines()[-1]}"
        nbformat.write(nb, str(out / "executed" / f"{part}.ipynb"))
        return part, time.perf_counter() - start

    # The longest notebook first, so that the other worker gets through the short ones meanwhile.
    order = sorted(parts, key=lambda part: part != "part3_experiments")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = dict(pool.map(run, order))
    return {part: done[part] for part in parts}


def summary(out, timings):
    """The text the main job prints: per-notebook time, headline numbers, where the plots are."""
    out = Path(out)
    lines = ["Reference lab:"]
    for part, t in timings.items():
        lines.append(f"  {part:<20} " + (f"ok  {t:5.1f} s" if isinstance(t, float) else t))
    results = {p.stem: json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))}
    part3 = results.get("part3_experiments", {})
    head = part3.get("headline")
    if head:
        lines += [
            f"Headline (lab data, {head['n_runs']} paired seeds): active learning wins on {head['wins']} of "
            f"{head['n_runs']} (AULC {head['aulc_active']:.3f} vs {head['aulc_random']:.3f}, "
            f"Wilcoxon p = {head['p_value']:.2g})",
            f"Labels to {head['target']:.0%} test accuracy (median): {head['labels_active']} active vs "
            f"{head['labels_random']} random -> {head['labels_random'] - head['labels_active']} labels saved",
        ]
    strategies = part3.get("strategies_aulc")
    if strategies:
        lines.append("AULC per strategy (10-class digits): " +
                     ", ".join(f"{k} {v:.3f}" for k, v in strategies.items()))
    digits = results.get("bonus", {}).get("digits")
    if digits:
        lines.append(f"Digits 3 vs 8: active wins {digits['wins']}/{digits['n_runs']}; labels to "
                     f"{digits['target']:.0%}: {digits['labels_active']} active vs {digits['labels_random']} random")
    figures = sorted((out / "figures").glob("*.png"))
    lines.append(f"{len(figures)} plots in {out / 'figures'}: " + ", ".join(f.stem for f in figures))
    return "\n".join(lines)


def main(args):
    start = time.perf_counter()
    timings = run_lab(args.out, jobs=args.jobs, parts=args.parts)
    print(summary(args.out, timings))
    print(f"Lab executed in {time.perf_counter() - start:.1f} s")
    return 0 if all(isinstance(t, float) for t in timings.values()) else 1
