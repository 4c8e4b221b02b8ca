"""Validation applied on first call, for modules that must import fast.

The command line's ``--help`` must answer without importing scikit-learn or
torch (about a second); the modules it reads (the model registry) declare
their argument constraints with scikit-learn's ``validate_params`` all the
same, applied when a function is first called.
"""

from __future__ import annotations

import functools
from collections.abc import Callable


def lazily_validated(constraints: Callable[[], dict]) -> Callable:
    """Like ``validate_params(constraints())``, applied on the first call.

    Parameters
    ----------
    constraints : callable
        Returns the ``validate_params`` constraints (it may import what they
        need).

    Returns
    -------
    callable
        The decorator.
    """

    def decorator(function: Callable) -> Callable:
        validated: list[Callable] = []

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if not validated:
                from ._validation import validate_params

                validated.append(
                    validate_params(constraints(), prefer_skip_nested_validation=True)(
                        function
                    )
                )
            return validated[0](*args, **kwargs)

        return wrapper

    return decorator
