"""What the machine can compute natively: CPU instruction sets and GPU support.

The one place that reads CPU flags, torch's CPU capability and oneDNN's ISA
cap. :mod:`emnist_estimators._precision` asks it whether bfloat16 is native;
:func:`emnist_estimators.environment.environment_info` records it with every
benchmark figure.

An older CPU can be simulated on a newer one with the two switches torch and
oneDNN already read (both are honoured here)::

    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python ...

``torch.cpu._is_avx512_bf16_supported()`` still reports the hardware then, so
the decision also reads ``torch.backends.cpu.get_cpu_capability()`` and the
oneDNN cap.
"""

from __future__ import annotations

import os
import platform
from functools import cache

import torch

#: CPU flags (as in /proc/cpuinfo) that matter for training speed.
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")

#: oneDNN ISA caps (``ONEDNN_MAX_CPU_ISA``) under which oneDNN still uses
#: native bfloat16 instructions (AVX-512 BF16, AMX, AVX10).
_ONEDNN_BF16_ISAS = frozenset(
    {
        "ALL",
        "DEFAULT",
        "AVX512_CORE_BF16",
        "AVX512_CORE_FP16",
        "AVX512_CORE_AMX",
        "AVX512_CORE_AMX_FP16",
        "AVX10_1_512",
        "AVX10_1_512_AMX",
        "AVX10_1_512_AMX_FP16",
        "AVX10_2_512",
        "AVX10_2_512_AMX_2",
    }
)

#: torch CPU capabilities whose kernels use AVX-512 (and so its BF16 part).
_ATEN_AVX512_CAPABILITIES = frozenset({"AVX512", "AVX512_BF16", "AMX"})


@cache
def _proc_cpu_flags() -> frozenset[str] | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` reports.

    Returns
    -------
    str
        E.g. ``'AMD EPYC 9R14'``.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> dict[str, bool]:
    """Which of :data:`CPU_FLAGS` the CPU has.

    Read from ``/proc/cpuinfo`` on Linux; elsewhere from torch's own checks
    (which cover AVX2, AVX-512, AVX-512 BF16 and AMX).

    Returns
    -------
    dict
        Flag name -> bool.
    """
    flags = _proc_cpu_flags()
    if flags is not None:
        return {flag: flag in flags for flag in CPU_FLAGS}
    cpu = torch.cpu
    return {
        "avx2": bool(cpu._is_avx2_supported()),
        "fma": bool(cpu._is_avx2_supported()),
        "avx512f": bool(cpu._is_avx512_supported()),
        "avx512_bf16": bool(cpu._is_avx512_bf16_supported()),
        "amx_tile": bool(cpu._is_amx_tile_supported()),
        "amx_bf16": bool(cpu._is_amx_tile_supported()),
    }


def cpu_capability() -> str:
    """The vector instruction set torch's CPU kernels use (``ATEN_CPU_CAPABILITY``).

    Returns
    -------
    str
        ``torch.backends.cpu.get_cpu_capability()``: e.g. 'AVX512', 'AVX2',
        'DEFAULT'.
    """
    return str(torch.backends.cpu.get_cpu_capability())


def onednn_max_isa() -> str | None:
    """oneDNN's ISA cap from ``ONEDNN_MAX_CPU_ISA`` (or ``DNNL_MAX_CPU_ISA``).

    Returns
    -------
    str or None
        The cap, upper-cased, or None when neither variable is set.
    """
    value = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA")
    return value.strip().upper() if value else None


def cpu_has_native_bfloat16() -> bool:
    """Whether bfloat16 matrix products run natively (fast) on this CPU.

    True when the CPU has AVX-512 BF16 or AMX (as torch reports them), torch's
    kernels run at AVX-512 level, and oneDNN is not capped below its bfloat16
    instruction sets. Otherwise bfloat16 is emulated, typically hundreds of
    times slower than float32.

    Returns
    -------
    bool
        Whether bfloat16 is native.
    """
    hardware = bool(
        torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    )
    if not hardware or cpu_capability() not in _ATEN_AVX512_CAPABILITIES:
        return False
    cap = onednn_max_isa()
    return cap is None or cap in _ONEDNN_BF16_ISAS


def cuda_has_native_bfloat16(device: torch.device) -> bool:
    """Whether a CUDA device computes in bfloat16 natively (Ampere or newer).

    Parameters
    ----------
    device : torch.device
        A CUDA device.

    Returns
    -------
    bool
        Whether bfloat16 is native on it.
    """
    if not torch.cuda.is_available():
        return False
    with torch.cuda.device(device):
        return bool(torch.cuda.is_bf16_supported(including_emulation=False))


def native_bfloat16(device: torch.device) -> bool | None:
    """Whether ``device`` computes in bfloat16 natively.

    Parameters
    ----------
    device : torch.device
        A resolved device.

    Returns
    -------
    bool or None
        True or False for CPUs and CUDA devices; None where it is not known
        (e.g. Apple's MPS).
    """
    if device.type == "cpu":
        return cpu_has_native_bfloat16()
    if device.type == "cuda":
        return cuda_has_native_bfloat16(device)
    return None


def hardware_info() -> dict:
    """The CPU facts that decide training speed, for recorded results.

    Returns
    -------
    dict
        ``cpu`` (model), ``cpu_flags`` (:func:`cpu_flags`),
        ``torch_cpu_capability``, ``onednn_max_cpu_isa`` and
        ``cpu_native_bfloat16``.
    """
    return {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "torch_cpu_capability": cpu_capability(),
        "onednn_max_cpu_isa": onednn_max_isa(),
        "cpu_native_bfloat16": cpu_has_native_bfloat16(),
    }


def describe_cpu(info: dict | None = None) -> str:
    """One line naming the CPU and the instruction sets that matter.

    Parameters
    ----------
    info : dict, optional
        As returned by :func:`hardware_info` (read now when None).

    Returns
    -------
    str
        E.g. ``'AMD EPYC (AVX2, FMA, AVX-512, AVX-512 BF16; torch kernels
        AVX512; bfloat16 native)'``.
    """
    info = info or hardware_info()
    names = {
        "avx2": "AVX2",
        "fma": "FMA",
        "avx512f": "AVX-512",
        "avx512_bf16": "AVX-512 BF16",
        "amx_tile": "AMX",
        "amx_bf16": "AMX BF16",
    }
    flags = info.get("cpu_flags", {})
    present = ", ".join(names[f] for f in CPU_FLAGS if flags.get(f)) or "none"
    absent = [names[f] for f in ("avx512_bf16", "amx_tile") if not flags.get(f)]
    text = f"{info.get('cpu', 'unknown CPU')} ({present}"
    if absent:
        text += "; no " + ", no ".join(absent)
    text += f"; torch kernels {info.get('torch_cpu_capability', '?')}"
    if info.get("onednn_max_cpu_isa"):
        text += f", oneDNN capped at {info['onednn_max_cpu_isa']}"
    native = info.get("cpu_native_bfloat16")
    text += "; bfloat16 native)" if native else "; bfloat16 emulated)"
    return text
