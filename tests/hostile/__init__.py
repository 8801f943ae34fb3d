"""A catalogue of bad submissions, each with what the grader must make of it (see ``cases.py``)."""
