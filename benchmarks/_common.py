"""Shared pieces of the benchmark scripts: options, data, recording results."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from emnist_estimators.datasets import load_train_test
from emnist_estimators.environment import environment_info
from emnist_estimators.reports import write_json, write_text

RESULTS = Path(__file__).resolve().parent / "results"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "emnist"

#: The batch size of the benchmarks that time estimators outside the presets
#: (the estimators' default when they were recorded; the presets use it too).
BATCH_SIZE = 128


def parser(description: str) -> argparse.ArgumentParser:
    """Options every benchmark takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--dataset",
        default="emnist-byclass",
        help="data set (default: emnist-byclass, the stand-in split of its test part)",
    )
    p.add_argument(
        "--data-dir",
        default=os.environ.get("EMNIST_ESTIMATORS_DATA", str(SHARED_DATA)),
        help="folder with the EMNIST files (default: ../shared/data/emnist)",
    )
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes: checks that the script runs (results are not meaningful)",
    )
    p.add_argument("--output", type=Path, help="where to write the results")
    return p


def add_preset_options(p: argparse.ArgumentParser) -> None:
    """``--models``, ``--preset`` and ``--param``, for the benchmarks of presets."""
    from emnist_estimators.cli import parse_param
    from emnist_estimators.models import list_models
    from emnist_estimators.presets import PRESET_NAMES

    p.add_argument("--models", default=",".join(list_models()))
    p.add_argument(
        "--preset",
        choices=PRESET_NAMES,
        default="emnist",
        help="the preset the models start from (default: emnist)",
    )
    p.add_argument(
        "--param",
        action="append",
        type=parse_param,
        default=[],
        metavar="KEY=VALUE",
        help="override a preset parameter (JSON value), for every model",
    )


def load(args, n_train=None, n_test=None):
    """The stand-in training and test sets (a split of the official test part)."""
    split_from = None if args.dataset == "digits" else "test"
    return load_train_test(
        args.dataset,
        data_dir=args.data_dir,
        split_from=split_from,
        n_train=n_train,
        n_test=n_test,
        random_state=0,
    )


#: Held out of the training part to choose settings on (the test part is not
#: used for that).
VALIDATION_FRACTION = 0.15


def validation_split(data, n_train: int | None = None):
    """``(X_fit, X_valid, y_fit, y_valid)``: a stratified 15 % of the training part.

    The split every preset was chosen on (``random_state=0``); ``n_train``
    subsamples the fit part (stratified) when it is smaller.
    """
    from sklearn.model_selection import train_test_split

    X_fit, X_valid, y_fit, y_valid = train_test_split(
        data.X_train,
        data.y_train,
        test_size=VALIDATION_FRACTION,
        stratify=data.y_train,
        random_state=0,
    )
    if n_train is not None and n_train < len(y_fit):
        X_fit, _, y_fit, _ = train_test_split(
            X_fit, y_fit, train_size=n_train, stratify=y_fit, random_state=0
        )
    return X_fit, X_valid, y_fit, y_valid


def results_folder(args) -> Path:
    """``--output``, else ``benchmarks/results`` (``benchmark-quick`` with --quick)."""
    folder = args.output or (RESULTS if not args.quick else Path("benchmark-quick"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def record(name: str, args, results: dict, markdown: str, echo: bool = True) -> Path:
    """Write ``<name>.json`` and ``<name>.md`` with the machine and the command.

    ``echo=False`` writes without printing (for partial results written while
    a benchmark runs).
    """
    folder = results_folder(args)
    command = "python " + " ".join([os.path.relpath(sys.argv[0]), *sys.argv[1:]])
    env = environment_info(args.device)
    payload = {"command": command, "environment": env, "results": results}
    write_json(folder / f"{name}.json", payload)
    machine = (
        f"{env['hardware']}, {env['cpu_count']} cores, torch {env['torch']} "
        f"({env['torch_threads']} threads), device {args.device}"
        + (f" ({env['gpu']})" if "gpu" in env else "")
        + f", {env['date']}"
    )
    write_text(
        folder / f"{name}.md",
        f"# {name}\n\nCommand: `{command}`\n\nMachine: {machine}\n\n{markdown}\n",
    )
    if echo:
        print(markdown)
        print(f"Results: {folder / name}.md")
    return folder / f"{name}.md"


class Timer:
    """Wall-clock seconds of a ``with`` block."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False
