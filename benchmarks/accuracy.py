"""Test accuracy of the EMNIST presets on the stand-ins, and the time to reach it.

Each model is trained with its ``'emnist'`` preset (``emnist_estimators.presets``,
chosen on a validation split of the training part: the test part is never
used to choose anything) on the training part of the stand-in, and scored on
its test part (accuracy, macro F1 and balanced accuracy: the mean of the
per-class recalls). After every epoch the test accuracy is recorded with the
training time so far (the epochs' own durations, not the scoring), which gives
the time to reach a given accuracy. A report folder with the comparison table,
learning curves, confusion matrices and mistakes is written beside the results.

Commands (the recorded runs)::

    python benchmarks/accuracy.py --dataset emnist-byclass
    python benchmarks/accuracy.py --dataset emnist-bymerge
    python benchmarks/accuracy.py --models cnn,resnet --param precision=bfloat16 \\
        --name accuracy-emnist-byclass-bfloat16

A smoke test: ``python benchmarks/accuracy.py --quick --dataset digits``.
"""

from __future__ import annotations

import numpy as np
import torch
from _common import add_preset_options, load, parser, record, results_folder
from skorch.callbacks import Callback

from emnist_estimators.presets import make_estimator
from emnist_estimators.reports import ReportWriter, add_data_figures, fit_and_report

THRESHOLDS = (0.85, 0.87, 0.88)


class TestAccuracyPerEpoch(Callback):
    """Record the test accuracy in the history after each epoch.

    skorch's epoch timer runs before this callback, so the epochs' ``dur``
    does not include this scoring.
    """

    def __init__(self, X, y):
        self.X = X
        self.y = y

    def on_epoch_end(self, net, **kwargs):
        predicted = net.predict(self.X)
        net.history.record("test_acc", float(np.mean(predicted == self.y)))


def main():
    p = parser(__doc__.splitlines()[0])
    add_preset_options(p)
    p.add_argument("--name", help="results name (default: accuracy-<dataset>)")
    args = p.parse_args()
    overrides = dict(args.param)
    if args.quick:
        overrides.setdefault("max_epochs", 1)
    data = load(
        args, n_train=600 if args.quick else None, n_test=200 if args.quick else None
    )
    name = args.name or f"accuracy-{args.dataset}" + ("-quick" if args.quick else "")
    classes = np.unique(data.y_train)
    images = torch.from_numpy(
        data.X_test.reshape(len(data.X_test), 1, *data.X_test.shape[1:])
    )
    encoded = np.searchsorted(classes, data.y_test)
    models = {
        model: make_estimator(
            model,
            args.preset,
            device=args.device,
            random_state=0,
            callbacks=[("test_acc", TestAccuracyPerEpoch(images, encoded))],
            **overrides,
        )
        for model in args.models.split(",")
    }
    folder = results_folder(args) / name
    writer = ReportWriter(
        folder,
        f"EMNIST presets on {data.name}",
        details={
            "data": data.description,
            "preset": args.preset,
            "overrides": overrides or "none",
        },
    )
    add_data_figures(writer, data)
    fitted = fit_and_report(models, data, writer)

    results = {
        "dataset": data.name,
        "data": data.description,
        "overrides": overrides,
        "models": {},
    }
    for model, estimator in fitted.items():
        report = writer.reports[model]
        test_acc = estimator.history_[:, "test_acc"]
        elapsed = np.cumsum(estimator.history_[:, "dur"]).tolist()
        results["models"][model] = {
            "accuracy": report.accuracy,
            "f1_macro": report.f1_macro,
            "balanced_accuracy": report.balanced_accuracy,
            "fit_time_s": report.fit_time_s,
            "n_parameters": report.n_parameters,
            "epochs": estimator.n_iter_,
            "test_acc_per_epoch": test_acc,
            "training_seconds_per_epoch": elapsed,
            "seconds_to_reach": {
                str(t): next(
                    (s for a, s in zip(test_acc, elapsed, strict=True) if a >= t), None
                )
                for t in THRESHOLDS
            },
            "params": {
                k: repr(v)
                for k, v in estimator.get_params().items()
                if k != "callbacks"
            },
        }
    record(name, args, results, markdown(results))


def markdown(results) -> str:
    lines = [
        f"Data: {results['dataset']}, {results['data']}. Preset 'emnist'"
        + (f" with {results['overrides']}" if results["overrides"] else "")
        + ".",
        "",
        "| model | test accuracy | macro F1 | balanced accuracy | epochs "
        "| training time (s) | parameters | time to 85% / 87% / 88% (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for model, r in results["models"].items():
        reach = " / ".join(
            "-"
            if r["seconds_to_reach"][str(t)] is None
            else f"{r['seconds_to_reach'][str(t)]:.0f}"
            for t in THRESHOLDS
        )
        lines.append(
            f"| {model} | {r['accuracy']:.4f} | {r['f1_macro']:.4f} | "
            f"{r['balanced_accuracy']:.4f} | {r['epochs']} | "
            f"{r['fit_time_s']:.0f} | {r['n_parameters']} | {reach} |"
        )
    lines += ["", "Test accuracy after each epoch:", ""]
    for model, r in results["models"].items():
        curve = ", ".join(f"{a:.4f}" for a in r["test_acc_per_epoch"])
        lines.append(f"- {model}: {curve}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
