"""Does the learning-rate range test find the presets' tuned rates? On validation.

For each model: ``find_lr`` on the fit part of the validation split (the
split the presets were chosen on: a stratified 15 % of the stand-in's
training part held out), with the model's preset (``--preset``, default
``'emnist'``); then the preset trained on the fit part with its tuned
``lr`` and with the rate of each rule of ``--suggestions`` (default:
``find_lr``'s default rule, 'minimum'), all scored on the held-out part.
Every rule's rate is read off the same curve and recorded, trained or not.
The test part is not used.

Commands (the recorded runs)::

    python benchmarks/lr_find.py --preset fast --models mlp,lstm \
        --suggestions valley,steepest,minimum \
        --name lr-find-emnist-byclass-fast-mlp-lstm
    python benchmarks/lr_find.py --preset fast --models cnn,cnn_lstm,resnet \
        --suggestions minimum --name lr-find-emnist-byclass-fast-cnn-cnn_lstm-resnet
    # the ResNet's part again on its own (and with --param max_epochs=2, -2ep)
    python benchmarks/lr_find.py --preset fast --models resnet \
        --suggestions minimum --name lr-find-emnist-byclass-fast-resnet

A smoke test: ``python benchmarks/lr_find.py --quick --dataset digits``.
"""

from __future__ import annotations

import numpy as np
from _common import Timer, add_preset_options, load, parser, record, validation_split
from sklearn.base import clone

from emnist_estimators.presets import make_estimator
from emnist_estimators.tuning import DEFAULT_SUGGESTION, SUGGESTIONS, find_lr, suggest


def main():
    p = parser(__doc__.splitlines()[0])
    add_preset_options(p)
    p.add_argument("--steps", type=int, default=300, help="range-test steps")
    p.add_argument(
        "--suggestions",
        default=DEFAULT_SUGGESTION,
        help="the rules whose rates are trained, comma-separated "
        f"({', '.join(SUGGESTIONS)}; default: {DEFAULT_SUGGESTION})",
    )
    p.add_argument("--name", help="results name (default: lr-find-<dataset>)")
    args = p.parse_args()
    trained = args.suggestions.split(",")
    unknown = sorted(set(trained) - set(SUGGESTIONS))
    if unknown:
        p.error(f"unknown suggestion rule(s) {unknown}; expected some of {SUGGESTIONS}")
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
        "trained_suggestions": trained,
        "models": {},
    }
    name = args.name or f"lr-find-{args.dataset}" + ("-quick" if args.quick else "")
    for model in args.models.split(","):
        preset = make_estimator(
            model, args.preset, device=args.device, random_state=0, **overrides
        )
        with Timer() as timer:
            found = find_lr(preset, X_fit, y_fit, n_steps=steps)
        rates = {m: suggest(found.lrs, found.smoothed_losses, m) for m in SUGGESTIONS}
        row = {
            "tuned_lr": preset.get_params()["lr"],
            "suggested_lr": found.suggested_lr,
            "suggestions": rates,
            "range_test_s": timer.seconds,
            "range_test_steps": len(found.lrs),
        }
        runs = {"tuned": row["tuned_lr"], **{m: rates[m] for m in trained}}
        scored = {}  # lr -> (accuracy, seconds): two rules may read the same rate
        for label, lr in runs.items():
            if lr not in scored:
                estimator = clone(preset).set_params(lr=lr)
                estimator.fit(X_fit, y_fit)
                accuracy = float(np.mean(estimator.predict(X_valid) == y_valid))
                scored[lr] = (accuracy, estimator.fit_time_)
            row[f"{label}_accuracy"], row[f"{label}_fit_s"] = scored[lr]
        # find_lr's own suggestion, under the names the earlier records use.
        if DEFAULT_SUGGESTION in trained:
            row["suggested_accuracy"] = row[f"{DEFAULT_SUGGESTION}_accuracy"]
            row["suggested_fit_s"] = row[f"{DEFAULT_SUGGESTION}_fit_s"]
        results["models"][model] = row
        print(model, row, flush=True)
        record(name, args, results, markdown(results), echo=False)
    record(name, args, results, markdown(results))


def markdown(results) -> str:
    trained = results["trained_suggestions"]
    lines = [
        f"Data: {results['dataset']}; the presets trained on {results['n_fit']} "
        f"images and scored on {results['n_valid']} held out of the training part "
        f"(validation), preset '{results['preset']}'; range test of "
        f"{results['steps']} steps from 1e-6 to 1; every rule's rate read off the "
        f"same curve, the preset trained with those of {trained}. "
        f"Overrides: {results['overrides']}.",
        "",
        "| model | rate | lr | validation accuracy | difference from tuned (points) |",
        "|---|---|---|---|---|",
    ]
    for model, r in results["models"].items():
        tuned = r["tuned_accuracy"]
        lines.append(
            f"| {model} | tuned (the preset's) | {r['tuned_lr']:.3g} | {tuned:.4f} | |"
        )
        for rule, lr in r["suggestions"].items():
            accuracy = r.get(f"{rule}_accuracy")
            cells = (
                (f"{accuracy:.4f}", f"{100 * (accuracy - tuned):+.2f}")
                if accuracy is not None
                else ("not trained", "")
            )
            lines.append(f"| {model} | '{rule}' | {lr:.3g} | {cells[0]} | {cells[1]} |")
        lines.append(
            f"| {model} | (range test: {r['range_test_steps']} steps, "
            f"{r['range_test_s']:.0f} s) | | | |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
