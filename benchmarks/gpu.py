"""GPU training speed: presets, precision, torch.compile, a hand-written loop, a search.

Run by ``benchmarks/gpu_check.sh`` on a machine with CUDA; every figure is
recorded with the GPU's name (``nvidia-smi``) and the machine. It measures:

- each model's ``'emnist'`` preset: training images per second of its second
  epoch on the full training part (the first includes warm-up), in float32 and
  with ``precision='auto'`` (bfloat16 on GPUs that have it);
- the CNN preset with its network compiled by ``torch.compile`` (epoch 2);
- a hand-written PyTorch loop training the CNN preset's network with the same
  batch size and optimizer on data already on the GPU;
- the GPU's utilisation while the CNN preset trains (``nvidia-smi`` sampled
  every 100 ms, mean over the second epoch);
- the reference studies' 12-setting, 3-fold MLP grid
  (``search.make_search("mlp", "medium", "grid")``), timed end to end.

Commands::

    python benchmarks/gpu.py --device cuda        # the recorded run
    python benchmarks/gpu.py --quick --dataset digits --device cpu   # smoke test
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time

import numpy as np
import torch
from _common import Timer, load, parser, record
from skorch.callbacks import Callback

from emnist_estimators.models import get_model, list_models
from emnist_estimators.presets import make_estimator
from emnist_estimators.search import make_search


class Utilisation:
    """Sample ``nvidia-smi`` utilisation in a thread between start and stop."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = None

    def _run(self) -> None:
        command = [
            "nvidia-smi",
            "--query-gpu=utilization.gpu",
            "--format=csv,noheader,nounits",
        ]
        while not self._stop.wait(0.1):
            try:
                out = subprocess.run(command, capture_output=True, text=True, timeout=5)
                self.samples.append(float(out.stdout.split()[0]))
            except (OSError, ValueError, IndexError, subprocess.SubprocessError):
                return

    def start(self) -> None:
        if shutil.which("nvidia-smi"):
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def stop(self) -> float | None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return float(np.mean(self.samples)) if self.samples else None


#: The probe of the CNN run (module-level: the estimators deep-copy callbacks).
PROBE = Utilisation()


class SampleSecondEpoch(Callback):
    """Samples the GPU's utilisation during the second epoch (into PROBE)."""

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == 2:
            PROBE.start()

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            PROBE.utilisation = PROBE.stop()


class Compile(Callback):
    """Compiles the network with ``torch.compile`` before training."""

    def on_train_begin(self, net, **kwargs):
        net.module_ = torch.compile(net.module_)


def epoch_rate(estimator, data) -> float:
    """Training images per second of the last epoch of a fit."""
    estimator.fit(data.X_train, data.y_train)
    return len(data.y_train) / estimator.history_[-1, "dur"]


def presets(data, args, epochs: int) -> dict:
    """Each preset's epoch throughput in float32 and with precision='auto'."""
    rates = {}
    for model in args.models.split(","):
        rates[model] = {}
        for precision in ("float32", "auto"):
            estimator = make_estimator(
                model,
                max_epochs=epochs,
                device=args.device,
                precision=precision,
                random_state=0,
            )
            rate = epoch_rate(estimator, data)
            rates[model][precision] = {
                "precision_used": estimator.precision_,
                "fit_images_per_s": rate,
            }
            print(model, precision, estimator.precision_, f"{rate:.0f} img/s")
    return rates


def hand_loop(data, args, epochs: int) -> float:
    """The CNN preset's network trained by a plain loop: images/s of the last epoch."""
    estimator = make_estimator("cnn", device=args.device, precision="float32")
    shape = (1, *data.X_train.shape[1:])
    module = estimator._build_module(shape, len(np.unique(data.y_train))).to(
        args.device
    )
    images = torch.from_numpy(data.X_train.reshape(-1, *shape)).to(args.device)
    labels = torch.from_numpy(np.searchsorted(np.unique(data.y_train), data.y_train))
    labels = labels.to(args.device)
    optimizer = torch.optim.AdamW(module.parameters(), lr=1e-3, weight_decay=1e-4)
    batch = estimator.batch_size
    seconds = 0.0
    for _ in range(epochs):
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(len(images), device=images.device)
        for i in range(0, len(images), batch):
            index = order[i : i + batch]
            x = images.index_select(0, index).float().div_(255)
            loss = torch.nn.functional.cross_entropy(module(x), labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    return len(images) / seconds


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--models", default=",".join(list_models()))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--search-epochs", type=int, default=10)
    args = p.parse_args()
    if args.quick:
        args.epochs, args.search_epochs = 2, 1
    data = load(args, n_train=600 if args.quick else None, n_test=100)
    results = {"n_train": len(data.y_train), "epochs": args.epochs}
    results["presets"] = presets(data, args, args.epochs)

    cnn = make_estimator(
        "cnn",
        max_epochs=args.epochs,
        device=args.device,
        random_state=0,
        callbacks=[SampleSecondEpoch()],
    )
    epoch_rate(cnn, data)
    results["cnn_utilisation_percent"] = getattr(PROBE, "utilisation", None)
    compiled = make_estimator(
        "cnn",
        max_epochs=args.epochs,
        device=args.device,
        random_state=0,
        callbacks=[Compile()],
    )
    if args.quick:  # compiling takes minutes on a CPU: not for a smoke test
        results["cnn_compiled_images_per_s"] = "not measured (--quick)"
    else:
        try:
            results["cnn_compiled_images_per_s"] = epoch_rate(compiled, data)
        except Exception as exc:  # report why compile failed instead of stopping
            results["cnn_compiled_images_per_s"] = (
                f"failed: {type(exc).__name__}: {exc}"
            )
    results["cnn_hand_loop_images_per_s"] = hand_loop(data, args, args.epochs)

    search = make_search(
        "mlp",
        "medium",
        "grid",
        estimator=make_estimator(
            "mlp",
            preset=None,
            max_epochs=args.search_epochs,
            device=args.device,
            random_state=0,
            **(get_model("mlp").smoke_params if args.quick else {}),
        ),
        cv=3,
    )
    with Timer() as t:
        search.fit(data.X_train, data.y_train)
    results["mlp_search"] = {
        "settings": len(search.cv_results_["params"]),
        "folds": 3,
        "epochs": args.search_epochs,
        "seconds": t.seconds,
        "best_cv_accuracy": float(search.best_score_),
        "best_params": {k: repr(v) for k, v in search.best_params_.items()},
    }
    record("gpu" + ("-quick" if args.quick else ""), args, results, markdown(results))


def markdown(results) -> str:
    lines = [
        f"{results['n_train']} training images; throughput of epoch "
        f"{results['epochs']} (images/s).",
        "",
        "| model | float32 | precision='auto' (used) | auto vs float32 |",
        "|---|---|---|---|",
    ]
    for model, r in results["presets"].items():
        f32, auto = r["float32"]["fit_images_per_s"], r["auto"]["fit_images_per_s"]
        lines.append(
            f"| {model} preset | {f32:.0f} | {auto:.0f} ({r['auto']['precision_used']})"
            f" | {auto / f32:.2f}x |"
        )
    compiled = results["cnn_compiled_images_per_s"]
    cnn = results["presets"].get("cnn", {}).get("float32", {})
    estimator = cnn.get("fit_images_per_s", float("nan"))
    lines += [
        "",
        f"CNN preset, float32: estimator {estimator:.0f} img/s; with torch.compile "
        + (f"{compiled:.0f} img/s" if isinstance(compiled, float) else compiled)
        + f"; hand-written loop {results['cnn_hand_loop_images_per_s']:.0f} img/s.",
        "GPU utilisation during the CNN preset's epoch: "
        + (
            f"{results['cnn_utilisation_percent']:.0f} %"
            if isinstance(results["cnn_utilisation_percent"], float)
            else "not measured (no nvidia-smi)"
        )
        + ".",
        "",
        f"MLP grid ({results['mlp_search']['settings']} settings x 3 folds, "
        f"{results['mlp_search']['epochs']} epochs each, refit included): "
        f"{results['mlp_search']['seconds']:.0f} s, best 3-fold accuracy "
        f"{results['mlp_search']['best_cv_accuracy']:.4f}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
