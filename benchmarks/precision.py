"""float32 against bfloat16 training speed, and what precision='auto' picks here.

For each model (default architecture), ``fit`` is timed in float32 and with
``precision='bfloat16'`` (``torch.autocast``) on the same images, interleaved
over ``--repeats`` rounds (medians kept). The result names the CPU and
whether it computes bfloat16 natively (AVX-512 BF16 or AMX in use), which is
what ``precision='auto'`` decides on.

Commands (the recorded runs; the second simulates a CPU without native
bfloat16 on a newer one)::

    python benchmarks/precision.py
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 \\
        python benchmarks/precision.py --name precision-avx2

``--quick`` (what the tests run) skips bfloat16 where it is emulated.
"""

from __future__ import annotations

import statistics
import warnings

from _common import BATCH_SIZE, Timer, load, parser, record

from emnist_estimators._machine import (
    native_bfloat16,
    resolve_device,
    resolve_precision,
)
from emnist_estimators.models import list_models
from emnist_estimators.presets import make_estimator


def time_fit(model, precision, data, args, seed):
    estimator = make_estimator(
        model,
        preset=None,
        precision=precision,
        batch_size=BATCH_SIZE,
        max_epochs=args.epochs,
        device=args.device,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # emulated bfloat16
        with Timer() as t:
            estimator.fit(data.X_train, data.y_train)
    return t.seconds


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--n-train", type=int, default=4096)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--models", default=",".join(list_models()))
    p.add_argument("--name", help="results name (default: precision)")
    args = p.parse_args()
    if args.quick:
        args.n_train, args.repeats = 256, 1
    device = resolve_device(args.device)
    native = native_bfloat16(device)
    precisions = ["float32"]
    if native or not args.quick:
        precisions.append("bfloat16")
    data = load(args, n_train=args.n_train, n_test=100)
    models = args.models.split(",")
    time_fit(models[0], "float32", data, args, seed=0)  # warm up kernels
    seconds = {m: {p: [] for p in precisions} for m in models}
    for repeat in range(args.repeats):
        for model in models:
            for precision in precisions:
                seconds[model][precision].append(
                    time_fit(model, precision, data, args, seed=repeat)
                )
    n_images = len(data.y_train) * args.epochs
    results = {
        "n_train": len(data.y_train),
        "epochs": args.epochs,
        "repeats": args.repeats,
        "bfloat16_native": native,
        "auto_picks": resolve_precision("auto", device),
        "models": {
            model: {
                precision: {
                    "fit_images_per_s": n_images / statistics.median(s),
                    "seconds": s,
                }
                for precision, s in by_precision.items()
            }
            for model, by_precision in seconds.items()
        },
    }
    name = args.name or "precision"
    record(name + ("-quick" if args.quick else ""), args, results, markdown(results))


def markdown(results) -> str:
    native = results["bfloat16_native"]
    lines = [
        f"{results['n_train']} training images, {results['epochs']} epoch(s) per "
        f"fit, default architectures; medians of {results['repeats']} interleaved "
        "repeats. bfloat16 is "
        + ("native" if native else "emulated" if native is False else "of unknown")
        + f" here: precision='auto' picks {results['auto_picks']}.",
        "",
        "| model | float32 fit img/s | bfloat16 fit img/s | bfloat16 time / float32 "
        "time |",
        "|---|---|---|---|",
    ]
    for model, r in results["models"].items():
        f32 = r["float32"]["fit_images_per_s"]
        if "bfloat16" in r:
            bf16 = r["bfloat16"]["fit_images_per_s"]
            lines.append(f"| {model} | {f32:.0f} | {bf16:.0f} | {f32 / bf16:.2f} |")
        else:
            lines.append(f"| {model} | {f32:.0f} | not run (emulated) | |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
