"""Worker plugins: torch's threads on every worker, and a meter of what they receive."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING

from ._common import DATA_KEY, require

if TYPE_CHECKING:
    from distributed import Client

#: How long a worker plugin waits for busy executor threads (seconds).
_PLUGIN_WAIT = 5.0


async def _in_executor_threads(worker, function, *args) -> None:
    """Call ``function(*args)`` here and in each thread that runs the worker's tasks.

    torch's thread count is per thread once the thread has used torch: each
    executor thread must set it itself. Threads busy with a task get it when
    they are free (within ``_PLUGIN_WAIT`` seconds, or later).
    """
    function(*args)  # the default of the threads that start later
    n = worker.state.nthreads
    barrier = threading.Barrier(n, timeout=_PLUGIN_WAIT)

    def run() -> None:
        function(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # one call per thread

    loop = asyncio.get_running_loop()
    calls = [loop.run_in_executor(worker.executors["default"], run) for _ in range(n)]
    await asyncio.wait(calls, timeout=_PLUGIN_WAIT)


def _task_bytes(run_spec) -> int:
    from distributed.protocol.pickle import dumps

    return len(dumps(run_spec))


@functools.cache
def plugins():
    """The worker plugins (their base class needs ``distributed``)."""
    WorkerPlugin = require("distributed.diagnostics.plugin").WorkerPlugin

    class TorchThreads(WorkerPlugin):
        """Set torch's thread count in every thread of each worker."""

        def __init__(self, n_threads: int) -> None:
            self.n_threads = n_threads

        async def setup(self, worker) -> None:
            import torch

            await _in_executor_threads(worker, torch.set_num_threads, self.n_threads)

    class TrafficMeter(WorkerPlugin):
        """Count the tasks a worker runs, their sizes and the data it receives."""

        def setup(self, worker) -> None:
            self.worker = worker
            self.counts = {"n_tasks": 0, "task_bytes": 0, "data_bytes": 0}

        def transition(self, key, start, finish, **kwargs) -> None:
            task = self.worker.state.tasks.get(key)
            if task is None:
                return
            if finish == "executing" and str(key).startswith(DATA_KEY):
                # The data, in the task that holds it (_RecoverableDataClient).
                self.counts["data_bytes"] += _task_bytes(task.run_spec)
            elif finish == "executing":
                self.counts["n_tasks"] += 1
                self.counts["task_bytes"] += _task_bytes(task.run_spec)
            elif finish == "memory" and start not in ("executing", "long-running"):
                # Scattered to this worker, or fetched from another one.
                self.counts["data_bytes"] += task.nbytes or 0

    return SimpleNamespace(TorchThreads=TorchThreads, TrafficMeter=TrafficMeter)


# --------------------------------------------------------------------- traffic
@dataclass
class Traffic:
    """What the workers received during a :func:`measure_traffic` block.

    Attributes
    ----------
    n_tasks : int
        Dask tasks the workers ran (joblib sends a batch of calls, e.g. of
        fits, as one task).
    task_bytes : int
        Their pickled specifications (function and arguments, with scattered
        data as references), summed.
    data_bytes : int
        Data the workers received besides the tasks: the data sent with
        :func:`dask_backend` (or scattered), and results of other tasks
        fetched from their peers.
    n_workers : int
        Workers counted (those alive at the end of the block).
    """

    n_tasks: int = 0
    task_bytes: int = 0
    data_bytes: int = 0
    n_workers: int = 0

    @property
    def bytes_per_task(self) -> float:
        """All bytes received, per task (0 without tasks)."""
        return (self.task_bytes + self.data_bytes) / self.n_tasks if self.n_tasks else 0


def _read_meter(dask_worker, name: str) -> dict[str, int]:
    return dict(dask_worker.plugins[name].counts)


@contextlib.contextmanager
def measure_traffic(client: Client) -> Iterator[Traffic]:
    """Count the tasks and bytes the cluster's workers receive during the block.

    Parameters
    ----------
    client : distributed.Client
        A client of the cluster, e.g. the ``client`` of a :class:`DaskSession`.

    Yields
    ------
    Traffic
        Filled in at the end of the block.

    Examples
    --------
    >>> with dask_backend("local:2") as session:  # doctest: +SKIP
    ...     with measure_traffic(session.client) as traffic:
    ...         search.fit(X, y)
    >>> traffic.bytes_per_task  # doctest: +SKIP
    """
    name = f"emnist-estimators-traffic-{uuid.uuid4().hex[:8]}"
    client.register_plugin(plugins().TrafficMeter(), name)
    traffic = Traffic()
    try:
        yield traffic
    finally:
        counts = client.run(_read_meter, name=name, on_error="return")
        client.unregister_worker_plugin(name)
        for worker_counts in counts.values():
            if isinstance(worker_counts, dict):
                traffic.n_workers += 1
                for field_name, value in worker_counts.items():
                    setattr(traffic, field_name, getattr(traffic, field_name) + value)
