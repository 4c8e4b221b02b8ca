"""The estimators' ``fit`` against a hand-written PyTorch loop, at batch 32 and 128.

For each model (its default architecture), each batch size and
``--repeats`` rounds, interleaved (ours, hand, ours, hand, ...; medians
kept, so that a noisy machine affects both alike): the estimator's ``fit``
(Adam at 1e-3, no schedule, float32) and the loop a user would write over
the same module, batches and optimizer (``benchmarks/speed.py``'s
``hand_fit``: the data as one float tensor, ``randperm`` batches,
``loss.item()`` per batch). The ratio is hand seconds / our seconds: 1.00
means no overhead.

Command (the recorded run)::

    python benchmarks/overhead.py --n-train 12000 --epochs 2 --repeats 3

A smoke test: ``python benchmarks/overhead.py --quick --dataset digits``.
"""

from __future__ import annotations

import statistics

import numpy as np
import torch
from _common import Timer, add_preset_options, load, parser, record
from speed import hand_fit

from emnist_estimators.models import get_model


def main():
    p = parser(__doc__.splitlines()[0])
    add_preset_options(p)
    p.add_argument("--n-train", type=int, default=12000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch-sizes", default="32,128")
    args = p.parse_args()
    n_train, epochs, repeats = args.n_train, args.epochs, args.repeats
    if args.quick:
        n_train, epochs, repeats = 300, 1, 1
    data = load(args, n_train=n_train, n_test=100)
    X, y = data.X_train, data.y_train.astype(np.int64)
    shape = (1, *X.shape[1:])
    n_classes = len(np.unique(y))
    results = {"n_train": len(y), "epochs": epochs, "repeats": repeats, "models": {}}
    # Load the kernels once before anything is timed.
    warm = get_model("mlp").estimator(max_epochs=1, device=args.device)
    warm.fit(X[:256], y[:256])
    for model in args.models.split(","):
        cls = get_model(model).estimator
        results["models"][model] = {}
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            ours, hand = [], []
            for repeat in range(repeats):
                estimator = cls(
                    max_epochs=epochs,
                    batch_size=batch,
                    lr=1e-3,
                    device=args.device,
                    random_state=repeat,
                )
                with Timer() as t:
                    estimator.fit(X, y)
                ours.append(t.seconds)
                torch.manual_seed(repeat)
                module = estimator._build_module(shape, n_classes)
                with Timer() as t:
                    hand_fit(module, X, y, shape, batch, epochs, 1e-3, args.device)
                hand.append(t.seconds)
            results["models"][model][batch] = {
                "ours_s": ours,
                "hand_s": hand,
                "ratio": statistics.median(hand) / statistics.median(ours),
            }
            print(model, batch, results["models"][model][batch], flush=True)
    name = "overhead" + ("-quick" if args.quick else "")
    record(name, args, results, markdown(results))


def markdown(results) -> str:
    lines = [
        f"{results['n_train']} training images, {results['epochs']} epochs per fit, "
        f"median of {results['repeats']} interleaved pairs. Ratio: hand-written loop "
        "seconds / estimator seconds (1.00: the estimator is as fast).",
        "",
        "| model | batch | estimator (s) | hand-written (s) | ratio |",
        "|---|---|---|---|---|",
    ]
    for model, batches in results["models"].items():
        for batch, r in batches.items():
            lines.append(
                f"| {model} | {batch} | {statistics.median(r['ours_s']):.2f} | "
                f"{statistics.median(r['hand_s']):.2f} | {r['ratio']:.2f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
