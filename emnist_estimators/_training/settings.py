"""The resolved settings of one ``fit``: parameters normalised once, then only read.

:func:`resolve_settings` takes an estimator's parameters, their constraints
and (optionally) the check of its architecture parameters against each
other; it knows no estimator class. It normalises every value (an int of
layer sizes becomes a one-element tuple, a 2-D ``image_shape`` gets its
channel), resolves each shared training parameter through its row of
:data:`~emnist_estimators._training.parameters.TRAINING_PARAMETERS` (the
device is checked to exist, ``precision='auto'`` is decided, ``augment=True``
becomes the batch augmentation) and returns a frozen :class:`Settings`.
Everything after it (the network, the optimizer, the schedule, augmentation,
precision, the device) reads the resolved values, never the raw parameters.

The constraints themselves are checked before, by scikit-learn's
``_fit_context`` around ``fit`` (or :func:`emnist_estimators.base.validate_parameters`):
this module assumes valid values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field, make_dataclass
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from .._validation import normalized_parameters
from .parameters import TRAINING_PARAMETERS, resolve_training_parameters

#: Settings that are not a parameter of their own.
DERIVED_FIELDS: tuple[tuple[str, type, str], ...] = (
    ("architecture", dict, "The network's keyword arguments (normalised, checked)."),
    ("seed", int, "The seed of this fit, drawn from ``random_state``."),
    (
        "reproducible",
        bool,
        "Whether ``random_state`` fixes the seed: such a fit trains with "
        "deterministic kernels on CUDA.",
    ),
)

_SETTINGS_DOC = """Everything ``fit`` needs, validated and resolved (frozen).

One field per shared training parameter, named as the parameter, holding
its resolved value (e.g. ``device`` a ``torch.device`` that exists,
``augment`` the batch augmentation (a ``RandomAffine``) or None,
``test_time_augmentation`` the test-time views (``FixedViews``) or None,
``optimizer`` the optimizer class, ``lr`` the learning rate with the
optimizer's default filled in; see each row's ``resolve`` in
:mod:`emnist_estimators._training.parameters`), and:

""" + "\n".join(f"- ``{name}``: {doc}" for name, _, doc in DERIVED_FIELDS)

#: The resolved settings (one field per training parameter, then the derived ones).
Settings = make_dataclass(
    "Settings",
    [(row.name, Any) for row in TRAINING_PARAMETERS]
    + [(name, kind, field(default=None)) for name, kind, _ in DERIVED_FIELDS],
    frozen=True,
    namespace={"__doc__": _SETTINGS_DOC},
)
Settings.__module__ = __name__


def resolve_settings(
    params: Mapping[str, Any],
    constraints: Mapping[str, list],
    check_architecture: Callable[[dict], dict] | None = None,
) -> Settings:
    """Resolve an estimator's (valid) parameters into :class:`Settings`.

    Parameters
    ----------
    params : mapping
        ``get_params(deep=False)`` of the estimator: the shared training
        parameters and its architecture parameters.
    constraints : mapping
        Its ``_parameter_constraints``; the architecture parameters are those
        that are not training parameters.
    check_architecture : callable, optional
        Checks the normalised architecture parameters against each other and
        returns the network's keyword arguments (e.g. the ResNet's ``blocks``
        expanded to one per stage); None takes them as they are.

    Returns
    -------
    Settings
        The resolved settings.

    Raises
    ------
    ValueError
        For a device this machine lacks or architecture parameters that do
        not fit together.
    """
    values = normalized_parameters(constraints, params)
    training = {row.name for row in TRAINING_PARAMETERS}
    architecture = {k: values[k] for k in constraints if k not in training}
    if check_architecture is not None:
        architecture = check_architecture(architecture)
    random_state = values["random_state"]
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    return Settings(
        **resolve_training_parameters(values),
        architecture=architecture,
        seed=seed,
        reproducible=random_state is not None,
    )
