"""What a value becomes on the wire between the worker and the grader: plain data, never a pickle.

:func:`to_plain` encodes numbers, strings, arrays, containers, :class:`~allab.probes.Probe` specs and figures
(as :func:`~allab.figures.describe_figure` descriptions) as JSON-compatible data with tagged dicts;
:func:`from_plain` decodes them. Anything else travels as an :class:`Opaque` description.
"""
import base64
import math

import numpy as np

from .figures import FigureDescription, describe_figure, is_figure
from .probes import Probe

__all__ = ["to_plain", "from_plain", "Opaque"]


def to_plain(obj, depth=0, export=None, raw=False):
    """Encode ``obj`` as JSON-compatible data: numbers, strings, lists and tagged dicts only.

    An object that is none of these becomes ``export(obj)`` if ``export`` is given (the grader's
    handles on live objects), else an opaque description (its type name and a short repr). With
    ``raw``, numeric arrays stay arrays: the grader's channel sends their bytes as they are.
    """
    if depth > 20:
        return {"__object__": "too deeply nested", "repr": ""}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biuf":  # numbers travel as their raw bytes: fast, and still no pickle
            if raw:
                return obj
            return {"__ndarray__": obj.dtype.str, "shape": list(obj.shape),
                    "b64": base64.b64encode(np.ascontiguousarray(obj).tobytes()).decode("ascii")}
        return {"__objarray__": [to_plain(x, depth + 1, export, raw) for x in obj.ravel().tolist()],
                "shape": list(obj.shape)}
    if isinstance(obj, Probe):
        return {"__probe__": obj.kind, "params": to_plain(obj.params)}
    if isinstance(obj, tuple):
        return {"__tuple__": [to_plain(x, depth + 1, export, raw) for x in obj]}
    if isinstance(obj, list):
        return [to_plain(x, depth + 1, export, raw) for x in obj]
    if isinstance(obj, (set, frozenset)):
        return {"__set__": [to_plain(x, depth + 1, export, raw) for x in obj]}
    if isinstance(obj, dict):
        return {"__dict__": [[to_plain(item, depth + 1, export, raw) for item in pair] for pair in obj.items()]}
    if is_figure(obj):
        return {"__figure__": describe_figure(obj if hasattr(obj, "get_axes") else obj.figure)}
    if export is not None:
        return export(obj)
    return {"__object__": type(obj).__name__, "repr": _short_repr(obj)}


def from_plain(data, resolve=None):
    """Decode what :func:`to_plain` made (tagged dicts become arrays, tuples, dicts, ...).

    A dict tagged ``__handle__`` (what an ``export`` of :func:`to_plain` made) becomes ``resolve(data)``.
    """
    if isinstance(data, list):
        return [from_plain(x, resolve) for x in data]
    if not isinstance(data, dict):
        return data
    if "__handle__" in data and resolve is not None:
        return resolve(data)
    if "__ndarray__" in data:
        dtype = np.dtype(str(data["__ndarray__"]))
        if dtype.kind not in "biuf":
            raise ValueError(f"not a numeric array type: {dtype}")
        return np.frombuffer(base64.b64decode(data["b64"]), dtype=dtype).reshape(data["shape"]).copy()
    if "__objarray__" in data:
        arr = np.empty(len(data["__objarray__"]), dtype=object)
        arr[:] = [from_plain(x, resolve) for x in data["__objarray__"]]
        return arr.reshape(data["shape"])
    if "__float__" in data:
        return float(data["__float__"])
    if "__tuple__" in data:
        return tuple(from_plain(x, resolve) for x in data["__tuple__"])
    if "__set__" in data:
        return {from_plain(x, resolve) for x in data["__set__"]}
    if "__dict__" in data:
        return {_hashable(from_plain(k, resolve)): from_plain(v, resolve) for k, v in data["__dict__"]}
    if "__figure__" in data:
        return FigureDescription(data["__figure__"])
    if "__probe__" in data:
        return Probe(data["__probe__"], **from_plain(data["params"]))
    if "__object__" in data:
        return Opaque(data["__object__"], data.get("repr", ""))
    return data


class Opaque:
    """A returned value that is not plain data: only its type name and a short repr survive."""

    def __init__(self, type_name, text):
        self.type_name, self.text = type_name, text

    def __repr__(self):
        return f"<{self.type_name}: {self.text}>"


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _short_repr(obj):
    try:
        return repr(obj)[:200]
    except Exception:
        return "<unprintable>"
