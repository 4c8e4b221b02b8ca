"""Parameter validation in one place: scikit-learn's constraints, and the ones it lacks.

Every public function and estimator of the package declares what each
parameter accepts with scikit-learn's constraint machinery
(``_parameter_constraints`` on estimators, :func:`validate_params` on
functions), so that every error has the same form: "The 'n_images' parameter
of plot_samples must be an int in the range [1, inf). Got 0 instead."

That machinery lives in a private scikit-learn module. This is the only
module that imports it (``tests/test_validation.py`` checks the parts used);
if a scikit-learn release moves it, the import error below says what to do.

The constraints scikit-learn has no type for are :class:`Predicate`
instances: a test and the words that describe it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral, Real

try:
    from sklearn.base import _fit_context as fit_context
    from sklearn.utils import _safe_indexing as safe_indexing
    from sklearn.utils._param_validation import (
        HasMethods,
        Hidden,
        Interval,
        InvalidParameterError,
        Options,
        StrOptions,
        validate_params,
    )
    from sklearn.utils.validation import _check_sample_weight as check_sample_weight
except ImportError as exc:  # pragma: no cover - depends on scikit-learn
    raise ImportError(
        "emnist-estimators validates parameters with scikit-learn's "
        "sklearn.utils._param_validation (scikit-learn 1.6 to 1.9 are tested), "
        "which this scikit-learn does not have; install a tested version, e.g. "
        "pip install 'scikit-learn>=1.6,<1.10'."
    ) from exc

__all__ = [
    "AUGMENT_KEYS",
    "CALLBACKS",
    "IMAGE_SHAPE",
    "POSITIVE_FINITE",
    "HasMethods",
    "Hidden",
    "Interval",
    "Ints",
    "InvalidParameterError",
    "Options",
    "Predicate",
    "StrOptions",
    "augment_ranges",
    "check_sample_weight",
    "distinct_options",
    "fit_context",
    "is_int",
    "layer_sizes",
    "normalized",
    "normalized_parameters",
    "safe_indexing",
    "validate_params",
]


def is_int(value) -> bool:
    """Whether ``value`` is an integer and not a bool.

    Parameters
    ----------
    value : object
        Anything.

    Returns
    -------
    bool
        True for ints and numpy integers, False for bools.
    """
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class Ints(Interval):
    """scikit-learn's integer ``Interval``, without the bools.

    ``Interval(Integral, ...)`` accepts ``True`` and ``False`` (bool is an
    int in Python), so ``batch_size=True`` would train with batches of one.

    Parameters
    ----------
    left, right : int or None
        The bounds (None for no bound).
    closed : {'left', 'right', 'both', 'neither'}, default='left'
        Which bounds belong to the interval.
    """

    def __init__(self, left, right=None, *, closed: str = "left") -> None:
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val) -> bool:
        """Whether ``val`` is an int (not a bool) in the interval."""
        return not isinstance(val, bool) and super().is_satisfied_by(val)


class Predicate(HasMethods):
    """A parameter constraint given by a test and the words that describe it.

    scikit-learn's ``make_constraint`` accepts only its own constraint types,
    so this specialises ``HasMethods`` (with no methods required).

    Parameters
    ----------
    test : callable
        ``test(value) -> bool``.
    description : str or callable
        What is accepted, as it reads after "must be", e.g. "a non-empty
        tuple of positive ints"; a callable returning it when the accepted
        values can change (e.g. the registered models).
    normalize : callable or None, default=None
        Turns an accepted value into its canonical form (e.g. an int into a
        one-element tuple); see ``normalized``.
    """

    def __init__(
        self,
        test: Callable[[object], bool],
        description: str | Callable[[], str],
        normalize: Callable[[object], object] | None = None,
    ) -> None:
        super().__init__([])
        self.test = test
        self.description = description
        self.normalize = normalize

    def is_satisfied_by(self, val) -> bool:
        """Whether ``val`` passes the test."""
        try:
            return bool(self.test(val))
        except (TypeError, ValueError):
            return False

    def __str__(self) -> str:
        return self.description() if callable(self.description) else self.description


def layer_sizes(*, allow_empty: bool = False) -> Predicate:
    """Constraint: a positive int or a tuple/list of positive ints.

    Parameters
    ----------
    allow_empty : bool, default=False
        Whether an empty tuple is accepted.

    Returns
    -------
    Predicate
        The constraint.
    """

    def test(value) -> bool:
        if is_int(value):
            return value >= 1
        return (
            isinstance(value, (tuple, list))
            and (allow_empty or len(value) > 0)
            and all(is_int(v) and v >= 1 for v in value)
        )

    what = "a tuple of positive ints" if allow_empty else "a non-empty tuple"
    what += "" if allow_empty else " of positive ints"
    return Predicate(test, f"a positive int or {what}", normalize=_as_int_tuple)


def _as_int_tuple(value) -> tuple[int, ...]:
    return (int(value),) if is_int(value) else tuple(int(v) for v in value)


def normalized(constraints: list, value):
    """``value`` in the canonical form of the first constraint it satisfies.

    Parameters
    ----------
    constraints : list
        A parameter's constraints, as in ``_parameter_constraints``.
    value : object
        A value that satisfies one of them (already validated).

    Returns
    -------
    object
        The value normalised by the first satisfied :class:`Predicate` that
        has a ``normalize`` function, else the value unchanged.
    """
    for constraint in constraints:
        if isinstance(constraint, Predicate) and constraint.is_satisfied_by(value):
            return (
                value if constraint.normalize is None else constraint.normalize(value)
            )
    return value


def normalized_parameters(constraints: dict, params: dict) -> dict:
    """Every parameter in the canonical form of its constraints (``normalized``).

    Parameters
    ----------
    constraints : dict
        ``_parameter_constraints`` of an estimator.
    params : dict
        Its (already validated) parameters.

    Returns
    -------
    dict
        The parameters, those constrained by a normalising :class:`Predicate`
        in their canonical form.
    """
    return {
        name: normalized(constraints[name], value) if name in constraints else value
        for name, value in params.items()
    }


def distinct_options(options: tuple[str, ...]) -> Predicate:
    """Constraint: one of ``options``, or a tuple of distinct ones (may be empty).

    Parameters
    ----------
    options : tuple of str
        The accepted strings.

    Returns
    -------
    Predicate
        Normalises a single string to a one-element tuple.
    """

    def test(value) -> bool:
        if isinstance(value, str):
            return value in options
        return (
            isinstance(value, (tuple, list))
            and all(isinstance(v, str) and v in options for v in value)
            and len(set(value)) == len(value)
        )

    def normalize(value) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else tuple(value)

    return Predicate(
        test,
        f"one of {options} or a tuple of distinct ones (may be empty)",
        normalize=normalize,
    )


#: Constraint: a positive, finite number (not a bool).
POSITIVE_FINITE = Predicate(
    lambda value: _is_number(value) and math.isfinite(value) and value > 0,
    "a positive finite number",
)


def _is_image_shape(value) -> bool:
    return (
        isinstance(value, (tuple, list))
        and len(value) in (2, 3)
        and all(is_int(v) and v >= 1 for v in value)
    )


#: Constraint: ``(height, width)`` or ``(channels, height, width)``.
IMAGE_SHAPE = Predicate(
    _is_image_shape,
    "a tuple (height, width) or (channels, height, width) of positive ints",
    normalize=lambda shape: tuple(
        int(v) for v in ((1, *shape) if len(shape) == 2 else shape)
    ),
)

#: The ranges ``augment`` may set, and the bound each must stay below:
#: rotation and shear in degrees, shift and scale as fractions of the image.
AUGMENT_KEYS: dict[str, float] = {
    "rotation": 90.0,
    "shift": 1.0,
    "scale": 1.0,
    "shear": 90.0,
}


def augment_ranges() -> Predicate:
    """Constraint of ``augment``: a bool, or a dict of ranges.

    Returns
    -------
    Predicate
        Accepts True, False or a dict whose keys are among
        :data:`AUGMENT_KEYS` and whose values are numbers in
        ``[0, bound)``.
    """

    def test(value) -> bool:
        if isinstance(value, bool):
            return True
        return isinstance(value, dict) and all(
            key in AUGMENT_KEYS
            and _is_number(v)
            and math.isfinite(v)
            and 0 <= v < AUGMENT_KEYS[key]
            for key, v in value.items()
        )

    return Predicate(
        test,
        "a bool or a dict with keys among 'rotation' and 'shear' (degrees in "
        "[0, 90)) and 'shift' and 'scale' (fractions in [0, 1))",
    )


def _is_callback_list(value) -> bool:
    from skorch.callbacks import Callback

    def one(item) -> bool:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            item = item[1]
        return isinstance(item, Callback)

    return isinstance(value, list) and all(one(item) for item in value)


#: Constraint of ``callbacks``: skorch callbacks or ``(name, callback)`` pairs.
CALLBACKS = Predicate(
    _is_callback_list,
    "a list of skorch.callbacks.Callback instances or (name, callback) pairs",
)


def _is_optimizer_class(value) -> bool:
    import torch

    return isinstance(value, type) and issubclass(value, torch.optim.Optimizer)


#: Constraint: a subclass of ``torch.optim.Optimizer`` (the class itself).
OPTIMIZER_CLASS = Predicate(_is_optimizer_class, "a subclass of torch.optim.Optimizer")
