"""What a checkpoint after every epoch costs: seconds and bytes per epoch, per preset.

Every ``train`` and ``compare`` run of the command line saves each model's
state (network, optimizer, schedule, best weights, random states, history)
after every epoch. For each model's ``'emnist'`` preset (28x28 images, 62
classes) this trains one short epoch with checkpoints on, then times the save
itself (median of ``--repeats``) and reads the file's size, and sets them
beside the preset's seconds per epoch on the ByClass stand-in, read from the
recorded accuracy runs (``results/accuracy-emnist-byclass*.json``).

Command (the recorded run)::

    python benchmarks/checkpoint_cost.py

A smoke test: ``python benchmarks/checkpoint_cost.py --quick --dataset digits``.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import RESULTS, add_preset_options, parser, record

from emnist_estimators.presets import make_estimator


def recorded_epoch_seconds() -> dict[str, float]:
    """Median seconds per epoch of each preset in the recorded accuracy runs.

    The runs record the training seconds at the end of each epoch; a model's
    own run (``accuracy-emnist-byclass-<model>...``) wins over the four-model
    one.
    """
    seconds: dict[str, float] = {}
    paths = sorted(
        RESULTS.glob("accuracy-emnist-byclass*.json"), key=lambda p: len(p.name)
    )
    for path in paths:
        models = json.loads(path.read_text())["results"]["models"]
        for model, row in models.items():
            elapsed = row.get("training_seconds_per_epoch")
            if elapsed:
                per_epoch = np.diff([0.0, *elapsed])
                seconds[model] = float(np.median(per_epoch))
    return seconds


def main():
    p = parser(__doc__.splitlines()[0])
    add_preset_options(p)
    p.add_argument("--repeats", type=int, default=10, help="saves timed per model")
    args = p.parse_args()
    repeats = 2 if args.quick else args.repeats
    rng = np.random.default_rng(0)
    n = 200 if args.quick else 2000
    X = rng.integers(0, 256, (n, 784), dtype=np.uint8)
    y = np.arange(n) % 62
    epoch_seconds = recorded_epoch_seconds()
    results = {"repeats": repeats, "models": {}}
    for model in args.models.split(","):
        with tempfile.TemporaryDirectory() as folder:
            estimator = make_estimator(
                model,
                max_epochs=1,
                device=args.device,
                random_state=0,
                checkpoint=folder,
            ).fit(X, y)
            saver = dict(estimator.net_.callbacks_)["checkpoint"]
            seconds = []
            for _ in range(repeats):
                start = time.perf_counter()
                saver.save(estimator.net_, complete=False)
                seconds.append(time.perf_counter() - start)
            size = (Path(estimator.checkpoint_path_) / "checkpoint.pt").stat().st_size
        row = {
            "save_seconds": statistics.median(seconds),
            "megabytes": size / 1e6,
            "n_parameters": estimator.n_parameters_,
            "epoch_seconds_byclass": epoch_seconds.get(model),
        }
        if row["epoch_seconds_byclass"]:
            row["fraction_of_epoch"] = (
                row["save_seconds"] / row["epoch_seconds_byclass"]
            )
        results["models"][model] = row
        print(model, row, flush=True)
    name = "checkpoint-cost" + ("-quick" if args.quick else "")
    record(name, args, results, markdown(results))


def markdown(results) -> str:
    lines = [
        f"One checkpoint save per epoch, median of {results['repeats']}; the "
        "preset's seconds per epoch on the ByClass stand-in (93,058 images) from "
        "the recorded accuracy runs.",
        "",
        "| model | parameters | checkpoint (MB) | save (ms) | epoch on ByClass (s) "
        "| cost per epoch |",
        "|---|---|---|---|---|---|",
    ]
    for model, r in results["models"].items():
        epoch = r["epoch_seconds_byclass"]
        fraction = r.get("fraction_of_epoch")
        lines.append(
            f"| {model} | {r['n_parameters']:,} | {r['megabytes']:.1f} | "
            f"{1000 * r['save_seconds']:.0f} | "
            + (f"{epoch:.0f} | {100 * fraction:.2f} % |" if epoch else "- | - |")
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
