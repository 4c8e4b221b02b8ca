"""The machine: devices, what the hardware computes natively, precision, threads.

One module for the facts about the machine a fit runs on, each decided in
one place:

- the device resolver (:func:`resolve_device`: ``'auto'``, ``'cpu'``,
  ``'cuda:N'``, ``'mps'``, checked to exist);
- the CPU and GPU capabilities (:func:`hardware_info`, :func:`native_bfloat16`):
  the one place that reads CPU flags, torch's CPU capability and oneDNN's ISA
  cap; :func:`emnist_estimators.environment.environment_info` records them
  with every benchmark figure;
- the precision resolver (:func:`resolve_precision`) and the context forward
  passes run in (:func:`compute_context`);
- thread control (:func:`torch_threads`) and cuDNN's deterministic kernels for
  seeded fits (:func:`deterministic_kernels`).

``'auto'`` precision trains in bfloat16 (``torch.autocast``) only where the
hardware computes it natively: CUDA devices with bfloat16 support, CPUs with
AVX-512 BF16 or AMX. Elsewhere bfloat16 is emulated and much slower, so
'auto' means float32 there, and an explicit ``'bfloat16'`` trains as asked
but warns once. ``'float16'`` is for CUDA GPUs without bfloat16 (before
Ampere: V100, T4): autocast in float16 with a gradient scaler
(``torch.amp.GradScaler``) so that small gradients do not underflow. On a CPU
it is emulated (and warns).

An older CPU can be simulated on a newer one with the two switches torch and
oneDNN already read (both are honoured here)::

    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python ...

``torch.cpu._is_avx512_bf16_supported()`` still reports the hardware then, so
the decision also reads ``torch.backends.cpu.get_cpu_capability()`` and the
oneDNN cap.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import warnings
from collections.abc import Iterator
from functools import cache

import torch

# ----------------------------------------------------------------- devices
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


# ----------------------------------------------------------------- hardware
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


# ----------------------------------------------------------------- precision
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


# ----------------------------------------------------------------- threads
@contextlib.contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run the block with ``n_threads`` torch threads (None: leave as is).

    Parameters
    ----------
    n_threads : int or None
        The number of threads, restored afterwards.
    """
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def deterministic_kernels(device: torch.device, reproducible: bool) -> Iterator[None]:
    """Train a seeded fit on CUDA with cuDNN's deterministic algorithms.

    With a fixed ``random_state``, a fit gives the same model every time on
    the CPU; on a GPU, cuDNN may pick convolution algorithms that add partial
    results with atomics, in an order that changes from run to run. For the
    block, a seeded fit on CUDA sets ``torch.backends.cudnn.deterministic``
    (and turns off ``cudnn.benchmark``, whose choice can vary between runs);
    both are restored afterwards. Unseeded fits and CPU fits keep torch's
    settings.

    Parameters
    ----------
    device : torch.device
        The training device.
    reproducible : bool
        Whether the fit is seeded (``random_state`` is not None).
    """
    if device.type != "cuda" or not reproducible:
        yield
        return
    cudnn = torch.backends.cudnn
    previous = cudnn.deterministic, cudnn.benchmark
    cudnn.deterministic, cudnn.benchmark = True, False
    try:
        yield
    finally:
        cudnn.deterministic, cudnn.benchmark = previous


def rng_devices(device: torch.device) -> list[int]:
    """The CUDA devices whose random state ``torch.random.fork_rng`` must save.

    Parameters
    ----------
    device : torch.device
        The training device.

    Returns
    -------
    list of int
        The device's index for a CUDA device, else empty.
    """
    return [device.index or 0] if device.type == "cuda" else []
