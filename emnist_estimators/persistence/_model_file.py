"""The model description file: parameters as JSON and back, and its checks.

Only what JSON holds is written (tuples, dicts, torch.optim classes and
devices are encoded explicitly) and only ``torch.optim`` optimizer classes are
looked up when reading: a description cannot make the library import or run
anything else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def encode(value):
    """A parameter value as JSON (tuples, optimizer classes and devices kept)."""
    import torch

    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
        return {"__optimizer__": f"{value.__module__}:{value.__qualname__}"}
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "__fspath__"):
        return str(value)
    raise TypeError(f"{type(value).__name__} values cannot be saved")


def decode(value):
    """The inverse of :func:`encode`; only torch.optim classes are looked up."""
    import torch

    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {decode(k): decode(v) for k, v in value["__dict__"]}
        if "__optimizer__" in value:
            module, _, name = value["__optimizer__"].partition(":")
            candidate = (
                getattr(torch.optim, name, None)
                if module.startswith("torch.optim")
                else None
            )
            if not (
                isinstance(candidate, type)
                and issubclass(candidate, torch.optim.Optimizer)
            ):
                raise ValueError(
                    f"optimizer {value['__optimizer__']!r} is not a torch.optim "
                    "optimizer; only those are loaded."
                )
            return candidate
        raise ValueError(f"unknown encoded value {sorted(value)}")
    return value


def saved_params(estimator) -> dict[str, Any]:
    params = estimator.get_params(deep=False)
    params["callbacks"] = None  # training-time objects: not part of the model
    if not isinstance(params.get("random_state"), (int, np.integer, type(None))):
        params["random_state"] = None
    encoded = {}
    for name, value in params.items():
        try:
            encoded[name] = encode(value)
        except TypeError as exc:
            raise ValueError(
                f"Cannot save the parameter {name}={value!r} in the safe format "
                f"({exc}); save with pickle instead (joblib.dump)."
            ) from None
    return encoded


# ----------------------------------------------------------------- saving
def classes_field(classes: np.ndarray) -> dict[str, Any]:
    return {"values": classes.tolist(), "dtype": classes.dtype.str}


#: The fields every model description has, and their JSON types.
_FIELDS = {
    "model": str,
    "params": dict,
    "classes": dict,
    "n_features_in": int,
    "image_shape": list,
    "precision": str,
    "weights_sha256": str,
}


def check_fields(description: dict, json_path: Path) -> None:
    """Reject a description whose fields are missing or of the wrong type."""
    wrong = [
        f"{name!r} ({kind.__name__})"
        for name, kind in _FIELDS.items()
        if not isinstance(description.get(name), kind)
        or isinstance(description.get(name), bool)
    ]
    classes = description.get("classes")
    if isinstance(classes, dict) and not (
        isinstance(classes.get("values"), list)
        and isinstance(classes.get("dtype"), str)
    ):
        wrong.append("'classes' ({'values': list, 'dtype': str})")
    if not isinstance(description.get("history", []), list):
        wrong.append("'history' (list)")
    from .._machine import PRECISIONS

    if description.get("precision") not in PRECISIONS:
        wrong.append(f"'precision' (one of {', '.join(map(repr, PRECISIONS))})")
    if wrong:
        raise ValueError(
            f"{json_path} is not a valid model description: it lacks the fields "
            f"or has fields of the wrong type: {', '.join(wrong)}."
        )
