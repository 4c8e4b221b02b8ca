"""Clusters started on this machine: ``'local:N'`` and ``'local-cuda'``."""

from __future__ import annotations

import contextlib
import functools
import importlib.machinery
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from ._common import require

_LOCAL = re.compile(r"^local(?::(\d+))?$")
_LOCAL_CUDA = "local-cuda"
#: What Dask's nannies set in the workers' environment, and ours do not.
_MALLOC_TRIM = "MALLOC_TRIM_THRESHOLD_"


def parse_scheduler(scheduler: str, n_threads: int | None):
    """The address to connect to, or a factory of the local cluster to start."""
    name = scheduler.strip()
    match = _LOCAL.match(name)
    if match is not None:
        n_workers = (
            int(match.group(1)) if match.group(1) else _default_workers(n_threads)
        )
        if n_workers < 1:
            raise ValueError(f"'local:N' needs N >= 1 workers, got {scheduler!r}.")
        return None, functools.partial(_local_cluster, n_workers)
    if name == _LOCAL_CUDA:
        return None, _cuda_cluster
    if name.startswith(("local:", "local-")):
        raise ValueError(
            f"scheduler={scheduler!r} is not understood: use 'local', 'local:N' "
            "(N worker processes), 'local-cuda' (one per GPU) or a scheduler "
            "address such as 'tcp://host:8786'."
        )
    return name, None


def _default_workers(n_threads: int | None) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return max(1, (cores or os.cpu_count() or 1) // (n_threads or 1))


@contextlib.contextmanager
def _worker_processes(method: str | None) -> Iterator[None]:
    """Start (and restart) the worker processes of the block's local cluster.

    With ``method`` (None: Dask's setting, but ``spawn`` where a ``fork``
    would inherit an initialised CUDA), and without the
    ``MALLOC_TRIM_THRESHOLD_`` that Dask's nannies set by default: it turns
    glibc's adaptive ``mmap`` threshold off, and torch's training then
    allocates and zeroes fresh pages for every batch (the MLP trains about
    1.5 times slower). The nannies copy their variables into this process's
    environment; they are restored at the end of the block.
    """
    dask = require("dask")
    key = "distributed.worker.multiprocessing-method"
    if method is None:
        method = dask.config.get(key)
        if method == "fork" and _cuda_initialized():
            warnings.warn(
                "CUDA is initialised in this process, and forked worker processes "
                "cannot use it: starting the workers with 'spawn' instead.",
                RuntimeWarning,
                stacklevel=2,
            )
            method = "spawn"
    environ = "distributed.nanny.pre-spawn-environ"
    names = set(dask.config.get(environ))
    before = {name: os.environ.get(name) for name in names}
    os.environ.pop(_MALLOC_TRIM, None)
    try:
        with dask.config.set({key: method, f"{environ}.{_MALLOC_TRIM}": None}):
            yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _cuda_initialized() -> bool:
    torch = sys.modules.get("torch")
    return bool(torch is not None and torch.cuda.is_initialized())


@contextlib.contextmanager
def _local_cluster(n_workers: int) -> Iterator[Any]:
    distributed = require("distributed")
    with _worker_processes(None):
        with distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            yield cluster


def _cuda_devices() -> list[str]:
    """The GPUs this process may use, as ``CUDA_VISIBLE_DEVICES`` names them.

    Returns
    -------
    list of str
        The entries of ``CUDA_VISIBLE_DEVICES`` when it is set (indices or
        UUIDs), else ``'0'`` to ``'N-1'`` for the N devices torch counts.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [d.strip() for d in visible.split(",") if d.strip()]
    import torch

    return [str(i) for i in range(torch.cuda.device_count())]


def _cuda_worker_specs(devices: Sequence[str]) -> dict[str, dict]:
    """One worker process per GPU, each seeing only its own."""
    distributed = require("distributed")
    memory = int(distributed.system.MEMORY_LIMIT / max(len(devices), 1))
    return {
        f"cuda-{device}": {
            "cls": distributed.Nanny,
            "options": {
                "nthreads": 1,
                "host": "127.0.0.1",
                "dashboard": False,
                "memory_limit": memory,
                "env": {"CUDA_VISIBLE_DEVICES": device},
            },
        }
        for device in devices
    }


@contextlib.contextmanager
def _cuda_cluster() -> Iterator[Any]:
    distributed = require("distributed")
    devices = _cuda_devices()
    if not devices:
        raise ValueError(
            "scheduler='local-cuda' starts one worker per GPU, but this machine has "
            "none that torch can see."
        )
    scheduler = {
        "cls": distributed.Scheduler,
        "options": {"host": "127.0.0.1", "dashboard": False},
    }
    # spawn: the children set CUDA_VISIBLE_DEVICES before CUDA starts in them.
    with _worker_processes("spawn"):
        with distributed.SpecCluster(
            workers=_cuda_worker_specs(devices), scheduler=scheduler
        ) as cluster:
            yield cluster


@contextlib.contextmanager
def spawned_workers_skip_main() -> Iterator[None]:
    """Spawned worker processes do not run this process's main script again.

    ``multiprocessing`` re-runs the main script in each spawned child unless
    ``__main__`` has a module spec named ``'__main__'`` (as under
    sphinx-gallery). Dask's workers need nothing from it (what they run is
    pickled by value), and an unguarded script would start a cluster again.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
    try:
        yield
    finally:
        main.__spec__ = None
