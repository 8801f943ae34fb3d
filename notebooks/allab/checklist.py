"""The lab's testing checklist (from the original hand-out), each box ticked from evidence it names.

Used by :mod:`allab.check`: ``checklist(folder, loaded, report)`` gives ``[(ticked, box, evidence)]``.
"""
import ast
import json

import numpy as np

# (box, the graded functions whose check cells must pass, the plot that must be saved, the written answer)
BOXES = [
    ("Uncertainty sampling implemented correctly", ["part1.uncertainty_sampling"], None, None),
    ("Active learning loop runs without errors", ["part1.active_learning_loop"], None, None),
    ("Random baseline implemented for comparison", ["part2.random_sampling_loop"], None, None),
    ("Learning curves plotted and saved", ["part3.plot_learning_curves"], "part3_learning_curves", None),
    ("Cost analysis completed", ["part3.cost_analysis"], None, "part3.report_cost"),
    ("modAL library examples work", ["part4.modal_learning_loop", "part4.entropy_query_strategy"], None, None),
]


def checklist(folder, loaded, report):
    """``[(ticked, box, evidence)]`` for the folder ``report`` (:class:`allab.check.HandinReport`) describes;
    ``loaded`` is ``{part: allab.check.Notebook}`` of the notebooks it read."""
    boxes = [_evidence(box, functions, figure, answer, loaded, report) for box, functions, figure, answer in BOXES]
    boxes.insert(5, _multiple_runs(folder, loaded, report))
    boxes.append(_commented(loaded, report.stubs))
    boxes.append(_reproducible(loaded))
    return boxes


def _function_states(functions, loaded, report):
    """What keeps each of ``functions`` (item names) from passing its check cell, or "" when it passes."""
    failing = {name for name, _ in report.failing}
    stubs = set(report.stubs)
    states = {}
    for name in functions:
        part = name.split(".")[0]
        handed = any(p.split("_")[0] == part for p in loaded)
        states[name] = ("its notebook is not in the folder" if not handed else "still a stub" if name in stubs
                        else "its check cell fails" if name in failing else "")
    return states


def _evidence(box, functions, figure, answer, loaded, report):
    states = _function_states(functions, loaded, report)
    bad = [f"{name}: {why}" for name, why in states.items() if why]
    if figure and any(line.startswith(f"figures/{figure}.png") for line in report.missing_figures):
        bad.append(f"figures/{figure}.png is missing")
    if answer and any(line.startswith(answer) for line in report.empty_answers):
        bad.append(f"{answer} is not answered")
    if bad:
        return False, box, "; ".join(bad)
    said = f"the check cells of {', '.join(functions)} pass"
    said += f", figures/{figure}.png is saved" if figure else ""
    said += f", {answer} is answered" if answer else ""
    return True, box, said


def _multiple_runs(folder, loaded, report):
    box = "Multiple runs show consistent improvement"
    ticked, _, said = _evidence(box, ["part3.run_multiple_experiments"], "part3_multiple_runs", None, loaded, report)
    if not ticked:
        return False, box, said
    try:
        headline = json.loads((folder / "results" / "part3_experiments.json").read_text())["headline"]
        runs = f"; in your last run of Part 3, active learning won on {headline['wins']} of {headline['n_runs']} " \
               "paired starting sets (read the paired test there)"
    except (OSError, ValueError, KeyError, TypeError):
        runs = "; run Part 3 to see on how many paired starting sets active learning wins"
    return True, box, said + " (the runs are paired and seeded)" + runs


def _commented(loaded, stubs):
    """Every graded function written (not a stub) has at least one comment (a ``#`` line) in its body."""
    box = "Code is well-commented"
    from .handin import handin
    bare, seen = [], 0
    for entry in handin()["notebooks"]:
        notebook = loaded.get(entry["part"])
        for function in entry["functions"] if notebook else ():
            source = _source(notebook, function)
            if source is None or entry["functions"][function] in stubs:
                continue
            seen += 1
            comments = [line for line in source.splitlines()
                        if line.strip().startswith("#") and "YOUR CODE HERE" not in line]
            if not comments:
                bare.append(function)
    if not seen:
        return False, box, "no graded function written yet"
    if bare:
        return False, box, f"no comment (# ...) in {', '.join(bare)}: say why, briefly, where it is not obvious"
    return True, box, f"each of the {seen} graded functions written has at least one comment"


def _source(notebook, function):
    """The source of the last definition of ``function`` in the notebook's cells, or None."""
    found = None
    for _, cell in notebook.cells:
        try:
            tree = ast.parse(cell)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == function:
                found = ast.get_source_segment(cell, node)
    return found


def _reproducible(loaded):
    """The same seed twice gives the same numbers: the split and the random baseline."""
    box = "Results are reproducible (set random seeds)"
    from .checks import loop_data
    part1 = loaded.get("part1_basics")
    part2 = loaded.get("part2_strategies")
    if part1 is None or part2 is None:
        return False, box, "needs part1_basics.ipynb and part2_strategies.ipynb in the folder"
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = loop_data()
    runs = []
    try:
        for _ in range(2):
            split = part1.namespace["create_initial_split"](np.vstack([X_lab, X_pool]), np.concatenate([y_lab, y_pool]),
                                                            10, random_state=0)
            accuracies, _ = part2.namespace["random_sampling_loop"](X_lab, y_lab, X_pool, y_pool, X_test, y_test, 3, 5,
                                                                    random_state=0, verbose=False)
            runs.append((np.asarray(split[0]), np.asarray(accuracies, dtype=float)))
    except Exception as exc:  # noqa: BLE001 - a function not written yet, or failing
        return False, box, "create_initial_split and random_sampling_loop could not run twice " \
                           f"({type(exc).__name__}: {str(exc)[:120]})"
    (split_a, acc_a), (split_b, acc_b) = runs
    if not np.array_equal(split_a, split_b):
        return False, box, "create_initial_split with random_state=0, twice, gave two different splits"
    if not np.array_equal(acc_a, acc_b):
        return False, box, "random_sampling_loop with random_state=0, twice, gave different accuracies"
    return True, box, ("create_initial_split and random_sampling_loop, each run twice with random_state=0, gave the "
                       f"same split and the same accuracies ({', '.join(f'{a:.3f}' for a in acc_a)})")
