"""Inside the worker: its entry point and the loop that answers the grading process.

The grading process (:mod:`autograder.worker.client`) sends the student's code cells, then asks for
calls of the student's functions. The two talk through the wire (:mod:`~autograder.worker.framing`,
:mod:`~autograder.worker.calls`): JSON messages and array bytes, never pickles, checked on arrival, so
nothing the student's code does in the worker can reach into the grading process. Loading the definitions and
the working versions are :mod:`autograder.worker.loader`'s.
"""
import functools
import os
from multiprocessing.connection import Connection
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")

from autograder.worker.calls import Peer  # noqa: E402
from autograder.worker.framing import Channel, Closed  # noqa: E402
from autograder.worker.limits import Limits  # noqa: E402
from autograder.worker.loader import WorkingVersion, connect, earlier_parts, load_part, no_notebooks, working_versions  # noqa: E402

# Imported once in the fork server, so that each worker starts warm (and before the worker is confined). The
# parts' public checks are added by the grading process, which knows the parts (see client.preload()).
PRELOAD = ["autograder.worker.server", "numpy", "scipy.stats", "sklearn.linear_model", "sklearn.ensemble",
           "sklearn.svm", "sklearn.tree", "sklearn.naive_bayes", "matplotlib.pyplot", "matplotlib.backends.backend_agg",
           "modAL.models", "modAL.uncertainty", "allab.harness", "allab.codec", "allab.probes", "allab.data",
           "allab.definitions", "allab.mine", "allab.figures",
           "IPython.core.inputtransformer2"]


def _by_spec(obj: object) -> dict[str, Any] | None:
    """A working version crosses by name, a check's probe by its spec (the grading process builds a
    twin and sends back what it recorded); anything else is lent by handle."""
    from allab.codec import to_plain
    from allab.probes import PROBE_TAG
    if isinstance(obj, WorkingVersion):
        return {"__handle__": "ref", "name": obj.name}
    spec = getattr(obj, PROBE_TAG, None) if not isinstance(obj, type) else None
    if isinstance(spec, dict):
        return {"__handle__": "probe", "kind": spec["kind"], "params": to_plain(spec["params"], raw=True),
                "key": spec["key"]}
    return None


def serve(fd: int, isolated: bool = False) -> None:
    """The worker's loop: answer the grading process's requests until the connection closes.

    Parameters
    ----------
    fd : int
        The worker's end of the connection (a socket's file descriptor).
    isolated : bool
        Whether :func:`~autograder.worker.confinement.confine` isolated the worker (told in the load report).
    """
    from allab.codec import from_plain
    from allab.harness import run_call
    me = os.getpid()

    def only_me(f):
        try:
            return f()
        finally:
            if os.getpid() != me:
                os._exit(0)  # a process the student's code forked returned here: only the worker answers

    peer = Peer(Channel(fd, checked=False), catch_all=True)
    connect(peer)
    peer.lend(lendable=lambda obj: True, by_name=WorkingVersion, run=only_me, special=_by_spec)
    namespaces, earlier = {}, {}

    def load(message):
        reply = {}
        for part, cells in message["parts"].items():
            earlier[part] = set(message["earlier"].get(part, ()))
            with earlier_parts(earlier[part]):
                graded = message["graded"].get(part, ())
                namespaces[part], problems = only_me(functools.partial(load_part, cells, part, graded))
            reply[part] = {"problems": problems, "isolated": isolated,
                           "defined": sorted(k for k, v in namespaces[part].items() if callable(v))}
        return reply

    def call(message):
        part = message["part"]
        namespace = namespaces.get(part, {})
        args = from_plain(message["args"], peer.lender.resolve)
        kwargs = from_plain(message["kwargs"], peer.lender.resolve)
        with earlier_parts(earlier.get(part, set())), working_versions(namespace, message.get("isolate", ())):
            return only_me(lambda: run_call(namespace, message["name"], args, kwargs, raw=True))

    peer.handlers.update(load=load, call=call)
    import allab.mine
    allab.mine.use(no_notebooks)  # outside load and call: nothing
    while True:
        try:
            message = peer.channel.receive()
        except Closed:
            return
        peer.answer(message)
        peer.lender.clear()  # type: ignore[union-attr]  # lent above


def _finds(finder: Any, name: str) -> bool:
    """Whether the import system's ``finder`` would find module ``name``."""
    try:
        return finder.find_spec(name, None) is not None
    except Exception:  # noqa: BLE001 - a finder that cannot say does not find it
        return False


def worker_main(conn: Connection, limits: Limits, workdir: str, uid: int, preload: list[str]) -> None:
    """Entry point of a worker process (forked from the fork server): confine it, then :func:`serve`.

    Parameters
    ----------
    conn : multiprocessing.connection.Connection
        The worker's end of the pipe to the grading process.
    limits : autograder.worker.limits.Limits
    workdir : str
        Its empty working folder.
    uid : int
        The unprivileged uid it becomes (where it can).
    preload : list of str
        The modules to import before confinement: :data:`PRELOAD` and the parts' public checks (links into
        ``autograder/checks/``, out of a confined worker's sight).
    """
    import gc
    import importlib
    import sys

    from allab.figures import skip_layout
    from autograder.worker.confinement import confine, import_path
    # The fork server's objects are never garbage: a collection passing over them would copy every
    # page they sit on into this process (0.2 s a submission).
    gc.freeze()
    for module in preload:  # after confine() the course files are out of sight: import everything now
        importlib.import_module(module)
    # On every platform, not only where the course files are hidden: nothing more of the grader (its
    # checks, the reference) can be imported. What it has loaded stays in use.
    sys.path[:] = import_path(sys.path, limits.hidden)
    for package in ("autograder", __package__):  # nor through the packages' own paths
        sys.modules[package].__path__[:] = []
    # nor through an editable install's finder, which maps ``autograder.*`` to the checkout by name
    sys.meta_path[:] = [finder for finder in sys.meta_path if not _finds(finder, "autograder.grading")]
    skip_layout()
    isolated = confine(limits, workdir, uid)
    serve(conn.fileno(), isolated)  # conn stays referenced here, so its descriptor stays open

