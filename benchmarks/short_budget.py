"""Accuracy, macro F1 and balanced accuracy of each preset after a short budget.

Each model is trained with its ``'emnist'`` preset for a fixed, short budget
(by default 3 epochs on 20,000 training images of the stand-in, a stratified
subsample; the one-cycle schedule spans those 3 epochs) and scored on the test
part: accuracy, macro F1 and balanced accuracy (the mean of the per-class
recalls, which weighs the rare lower-case letters of ByClass as much as the
digits). ``--class-weight`` trains every model again with
``class_weight='balanced'`` and ``'balanced_sqrt'`` and reports the
differences. ``--validation``
scores on a stratified 15 % of the training part instead of the test part
(for choosing settings: the test part must not be used for that).

Commands (the recorded runs)::

    python benchmarks/short_budget.py --dataset emnist-byclass --class-weight
    python benchmarks/short_budget.py --dataset emnist-byclass --validation \\
        --class-weight

A smoke test: ``python benchmarks/short_budget.py --quick --dataset digits``.
"""

from __future__ import annotations

import numpy as np
from _common import (
    VALIDATION_FRACTION,
    add_preset_options,
    load,
    parser,
    record,
    validation_split,
)
from sklearn.metrics import balanced_accuracy_score, f1_score

from emnist_estimators.presets import make_estimator

#: The class weightings --class-weight compares with the preset.
CLASS_WEIGHTS = ("balanced", "balanced_sqrt")


def scores(y_true, y_pred) -> dict[str, float]:
    """Accuracy, macro F1 and balanced accuracy."""
    return {
        "accuracy": float(np.mean(y_true == y_pred)),
        "f1_macro": float(f1_score(y_true, y_pred, average="macro")),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
    }


def main():
    p = parser(__doc__.splitlines()[0])
    add_preset_options(p)
    p.add_argument(
        "--n-train",
        type=int,
        default=20000,
        help="training images, a stratified subsample (default: 20000)",
    )
    p.add_argument("--epochs", type=int, default=3, help="epochs (default: 3)")
    p.add_argument(
        "--class-weight",
        action="store_true",
        help="also train each model with class_weight='balanced' and "
        "'balanced_sqrt', and compare",
    )
    p.add_argument(
        "--validation",
        action="store_true",
        help="score on 15%% of the training part instead of the test part",
    )
    p.add_argument("--name", help="results name (default: short-budget-<dataset>)")
    args = p.parse_args()
    overrides = dict(args.param)
    n_train, epochs = args.n_train, args.epochs
    if args.quick:
        n_train, epochs = min(n_train, 600), 1
    overrides.setdefault("max_epochs", epochs)
    if args.validation:
        data = load(args)
        X_fit, X_score, y_fit, y_score = validation_split(data, n_train)
        scored_on = f"validation ({VALIDATION_FRACTION:.0%} of the training part)"
    else:
        data = load(args, n_train=n_train, n_test=200 if args.quick else None)
        X_fit, y_fit, X_score, y_score = (
            data.X_train,
            data.y_train,
            data.X_test,
            data.y_test,
        )
        scored_on = "test part"
    default_name = f"short-budget-{args.dataset}" + (
        "-validation" if args.validation else ""
    )
    name = args.name or default_name + ("-quick" if args.quick else "")
    variants = {"preset": {}}
    if args.class_weight:
        for weighting in CLASS_WEIGHTS:
            variants[weighting] = {"class_weight": weighting}

    results = {
        "dataset": data.name,
        "data": data.description,
        "n_train": len(y_fit),
        "n_scored": len(y_score),
        "scored_on": scored_on,
        "preset": args.preset,
        "epochs": overrides["max_epochs"],
        "overrides": overrides,
        "models": {},
    }
    for model in args.models.split(","):
        results["models"][model] = {}
        for variant, extra in variants.items():
            estimator = make_estimator(
                model,
                args.preset,
                device=args.device,
                random_state=0,
                **overrides,
                **extra,
            )
            estimator.fit(X_fit, y_fit)
            row = scores(y_score, estimator.predict(X_score))
            row["fit_time_s"] = estimator.fit_time_
            row["precision"] = estimator.precision_
            results["models"][model][variant] = row
            print(model, variant, row, flush=True)
    record(name, args, results, markdown(results))


def markdown(results) -> str:
    lines = [
        f"Data: {results['dataset']}, {results['data']}; "
        f"{results['n_train']} training images (stratified subsample), "
        f"{results['epochs']} epochs, scored on the {results['scored_on']} "
        f"({results['n_scored']} images). Presets '{results['preset']}' with "
        f"{results['overrides']}.",
        "",
        "| model | variant | accuracy | macro F1 | balanced accuracy "
        "| training time (s) | precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for model, variants in results["models"].items():
        for variant, r in variants.items():
            lines.append(
                f"| {model} | {variant} | {r['accuracy']:.4f} | {r['f1_macro']:.4f} | "
                f"{r['balanced_accuracy']:.4f} | {r['fit_time_s']:.0f} | "
                f"{r['precision']} |"
            )
    for weighting in CLASS_WEIGHTS:
        if not any(weighting in v for v in results["models"].values()):
            continue
        lines += [
            "",
            f"class_weight={weighting!r} against the preset (points):",
            "",
            "| model | accuracy | macro F1 | balanced accuracy |",
            "|---|---|---|---|",
        ]
        for model, variants in results["models"].items():
            base, weighted = variants["preset"], variants[weighting]
            diff = {
                k: 100 * (weighted[k] - base[k])
                for k in ("accuracy", "f1_macro", "balanced_accuracy")
            }
            lines.append(
                f"| {model} | {diff['accuracy']:+.2f} | {diff['f1_macro']:+.2f} | "
                f"{diff['balanced_accuracy']:+.2f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
