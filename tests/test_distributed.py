"""Searches on a Dask cluster: same results, threads, Hyperband, a dying worker.

One local cluster (two worker processes of one thread, on 127.0.0.1) serves
the module; it is started by the first test that needs it and closed after
the last. The tests that need Dask are skipped without it; the others check
that the module imports, validates and explains without it.
"""

import concurrent.futures
import importlib
import importlib.util
import json
import os
import runpy
import signal
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

import emnist_estimators
from emnist_estimators import MLPClassifier
from emnist_estimators._machine import torch_threads
from emnist_estimators.models import get_model
from emnist_estimators.search import make_search

HAS_DASK = all(
    importlib.util.find_spec(name) is not None for name in ("distributed", "dask_ml")
)
needs_dask = pytest.mark.skipif(
    not HAS_DASK,
    reason='needs Dask: pip install "emnist-estimators[dask]"',
)
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
EPOCHS = 2


def estimator(**params):
    """A tiny MLP that trains in a fraction of a second on the CPU."""
    smoke = dict(get_model("mlp").smoke_params)
    return MLPClassifier(
        **{**smoke, "max_epochs": EPOCHS, "device": "cpu", "random_state": 0, **params}
    )


def scores(search):
    return np.asarray(search.cv_results_["mean_test_score"], dtype=float)


# ----------------------------------------------------------- without a cluster
def test_imports_without_dask_and_names_the_extra(monkeypatch):
    for name in ("dask", "distributed", "dask_ml", "dask_ml.model_selection"):
        monkeypatch.setitem(sys.modules, name, None)  # `import name` fails
    monkeypatch.delitem(sys.modules, "emnist_estimators.distributed", raising=False)
    monkeypatch.setattr(emnist_estimators, "distributed", None, raising=False)
    module = importlib.import_module("emnist_estimators.distributed")
    with pytest.raises(ImportError, match=r"emnist-estimators\[dask\]"):
        with module.dask_backend("local:2"):
            pass
    with pytest.raises(ImportError, match=r"emnist-estimators\[dask\]"):
        module.HyperbandSearchCV  # noqa: B018
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_scheduler_forms():
    from emnist_estimators.distributed._clusters import (
        parse_scheduler as _parse_scheduler,
    )

    assert _parse_scheduler("tcp://10.0.0.5:8786", 1) == ("tcp://10.0.0.5:8786", None)
    assert _parse_scheduler("localhost:8786", 1) == ("localhost:8786", None)
    address, start = _parse_scheduler("local:3", 1)
    assert address is None and start.args == (3,)
    assert _parse_scheduler("local", 1)[1].args[0] >= 1
    assert _parse_scheduler("local-cuda", 1)[1] is not None
    for wrong in ("local:0", "local:x", "local-gpu"):
        with pytest.raises(ValueError, match="local"):
            _parse_scheduler(wrong, 1)


def test_invalid_arguments_are_rejected():
    from emnist_estimators.distributed import dask_backend

    with pytest.raises(ValueError, match="n_threads"):
        with dask_backend("local:1", n_threads=0):
            pass
    with pytest.raises(ValueError, match="scatter"):
        with dask_backend("local:1", scatter=np.zeros(3)):
            pass


def test_one_worker_per_gpu_each_sees_only_its_own(monkeypatch):
    from emnist_estimators.distributed import _clusters as distributed

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2, GPU-abc")
    assert distributed._cuda_devices() == ["2", "GPU-abc"]
    if HAS_DASK:
        specs = distributed._cuda_worker_specs(["2", "GPU-abc"])
        envs = [spec["options"]["env"] for spec in specs.values()]
        assert envs == [
            {"CUDA_VISIBLE_DEVICES": "2"},
            {"CUDA_VISIBLE_DEVICES": "GPU-abc"},
        ]
        assert all(spec["options"]["nthreads"] == 1 for spec in specs.values())
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
        from emnist_estimators.distributed import dask_backend

        with pytest.raises(ValueError, match="GPU"):
            with dask_backend("local-cuda"):
                pass


@needs_dask
def test_local_cuda_starts_one_worker_per_device_that_sees_only_it(monkeypatch):
    from emnist_estimators.distributed import _clusters as distributed

    # No GPU is needed to check the placement: one "device", on the CPU.
    monkeypatch.setattr(distributed, "_cuda_devices", lambda: ["7"])
    from emnist_estimators.distributed import dask_backend

    with dask_backend("local-cuda", n_threads=None) as session:
        # A lambda: os.environ.get would take this process's environ along.
        visible = session.client.run(lambda: os.environ.get("CUDA_VISIBLE_DEVICES"))
    assert list(visible.values()) == ["7"]


@needs_dask
def test_worker_processes_spawn_after_cuda_and_keep_glibc_adaptive(monkeypatch):
    import dask

    from emnist_estimators.distributed import _clusters as distributed

    key = "distributed.worker.multiprocessing-method"
    monkeypatch.setattr(distributed, "_cuda_initialized", lambda: True)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # left by a nanny
    omp_num_threads = os.environ.get("OMP_NUM_THREADS")
    with dask.config.set({key: "fork"}):
        with pytest.warns(RuntimeWarning, match="spawn"):
            with distributed._worker_processes(None):
                assert dask.config.get(key) == "spawn"
                # Neither the config nor this process's environment passes it on.
                environ = dask.config.get("distributed.nanny.pre-spawn-environ")
                assert environ["MALLOC_TRIM_THRESHOLD_"] is None
                assert "MALLOC_TRIM_THRESHOLD_" not in os.environ
                os.environ["OMP_NUM_THREADS"] = "1"  # what a nanny does here
        assert dask.config.get(key) == "fork"
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "65536"  # as before the block
    assert os.environ.get("OMP_NUM_THREADS") == omp_num_threads


def test_spawned_workers_do_not_run_the_main_script_again(monkeypatch):
    from emnist_estimators.distributed._clusters import (
        spawned_workers_skip_main as _spawned_workers_skip_main,
    )

    script = types.ModuleType("__main__")
    script.__file__ = "/somewhere/script.py"
    script.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", script)
    with _spawned_workers_skip_main():
        # What multiprocessing's spawn reads: a spec named '__main__' is not
        # imported again in the child.
        assert script.__spec__.name == "__main__"
    assert script.__spec__ is None


# ------------------------------------------------------------------ a cluster
@pytest.fixture(scope="module")
def session():
    """A 2-worker local cluster (1 thread each), warmed up."""
    from emnist_estimators.distributed import dask_backend

    with dask_backend("local:2", n_threads=1) as session:
        # The workers import torch and the estimators before the first test.
        session.client.run(
            lambda: importlib.import_module("emnist_estimators.estimators") and None
        )
        yield session


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    return X[:900], y[:900]


@pytest.fixture(scope="module")
def local_grid(data):
    """The reference: the grid search of the 'small' space in this process."""
    X, y = data
    with torch_threads(1):
        return make_search("mlp", "small", estimator=estimator(), cv=3).fit(X, y)


@needs_dask
def test_grid_search_on_the_cluster_equals_the_local_run(session, data, local_grid):
    from emnist_estimators.distributed import dask_backend, measure_traffic

    X, y = data
    search = make_search("mlp", "small", estimator=estimator(), cv=3)
    with measure_traffic(session.client) as traffic:
        with dask_backend(session.client, scatter=[X, y]):
            search.fit(X, y)
    assert search.cv_results_["params"] == local_grid.cv_results_["params"]
    np.testing.assert_allclose(scores(search), scores(local_grid), atol=1e-6)
    assert search.best_params_ == local_grid.best_params_
    # The data went to the workers once; the tasks carry references to it.
    assert traffic.n_workers == 2 and traffic.n_tasks >= 2
    n_fits = len(search.cv_results_["params"]) * 3
    assert X.nbytes + y.nbytes <= traffic.data_bytes < n_fits * X.nbytes / 2
    assert traffic.task_bytes / traffic.n_tasks < X.nbytes / 4


@needs_dask
def test_halving_search_on_the_cluster_equals_the_local_run(session, data):
    from emnist_estimators.distributed import dask_backend

    X, y = data

    def halving():
        return make_search(
            "mlp", "small", "halving-grid", estimator=estimator(max_epochs=3), cv=3
        )

    with torch_threads(1):
        local = halving().fit(X, y)
    with dask_backend(session.client, scatter=[X, y]):
        search = halving().fit(X, y)
    np.testing.assert_allclose(scores(search), scores(local), atol=1e-6)
    assert list(search.cv_results_["iter"]) == list(local.cv_results_["iter"])


@needs_dask
def test_torch_threads_reach_the_workers(session, data):
    from emnist_estimators.distributed import dask_backend

    X, y = data
    client = session.client
    try:
        with dask_backend(client, n_threads=2):
            in_tasks = [
                client.submit(torch.get_num_threads, pure=False, workers=[w]).result()
                for w in client.nthreads()
            ]
            search = GridSearchCV(
                estimator(n_threads=None, max_epochs=1),
                {"dropout": [0.0]},
                # The threads of the worker thread that fitted and now scores.
                scoring=lambda est, X, y: float(torch.get_num_threads()),
                cv=2,
                refit=False,
            ).fit(X, y)
        assert in_tasks == [2, 2]
        assert scores(search).tolist() == [2.0]
    finally:
        with dask_backend(client, n_threads=1):
            pass
    assert client.run(torch.get_num_threads) == dict.fromkeys(client.nthreads(), 1)


@needs_dask
def test_hyperband_trains_with_partial_fit(session, data):
    from emnist_estimators.distributed import HyperbandSearchCV

    X, y = data
    search = HyperbandSearchCV(
        estimator(max_epochs=3),
        {"lr": [1e-3, 1e-2], "dropout": [0.0, 0.25]},
        max_iter=3,
        random_state=0,
    )
    search.fit(X, y)  # classes=np.unique(y) is passed for us
    assert search.metadata_["n_models"] == len(search.cv_results_["params"]) >= 3
    assert 0.5 < search.best_score_ <= 1
    best = search.best_estimator_
    assert 1 <= best.n_iter_ <= 3  # one epoch per partial_fit call
    assert best.predict(X[:5]).shape == (5,)


@needs_dask
def test_benchmark_quick_mode(session, tmp_path, monkeypatch):
    """``benchmarks/scale.py --quick`` on this module's cluster, in this process."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.chdir(tmp_path)
    argv = ["scale.py", "--quick", "--dataset", "digits", "--output", str(tmp_path)]
    monkeypatch.setattr(
        sys, "argv", [*argv, "--n-jobs", "0", "--scheduler", session.address]
    )
    with torch_threads(torch.get_num_threads()):
        runpy.run_path(str(BENCHMARKS / "scale.py"), run_name="__main__")
    results = json.loads((tmp_path / "scale-digits-quick.json").read_text())["results"]
    dask = results["dask"]
    assert dask["n_workers"] == 2 and dask["worker_torch_threads"] == [1]
    assert dask["scattered"]["max_score_difference_vs_n_jobs_1"] < 1e-6
    assert dask["scattered"]["traffic"]["data_bytes"] >= results["X_bytes"]
    assert [row["n_workers"] for row in results["cost_model"]] == [2, 8, 64]
    assert dask["overhead_s_per_task"] > 0
    assert "| 64 |" in (tmp_path / "scale-digits-quick.md").read_text()


def _kill_own_worker_once(marker: str, parent: int):
    """A skorch callback that kills its Dask worker process at its first epoch.

    Only the first fit to get there, on a worker (never in this process),
    dies: it creates ``marker`` first.
    """
    from skorch.callbacks import Callback

    class KillWorkerOnce(Callback):
        def on_epoch_end(self, net, **kwargs):
            if os.getpid() == parent:
                return
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return
            os.kill(os.getpid(), signal.SIGKILL)

    return KillWorkerOnce()


@needs_dask
def test_search_survives_a_killed_worker(session, data, local_grid, tmp_path):
    from emnist_estimators.distributed import dask_backend

    X, y = data
    marker = tmp_path / "killed"
    pids = set(session.client.run(os.getpid).values())
    callback = _kill_own_worker_once(str(marker), os.getpid())
    search = make_search(
        "mlp", "small", estimator=estimator(callbacks=[callback]), cv=3
    )

    def fit():  # joblib's backend is per thread: enter it in the thread
        with dask_backend(session.client, scatter=[X, y]):
            search.fit(X, y)

    # In a thread, so that a search that never ends fails the test.
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        pool.submit(fit).result(timeout=120)
    finally:
        pool.shutdown(wait=False)
    assert marker.exists()  # a worker died during a fit ...
    np.testing.assert_allclose(scores(search), scores(local_grid), atol=1e-6)
    assert search.best_params_ == local_grid.best_params_  # ... and nothing changed
    session.client.wait_for_workers(2, timeout=60)
    assert set(session.client.run(os.getpid).values()) != pids  # one was restarted


@needs_dask
@pytest.mark.parametrize("command", ["search", "compare"])
def test_the_command_line_on_a_cluster_writes_the_local_report(command, tmp_path):
    """``--scheduler local:2`` gives the report a run on this machine gives."""
    import csv

    from emnist_estimators.cli import main

    options = [command, "--dataset", "digits", "--subset", "300", "--max-epochs", "1"]
    options += ["--device", "cpu", "--threads", "1", "--random-state", "0", "-q"]
    if command == "search":
        options += ["--model", "mlp", "--method", "grid", "--size", "small"]
    else:
        options += ["--models", "mlp,cnn"]
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    assert main([*options, "--output", str(local)]) == 0
    assert main([*options, "--output", str(cluster), "--scheduler", "local:2"]) == 0
    if command == "search":
        rows = {
            folder: list(csv.DictReader((folder / "cv_results.csv").open()))
            for folder in (local, cluster)
        }
        assert [r["params"] for r in rows[local]] == [
            r["params"] for r in rows[cluster]
        ]
        np.testing.assert_allclose(
            [float(r["mean_test_score"]) for r in rows[cluster]],
            [float(r["mean_test_score"]) for r in rows[local]],
            atol=1e-6,
        )
        best = [
            json.loads((f / "best_params.json").read_text()) for f in (local, cluster)
        ]
        assert best[0] == best[1]
    metrics = [json.loads((f / "metrics.json").read_text()) for f in (local, cluster)]
    for name, report in metrics[0]["models"].items():
        assert metrics[1]["models"][name]["accuracy"] == pytest.approx(
            report["accuracy"], abs=1e-6
        )
