"""Does the learning-rate range test find the presets' tuned rates? On validation.

For each model: ``find_lr`` on the fit part of the validation split (the
split the presets were chosen on: a stratified 15 % of the stand-in's
training part held out), with the model's preset (``--preset``, default
``'emnist'``); then the
preset trained twice on the fit part, once with its tuned ``lr`` and once
with the suggested one, both scored on the held-out part. The test part is
not used.

Command (the recorded run)::

    python benchmarks/lr_find.py --dataset emnist-byclass

A smoke test: ``python benchmarks/lr_find.py --quick --dataset digits``.
"""

from __future__ import annotations

import numpy as np
from _common import Timer, add_preset_options, load, parser, record, validation_split
from sklearn.base import clone

from emnist_estimators.presets import make_estimator
from emnist_estimators.tuning import find_lr


def main():
    p = parser(__doc__.splitlines()[0])
    add_preset_options(p)
    p.add_argument("--steps", type=int, default=300, help="range-test steps")
    p.add_argument("--name", help="results name (default: lr-find-<dataset>)")
    args = p.parse_args()
    overrides = dict(args.param)
    data = load(args)
    X_fit, X_valid, y_fit, y_valid = validation_split(data, 600 if args.quick else None)
    steps = 20 if args.quick else args.steps
    if args.quick:
        overrides.setdefault("max_epochs", 1)
    results = {
        "dataset": data.name,
        "n_fit": len(y_fit),
        "n_valid": len(y_valid),
        "steps": steps,
        "preset": args.preset,
        "overrides": overrides,
        "models": {},
    }
    name = args.name or f"lr-find-{args.dataset}" + ("-quick" if args.quick else "")
    for model in args.models.split(","):
        preset = make_estimator(
            model, args.preset, device=args.device, random_state=0, **overrides
        )
        with Timer() as timer:
            found = find_lr(preset, X_fit, y_fit, n_steps=steps)
        row = {
            "tuned_lr": preset.get_params()["lr"],
            "suggested_lr": found.suggested_lr,
            "range_test_s": timer.seconds,
            "range_test_steps": len(found.lrs),
        }
        for label, lr in (
            ("tuned", row["tuned_lr"]),
            ("suggested", found.suggested_lr),
        ):
            estimator = clone(preset).set_params(lr=lr)
            estimator.fit(X_fit, y_fit)
            row[f"{label}_accuracy"] = float(
                np.mean(estimator.predict(X_valid) == y_valid)
            )
            row[f"{label}_fit_s"] = estimator.fit_time_
        results["models"][model] = row
        print(model, row, flush=True)
        record(name, args, results, markdown(results), echo=False)
    record(name, args, results, markdown(results))


def markdown(results) -> str:
    lines = [
        f"Data: {results['dataset']}; the presets trained on {results['n_fit']} "
        f"images and scored on {results['n_valid']} held out of the training part "
        f"(validation), preset '{results['preset']}'; range test of "
        f"{results['steps']} steps from 1e-6 to 1, "
        f"suggestion 'valley'. Overrides: {results['overrides']}.",
        "",
        "| model | tuned lr | suggested lr | validation accuracy, tuned "
        "| validation accuracy, suggested | difference (points) | range test (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for model, r in results["models"].items():
        diff = 100 * (r["suggested_accuracy"] - r["tuned_accuracy"])
        lines.append(
            f"| {model} | {r['tuned_lr']:.3g} | {r['suggested_lr']:.3g} | "
            f"{r['tuned_accuracy']:.4f} | {r['suggested_accuracy']:.4f} | "
            f"{diff:+.2f} | {r['range_test_s']:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
