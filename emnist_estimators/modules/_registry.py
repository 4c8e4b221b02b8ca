"""A small name -> architecture registry (in the spirit of timm's model registry).

Each architecture module registers its ``torch.nn.Module`` class under a short
name with :func:`register_module`; :func:`create_module` builds one by name.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

_MODULES: dict[str, type[torch.nn.Module]] = {}


def register_module(name: str) -> Callable[[type], type]:
    """Class decorator that registers an architecture under ``name``.

    Parameters
    ----------
    name : str
        The registry key, e.g. ``"cnn"``.

    Returns
    -------
    callable
        The decorator; it returns the class unchanged.
    """

    def decorator(cls: type) -> type:
        if name in _MODULES:
            raise ValueError(f"An architecture named {name!r} is already registered.")
        _MODULES[name] = cls
        return cls

    return decorator


def list_modules() -> list[str]:
    """Return the names of the registered architectures, sorted.

    Returns
    -------
    list of str
        The registered names.
    """
    return sorted(_MODULES)


def create_module(name: str, **kwargs) -> torch.nn.Module:
    """Build a registered architecture by name.

    Parameters
    ----------
    name : str
        A name from :func:`list_modules`.
    **kwargs
        Passed to the architecture's constructor.

    Returns
    -------
    torch.nn.Module
        The new module.
    """
    try:
        cls = _MODULES[name]
    except KeyError:
        raise ValueError(
            f"Unknown architecture {name!r}; registered: {', '.join(list_modules())}."
        ) from None
    return cls(**kwargs)
