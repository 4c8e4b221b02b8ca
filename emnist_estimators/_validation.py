"""Checks for parameter values that scikit-learn's constraints cannot express."""

from __future__ import annotations

from numbers import Integral

import torch
from sklearn.utils._param_validation import HasMethods
from skorch.callbacks import Callback


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_layer_sizes(
    value, name: str, *, allow_empty: bool = False
) -> tuple[int, ...]:
    """Validate a tuple of positive ints (layer widths, filters, block counts).

    Parameters
    ----------
    value : int or tuple or list of int
        The parameter value; a single int means a one-element tuple.
    name : str
        Parameter name, for the error message.
    allow_empty : bool, default=False
        Whether an empty tuple is valid.

    Returns
    -------
    tuple of int
        The value as a tuple of Python ints.

    Raises
    ------
    TypeError
        If ``value`` is not an int or a tuple/list of ints.
    ValueError
        If it is empty (when not allowed) or has an entry below 1.
    """
    what = (
        "a tuple of positive ints"
        if allow_empty
        else ("a non-empty tuple of positive ints")
    )
    if _is_int(value):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not all(_is_int(v) for v in value):
        raise TypeError(f"{name} must be {what}, got {value!r}.")
    if (not value and not allow_empty) or any(v < 1 for v in value):
        raise ValueError(f"{name} must be {what}, got {tuple(value)!r}.")
    return tuple(int(v) for v in value)


class OptimizerClass(HasMethods):
    """Parameter constraint: a subclass of ``torch.optim.Optimizer`` (the class).

    scikit-learn's ``make_constraint`` only takes its own constraint types, so
    this specialises ``HasMethods``.
    """

    def __init__(self) -> None:
        super().__init__(["step", "zero_grad"])

    def is_satisfied_by(self, val) -> bool:
        """Whether ``val`` is an optimizer class."""
        return isinstance(val, type) and issubclass(val, torch.optim.Optimizer)

    def __str__(self) -> str:
        return "a subclass of torch.optim.Optimizer"


def check_callbacks(callbacks) -> list:
    """Validate the ``callbacks`` parameter.

    Parameters
    ----------
    callbacks : list or None
        skorch callbacks, or ``(name, callback)`` pairs.

    Returns
    -------
    list
        The callbacks (an empty list for None).

    Raises
    ------
    TypeError
        If an entry is neither a skorch ``Callback`` nor a ``(str, Callback)`` pair.
    """
    if callbacks is None:
        return []
    for item in callbacks:
        callback = item
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            callback = item[1]
        if not isinstance(callback, Callback):
            raise TypeError(
                "callbacks must be a list of skorch.callbacks.Callback instances or "
                f"(name, callback) pairs, got {item!r}."
            )
    return list(callbacks)
