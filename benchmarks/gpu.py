"""GPU training speed: presets, precision, torch.compile, a hand-written loop, a search.

Run by ``benchmarks/gpu_check.sh`` on a machine with CUDA; every figure is
recorded with the GPU's name (``nvidia-smi``) and the machine. It measures, in
this order (the results are written after each part, so that a run stopped by
its time limit keeps what it measured):

- each model's ``'emnist'`` preset: training images per second of its second
  epoch on the full training part (the first includes warm-up), in float32 and
  with ``precision='auto'`` (bfloat16 on GPUs that have it);
- the CNN preset (``precision='auto'``, unseeded: cuDNN free to pick its
  algorithms, where the seeded presets above use its deterministic ones) with
  the GPU's utilisation sampled by ``nvidia-smi`` every 100 ms over its second
  epoch; then the same with batches of 512 (throughput only: the preset's
  accuracy is measured at 128);
- a hand-written PyTorch loop training the CNN preset's network with the same
  batch size and optimizer on data already on the GPU;
- the reference studies' 12-setting, 3-fold MLP grid
  (``search.make_search("mlp", "medium", "grid")``, 10 epochs per fit, batches
  of 128), timed end to end, one fit at a time;
- the CNN preset with its network compiled by ``torch.compile`` (epoch 2);
- the MLP grid again with ``--search-jobs`` fits sharing the GPU (``n_jobs``).

Commands::

    python benchmarks/gpu.py --device cuda        # the recorded run
    python benchmarks/gpu.py --quick --dataset digits --device cpu   # smoke test
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import traceback

import numpy as np
import torch
from _common import BATCH_SIZE, Timer, load, parser, record
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


#: Mean GPU utilisation (percent) of each sampled run's second epoch, by name
#: (module-level: the estimators deep-copy their callbacks).
UTILISATION: dict[str, float | None] = {}


class SampleSecondEpoch(Callback):
    """Samples the GPU's utilisation during the second epoch into UTILISATION."""

    def __init__(self, name: str) -> None:
        self.name = name

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == 2:
            self.probe_ = Utilisation()
            self.probe_.start()

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            UTILISATION[self.name] = self.probe_.stop()


class Compile(Callback):
    """Compiles the network with ``torch.compile`` before training."""

    def on_train_begin(self, net, **kwargs):
        net.module_ = torch.compile(net.module_)


def epoch_rate(estimator, data) -> float:
    """Training images per second of the last epoch of a fit."""
    estimator.fit(data.X_train, data.y_train)
    return len(data.y_train) / estimator.history_[-1, "dur"]


def measured(measure, *args, **kwargs):
    """``measure(*args, **kwargs)``, or why it failed (with the traceback printed).

    One part that fails on a GPU (an operation a new GPU or torch lacks, say)
    must not cost the parts after it: the run is made once, in a short lease.
    """
    try:
        return measure(*args, **kwargs)
    except Exception as exc:
        traceback.print_exc()
        message = str(exc).strip().splitlines()
        return f"failed: {type(exc).__name__}" + (f": {message[0]}" if message else "")


def preset_rate(model: str, precision: str, data, args) -> dict:
    """One preset's epoch throughput (seeded) in one precision."""
    estimator = make_estimator(
        model,
        max_epochs=args.epochs,
        device=args.device,
        precision=precision,
        random_state=0,
    )
    rate = epoch_rate(estimator, data)
    print(model, precision, estimator.precision_, f"{rate:.0f} img/s")
    return {"precision_used": estimator.precision_, "fit_images_per_s": rate}


def presets(data, args, results: dict, save) -> None:
    """Each preset's epoch throughput in float32 and with precision='auto'."""
    rates = results["presets"] = {}
    for model in args.models.split(","):
        rates[model] = {
            precision: measured(preset_rate, model, precision, data, args)
            for precision in ("float32", "auto")
        }
        save()


def cnn_run(data, args, name: str, batch_size: int | None = None) -> dict:
    """The CNN preset (precision='auto', unseeded): throughput and GPU utilisation.

    Unseeded, as ``make_estimator`` gives it: cuDNN picks its algorithms
    freely (a seeded fit on CUDA uses its deterministic ones). ``batch_size``
    replaces the preset's (throughput only).
    """
    params = {} if batch_size is None else {"batch_size": batch_size}
    estimator = make_estimator(
        "cnn",
        max_epochs=args.epochs,
        device=args.device,
        random_state=None,
        callbacks=[SampleSecondEpoch(name)],
        **params,
    )
    rate = epoch_rate(estimator, data)
    print(name, estimator.precision_, f"{rate:.0f} img/s")
    return {
        "params": params,
        "precision_used": estimator.precision_,
        "fit_images_per_s": rate,
        "utilisation_percent": UTILISATION.get(name),
    }


def hand_loop(data, args) -> float:
    """The CNN preset's network trained by a plain loop: images/s of the last epoch."""
    estimator = make_estimator("cnn", device=args.device, precision="float32")
    shape = (1, *data.X_train.shape[1:])
    module = estimator._build_module(shape, len(np.unique(data.y_train))).to(
        args.device
    )
    images = torch.from_numpy(data.X_train.reshape(-1, *shape)).to(args.device)
    labels = torch.from_numpy(np.searchsorted(np.unique(data.y_train), data.y_train))
    labels = labels.to(args.device)
    optimizer = torch.optim.AdamW(
        module.parameters(), lr=estimator.lr, weight_decay=estimator.weight_decay
    )
    batch = estimator.batch_size
    seconds = 0.0
    for _ in range(args.epochs):
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


def mlp_search(data, args, n_jobs: int) -> dict:
    """The reference studies' 12-setting 3-fold MLP grid, timed end to end."""
    search = make_search(
        "mlp",
        "medium",
        "grid",
        estimator=make_estimator(
            "mlp",
            preset=None,
            max_epochs=args.search_epochs,
            batch_size=BATCH_SIZE,
            device=args.device,
            random_state=0,
            **(get_model("mlp").smoke_params if args.quick else {}),
        ),
        cv=3,
        n_jobs=n_jobs,
    )
    with Timer() as t:
        search.fit(data.X_train, data.y_train)
    print(f"MLP grid, n_jobs={n_jobs}: {t.seconds:.0f} s")
    return {
        "settings": len(search.cv_results_["params"]),
        "folds": 3,
        "epochs": args.search_epochs,
        "batch_size": BATCH_SIZE,
        "n_jobs": n_jobs,
        "seconds": t.seconds,
        "best_cv_accuracy": float(search.best_score_),
        "best_params": {k: repr(v) for k, v in search.best_params_.items()},
    }


def compiled_cnn(data, args) -> float | str:
    """The CNN preset's epoch throughput with its network compiled."""
    if args.quick:  # compiling takes minutes on a CPU: not for a smoke test
        return "not measured (--quick)"
    estimator = make_estimator(
        "cnn",
        max_epochs=args.epochs,
        device=args.device,
        random_state=0,
        callbacks=[Compile()],
    )
    return epoch_rate(estimator, data)


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--models", default=",".join(list_models()))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--search-epochs", type=int, default=10)
    p.add_argument(
        "--search-jobs",
        type=int,
        default=4,
        help="processes sharing the GPU in the search's last run (default: 4)",
    )
    args = p.parse_args()
    if args.quick:
        args.epochs, args.search_epochs, args.search_jobs = 2, 1, 2
    data = load(args, n_train=600 if args.quick else None, n_test=100)
    name = "gpu" + ("-quick" if args.quick else "")
    results = {"n_train": len(data.y_train), "epochs": args.epochs}

    def save():
        # After every part: a run stopped by its time limit keeps what it measured.
        record(name, args, results, markdown(results), echo=False)

    presets(data, args, results, save)
    parts = {
        "cnn": (cnn_run, data, args, "cnn"),
        "cnn_batch_512": (cnn_run, data, args, "cnn_batch_512", 512),
        "cnn_hand_loop_images_per_s": (hand_loop, data, args),
        "mlp_search": (mlp_search, data, args, 1),
        "cnn_compiled_images_per_s": (compiled_cnn, data, args),
        "mlp_search_parallel": (mlp_search, data, args, args.search_jobs),
    }
    for key, (measure, *arguments) in parts.items():
        results[key] = measured(measure, *arguments)
        save()
    record(name, args, results, markdown(results))
    failed = [
        key
        for key, value in [*_preset_cells(results), *results.items()]
        if isinstance(value, str) and value.startswith("failed")
    ]
    if failed:
        sys.exit(f"gpu.py: these parts failed (see above): {', '.join(failed)}")


def _preset_cells(results) -> list[tuple[str, object]]:
    return [
        (f"{model} {precision}", value)
        for model, rates in results["presets"].items()
        for precision, value in rates.items()
    ]


NOT_MEASURED = "not measured (the run stopped before this part)"


def _rate(value) -> str:
    if value is None:
        return NOT_MEASURED
    return f"{value:.0f} img/s" if isinstance(value, float) else str(value)


def _fit_rate(run) -> str:
    """A run's training images/s (a dict of results), or why it has none."""
    return _rate(run.get("fit_images_per_s") if isinstance(run, dict) else run)


def _utilisation(run: dict) -> str:
    value = run.get("utilisation_percent")
    return f"{value:.0f} %" if value is not None else "not measured (no nvidia-smi)"


def _search(run: dict | str | None) -> str:
    if run is None or isinstance(run, str):
        return _rate(run)
    return (
        f"{run['seconds']:.0f} s with n_jobs={run['n_jobs']} "
        f"({run['settings']} settings x {run['folds']} folds, {run['epochs']} "
        f"epochs each, batch {run['batch_size']}, refit included), best 3-fold "
        f"accuracy {run['best_cv_accuracy']:.4f}"
    )


def markdown(results) -> str:
    lines = [
        f"{results['n_train']} training images; throughput of epoch "
        f"{results['epochs']} (images/s). The presets are seeded "
        "(random_state=0, as the command line runs them: cuDNN's deterministic "
        "algorithms on CUDA); the CNN runs with the GPU's utilisation are not.",
        "",
        "| model | float32 | precision='auto' (used) | auto vs float32 |",
        "|---|---|---|---|",
    ]
    for model, r in results["presets"].items():
        f32, auto = r["float32"], r["auto"]
        if isinstance(f32, str) or isinstance(auto, str):  # a part failed
            lines.append(f"| {model} preset | {_fit_rate(f32)} | {_fit_rate(auto)} | |")
            continue
        f32_rate, auto_rate = f32["fit_images_per_s"], auto["fit_images_per_s"]
        lines.append(
            f"| {model} preset | {f32_rate:.0f} | {auto_rate:.0f} "
            f"({auto['precision_used']}) | {auto_rate / f32_rate:.2f}x |"
        )
    cnn = results["presets"].get("cnn", {}).get("float32", {})
    lines += [
        "",
        "CNN preset, float32: estimator "
        + _fit_rate(cnn)
        + "; hand-written loop (same network, batch and optimizer, data on the "
        "device) "
        + _rate(results.get("cnn_hand_loop_images_per_s"))
        + "; with torch.compile (precision='auto') "
        + _rate(results.get("cnn_compiled_images_per_s"))
        + ".",
        "",
    ]
    for key, label in (("cnn", "batch 128"), ("cnn_batch_512", "batch 512")):
        run = results.get(key)
        lines.append(
            f"CNN preset, precision='auto', unseeded, {label}: "
            + (
                _rate(run)
                if run is None or isinstance(run, str)
                else f"{run['fit_images_per_s']:.0f} img/s "
                f"({run['precision_used']}), GPU utilisation {_utilisation(run)}"
            )
            + "."
        )
    lines += [
        "",
        "MLP grid: " + _search(results.get("mlp_search")) + ".",
        "MLP grid, fits sharing the device: "
        + _search(results.get("mlp_search_parallel"))
        + ".",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
