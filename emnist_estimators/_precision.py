"""Turning a ``precision`` parameter into the compute precision used: the one resolver.

``'auto'`` trains in bfloat16 (``torch.autocast``) only where the hardware
computes it natively (:func:`emnist_estimators._hardware.native_bfloat16`):
CUDA devices with bfloat16 support, CPUs with AVX-512 BF16 or AMX. Elsewhere
bfloat16 is emulated and much slower, so 'auto' means float32 there, and an
explicit ``'bfloat16'`` trains as asked but warns once.

``'float16'`` is for CUDA GPUs without bfloat16 (before Ampere: V100, T4):
autocast in float16 with a gradient scaler (``torch.amp.GradScaler``) so that
small gradients do not underflow. On a CPU it is emulated (and warns).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import torch

from ._hardware import native_bfloat16

#: Compute precisions and the autocast dtype each trains and predicts with.
PRECISIONS: dict[str, torch.dtype | None] = {
    "float32": None,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}

#: Values of the ``precision`` parameter.
PRECISION_OPTIONS = ("auto", *PRECISIONS)

#: Devices for which the emulated-bfloat16 warning was given in this process.
_WARNED: set[str] = set()


def resolve_precision(precision: str, device: torch.device) -> str:
    """The compute precision that ``precision`` means on ``device``.

    Parameters
    ----------
    precision : {'auto', 'float32', 'bfloat16', 'float16'}
        The parameter value (already validated).
    device : torch.device
        The resolved training device.

    Returns
    -------
    str
        A key of :data:`PRECISIONS` ('auto' resolves to 'bfloat16' or
        'float32').

    Warns
    -----
    UserWarning
        Once per device type and process, when ``'bfloat16'`` is asked for on
        hardware that emulates it, or ``'float16'`` on a CPU (training is then
        likely much slower).
    """
    if precision == "auto":
        return "bfloat16" if native_bfloat16(device) else "float32"
    if precision == "float16" and device.type == "cpu":
        if "float16:cpu" not in _WARNED:
            _WARNED.add("float16:cpu")
            warnings.warn(
                "precision='float16' is meant for CUDA GPUs; this CPU emulates it: "
                "training will likely be much slower than in float32. Use "
                "precision='auto' to pick bfloat16 only where it is native.",
                UserWarning,
                stacklevel=3,
            )
        return precision
    if precision == "bfloat16" and native_bfloat16(device) is False:
        key = device.type
        if key not in _WARNED:
            _WARNED.add(key)
            where = (
                "this CPU (no AVX-512 BF16 or AMX in use, see "
                "torch.backends.cpu.get_cpu_capability())"
                if device.type == "cpu"
                else f"{device} (no native bfloat16 support)"
            )
            warnings.warn(
                f"precision='bfloat16' was asked for, but {where} emulates "
                "bfloat16: training will likely be much slower than in float32. "
                "Use precision='auto' to pick bfloat16 only where it is native.",
                UserWarning,
                stacklevel=3,
            )
    return precision


@contextlib.contextmanager
def _onednn_disabled() -> Iterator[None]:
    previous = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = previous


def compute_context(precision: str, device: torch.device | str):
    """The context that forward passes run in for a resolved ``precision``.

    Parameters
    ----------
    precision : {'float32', 'bfloat16'}
        A key of :data:`PRECISIONS`.
    device : torch.device or str
        Where the forward pass runs.

    Returns
    -------
    contextlib.AbstractContextManager
        Nothing for float32; ``torch.autocast`` for bfloat16 and float16. On
        a CPU that emulates the precision, oneDNN is also switched off for the
        pass, as torch itself does on CPUs without AVX-512 (oneDNN has no
        reduced-precision LSTM there, so under ``ONEDNN_MAX_CPU_ISA=AVX2`` it
        would fail).
    """
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    device_type = torch.device(device).type
    stack = contextlib.ExitStack()
    stack.enter_context(torch.autocast(device_type, dtype=dtype))
    emulated = dtype is torch.float16 or native_bfloat16(torch.device("cpu")) is False
    if device_type == "cpu" and emulated:
        stack.enter_context(_onednn_disabled())
    return stack
