"""The ``emnist-estimators`` command: the main job from a shell.

Subcommands:

- ``compare``: fit several models on one data set and write a comparison
  report (the README's ``make demo`` runs it on scikit-learn's digits).
- ``train``: fit one model and save it with its report.
- ``search``: a preset hyperparameter search with 3-fold cross-validation.
- ``evaluate``: score a saved model on a test set.
- ``predict``: predict PNG images, folders of them, or an idx file.

Each writes a report folder (``report.md``, ``figures/*.png``,
``metrics.json``, tables and the fitted models); run
``emnist-estimators <subcommand> --help`` for the options.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from skorch.callbacks import Callback

from .models import DEFAULT_MODEL, list_models

#: Where a report folder goes unless ``--output`` says otherwise.
DEFAULT_REPORTS = Path("reports")


def __getattr__(name: str):
    if name == "MODEL_NAMES":  # kept for scripts written against 0.x
        return tuple(list_models())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------- parsing
def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_param(text: str) -> tuple[str, object]:
    """Parse a ``KEY=VALUE`` estimator parameter given on a command line.

    Parameters
    ----------
    text : str
        ``KEY=VALUE``; the value is read as JSON (``0.3``, ``[32,64]``,
        ``true``, ``null``) and kept as a string when it is not JSON.

    Returns
    -------
    tuple of (str, object)
        The key and the value.

    Raises
    ------
    argparse.ArgumentTypeError
        When there is no ``=`` or the key is empty.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE (e.g. dropout=0.3 or filters=[32,64]), got {text!r}"
        )
    return key.strip(), _parse_value(value.strip())


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _models(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in list_models()]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"models must be a comma-separated list of {', '.join(list_models())}; "
            f"got {text!r}"
        )
    return names


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    from .datasets import DATASET_NAMES

    group = parser.add_argument_group("data")
    group.add_argument(
        "--dataset",
        default="digits",
        choices=DATASET_NAMES,
        help="data set (default: digits, bundled with scikit-learn)",
    )
    group.add_argument("--data-dir", help="folder with the data files")
    group.add_argument("--download", action="store_true", help="download missing files")
    group.add_argument(
        "--split-from",
        choices=("train", "test", "all"),
        help="split this official part into training and test sets instead of "
        "using the official train/test parts (e.g. 'test' when only the test "
        "files are at hand)",
    )
    group.add_argument(
        "--test-size",
        type=float,
        default=0.2,
        help="test fraction with --split-from (default: 0.2)",
    )
    group.add_argument(
        "--subset",
        type=_positive_int,
        metavar="N",
        help="use at most N training images (stratified sample)",
    )
    group.add_argument(
        "--test-subset",
        type=_positive_int,
        metavar="N",
        help="use at most N test images (stratified sample)",
    )
    group.add_argument(
        "--random-state",
        type=int,
        default=0,
        help="seed of the split, the samples and the models (default: 0)",
    )


def _add_training_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("training")
    group.add_argument(
        "--device", default="auto", help="auto (default), cpu, cuda or cuda:N"
    )
    group.add_argument(
        "--preset",
        choices=("none", "emnist"),
        default="none",
        help="start from the estimators' defaults (none) or from the settings "
        "tuned for EMNIST (emnist: see emnist_estimators.presets)",
    )
    group.add_argument(
        "--precision",
        choices=("auto", "float32", "bfloat16"),
        default="auto",
        help="compute precision (default: auto, bfloat16 where the GPU or CPU "
        "computes it natively, else float32)",
    )
    group.add_argument("--max-epochs", type=_positive_int, metavar="N")
    group.add_argument("--batch-size", type=_positive_int, metavar="N")
    group.add_argument(
        "--param",
        type=parse_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set an estimator parameter (JSON value), e.g. --param dropout=0.3 "
        "--param filters=[32,64]; repeatable",
    )


def _add_output_options(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        help=f"report folder (default: reports/{default}-<dataset>)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="per-epoch table and progress"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``emnist-estimators`` command.

    Returns
    -------
    argparse.ArgumentParser
        The parser, with one sub-parser per subcommand.
    """
    parser = argparse.ArgumentParser(
        prog="emnist-estimators",
        description="Train, compare, tune and use handwritten-character "
        "classifiers (MLP, CNN, ResNet, LSTM).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    compare = commands.add_parser(
        "compare", help="fit several models and write a comparison report"
    )
    compare.add_argument(
        "--models",
        type=_models,
        default=list_models(),
        help=f"comma-separated models (default: {','.join(list_models())})",
    )
    _add_data_options(compare)
    _add_training_options(compare)
    _add_output_options(compare, "compare")
    compare.set_defaults(func=run_compare)

    train = commands.add_parser("train", help="fit one model and save it")
    train.add_argument("--model", choices=list_models(), default=DEFAULT_MODEL)
    _add_data_options(train)
    _add_training_options(train)
    _add_output_options(train, "train-<model>")
    train.set_defaults(func=run_train)

    search = commands.add_parser(
        "search", help="preset hyperparameter search with cross-validation"
    )
    search.add_argument("--model", choices=list_models(), default=DEFAULT_MODEL)
    search.add_argument(
        "--method",
        choices=("grid", "random", "halving-grid", "halving-random"),
        default="random",
        help="search strategy (default: random)",
    )
    search.add_argument(
        "--size",
        choices=("small", "medium", "large", "full"),
        default="small",
        help="preset search space: small (4 points), medium (12), large (the "
        "reference studies' options; 'full' is its former name) (default: small)",
    )
    search.add_argument(
        "--n-iter",
        type=_positive_int,
        default=10,
        help="candidates of a random search (default: 10)",
    )
    search.add_argument(
        "--cv", type=_positive_int, default=3, help="folds (default: 3)"
    )
    _add_data_options(search)
    _add_training_options(search)
    _add_output_options(search, "search-<model>")
    search.set_defaults(func=run_search)

    evaluate = commands.add_parser("evaluate", help="score a saved model")
    evaluate.add_argument(
        "model_file", type=Path, help="a saved model (.safetensors/.json, or its stem)"
    )
    evaluate.add_argument(
        "--trusted",
        action="store_true",
        help="allow a pickled (.joblib) model: loading a pickle runs its code",
    )
    _add_data_options(evaluate)
    _add_output_options(evaluate, "evaluate-<model>")
    evaluate.set_defaults(func=run_evaluate)

    predict = commands.add_parser(
        "predict", help="predict PNG images, folders of PNGs, or idx files"
    )
    predict.add_argument(
        "model_file", type=Path, help="a saved model (.safetensors/.json, or its stem)"
    )
    predict.add_argument(
        "--trusted",
        action="store_true",
        help="allow a pickled (.joblib) model: loading a pickle runs its code",
    )
    predict.add_argument(
        "inputs", nargs="+", type=Path, help="PNG files, folders of PNGs, idx files"
    )
    predict.add_argument(
        "--invert",
        choices=("auto", "yes", "no"),
        default="auto",
        help="invert PNG grey levels (auto: when the background is light; the "
        "models expect light characters on a dark background)",
    )
    predict.add_argument(
        "--transposed",
        action="store_true",
        help="idx images are stored transposed (official EMNIST files)",
    )
    predict.add_argument("--output", type=Path, help="write the predictions as CSV")
    predict.set_defaults(func=run_predict)
    return parser


def example_parser(description: str, *, dataset: str) -> argparse.ArgumentParser:
    """An argument parser with the options every example script takes.

    The data options of the command line (``--dataset``, ``--data-dir``,
    ``--download``, ``--split-from``, ``--test-size``, ``--subset``,
    ``--test-subset``, ``--random-state``), plus ``--device``, ``--output``
    and ``--quick`` (a small subset and a few epochs, to check that the
    script runs).

    Parameters
    ----------
    description : str
        The example's description (its docstring's first paragraph).
    dataset : str
        The default ``--dataset``.

    Returns
    -------
    argparse.ArgumentParser
        The parser.
    """
    parser = argparse.ArgumentParser(description=description)
    _add_data_options(parser)
    parser.set_defaults(dataset=dataset)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--output", type=Path, help="report folder")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small subset and a few epochs: checks that the script runs",
    )
    return parser


# ---------------------------------------------------------------- building
def _command_line(argv: Sequence[str] | None) -> str:
    args = sys.argv[1:] if argv is None else list(argv)
    return "emnist-estimators " + " ".join(shlex.quote(a) for a in args)


def load_data_from_args(args, *, n_train: int | None = None, n_test: int | None = None):
    """Load the training and test sets that parsed data options ask for.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options from :func:`build_parser` or :func:`example_parser`.
    n_train, n_test : int, optional
        Sizes used when ``--subset`` / ``--test-subset`` are not given (e.g.
        an example's quick mode).

    Returns
    -------
    Bunch
        As :func:`emnist_estimators.datasets.load_train_test`.
    """
    from .datasets import load_train_test

    return load_train_test(
        args.dataset,
        data_dir=args.data_dir,
        download=args.download,
        split_from=args.split_from,
        test_size=args.test_size,
        n_train=args.subset or n_train,
        n_test=args.test_subset or n_test,
        random_state=args.random_state,
    )


def _make_estimator(name: str, args):
    from .presets import make_estimator

    params = {
        "random_state": args.random_state,
        "device": args.device,
        "precision": args.precision,
    }
    if args.max_epochs:
        params["max_epochs"] = args.max_epochs
    if args.batch_size:
        params["batch_size"] = args.batch_size
    params["verbose"] = int(args.verbose)
    params.update(dict(args.param))
    preset = None if args.preset == "none" else args.preset
    estimator = make_estimator(name, preset)
    unknown = set(params) - set(estimator.get_params())
    if unknown:
        raise ValueError(
            f"{type(estimator).__name__} has no parameter(s) {sorted(unknown)}."
        )
    return estimator.set_params(**params)


def _output(args, kind: str) -> Path:
    return args.output or DEFAULT_REPORTS / f"{kind}-{args.dataset}"


def _details(data, extra: dict | None = None) -> dict:
    return {
        "data set": f"{data.name}: {data.description}",
        "training images": len(data.y_train),
        "test images": len(data.y_test),
        "classes": len(np.unique(data.y_train)),
        **(extra or {}),
    }


# ---------------------------------------------------------------- commands
def run_compare(args, argv=None) -> int:
    """``emnist-estimators compare``: fit several models, write a comparison."""
    from .reports import ReportWriter, add_data_figures, fit_and_report

    data = load_data_from_args(args)
    models = {name: _make_estimator(name, args) for name in args.models}
    writer = ReportWriter(
        _output(args, "compare"),
        f"Model comparison on {data.name}",
        command=_command_line(argv),
        details=_details(data),
    )
    print(f"Writing the report to {writer.folder}/report.md")
    add_data_figures(writer, data)
    fit_and_report(models, data, writer, verbose=args.verbose)
    _print_table(writer)
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


def run_train(args, argv=None) -> int:
    """``emnist-estimators train``: fit one model and save it with its report."""
    from .reports import ReportWriter, fit_and_report

    data = load_data_from_args(args)
    estimator = _make_estimator(args.model, args)
    writer = ReportWriter(
        _output(args, f"train-{args.model}"),
        f"{type(estimator).__name__} on {data.name}",
        command=_command_line(argv),
        details=_details(data),
    )
    fit_and_report({args.model: estimator}, data, writer, verbose=args.verbose)
    _print_table(writer)
    print(f"Model: {writer.folder / 'models' / (args.model + '.safetensors')}")
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


class _SearchProgress:
    """A tqdm bar over the fits of a search, advanced by a skorch callback.

    The estimators deep-copy their callbacks, so the callback finds its bar by
    a key in a class-level registry instead of holding it.
    """

    bars: dict = {}

    def __init__(self, total: int) -> None:
        from tqdm.auto import tqdm

        self.key = uuid.uuid4().hex
        self.bars[self.key] = tqdm(total=total, desc="fits", unit="fit", disable=None)

    def callback(self) -> tuple:
        """A ``(name, callback)`` pair that advances this bar after each fit."""
        return ("search_progress", _AdvanceSearchBar(self.key))

    def close(self) -> None:
        """Close the bar and forget it."""
        bar = self.bars.pop(self.key, None)
        if bar is not None:
            bar.close()


class _AdvanceSearchBar(Callback):
    """skorch callback: advance a search's progress bar when a fit ends."""

    def __init__(self, key: str) -> None:
        self.key = key

    def on_train_end(self, net, **kwargs):
        bar = _SearchProgress.bars.get(self.key)
        if bar is not None:
            bar.update(1)


def _make_search(args, estimator):
    from sklearn.model_selection import ParameterGrid

    from .search import make_search, param_grid

    size = "large" if args.size == "full" else args.size
    # refit=False: the best parameters are refitted without the progress bar.
    search = make_search(
        args.model,
        size,
        args.method,
        estimator=estimator,
        cv=args.cv,
        n_iter=args.n_iter,
        random_state=args.random_state,
        refit=False,
    )
    if args.method == "grid":
        return search, len(ParameterGrid(param_grid(args.model, size)))
    if args.method == "random":
        return search, args.n_iter
    return search, None


def run_search(args, argv=None) -> int:
    """``emnist-estimators search``: a preset search with k-fold cross-validation."""
    from sklearn.base import clone

    from .evaluation import save_table
    from .reports import ReportWriter, report_model, save_fitted_model, write_json
    from .search import summarize_search

    data = load_data_from_args(args)
    estimator = _make_estimator(args.model, args)
    search, n_candidates = _make_search(args, estimator)
    writer = ReportWriter(
        _output(args, f"search-{args.model}"),
        f"{args.method} search for {type(estimator).__name__} on {data.name}",
        command=_command_line(argv),
        details=_details(data, {"cross-validation": f"{args.cv}-fold"}),
    )
    progress = None
    if n_candidates is not None:
        progress = _SearchProgress(n_candidates * args.cv + 1)
        estimator.set_params(callbacks=[progress.callback()])
    try:
        search.fit(data.X_train, data.y_train)
    finally:
        if progress is not None:
            progress.close()
    best = clone(estimator).set_params(**search.best_params_, callbacks=None)
    best.fit(data.X_train, data.y_train)
    summary = summarize_search(search, top_k=10)
    n_results = len(search.cv_results_["params"])
    save_table(
        summarize_search(search, top_k=n_results, as_frame=False).table,
        writer.folder / "cv_results.csv",
    )
    write_json(writer.folder / "best_params.json", summary.best_params)
    writer.extra["search"] = {
        "best_params": {k: repr(v) for k, v in summary.best_params.items()},
        "best_cv_score": summary.best_score,
    }
    writer.add_section(
        "Search",
        f"Best mean {args.cv}-fold accuracy: {summary.best_score:.4f} with "
        f"`{summary.best_params}`.\n\n{summary.to_markdown()}",
    )
    save_fitted_model(args.model, best, data, writer)
    report_model(args.model, best, data, writer)
    print(summary.to_markdown())
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


def _load(args):
    """The saved model and the metadata kept with it."""
    from .persistence import PICKLE_SUFFIXES, load_metadata, load_model

    estimator = load_model(args.model_file, trusted=args.trusted)
    if args.model_file.suffix in PICKLE_SUFFIXES:
        return estimator, {}
    return estimator, load_metadata(args.model_file)["metadata"]


def run_evaluate(args, argv=None) -> int:
    """``emnist-estimators evaluate``: score a saved model on a test set."""
    from .reports import ReportWriter, report_model

    estimator, metadata = _load(args)
    data = load_data_from_args(args)
    name = metadata.get("model", args.model_file.stem)
    writer = ReportWriter(
        _output(args, f"evaluate-{name}"),
        f"Evaluation of {args.model_file} on {data.name}",
        command=_command_line(argv),
        details=_details(data),
    )
    report_model(name, estimator, data, writer)
    _print_table(writer)
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


def run_predict(args, argv=None) -> int:
    """``emnist-estimators predict``: labels and characters for images."""
    from ._images import read_inputs
    from .reports import write_text

    estimator, metadata = _load(args)
    shape = estimator.image_shape_[1:]
    names, images = read_inputs(
        args.inputs, shape, invert=args.invert, transposed=args.transposed
    )
    proba = estimator.predict_proba(images)
    best = proba.argmax(axis=1)
    labels = estimator.classes_[best]
    class_names = dict(
        zip(estimator.classes_.tolist(), metadata.get("class_names", []), strict=False)
    )
    lines = ["input,label,character,probability"]
    for name, label, p in zip(
        names, labels, proba[np.arange(len(best)), best], strict=True
    ):
        char = class_names.get(
            label.item() if hasattr(label, "item") else label, str(label)
        )
        lines.append(f"{name},{label},{char},{p:.4f}")
    text = "\n".join(lines) + "\n"
    if args.output:
        write_text(args.output, text)
        print(f"Predictions: {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _print_table(writer) -> None:
    from .evaluation import comparison_table, to_markdown

    columns = ("model", "accuracy", "f1_macro", "fit_time_s", "n_parameters")
    rows = [
        {c: row[c] for c in columns}
        for row in comparison_table(writer.reports, as_frame=False)
    ]
    print(to_markdown(rows))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``emnist-estimators`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 for bad input, 130 when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args, argv)
    except KeyboardInterrupt:
        print(
            "\nInterrupted: the report folder keeps everything finished so far.",
            file=sys.stderr,
        )
        return 130
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"emnist-estimators: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
