"""Networks by model name: the module side of :mod:`emnist_estimators.models`.

The networks are declared with their models in the registry of
:mod:`emnist_estimators.models`; these functions read it.
:func:`register_module` (a registry of networks alone, which nothing looked
up) is deprecated.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

#: Networks registered with the deprecated :func:`register_module`.
_LEGACY: dict[str, type[torch.nn.Module]] = {}


def _model_modules() -> dict[str, type[torch.nn.Module]]:
    from ..models import get_model, list_models

    return {name: get_model(name).module for name in list_models()}


def register_module(name: str) -> Callable[[type], type]:
    """Deprecated: register a network alone under ``name``.

    Declare a model with :func:`emnist_estimators.models.register_model`
    instead: it registers the network together with its estimator.

    Parameters
    ----------
    name : str
        The registry key.

    Returns
    -------
    callable
        The decorator; it returns the class unchanged.
    """
    warnings.warn(
        "register_module is deprecated and will be removed; declare the model "
        "with emnist_estimators.models.register_model.",
        FutureWarning,
        stacklevel=2,
    )

    def decorator(cls: type) -> type:
        if name in _LEGACY or name in _model_modules():
            raise ValueError(f"An architecture named {name!r} is already registered.")
        _LEGACY[name] = cls
        return cls

    return decorator


def list_modules() -> list[str]:
    """Return the names of the registered networks, sorted.

    Returns
    -------
    list of str
        The names of the registered models (and of networks registered with
        the deprecated :func:`register_module`).
    """
    return sorted({**_model_modules(), **_LEGACY})


def create_module(name: str, **kwargs) -> torch.nn.Module:
    """Build the network of a registered model by name.

    Parameters
    ----------
    name : str
        A name from :func:`list_modules`.
    **kwargs
        Passed to the network's constructor (``image_shape``, ``n_classes``
        and its architecture parameters).

    Returns
    -------
    torch.nn.Module
        The new network.
    """
    modules = {**_model_modules(), **_LEGACY}
    try:
        cls = modules[name]
    except KeyError:
        raise ValueError(
            f"Unknown architecture {name!r}; registered: {', '.join(sorted(modules))}."
        ) from None
    return cls(**kwargs)
