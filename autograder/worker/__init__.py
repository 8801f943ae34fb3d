"""The worker subsystem: where a student's code runs, apart from the grading process.

``client`` (the grading process's end: start a worker, call, keep the budget) talks to ``server`` (the
worker's entry point and loop; ``loader`` loads the student's definitions there) over the wire:
``framing`` (bounded frames), ``calls`` (requests and replies), ``lending`` (live objects by handle).
``working_versions`` answers the worker's requests for working versions in the grading process. What a
worker may do and see: ``limits``, ``confinement`` (the allowlist view; ``syscalls`` wraps what it needs), and
``cleanup`` (nothing a worker makes outlives it).
"""
