"""Building blocks shared by the architectures: activations and normalisation."""

from __future__ import annotations

import torch
from torch import nn

#: Activation names accepted by every architecture, mapped to their modules.
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "selu": nn.SELU,
    "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
}


def make_activation(activation: str) -> nn.Module:
    """Return a new activation module for ``activation``.

    Parameters
    ----------
    activation : str
        A key of :data:`ACTIVATIONS`.

    Returns
    -------
    torch.nn.Module
        The activation layer.
    """
    try:
        return ACTIVATIONS[activation]()
    except KeyError:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}."
        ) from None


def batch_norm_2d(channels: int, enabled: bool) -> nn.Module:
    """``BatchNorm2d(channels)`` when ``enabled``, else an identity.

    Parameters
    ----------
    channels : int
        Number of channels.
    enabled : bool
        Whether to normalise.

    Returns
    -------
    torch.nn.Module
        The layer.
    """
    return nn.BatchNorm2d(channels) if enabled else nn.Identity()


def dense_stack(
    in_features: int,
    units: tuple[int, ...],
    activation: str,
    batch_norm: bool,
    dropout: float,
) -> tuple[nn.Sequential, int]:
    """Fully connected hidden layers: Linear -> [BatchNorm] -> activation -> [Dropout].

    Parameters
    ----------
    in_features : int
        Width of the input.
    units : tuple of int
        Width of each hidden layer (may be empty).
    activation : str
        Activation name.
    batch_norm : bool
        Whether to add ``BatchNorm1d`` after each linear layer.
    dropout : float
        Dropout probability after each hidden layer (0 disables it).

    Returns
    -------
    layers : torch.nn.Sequential
        The hidden layers.
    out_features : int
        Width of the last hidden layer (``in_features`` when ``units`` is empty).
    """
    layers: list[nn.Module] = []
    width = in_features
    for n_units in units:
        layers.append(nn.Linear(width, n_units, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm1d(n_units))
        layers.append(make_activation(activation))
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = n_units
    return nn.Sequential(*layers), width


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable parameters of ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        The network.

    Returns
    -------
    int
        The count of elements of all parameters with ``requires_grad``.
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
