"""Argument checks shared by the dataset loaders."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence

SUBSETS = ("train", "test", "all")


def check_choice(value, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a clear error.

    Parameters
    ----------
    value : object
        The value passed by the user.
    name : str
        The parameter name, used in the error message.
    choices : sequence of str
        The accepted values.

    Returns
    -------
    str
        ``value``, unchanged.

    Raises
    ------
    TypeError
        If ``value`` is not a string.
    ValueError
        If ``value`` is not one of ``choices``; the message lists the choices
        and, when there is one, the closest match.
    """
    listed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a string, one of {listed}; got {value!r} of type "
            f"{type(value).__name__}."
        )
    if value not in choices:
        close = difflib.get_close_matches(value, choices, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.{hint}")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a bool, else raise a TypeError.

    Parameters
    ----------
    value : object
        The value passed by the user.
    name : str
        The parameter name, used in the error message.

    Returns
    -------
    bool
        ``value``, unchanged.

    Raises
    ------
    TypeError
        If ``value`` is not ``True`` or ``False``.
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False; got {value!r}.")
    return value


def check_data_dir(data_dir) -> None:
    """Check that ``data_dir`` is None, a string or a path-like object.

    Parameters
    ----------
    data_dir : object
        The value passed by the user.

    Raises
    ------
    TypeError
        If ``data_dir`` is of another type.
    ValueError
        If ``data_dir`` is an empty string.
    """
    if data_dir is None:
        return
    if not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(
            "data_dir must be None, a str or a path-like object; got "
            f"{data_dir!r} of type {type(data_dir).__name__}."
        )
    if os.fspath(data_dir) == "":
        raise ValueError("data_dir must not be an empty string; use None instead.")


def check_loader_args(subset, data_dir, download, return_X_y) -> None:
    """Check the arguments that all loaders share.

    Parameters
    ----------
    subset : object
        Must be 'train', 'test' or 'all'.
    data_dir : object
        Must be None, a str or a path-like object.
    download : object
        Must be a bool.
    return_X_y : object
        Must be a bool.

    Raises
    ------
    TypeError, ValueError
        When an argument is of the wrong type or value.
    """
    check_choice(subset, "subset", SUBSETS)
    check_data_dir(data_dir)
    check_bool(download, "download")
    check_bool(return_X_y, "return_X_y")
