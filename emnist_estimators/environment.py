"""The machine and library versions, recorded with reports and benchmark results."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
from typing import Any

import numpy as np

from ._machine import describe_cpu, hardware_info


def environment_info(device: str | None = None) -> dict[str, Any]:
    """The machine and library versions, for reports and benchmark results.

    Parameters
    ----------
    device : str, optional
        The torch device used (e.g. an estimator's ``device_``); its GPU name
        is added when it is a CUDA device.

    Returns
    -------
    dict
        ``date``, ``python``, ``platform``, ``cpu`` (model), ``cpu_flags``
        (AVX2, FMA, AVX-512, AVX-512 BF16, AMX), ``torch_cpu_capability``
        (the instruction set torch's kernels use), ``onednn_max_cpu_isa``,
        ``cpu_native_bfloat16``, ``hardware`` (all that in one line),
        ``cpu_count``, ``torch_threads``, versions of torch, skorch,
        scikit-learn and numpy, ``cuda_available`` and, for a CUDA device,
        ``gpu``.
    """
    import sklearn
    import skorch
    import torch

    hardware = hardware_info()
    info: dict[str, Any] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        **hardware,
        "hardware": describe_cpu(hardware),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "cuda_available": torch.cuda.is_available(),
    }
    if device is not None:
        info["device"] = str(device)
        if str(device).startswith("cuda") and torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info
