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
# experiments (Part 3's headline comparison, strategies on digits, the hard case) take longer than 30 s on a busy
# machine: see the README ("With nbgrader") and benchmarks/cell_times.py. None means no limit.
c.Execute.timeout = 300
