"""Training and prediction throughput, measured side by side in one run.

For each estimator (default architecture, batch size 128, Adam) this times,
on the same images and interleaved over ``--repeats`` rounds (medians kept,
so that a noisy machine affects all contenders alike):

- ``ours``: the estimator's ``fit`` on uint8 images and ``predict_proba``;
- ``hand``: a hand-written PyTorch loop training the same module with the
  same batch size and optimizer (data converted to a float tensor once,
  ``randperm`` batches, ``loss.item()`` per batch) and a plain
  ``no_grad`` prediction loop;
- ``skorch``: a plain ``skorch.NeuralNetClassifier`` with its default dataset
  and ``DataLoader``;
- ``sklearn``: scikit-learn's ``MLPClassifier`` with the same hidden layers
  (MLP only; it has no batch norm or dropout).

It also measures the machine's float32 (and bfloat16) matrix-multiply peak,
the CNN's training FLOP/s as a fraction of it, and the estimators' speed with
``precision='bfloat16'`` and larger batches. Where the CPU emulates bfloat16
(no AVX-512 BF16 or AMX in use, e.g. under ``ATEN_CPU_CAPABILITY=avx2
ONEDNN_MAX_CPU_ISA=AVX2``), the bfloat16 peak is measured on a small matrix
only and the bfloat16 training variants are skipped: they would take hundreds
of times longer and say nothing new. ``--quick`` measures no bfloat16 peak
there at all.

Command::

    python benchmarks/speed.py                 # the recorded run
    python benchmarks/speed.py --quick --dataset digits   # a smoke test
"""

from __future__ import annotations

import statistics

import numpy as np
import torch
from _common import BATCH_SIZE, Timer, load, parser, record
from sklearn.utils import Bunch
from skorch import NeuralNetClassifier
from torch.utils.flop_counter import FlopCounterMode

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators._machine import native_bfloat16, resolve_device
from emnist_estimators.models import get_model, list_models

#: Training images per model in the recorded run (each model declares its
#: ``benchmark_size``): about 30-60 s per contender and repeat, so that fixed
#: costs (building the module, the first batches) are small beside the epochs
#: and every model is timed for a similar while.
SIZES = {name: get_model(name).benchmark_size for name in list_models()}


def float_images(X, shape):
    return torch.from_numpy(X.reshape(-1, *shape)).float().div_(255)


def hand_fit(module, X, y, shape, batch_size, epochs, lr, device):
    """The loop a user would write: tensors in memory, randperm batches."""
    images = float_images(X, shape).to(device)
    labels = torch.from_numpy(y).long().to(device)
    module.to(device).train()
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    running = 0.0
    for _ in range(epochs):
        order = torch.randperm(len(images), device=device)
        for start in range(0, len(images), batch_size):
            index = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(module(images[index]), labels[index])
            loss.backward()
            optimizer.step()
            running += loss.item()
    return module


def hand_predict(module, X, shape, batch_size, device):
    images = float_images(X, shape).to(device)
    module.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            out.append(module(images[start : start + batch_size]).softmax(dim=1).cpu())
    return torch.cat(out).numpy()


def skorch_net(module, batch_size, epochs, lr, device):
    return NeuralNetClassifier(
        module,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=lr,
        batch_size=batch_size,
        max_epochs=epochs,
        train_split=None,
        device=device,
        verbose=0,
    )


def fresh_module(estimator, shape, n_classes, seed):
    torch.manual_seed(seed)
    return estimator._build_module((1, *shape), n_classes)


def measure_model(name, data, args, epochs, repeats):
    """Median seconds of fit and predict_proba for each contender."""
    cls = get_model(name).estimator
    shape = data.X_train.shape[1:]
    n_classes = len(np.unique(data.y_train))
    y = data.y_train.astype(np.int64)
    settings = {"max_epochs": epochs, "batch_size": BATCH_SIZE, "device": args.device}
    lr = 1e-3
    times = {
        k: {"fit": [], "predict": []} for k in ("ours", "hand", "skorch", "sklearn")
    }
    if not issubclass(cls, MLPClassifier):  # scikit-learn has an MLP only
        times.pop("sklearn")
    for repeat in range(repeats):
        seed = repeat
        ours = cls(random_state=seed, **settings)
        with Timer() as t:
            ours.fit(data.X_train, y)
        times["ours"]["fit"].append(t.seconds)
        with Timer() as t:
            ours.predict_proba(data.X_test)
        times["ours"]["predict"].append(t.seconds)

        module = fresh_module(ours, shape, n_classes, seed)
        with Timer() as t:
            hand_fit(
                module,
                data.X_train,
                y,
                (1, *shape),
                BATCH_SIZE,
                epochs,
                lr,
                args.device,
            )
        times["hand"]["fit"].append(t.seconds)
        with Timer() as t:
            hand_predict(module, data.X_test, (1, *shape), BATCH_SIZE, args.device)
        times["hand"]["predict"].append(t.seconds)

        net = skorch_net(
            fresh_module(ours, shape, n_classes, seed),
            BATCH_SIZE,
            epochs,
            lr,
            args.device,
        )
        X_float = data.X_train.reshape(-1, 1, *shape).astype(np.float32) / 255
        with Timer() as t:
            net.fit(X_float, y)
        times["skorch"]["fit"].append(t.seconds)
        X_test_float = data.X_test.reshape(-1, 1, *shape).astype(np.float32) / 255
        with Timer() as t:
            net.predict_proba(X_test_float)
        times["skorch"]["predict"].append(t.seconds)

        if "sklearn" in times:
            from sklearn.neural_network import MLPClassifier as SklearnMLP

            mlp = SklearnMLP(
                hidden_layer_sizes=ours.hidden_layer_sizes,
                batch_size=BATCH_SIZE,
                max_iter=epochs,
                learning_rate_init=lr,
                n_iter_no_change=epochs + 1,
                random_state=seed,
            )
            X_flat = data.X_train.reshape(len(y), -1).astype(np.float32) / 255
            with Timer() as t:
                mlp.fit(X_flat, y)
            times["sklearn"]["fit"].append(t.seconds)
            X_test_flat = data.X_test.reshape(len(data.X_test), -1).astype(np.float32)
            with Timer() as t:
                mlp.predict_proba(X_test_flat / 255)
            times["sklearn"]["predict"].append(t.seconds)
    n_fit, n_predict = len(y) * epochs, len(data.X_test)
    rates = {
        contender: {
            "fit_images_per_s": n_fit / statistics.median(t["fit"]),
            "predict_images_per_s": n_predict / statistics.median(t["predict"]),
            "fit_seconds": t["fit"],
            "predict_seconds": t["predict"],
        }
        for contender, t in times.items()
    }
    return rates


def matmul_peak(dtype, size=2048, repeats=20):
    a = torch.randn(size, size).to(dtype)
    b = torch.randn(size, size).to(dtype)
    for _ in range(3):
        a @ b
    with Timer() as t:
        for _ in range(repeats):
            a @ b
    return 2 * size**3 * repeats / t.seconds


def training_flops_per_image(estimator, shape, n_classes, batch_size=BATCH_SIZE):
    module = estimator._build_module((1, *shape), n_classes).train()
    images = torch.rand(batch_size, 1, *shape)
    labels = torch.randint(0, n_classes, (batch_size,))
    counter = FlopCounterMode(display=False)
    with counter:
        loss = torch.nn.functional.cross_entropy(module(images), labels)
        loss.backward()
    return counter.get_total_flops() / batch_size


def subset(data, n_train):
    """The first ``n_train`` training and ``n_train // 4`` test images."""
    return Bunch(
        X_train=data.X_train[:n_train],
        y_train=data.y_train[:n_train],
        X_test=data.X_test[: max(n_train // 4, 100)],
        y_test=data.y_test[: max(n_train // 4, 100)],
    )


def measure_variants(name, data, args, epochs, repeats, bfloat16=True):
    """The estimator with bfloat16 and with larger batches, against the default."""
    cls = get_model(name).estimator
    y = data.y_train.astype(np.int64)
    variants = {
        f"float32, batch {BATCH_SIZE}": {"batch_size": BATCH_SIZE},
        f"bfloat16, batch {BATCH_SIZE}": {
            "precision": "bfloat16",
            "batch_size": BATCH_SIZE,
        },
        "float32, batch 256": {"batch_size": 256},
        "bfloat16, batch 256": {"precision": "bfloat16", "batch_size": 256},
    }
    if not bfloat16:
        variants = {k: v for k, v in variants.items() if "precision" not in v}
    seconds = {v: [] for v in variants}
    for repeat in range(repeats):
        for variant, params in variants.items():
            settings = {"max_epochs": epochs, "device": args.device, **params}
            with Timer() as t:
                cls(random_state=repeat, **settings).fit(data.X_train, y)
            seconds[variant].append(t.seconds)
    return {
        v: {"fit_images_per_s": len(y) * epochs / statistics.median(s), "seconds": s}
        for v, s in seconds.items()
    }


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument(
        "--n-train",
        type=int,
        help=f"training images for every model (default: per model, {SIZES})",
    )
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--variant-repeats",
        type=int,
        default=2,
        help="repeats of the bfloat16 / batch-size variants",
    )
    p.add_argument("--models", default=",".join(list_models()))
    args = p.parse_args()
    if args.quick:
        args.n_train, args.epochs, args.repeats, args.variant_repeats = 300, 1, 1, 1
    models = args.models.split(",")
    sizes = {name: args.n_train or SIZES[name] for name in models}
    torch.manual_seed(0)
    # A random sample of the training part, so that any prefix is one too.
    data = load(args, n_train=max(sizes.values()))
    order = np.random.default_rng(0).permutation(len(data.y_train))
    data.X_train, data.y_train = data.X_train[order], data.y_train[order]
    warm = subset(data, min(1000, *sizes.values()))
    for name in models:  # load kernels, allocate pools
        measure_model(name, warm, args, epochs=1, repeats=1)

    results = {
        "n_train": sizes,
        "n_test": {name: len(subset(data, n).y_test) for name, n in sizes.items()},
        "epochs": args.epochs,
        "repeats": args.repeats,
        "variant_repeats": args.variant_repeats,
        "models": {},
    }
    for name in models:
        results["models"][name] = measure_model(
            name, subset(data, sizes[name]), args, args.epochs, args.repeats
        )
        print(
            name,
            {
                k: round(v["fit_images_per_s"])
                for k, v in results["models"][name].items()
            },
            flush=True,
        )

    shape = data.X_train.shape[1:]
    n_classes = len(np.unique(data.y_train))
    native = bool(native_bfloat16(resolve_device(args.device)))
    results["bfloat16_native"] = native
    peak_size = 512 if args.quick else 2048
    peak32 = matmul_peak(torch.float32, size=peak_size, repeats=5 if args.quick else 20)
    results["matmul_peak_gflops"] = {"float32": peak32 / 1e9}
    if native:
        results["matmul_peak_gflops"]["bfloat16"] = (
            matmul_peak(torch.bfloat16, size=peak_size, repeats=5 if args.quick else 20)
            / 1e9
        )
    elif not args.quick:  # emulated: a small matrix says how slow it is
        results["matmul_peak_gflops"]["bfloat16 (emulated)"] = (
            matmul_peak(torch.bfloat16, size=256, repeats=2) / 1e9
        )
    cnn_flops = training_flops_per_image(CNNClassifier(), shape, n_classes)
    if "cnn" in results["models"]:
        cnn_rate = results["models"]["cnn"]["ours"]["fit_images_per_s"]
        results["cnn_training"] = {
            "flops_per_image": cnn_flops,
            "achieved_gflops": cnn_flops * cnn_rate / 1e9,
            "fraction_of_float32_peak": cnn_flops * cnn_rate / peak32,
        }
    results["variants"] = {
        name: measure_variants(
            name,
            subset(data, sizes[name]),
            args,
            args.epochs,
            args.variant_repeats,
            bfloat16=native,
        )
        for name in models
        if name in ("cnn", "resnet")
    }
    record(
        "speed" if not args.quick else "speed-quick", args, results, markdown(results)
    )


def markdown(results) -> str:
    lines = [
        f"{results['epochs']} epochs per fit; medians of {results['repeats']} "
        "interleaved repeats. Throughput in images per second.",
        "",
        "| model | training / test images | contender | fit img/s | fit vs hand "
        "| predict img/s | predict vs hand |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rates in results["models"].items():
        hand = rates["hand"]
        sizes = f"{results['n_train'][name]} / {results['n_test'][name]}"
        for contender, r in rates.items():
            lines.append(
                f"| {name} | {sizes} | {contender} | {r['fit_images_per_s']:.0f} | "
                f"{r['fit_images_per_s'] / hand['fit_images_per_s']:.2f} | "
                f"{r['predict_images_per_s']:.0f} | "
                f"{r['predict_images_per_s'] / hand['predict_images_per_s']:.2f} |"
            )
    peak = results["matmul_peak_gflops"]
    lines += [
        "",
        "Matrix-multiply peak: "
        + ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in peak.items())
        + "."
        + (
            ""
            if results["bfloat16_native"]
            else " bfloat16 is emulated on this CPU: its training variants were "
            "not run."
        ),
    ]
    if "cnn_training" in results:
        c = results["cnn_training"]
        lines.append(
            f"CNN training: {c['flops_per_image'] / 1e6:.1f} MFLOP per image, "
            f"{c['achieved_gflops']:.1f} GFLOP/s achieved = "
            f"{c['fraction_of_float32_peak']:.1%} of the float32 peak."
        )
    for name, variants in results.get("variants", {}).items():
        base = variants[f"float32, batch {BATCH_SIZE}"]["fit_images_per_s"]
        lines += [
            "",
            f"{name} training variants (estimator):",
            "",
            f"| variant | fit img/s | vs float32 batch {BATCH_SIZE} |",
            "|---|---|---|",
        ]
        for variant, r in variants.items():
            lines.append(
                f"| {variant} | {r['fit_images_per_s']:.0f} | "
                f"{r['fit_images_per_s'] / base:.2f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
