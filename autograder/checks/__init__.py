"""The grader's checks: one folder a notebook part, ``autograder/checks/<part>/``.

* ``public.py``: the public checks (what students run in the notebook's check cells). ``python -m autograder
  release`` links it into the student package as ``allab/checks/<part>.py``; feedback shows their failure
  messages in full. What the public checks of several parts share is in :mod:`allab.checks`.
* ``hidden.py``: the hidden checks, registered with :func:`autograder.grading.runner.check`. Feedback shows
  only their title (the docstring's first line), their item's points and the likely mistake they name
  (:class:`autograder.grading.runner.Mistake`). What they share is in :mod:`autograder.checks.verdicts`.

A part's folder imports no other part's. Every part with graded functions in the mark scheme has one;
:mod:`autograder.grading.runner` runs its checks.
"""
