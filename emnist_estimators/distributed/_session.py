"""The session: :func:`dask_backend`, and data that survives a worker's death."""

from __future__ import annotations

import contextlib
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._lazy import lazily_validated
from ._clusters import parse_scheduler, spawned_workers_skip_main
from ._common import DATA_KEY, require
from ._traffic import plugins

if TYPE_CHECKING:
    from distributed import Client

_THREADS_PLUGIN = "emnist-estimators-torch-threads"


@dataclass
class DaskSession:
    """What :func:`dask_backend` connected to.

    Attributes
    ----------
    client : distributed.Client
        The client of the cluster (closed at the end of the block when
        :func:`dask_backend` created it).
    cluster : distributed.deploy.Cluster or None
        The cluster started on this machine (``'local:N'``, ``'local-cuda'``),
        closed at the end of the block; None for a scheduler address or a
        client.
    n_threads : int or None
        The torch threads of each worker (None: left as they were).
    """

    client: Client
    cluster: Any
    n_threads: int | None

    @property
    def address(self) -> str:
        """The scheduler's address, e.g. ``'tcp://127.0.0.1:34567'``."""
        return self.client.scheduler.address

    @property
    def n_workers(self) -> int:
        """The number of workers connected now."""
        return len(self.client.nthreads())


def _backend_constraints() -> dict:
    from .._validation import HasMethods, Ints

    return {
        "scheduler": [str, HasMethods(["submit", "scatter", "register_plugin"])],
        "n_threads": [Ints(1), None],
        "scatter": [list, tuple, None],
    }


@contextlib.contextmanager
@lazily_validated(_backend_constraints)
def dask_backend(
    scheduler: str | Client,
    *,
    n_threads: int | None = 1,
    scatter: Sequence[Any] | None = None,
) -> Iterator[DaskSession]:
    """Run the scikit-learn searches of a ``with`` block on a Dask cluster.

    Inside the block joblib's Dask backend is active: ``GridSearchCV``,
    ``RandomizedSearchCV``, ``HalvingGridSearchCV``,
    ``HalvingRandomSearchCV``, :func:`~emnist_estimators.search.make_search`
    and anything else that runs on joblib fit on the cluster's workers (with
    their ``n_jobs`` left at None: every worker thread is used). The refit of
    the best candidate runs in this process.

    Parameters
    ----------
    scheduler : str or distributed.Client
        Where to run:

        * ``'local:N'``: start N worker processes on this machine (one
          thread each, on 127.0.0.1, no dashboard, without the
          ``MALLOC_TRIM_THRESHOLD_`` of Dask's nannies, which slows torch's
          training), closed at the end of the block; ``'local'`` starts
          cores / ``n_threads`` of them;
        * ``'local-cuda'``: start one worker process per visible GPU, each
          seeing only its own (``CUDA_VISIBLE_DEVICES``), so that
          ``device='auto'`` trains on that worker's GPU;
        * a scheduler address, e.g. ``'tcp://10.0.0.5:8786'``: connect to a
          running cluster (``dask scheduler`` and ``dask worker`` on each
          machine; start the workers with ``--nthreads 1``);
        * a ``distributed.Client``: use it (it is not closed).

        The worker processes started here use Dask's start method, ``spawn``
        by default and always for ``'local-cuda'``: CUDA may have been used
        in this process already (a ``fork`` configured after CUDA was
        initialised here is replaced by ``spawn``, with a warning). They do
        not run the main script again: a script needs no
        ``if __name__ == "__main__":`` guard for them.
    n_threads : int or None, default=1
        Torch threads per worker (``torch.set_num_threads`` in every worker
        thread, now and on workers that join or restart later). Workers
        times threads should not exceed the cores of a machine. None leaves
        the workers as they are. The workers keep the setting after the
        block; an estimator's own ``n_threads`` wins while it trains.
    scatter : list or tuple of array-like, default=None
        Data to send to the cluster once, now, e.g. ``[X, y]``: tasks that are
        given these very objects (pass the same arrays to ``fit``) refer to
        it instead of carrying it, and each worker fetches it once. Without
        it, each large argument is sent again for each ``Parallel`` call (each
        round of a successive-halving search). Either way the data is held
        by a task that Dask can run again, so that it outlives the workers
        that hold it.

    Yields
    ------
    DaskSession
        The client, the cluster started (if any) and the settings.

    Raises
    ------
    ImportError
        If Dask's distributed scheduler is not installed
        (``pip install "emnist-estimators[dask]"``).
    ValueError
        If ``scheduler`` is not one of the forms above, or ``'local-cuda'``
        finds no GPU.

    See Also
    --------
    measure_traffic : What the workers received during a block.

    Notes
    -----
    A fit with ``checkpoint=<folder>`` saves to a sub-folder named from its
    parameters and a fingerprint of its data, so the candidates and folds of
    a search never share one, whichever worker runs them (on several
    machines, a folder they all mount keeps them in one place).

    When a worker dies, Dask runs its tasks again on the others (and the
    local cluster restarts it): the search ends with the same results, as
    each fit is seeded by its ``random_state``. The data (``scatter``, and
    what joblib would scatter for each call) is held by tasks that Dask can
    run again, as data scattered to a worker that died cannot be recovered.

    Like ``joblib.parallel_config``, the backend is active in the thread
    that entered the block.

    Examples
    --------
    >>> from emnist_estimators.distributed import dask_backend
    >>> from emnist_estimators.search import make_search
    >>> search = make_search("mlp", "medium", cv=3)
    >>> with dask_backend("local:2", scatter=[X, y]) as session:  # doctest: +SKIP
    ...     search.fit(X, y)
    ...     print(session.n_workers)
    2
    """
    distributed = require("distributed")
    joblib = require("joblib")
    with contextlib.ExitStack() as stack:
        cluster = None
        if isinstance(scheduler, str):
            address, start_cluster = parse_scheduler(scheduler, n_threads)
            if start_cluster is not None:
                stack.enter_context(spawned_workers_skip_main())
                cluster = stack.enter_context(start_cluster())
            client = stack.enter_context(
                distributed.Client(address if cluster is None else cluster)
            )
        else:
            client = scheduler
        if n_threads is not None:
            client.register_plugin(plugins().TorchThreads(n_threads), _THREADS_PLUGIN)
        stack.enter_context(
            joblib.parallel_config(
                backend="dask",
                client=_RecoverableDataClient(client),
                scatter=list(scatter or []) or None,
            )
        )
        yield DaskSession(client=client, cluster=cluster, n_threads=n_threads)


def _identity(value):
    return value


async def _ready(value):
    return value


class _RecoverableDataClient:
    """The client as joblib's Dask backend uses it, with data it can recover.

    joblib scatters the data (``scatter=``) and each large argument of a call
    (such as the indices of a fold). Scattered data has no recipe: when the
    one worker that holds it dies (Dask's memory manager soon drops the other
    copies), Dask cannot recover it and the search fails ("cancelled for
    reason: already forgotten"). Here the data is returned by a task instead,
    whose specification the scheduler keeps: Dask runs it again when needed.
    """

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def scatter(self, data, *, asynchronous=None, **placement):
        """Futures of tasks that return ``data`` (one per item of a list).

        ``placement`` (``broadcast``, ``workers``, ``hash``, ...) is ignored:
        each worker fetches the data when a task of it needs it.
        """
        if isinstance(data, (list, tuple)):
            futures = type(data)(self._hold(value) for value in data)
        else:
            futures = self._hold(data)
        return _ready(futures) if asynchronous else futures

    def _hold(self, value):
        key = f"{DATA_KEY}{type(value).__name__}-{uuid.uuid4().hex}"
        with warnings.catch_warnings():
            # The data is meant to be in the graph (once).
            warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
            return self._client.submit(_identity, value, key=key, pure=False)
