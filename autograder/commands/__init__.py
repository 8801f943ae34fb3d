"""The command line's top layer: each command's argument handling, printing and exit codes.

The commands call the pipeline (:mod:`autograder.grading`) and the outputs (:mod:`autograder.results`);
nothing below imports from here.
"""
from contextlib import contextmanager
from pathlib import Path


class UsageError(Exception):
    """The command cannot run with these arguments (exit code 2); nothing was written."""


def prepare_output(out):
    """Create the output folder and make sure it is writable, or raise :class:`UsageError`."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to the output folder {out}: {exc.strerror or exc}") from exc
    return out


@contextmanager
def usage_errors(*errors, writing=None):
    """Turn ``errors`` (exceptions whose message says what is wrong) into a :class:`UsageError`, and with
    ``writing`` (what was being written) an OSError too: ``python -m autograder`` prints ``error: ...`` for
    it and exits with 2."""
    try:
        yield
    except errors as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        if writing is None:
            raise
        raise UsageError(f"cannot write {writing}: {exc.strerror or exc}") from exc
