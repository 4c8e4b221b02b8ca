"""Turning a ``device`` parameter into a ``torch.device``: the one resolver."""

from __future__ import annotations

import re

import torch

_CUDA_PATTERN = re.compile(r"^cuda(?::(\d+))?$")
ACCEPTED = "'auto', 'cpu', 'cuda', 'cuda:N' (N a device index) or 'mps'"


def resolve_device(device: str | torch.device) -> torch.device:
    """Return the ``torch.device`` that ``device`` asks for, checking it exists.

    Parameters
    ----------
    device : str or torch.device
        ``'auto'`` (CUDA when ``torch.cuda.is_available()``, else the CPU),
        ``'cpu'``, ``'cuda'`` (the current CUDA device), ``'cuda:N'``, ``'mps'``
        (Apple GPUs) or a ``torch.device``.

    Returns
    -------
    torch.device
        The device to train and predict on. ``'cuda'`` is returned with its
        index (``cuda:0``), so that the result names one device.

    Raises
    ------
    TypeError
        If ``device`` is neither a string nor a ``torch.device``.
    ValueError
        If the string is not one of the accepted forms, or names a device that
        this machine does not have.
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise TypeError(f"device must be a str or torch.device, got {device!r}.")
    name = device.strip().lower()
    if name == "auto":
        return (
            torch.device("cuda", torch.cuda.current_device())
            if (torch.cuda.is_available())
            else torch.device("cpu")
        )
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError("device='mps' was requested, but MPS is not available.")
        return torch.device("mps")
    match = _CUDA_PATTERN.match(name)
    if match is None:
        raise ValueError(f"device must be {ACCEPTED}; got {device!r}.")
    if not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested, but CUDA is not available on this "
            "machine (torch.cuda.is_available() is False); use device='cpu' or "
            "device='auto'."
        )
    count = torch.cuda.device_count()
    index = (
        torch.cuda.current_device() if match.group(1) is None else int(match.group(1))
    )
    if index >= count:
        raise ValueError(
            f"device={device!r} was requested, but this machine has {count} CUDA "
            f"device(s) (valid indices 0 to {count - 1})."
        )
    return torch.device("cuda", index)
