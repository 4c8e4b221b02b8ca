"""One hyperparameter search in one process, in two, and on a Dask cluster.

The same search (``search.param_grid(model, "medium")``: 12 settings, 3-fold
cross-validation, so 36 fits, then the refit of the best one) runs

* with ``n_jobs=1``: one process, torch's threads on all cores (``--threads``);
* with ``n_jobs=2`` (``--n-jobs``): joblib's loky processes, one torch
  thread each;
* on a Dask cluster (``--scheduler``, by default ``local:2``: two worker
  processes, one thread each), twice: with joblib's Dask backend as it is
  (``joblib.parallel_config(backend="dask")``: each large argument is sent
  to one worker per ``Parallel`` call and fetched from there by the others),
  and through :func:`emnist_estimators.distributed.dask_backend` with the
  data scattered to every worker once (``scatter=[X, y]``), counting the
  tasks and bytes the workers receive
  (:func:`~emnist_estimators.distributed.measure_traffic`).

Startup (worker processes importing torch, or the cluster starting) is timed
apart from the searches. The per-task overhead of the Dask backend is timed
on no-op tasks. From each fit's shortest time measured with one thread, that
overhead and the bytes sent, a cost model predicts the search on 2, 8 and 64
workers (longest-first scheduling of the 36 fits; the data sent over a
1 Gbit/s link; the refit in the client), so that one can tell when a cluster
pays off.

Command of the recorded run (one thread per fit everywhere: on a machine
shared with other work, two torch threads in one process can be several
times slower than two processes of one thread)::

    python benchmarks/scale.py --dataset emnist-byclass --n-train 20000 --epochs 2 \\
        --threads 1

``--quick`` (what the tests run) searches the 'small' space (4 settings) on
300 digits for one epoch, with one torch thread.
"""

from __future__ import annotations

import heapq
import importlib
import os
import time

import joblib
import numpy as np
import torch
from _common import BATCH_SIZE, Timer, load, parser, record

from emnist_estimators.distributed import dask_backend, measure_traffic
from emnist_estimators.models import get_model
from emnist_estimators.search import make_search

#: The cluster sizes of the cost model.
MODEL_WORKERS = (2, 8, 64)


def _warm_up() -> int:
    """Import the estimators in a worker and train once; its torch threads."""
    estimators = importlib.import_module("emnist_estimators.estimators")
    X = np.zeros((20, 64), dtype=np.uint8)
    estimators.MLPClassifier(hidden_layer_sizes=(8,), max_epochs=1, device="cpu").fit(
        X, np.arange(20) % 2
    )
    return torch.get_num_threads()


def _noop(i: int) -> int:
    return i


def estimator(args):
    spec = get_model(args.model)
    params = dict(spec.smoke_params) if args.quick else {}
    # n_threads=None: the threads of the process the fit runs in (all cores
    # for n_jobs=1, one in each loky process and each Dask worker).
    return spec.estimator(
        **params,
        batch_size=BATCH_SIZE,
        max_epochs=args.epochs,
        device=args.device,
        random_state=0,
    )


def timed_search(args, X, y, **search_params):
    search = make_search(
        args.model, args.size, estimator=estimator(args), cv=args.cv, **search_params
    )
    with Timer() as t:
        search.fit(X, y)
    return search, t.seconds


def fold_seconds(search) -> list[float]:
    """Seconds of each fit (mean fit and score time of its candidate)."""
    results = search.cv_results_
    times = np.asarray(results["mean_fit_time"]) + results["mean_score_time"]
    return [float(t) for t in times for _ in range(search.n_splits_)]


def makespan(seconds: list[float], n_workers: int) -> float:
    """Longest-processing-time-first list scheduling on ``n_workers``."""
    loads = [0.0] * n_workers
    for s in sorted(seconds, reverse=True):
        heapq.heapreplace(loads, loads[0] + s)
    return max(loads)


def summary(search, seconds: float, baseline=None) -> dict:
    scores = np.asarray(search.cv_results_["mean_test_score"], dtype=float)
    row = {
        "wall_s": seconds,
        "refit_s": float(search.refit_time_),
        "n_fits": len(search.cv_results_["params"]) * search.n_splits_,
        "best_params": {k: str(v) for k, v in search.best_params_.items()},
        "best_score": float(search.best_score_),
        "fit_seconds": fold_seconds(search),
        "mean_test_scores": scores.tolist(),
    }
    if baseline is not None:
        reference = np.asarray(baseline.cv_results_["mean_test_score"], dtype=float)
        row["max_score_difference_vs_n_jobs_1"] = float(
            np.max(np.abs(scores - reference))
        )
    return row


def traffic_row(traffic, n_fits: int) -> dict:
    return {
        "n_tasks": traffic.n_tasks,
        "task_bytes": traffic.task_bytes,
        "data_bytes": traffic.data_bytes,
        "n_workers": traffic.n_workers,
        "task_bytes_per_task": traffic.task_bytes / max(traffic.n_tasks, 1),
        "bytes_per_fit": (traffic.task_bytes + traffic.data_bytes) / n_fits,
    }


def run_dask(args, X, y, baseline) -> dict:
    start = time.perf_counter()
    with dask_backend(args.scheduler, n_threads=1) as session:
        client = session.client
        warm = [
            client.submit(_warm_up, pure=False, workers=[w]) for w in client.nthreads()
        ]
        threads = client.gather(warm)
        startup_s = time.perf_counter() - start
        n_noop = 40 if args.quick else 200
        with Timer() as noop:
            joblib.Parallel(batch_size=1)(
                joblib.delayed(_noop)(i) for i in range(n_noop)
            )
        # What the issue started from: joblib's Dask backend as it is.
        with (
            measure_traffic(client) as plain,
            joblib.parallel_config(backend="dask", client=client),
        ):
            search_plain, plain_s = timed_search(args, X, y)
        with (
            measure_traffic(client) as scattered,
            dask_backend(client, scatter=[X, y]),
        ):
            search, scattered_s = timed_search(args, X, y)
        n_workers = session.n_workers
    n_fits = len(search.cv_results_["params"]) * search.n_splits_
    return {
        "scheduler": args.scheduler,
        "n_workers": n_workers,
        "worker_torch_threads": sorted(set(threads)),
        "startup_s": startup_s,
        "overhead_s_per_task": noop.seconds / n_noop,
        "plain": {
            **summary(search_plain, plain_s, baseline),
            "traffic": traffic_row(plain, n_fits),
        },
        "scattered": {
            **summary(search, scattered_s, baseline),
            "traffic": traffic_row(scattered, n_fits),
        },
    }


def dask_runs(dask: dict) -> tuple[dict, dict]:
    return dask["plain"], dask["scattered"]


def cost_model(results: dict, gbit_per_s: float) -> list:
    """Predicted search time on clusters of several sizes.

    Each fit takes the shortest time measured for it in the runs with one
    thread per fit (the others shared the cores), plus the per-task overhead;
    the refit takes the shortest refit measured.
    """
    dask = results["dask"]
    one_thread = [results["loky"], *dask_runs(dask)]
    if results["n_jobs_1"]["torch_threads"] == 1:
        one_thread.append(results["n_jobs_1"])
    runs = [run for run in one_thread if run]
    fastest = np.min([run["fit_seconds"] for run in runs], axis=0)
    seconds = [float(s) + dask["overhead_s_per_task"] for s in fastest]
    refit = min(run["refit_s"] for run in (*runs, results["n_jobs_1"]))
    baseline_s = results["n_jobs_1"]["wall_s"]
    traffic = dask["scattered"]["traffic"]
    per_worker_data = traffic["data_bytes"] / max(traffic["n_workers"], 1)
    rows = []
    for n_workers in MODEL_WORKERS:
        data = n_workers * per_worker_data + traffic["task_bytes"]
        transfer = data * 8 / (gbit_per_s * 1e9)
        predicted = transfer + makespan(seconds, n_workers) + refit
        rows.append(
            {
                "n_workers": n_workers,
                "fits_at_once": min(n_workers, len(seconds)),
                "data_bytes": data,
                "transfer_s": transfer,
                "predicted_s": predicted,
                "speedup_vs_n_jobs_1": baseline_s / predicted,
            }
        )
    return rows


def run_loky(args, X, y, baseline) -> dict:
    with Timer() as start:
        threads = joblib.Parallel(n_jobs=args.n_jobs)(
            joblib.delayed(_warm_up)() for _ in range(args.n_jobs)
        )
    search, seconds = timed_search(args, X, y, n_jobs=args.n_jobs)
    return {
        **summary(search, seconds, baseline),
        "n_jobs": args.n_jobs,
        "startup_s": start.seconds,
        "worker_torch_threads": sorted(set(threads)),
    }


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--model", default="mlp", help="registered model (default: mlp)")
    p.add_argument("--size", help="search space (default: medium; small with --quick)")
    p.add_argument("--n-train", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--cv", type=int, default=3)
    p.add_argument(
        "--threads",
        type=int,
        help="torch threads of this process: the n_jobs=1 run and the refits "
        "(default: torch's, all cores; 1 with --quick)",
    )
    p.add_argument(
        "--n-jobs",
        type=int,
        default=2,
        help="loky processes of the second run (default: 2; 0 skips it)",
    )
    p.add_argument(
        "--scheduler",
        default="local:2",
        help="'local:N' or a scheduler address (default: local:2)",
    )
    p.add_argument(
        "--network-gbit",
        type=float,
        default=1.0,
        help="link speed of the cost model, Gbit/s (default: 1)",
    )
    args = p.parse_args()
    if args.quick:
        args.n_train, args.epochs = 300, 1
        args.threads = args.threads or 1  # tiny fits: threads only add overhead
    if args.threads:
        torch.set_num_threads(args.threads)
    args.size = args.size or ("small" if args.quick else "medium")
    data = load(args, n_train=args.n_train, n_test=100)
    X, y = data.X_train, data.y_train

    load_before = os.getloadavg()
    _warm_up()  # the first fit of a process initialises torch's kernels
    baseline, one_s = timed_search(args, X, y, n_jobs=1)
    loky = run_loky(args, X, y, baseline) if args.n_jobs > 1 else None
    dask = run_dask(args, X, y, baseline)
    results = {
        "model": args.model,
        "size": args.size,
        "n_train": len(y),
        "epochs": args.epochs,
        "cv": args.cv,
        "X_bytes": X.nbytes,
        "y_bytes": y.nbytes,
        "n_jobs_1": {
            **summary(baseline, one_s),
            "torch_threads": torch.get_num_threads(),
        },
        "loky": loky,
        "dask": dask,
        "network_gbit_per_s": args.network_gbit,
        # 1-minute load averages before and after: other work on the machine.
        "load_average": [load_before[0], os.getloadavg()[0]],
    }
    one_thread = [
        np.asarray(run["mean_test_scores"]) for run in (loky, *dask_runs(dask)) if run
    ]
    results["max_score_difference_between_one_thread_runs"] = float(
        max(np.max(np.abs(scores - one_thread[0])) for scores in one_thread)
    )
    results["cost_model"] = cost_model(results, args.network_gbit)
    name = f"scale-{args.dataset}" + ("-quick" if args.quick else "")
    record(name, args, results, markdown(results))


def _mb(n: float) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def markdown(r) -> str:
    dask = r["dask"]
    one = r["n_jobs_1"]
    base = one["wall_s"]
    n_fits = one["n_fits"]
    lines = [
        f"`search.param_grid('{r['model']}', '{r['size']}')`, {r['cv']}-fold: "
        f"{n_fits} fits of {r['epochs']} epoch(s) on {r['n_train']} images "
        f"(X {_mb(r['X_bytes'])}), then the refit. Best (n_jobs=1): "
        f"{one['best_params']}, mean {r['cv']}-fold accuracy "
        f"{one['best_score']:.4f}. Load average (1 min) before and after: "
        f"{r['load_average'][0]:.1f}, {r['load_average'][1]:.1f}.",
        "",
        "| run | processes x torch threads | startup (s) | search (s) | of which "
        "refit (s) | speed-up vs n_jobs=1 | max score difference vs n_jobs=1 |",
        "|---|---|---|---|---|---|---|",
        f"| n_jobs=1 | 1 x {one['torch_threads']} | 0 | {base:.1f} | "
        f"{one['refit_s']:.1f} | 1.00x | |",
    ]
    runs = []
    if r["loky"] is not None:
        loky = r["loky"]
        runs.append((f"n_jobs={loky['n_jobs']} (loky)", loky["n_jobs"], loky))
    for key, label in (("plain", "as it is"), ("scattered", "scatter=[X, y]")):
        run = {
            **dask[key],
            **{k: dask[k] for k in ("startup_s", "worker_torch_threads")},
        }
        runs.append((f"Dask `{dask['scheduler']}`, {label}", dask["n_workers"], run))
    for label, processes, run in runs:
        threads = "/".join(map(str, run["worker_torch_threads"]))
        lines.append(
            f"| {label} | {processes} x {threads} | {run['startup_s']:.1f} | "
            f"{run['wall_s']:.1f} | {run['refit_s']:.1f} | "
            f"{base / run['wall_s']:.2f}x | "
            f"{run['max_score_difference_vs_n_jobs_1']:.2g} |"
        )
    lines += [
        "",
        f"The runs that train each fit on one thread (loky, Dask) give the same "
        f"scores (largest difference "
        f"{r['max_score_difference_between_one_thread_runs']:.2g}); n_jobs=1 "
        f"trains on {one['torch_threads']} thread(s), whose sums can round "
        "differently. The refit of the best setting on all the images runs in "
        "the client process, after the search.",
        "",
        f"Per-task overhead of the Dask backend (no-op tasks, one per call): "
        f"{dask['overhead_s_per_task'] * 1e3:.1f} ms.",
        "",
        "What the workers received (all workers together):",
        "",
        "| Dask run | tasks | task specification per task | data received | "
        "bytes per fit | bytes per fit if X and y were pickled into each fit |",
        "|---|---|---|---|---|---|",
    ]
    pickled = r["X_bytes"] + r["y_bytes"]
    for key, label in (("plain", "as it is"), ("scattered", "scatter=[X, y]")):
        t = dask[key]["traffic"]
        lines.append(
            f"| {label} | {t['n_tasks']} | {_mb(t['task_bytes_per_task'])} | "
            f"{_mb(t['data_bytes'])} | {_mb(t['bytes_per_fit'])} | "
            f"{_mb(pickled + t['task_bytes'] / n_fits)} |"
        )
    lines += [
        "",
        f"Cost model (each fit's shortest time measured with one thread, plus "
        f"the per-task overhead, scheduled longest first; the data of every "
        f"worker sent through one {r['network_gbit_per_s']:g} Gbit/s link, an "
        "upper bound; the shortest refit measured here; startup not "
        "included):",
        "",
        "| workers | fits at once | data sent | transfer (s) | predicted search (s) "
        "| speed-up vs n_jobs=1 |",
        "|---|---|---|---|---|---|",
    ]
    for row in r["cost_model"]:
        lines.append(
            f"| {row['n_workers']} | {row['fits_at_once']} | {_mb(row['data_bytes'])} "
            f"| {row['transfer_s']:.2f} | {row['predicted_s']:.1f} | "
            f"{row['speedup_vs_n_jobs_1']:.2f}x |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
