"""Which default batch size? Accuracy after equal epochs and after equal time.

For each model with its default parameters (Adam, no schedule: the
estimators' defaults, not the presets), the batch sizes 32, 64, 128 and 256,
the learning rate scaled by the square root of the batch ratio to 32
(1e-3 at 32: 1.41e-3, 2e-3, 2.83e-3): every epoch's validation accuracy (on a
stratified 20 % held out of ``--n-train`` images of the stand-in's training
part) and its seconds. Reported: the accuracy after ``--epochs`` epochs, and
after the time the fastest setting took for them (each setting's last epoch
finished within it).

Command (the recorded run)::

    python benchmarks/batch_size.py --dataset emnist-byclass --n-train 25000 --epochs 5

A smoke test: ``python benchmarks/batch_size.py --quick --dataset digits``.
"""

from __future__ import annotations

import math

import numpy as np
from _common import add_preset_options, load, parser, record

from emnist_estimators.models import get_model

BATCH_SIZES = (32, 64, 128, 256)
#: Adam's starting rate at batch 32 (the estimators' lr=None).
BASE_LR = 1e-3


def main():
    p = parser(__doc__.splitlines()[0])
    add_preset_options(p)
    p.add_argument("--n-train", type=int, default=25000)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--name", help="results name (default: batch-size-<dataset>)")
    args = p.parse_args()
    n_train, epochs = args.n_train, args.epochs
    if args.quick:
        n_train, epochs = 600, 2
    data = load(args, n_train=n_train, n_test=100 if args.quick else None)
    results = {
        "dataset": data.name,
        "n_train": len(data.y_train),
        "epochs": epochs,
        "batch_sizes": list(BATCH_SIZES),
        "models": {},
    }
    name = args.name or f"batch-size-{args.dataset}" + ("-quick" if args.quick else "")
    for model in args.models.split(","):
        cls = get_model(model).estimator
        runs = {}
        for batch in BATCH_SIZES:
            lr = BASE_LR * math.sqrt(batch / 32)
            estimator = cls(
                batch_size=batch,
                lr=lr,
                max_epochs=epochs,
                validation_fraction=0.2,
                device=args.device,
                random_state=0,
            ).fit(data.X_train, data.y_train)
            runs[batch] = {
                "lr": lr,
                "valid_acc": [float(v) for v in estimator.history_[:, "valid_acc"]],
                "seconds": np.cumsum(estimator.history_[:, "dur"]).tolist(),
            }
            print(model, batch, runs[batch]["valid_acc"][-1], flush=True)
        budget = min(r["seconds"][-1] for r in runs.values())
        for r in runs.values():
            done = [
                a
                for a, t in zip(r["valid_acc"], r["seconds"], strict=True)
                if t <= budget * 1.001
            ]
            r["acc_at_equal_time"] = done[-1] if done else None
        results["models"][model] = {"time_budget_s": budget, "runs": runs}
        record(name, args, results, markdown(results), echo=False)
    record(name, args, results, markdown(results))


def markdown(results) -> str:
    lines = [
        f"Data: {results['dataset']}, {results['n_train']} images, 20 % held out "
        f"(stratified) for validation; the estimators' defaults with Adam's rate "
        f"scaled by sqrt(batch / 32); {results['epochs']} epochs.",
        "",
        "| model | batch | lr | validation accuracy after the epochs | seconds "
        "| validation accuracy after the fastest one's time |",
        "|---|---|---|---|---|---|",
    ]
    for model, m in results["models"].items():
        for batch, r in m["runs"].items():
            at_time = r["acc_at_equal_time"]
            lines.append(
                f"| {model} | {batch} | {r['lr']:.2g} | {r['valid_acc'][-1]:.4f} | "
                f"{r['seconds'][-1]:.0f} | "
                + ("-" if at_time is None else f"{at_time:.4f}")
                + f" (in {m['time_budget_s']:.0f} s) |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
