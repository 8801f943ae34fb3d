# nbgrader course configuration, shared by `nbgrader generate_assignment` and `python -m autograder release`.
c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

# The stub students see in place of each solution: say what to do, not just "not implemented".
c.ClearSolutions.code_stub = {
    "python": (
        "# YOUR CODE HERE\n"
        'raise NotImplementedError("Not written yet: replace this line with your code; '
        'the docstring above says what to return.")'
    )
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader stops a cell after this many seconds (its default, 30, is per cell). The demo cells that run many
# experiments (Part 3's headline comparison, strategies on digits and hard case; Bonus 1 and 2) take longer than 30 s
# (the README's "With nbgrader" has the figures of benchmarks/cell_times.py). None means no limit.
c.Execute.timeout = 600
