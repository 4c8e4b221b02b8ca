"""The reference studies' searches, exhaustively as they ran them and fast.

Each study search (``--studies``) is a space over one model, searched with
3-fold cross-validation on the ByClass stand-in's training part, then refit
on all of it and scored on its test part:

- ``004-mlp``: study 004's MLP grid as written there: two hidden layers of
  {500, 784} x {392, 261, 196} units, activation {relu, sigmoid, tanh},
  optimizer {adam, sgd}: 36 candidates, 15 epochs in batches of 32 (its
  refit scored 0.817 on ByClass);
- ``004-cnn`` and ``004-lstm``: grids of the same shape (36 candidates)
  around the architectures study 004 reports as its best, the 32-64 CNN
  (0.829) and the 150-75 LSTM (0.836); the study's own CNN and LSTM grids
  are not part of what this repository holds, so these are reconstructions;
- ``003-mlp``, ``003-cnn``, ``003-resnet``: study 003 ran KerasTuner's
  random search over the options of :func:`emnist_estimators.search.param_distributions`
  ('large'); here 20 candidates of that space.

Two methods (``--methods``):

- ``exhaustive``: scikit-learn's ``GridSearchCV`` (``RandomizedSearchCV``
  for the 003 spaces), every candidate trained for all epochs on each fold,
  in the study's batch size and float32;
- ``fast``: :class:`~emnist_estimators.search.ContinuedHalvingGridSearchCV`
  (``...RandomSearchCV``): the same candidates, successive halving over
  epochs with each candidate continuing from rung to rung; with
  ``--fast-batch-size`` (the learning rate of each optimizer scaled by the
  square root of the batch ratio) and ``precision='auto'`` (bfloat16 where
  native).

Recorded per search and method: wall time (search and refit), best mean CV
score, best parameters, test accuracy of the refit, and the study's own
figure. ``--extrapolate`` also measures each candidate architecture's
seconds per epoch (one short epoch on the fold's size) and gives the
full-size exhaustive cost from them, for searches too long to run.

Commands (the recorded runs)::

    # study 004's MLP grid at reduced size, both ways (the same batch size)
    python benchmarks/studies.py --studies 004-mlp --n-train 20000 --epochs 5 \\
        --fast-batch-size 32 --fast-precision float32 --name studies-004-mlp-reduced
    # full size, fast search only, with the exhaustive cost extrapolated
    # (recorded for the MLP; the CNN and LSTM grids take longer than a session)
    python benchmarks/studies.py --studies 004-mlp --methods fast \\
        --extrapolate --name studies-004-mlp-full

A smoke test: ``python benchmarks/studies.py --quick --dataset digits``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from _common import Timer, load, parser, record
from sklearn.model_selection import GridSearchCV, ParameterGrid, RandomizedSearchCV

from emnist_estimators.models import get_model
from emnist_estimators.search import (
    ContinuedHalvingGridSearchCV,
    ContinuedHalvingRandomSearchCV,
    param_distributions,
)

#: The starting learning rate of each optimizer (the estimators' lr=None).
BASE_LR = {"adam": 1e-3, "sgd": 1e-2}


@dataclass
class Study:
    """One study's search: its model, space, epochs, batch size and figure."""

    model: str
    space: dict
    epochs: int
    batch_size: int
    reported: float | None
    source: str
    random: bool = False
    n_iter: int = 20
    fixed: dict = field(default_factory=dict)


STUDIES = {
    "004-mlp": Study(
        "mlp",
        {
            "hidden_layer_sizes": [(a, b) for a in (500, 784) for b in (392, 261, 196)],
            "activation": ["relu", "sigmoid", "tanh"],
            "optimizer": ["adam", "sgd"],
        },
        epochs=15,
        batch_size=32,
        reported=0.817,
        source="study 004, as written",
        fixed={"dropout": 0.0},
    ),
    "004-cnn": Study(
        "cnn",
        {
            "filters": [(a, b) for a in (16, 32) for b in (32, 64, 128)],
            "activation": ["relu", "sigmoid", "tanh"],
            "optimizer": ["adam", "sgd"],
        },
        epochs=15,
        batch_size=32,
        reported=0.829,
        source="reconstructed around study 004's 32-64 CNN",
    ),
    "004-lstm": Study(
        "lstm",
        {
            "hidden_sizes": [(a, b) for a in (100, 150) for b in (50, 75, 100)],
            "dropout": [0.0, 0.2, 0.4],
            "optimizer": ["adam", "sgd"],
        },
        epochs=15,
        batch_size=32,
        reported=0.836,
        source="reconstructed around study 004's 150-75 LSTM",
    ),
    **{
        f"003-{model}": Study(
            model,
            param_distributions(model, "large"),
            epochs=10,
            batch_size=32,
            reported=None,
            source="study 003's random-search options ('large' space)",
            random=True,
        )
        for model in ("mlp", "cnn", "resnet")
    },
}


def scaled_space(space: dict, batch_size: int, study_batch: int) -> list[dict]:
    """The space with each optimizer's learning rate scaled to ``batch_size``.

    One sub-grid per optimizer, so that each gets its own rate (the square
    root of the batch ratio times its usual starting rate).
    """
    scale = math.sqrt(batch_size / study_batch)
    optimizers = space.get("optimizer")
    if not optimizers or scale == 1:
        return [space]
    return [
        {**space, "optimizer": [name], "lr": [BASE_LR.get(name, 1e-3) * scale]}
        for name in optimizers
    ]


def make_searches(study: Study, method: str, args, epochs: int):
    """The search of ``study`` by ``method`` ('exhaustive' or 'fast')."""
    cls = get_model(study.model).estimator
    fast = method == "fast"
    batch = args.fast_batch_size if fast else study.batch_size
    estimator = cls(
        max_epochs=epochs,
        batch_size=batch,
        precision=args.fast_precision if fast else "float32",
        device=args.device,
        random_state=0,
        **study.fixed,
    )
    common = {"cv": 3, "n_jobs": args.n_jobs}
    if study.random:
        if fast:
            return ContinuedHalvingRandomSearchCV(
                estimator,
                study.space,
                n_candidates=study.n_iter,
                random_state=0,
                **common,
            )
        return RandomizedSearchCV(
            estimator, study.space, n_iter=study.n_iter, random_state=0, **common
        )
    if fast:
        space = scaled_space(study.space, batch, study.batch_size)
        return ContinuedHalvingGridSearchCV(estimator, space, **common)
    return GridSearchCV(estimator, study.space, **common)


def seconds_per_epoch(study: Study, X, y, epochs_to_time: float = 1.0) -> dict:
    """Seconds per epoch of each architecture of the space, on ``X`` (one fold)."""
    cls = get_model(study.model).estimator
    name = next(iter(study.space))
    rates = {}
    for value in ParameterGrid({name: study.space[name]}):
        estimator = cls(
            max_epochs=1,
            batch_size=study.batch_size,
            device="cpu",
            random_state=0,
            **study.fixed,
            **value,
        )
        n = max(study.batch_size * 20, int(len(y) * epochs_to_time))
        with Timer() as t:
            estimator.fit(X[:n], y[:n])
        rates[repr(value[name])] = t.seconds * len(y) / n
    return rates


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--studies", default="004-mlp")
    p.add_argument("--methods", default="exhaustive,fast")
    p.add_argument("--n-train", type=int, help="training images (default: all)")
    p.add_argument("--epochs", type=int, help="epochs (default: the study's)")
    p.add_argument("--fast-batch-size", type=int, default=256)
    p.add_argument("--fast-precision", default="auto")
    p.add_argument("--n-jobs", type=int, default=None)
    p.add_argument(
        "--extrapolate",
        action="store_true",
        help="time each architecture's epoch and extrapolate the exhaustive cost",
    )
    p.add_argument("--name", help="results name (default: studies-<dataset>)")
    args = p.parse_args()
    n_train, epochs = args.n_train, args.epochs
    if args.quick:
        n_train, epochs = 300, 2
    data = load(args, n_train=n_train, n_test=200 if args.quick else None)
    name = args.name or f"studies-{args.dataset}" + ("-quick" if args.quick else "")
    results = {
        "dataset": data.name,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "fast_batch_size": args.fast_batch_size,
        "fast_precision": args.fast_precision,
        "n_jobs": args.n_jobs,
        "searches": {},
    }
    for key in args.studies.split(","):
        study = STUDIES[key]
        study_epochs = epochs or study.epochs
        row = {
            "model": study.model,
            "source": study.source,
            "reported": study.reported,
            "epochs": study_epochs,
            "study_batch_size": study.batch_size,
            "n_candidates": (
                study.n_iter if study.random else len(ParameterGrid(study.space))
            ),
            "methods": {},
        }
        results["searches"][key] = row
        for method in args.methods.split(","):
            search = make_searches(study, method, args, study_epochs)
            start = time.perf_counter()
            search.fit(data.X_train, data.y_train)
            wall = time.perf_counter() - start
            row["methods"][method] = {
                "wall_s": wall,
                "refit_s": float(search.refit_time_),
                "best_cv_score": float(search.best_score_),
                "best_params": {k: repr(v) for k, v in search.best_params_.items()},
                "test_accuracy": float(search.score(data.X_test, data.y_test)),
                "fits": len(search.cv_results_["params"]) * 3,
                "search": type(search).__name__,
            }
            print(key, method, row["methods"][method], flush=True)
            record(name, args, results, markdown(results), echo=False)
        if args.extrapolate and not study.random:
            fold = int(len(data.y_train) * 2 / 3)
            rates = seconds_per_epoch(
                study, data.X_train[:fold], data.y_train[:fold], 0.1
            )
            grid = list(ParameterGrid(study.space))
            arch = next(iter(study.space))
            total = sum(rates[repr(c[arch])] for c in grid) * 3 * study_epochs
            row["seconds_per_epoch"] = rates
            row["exhaustive_extrapolated_s"] = total
            record(name, args, results, markdown(results), echo=False)
    record(name, args, results, markdown(results))


def _format_params(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))


def markdown(results) -> str:
    lines = [
        f"Data: {results['dataset']}, {results['n_train']} training images "
        f"(3-fold CV), {results['n_test']} test images. Fast search: batch "
        f"{results['fast_batch_size']}, precision {results['fast_precision']}; "
        f"n_jobs={results['n_jobs']}.",
        "",
        "| search | method | candidates | epochs | wall time (min) | refit (min) "
        "| best CV | test accuracy of the refit | the study's figure "
        "| best parameters |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, row in results["searches"].items():
        for method, r in row["methods"].items():
            reported = "-" if row["reported"] is None else f"{row['reported']:.3f}"
            lines.append(
                f"| {key} | {method} ({r['search']}) | {row['n_candidates']} | "
                f"{row['epochs']} | {r['wall_s'] / 60:.1f} | {r['refit_s'] / 60:.1f} | "
                f"{r['best_cv_score']:.4f} | {r['test_accuracy']:.4f} | {reported} | "
                f"{_format_params(r['best_params'])} |"
            )
    for key, row in results["searches"].items():
        methods = row["methods"]
        if {"exhaustive", "fast"} <= set(methods):
            ratio = methods["fast"]["wall_s"] / methods["exhaustive"]["wall_s"]
            diff = 100 * (
                methods["fast"]["test_accuracy"]
                - methods["exhaustive"]["test_accuracy"]
            )
            lines += [
                "",
                f"{key}: the fast search took {ratio:.2f} of the exhaustive time; its "
                f"refit's test accuracy differs by {diff:+.2f} points.",
            ]
        if "exhaustive_extrapolated_s" in row:
            lines += [
                "",
                f"{key}: the exhaustive search at this size, extrapolated from each "
                f"architecture's seconds per epoch ({row['seconds_per_epoch']}): "
                f"{row['exhaustive_extrapolated_s'] / 3600:.1f} h of training.",
            ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
