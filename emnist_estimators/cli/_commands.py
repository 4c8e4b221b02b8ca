"""The subcommands: each checks everything it can, loads the data, calls the library.

Order of work in every command, so that a mistake costs nothing: build and
validate the estimators (their parameters), check the output folder, then
load the data, then write. Nothing is created before the data loaded.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from ._progress import LOGGER, EpochProgress, SearchProgress, progress_mode

#: Where a report folder goes unless ``--output`` says otherwise.
DEFAULT_REPORTS = Path("reports")
#: Files that show a folder holds a report of an earlier run.
_RUN_MARKERS = ("report.md", "metrics.json")
#: What ``--overwrite`` removes of an earlier run (and nothing else).
_RUN_OUTPUTS = (
    "report.md",
    "metrics.json",
    "comparison.md",
    "comparison.csv",
    "cv_results.csv",
    "best_params.json",
    "figures",
    "models",
    "checkpoints",
)


# ------------------------------------------------------------------ pieces
def command_line(argv: Sequence[str] | None) -> str:
    """The command as typed, for the report."""
    args = sys.argv[1:] if argv is None else list(argv)
    return "emnist-estimators " + " ".join(shlex.quote(str(a)) for a in args)


def output_folder(args, kind: str, dataset: str) -> Path:
    """``--output``, else ``reports/<kind>-<dataset>``."""
    return args.output or DEFAULT_REPORTS / f"{kind}-{dataset}"


def check_output(folder: Path, *, overwrite: bool, resume: bool) -> None:
    """Refuse a folder that holds another run, or that cannot be written.

    Nothing is created here: the folder is made once the data has loaded.

    Raises
    ------
    FileExistsError
        If the folder holds an earlier run's report and neither
        ``--overwrite`` nor ``--resume`` was given.
    PermissionError, NotADirectoryError
        If the folder (or where it would go) cannot be written.
    """
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"--output {folder} is a file, not a folder.")
    previous = [m for m in _RUN_MARKERS if (folder / m).exists()]
    if previous and not (overwrite or resume):
        raise FileExistsError(
            f"{folder} already holds a report ({', '.join(previous)}); add "
            "--overwrite to replace it, --resume to continue that run, or choose "
            "another --output."
        )
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(
            f"Cannot create {folder}: {existing} is a file, not a folder."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"Cannot write to {folder}: {existing} is not writable.")


def clear_previous_run(folder: Path) -> None:
    """Remove an earlier run's outputs (``--overwrite``), and nothing else."""
    for name in _RUN_OUTPUTS:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


#: The commands whose runs always checkpoint every epoch, so that ``--resume``
#: continues any of them after Ctrl-C or a kill. A search checkpoints only
#: when started with ``--resume`` (its many fits would fill the disk).
ALWAYS_CHECKPOINTED = ("train", "compare")


def checkpoints_every_epoch(args) -> bool:
    """Whether this run saves a checkpoint of every fit after every epoch."""
    return args.command in ALWAYS_CHECKPOINTED or bool(getattr(args, "resume", False))


def make_estimator(name: str, args, *, label: str | None = None):
    """The estimator the options ask for, with its parameters validated.

    Raises
    ------
    ValueError, TypeError
        For an unknown or invalid parameter (before any data is loaded).
    """
    from ..base import validate_parameters
    from ..presets import make_estimator as preset_estimator

    params = {
        "random_state": args.random_state,
        "device": args.device,
        "precision": args.precision,
    }
    if args.max_epochs:
        params["max_epochs"] = args.max_epochs
    if args.batch_size:
        params["batch_size"] = args.batch_size
    if args.threads:
        params["n_threads"] = args.threads
    if checkpoints_every_epoch(args):
        params["checkpoint"] = str(
            output_folder(args, label or name, args.dataset) / "checkpoints"
        )
    params.update(dict(args.param))
    preset = None if args.preset == "none" else args.preset
    estimator = preset_estimator(name, preset)
    unknown = set(params) - set(estimator.get_params())
    if unknown:
        raise ValueError(
            f"{type(estimator).__name__} has no parameter(s) {sorted(unknown)}; "
            f"see emnist-estimators {args.command} --help and the estimator's "
            "documentation."
        )
    estimator.set_params(**params)
    validate_parameters(estimator)  # every parameter checked now, before loading
    return estimator


def show_progress(estimator, name: str, args) -> None:
    """Add the per-epoch progress display to an estimator's callbacks."""
    mode = progress_mode(args.quiet)
    if mode == "off":
        return
    callbacks = list(estimator.callbacks or [])
    callbacks.append(("progress", EpochProgress(name, mode, lines_too=args.verbose)))
    estimator.set_params(callbacks=callbacks)


def load_data(args, dataset: str | None = None):
    """The training and test sets the data options ask for."""
    from ..datasets import load_train_test

    return load_train_test(
        dataset or args.dataset,
        data_dir=args.data_dir,
        download=args.download,
        split_from=args.split_from,
        test_size=args.test_size,
        n_train=args.subset,
        n_test=args.test_subset,
        random_state=args.random_state,
    )


def details(data, extra: dict | None = None) -> dict:
    """Key facts about the data, for the top of a report."""
    import numpy as np

    return {
        "data set": f"{data.name}: {data.description}",
        "training images": len(data.y_train),
        "test images": len(data.y_test),
        "classes": len(np.unique(data.y_train)),
        **(extra or {}),
    }


def writer_for(folder: Path, title: str, args, argv, data, extra=None):
    """The report writer, after clearing an earlier run with ``--overwrite``."""
    from ..reports import ReportWriter

    if getattr(args, "overwrite", False) and not getattr(args, "resume", False):
        clear_previous_run(folder)
    writer = ReportWriter(
        folder, title, command=command_line(argv), details=details(data, extra)
    )
    LOGGER.info(f"Writing the report to {writer.folder / 'report.md'}")
    return writer


def print_table(writer) -> None:
    """The comparison table of the report, on standard output."""
    from ..evaluation import comparison_table, to_markdown

    columns = (
        "model",
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
        "fit_time_s",
        "fit_status",
    )
    rows = [
        {c: row[c] for c in columns}
        for row in comparison_table(writer.reports, as_frame=False)
    ]
    print(to_markdown(rows))


@contextlib.contextmanager
def cluster(args, data):
    """The Dask backend for ``--scheduler`` (nothing without it).

    The training data goes to the cluster once; the fits given these very
    arrays refer to it.
    """
    if not getattr(args, "scheduler", None):
        yield False
        return
    from ..distributed import dask_backend

    scatter = [data.X_train, data.y_train]
    with dask_backend(args.scheduler, n_threads=args.threads or 1, scatter=scatter):
        LOGGER.info(f"Fitting on the Dask cluster at {args.scheduler}")
        yield True


# ------------------------------------------------------------------ commands
def run_compare(args, argv=None) -> int:
    """``emnist-estimators compare``: fit several models, write a comparison."""
    from ..reports import add_data_figures, fit_and_report

    models = {name: make_estimator(name, args, label="compare") for name in args.models}
    folder = output_folder(args, "compare", args.dataset)
    check_output(folder, overwrite=args.overwrite, resume=args.resume)
    data = load_data(args)
    if not args.scheduler:
        for name, estimator in models.items():
            show_progress(estimator, name, args)
    writer = writer_for(folder, f"Model comparison on {data.name}", args, argv, data)
    add_data_figures(writer, data)
    with cluster(args, data) as on_cluster:
        fit_and_report(
            models,
            data,
            writer,
            resume=args.resume,
            n_jobs=-1 if on_cluster else None,
        )
    print_table(writer)
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


def run_train(args, argv=None) -> int:
    """``emnist-estimators train``: fit one model and save it with its report."""
    from ..reports import fit_and_report

    kind = f"train-{args.model}"
    estimator = make_estimator(args.model, args, label=kind)
    folder = output_folder(args, kind, args.dataset)
    check_output(folder, overwrite=args.overwrite, resume=args.resume)
    data = load_data(args)
    show_progress(estimator, args.model, args)
    title = f"{type(estimator).__name__} on {data.name}"
    writer = writer_for(folder, title, args, argv, data)
    fit_and_report({args.model: estimator}, data, writer, resume=args.resume)
    print_table(writer)
    print(f"Model: {writer.folder / 'models' / (args.model + '.safetensors')}")
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


def _search(args, estimator):
    from sklearn.model_selection import ParameterGrid

    from ..search import make_search, param_grid

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
        return search, len(ParameterGrid(param_grid(args.model, size))) * args.cv
    if args.method == "random":
        return search, args.n_iter * args.cv
    return search, None


def run_search(args, argv=None) -> int:
    """``emnist-estimators search``: a preset search with k-fold cross-validation."""
    from sklearn.base import clone

    from .._atomic import write_json
    from ..evaluation import save_table
    from ..reports import report_model, save_fitted_model
    from ..search import summarize_search

    kind = f"search-{args.model}"
    estimator = make_estimator(args.model, args, label=kind)
    search, n_fits = _search(args, estimator)
    folder = output_folder(args, kind, args.dataset)
    check_output(folder, overwrite=args.overwrite, resume=args.resume)
    data = load_data(args)
    title = f"{args.method} search for {type(estimator).__name__} on {data.name}"
    extra = {"cross-validation": f"{args.cv}-fold"}
    writer = writer_for(folder, title, args, argv, data, extra)
    fit_params = {"resume": True} if args.resume else {}
    progress = None
    with cluster(args, data) as on_cluster:
        if not on_cluster:
            progress = SearchProgress(n_fits, progress_mode(args.quiet))
            estimator.set_params(callbacks=[progress.callback()])
        try:
            search.fit(data.X_train, data.y_train, **fit_params)
        finally:
            if progress is not None:
                progress.close()
    best = clone(estimator).set_params(**search.best_params_, callbacks=None)
    show_progress(best, f"best {args.model}", args)
    best.fit(data.X_train, data.y_train, **fit_params)
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
    best.set_params(callbacks=None)
    save_fitted_model(args.model, best, data, writer)
    report_model(args.model, best, data, writer)
    print(summary.to_markdown())
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


def run_lr_find(args, argv=None) -> int:
    """``emnist-estimators lr-find``: a learning-rate range test of one model."""
    from .._atomic import write_json
    from ..tuning import find_lr

    kind = f"lr-find-{args.model}"
    estimator = make_estimator(args.model, args, label=kind)
    if not 0 < args.min_lr < args.max_lr:
        raise ValueError(
            f"--min-lr {args.min_lr} must be positive and below --max-lr {args.max_lr}."
        )
    folder = output_folder(args, kind, args.dataset)
    check_output(folder, overwrite=args.overwrite, resume=False)
    data = load_data(args)
    title = f"Learning-rate range test of {type(estimator).__name__} on {data.name}"
    writer = writer_for(folder, title, args, argv, data)
    result = find_lr(
        estimator,
        data.X_train,
        data.y_train,
        min_lr=args.min_lr,
        max_lr=args.max_lr,
        n_steps=args.steps,
        method=args.suggestion,
    )
    write_json(writer.folder / "lr_find.json", result.to_dict())
    lr = estimator.get_params()["lr"]
    writer.add_section(
        "Learning-rate range test",
        f"{len(result.lrs)} steps from {args.min_lr:g} to {result.lrs[-1]:.3g}"
        + (" (the loss diverged there)" if result.stopped_early else "")
        + f". Suggested learning rate ({result.method}): "
        f"**{result.suggested_lr:.3g}** (the model's lr: {lr}).",
    )
    writer.add_figure(result.figure, "lr_find", "Loss against the learning rate")
    print(f"Suggested learning rate: {result.suggested_lr:.3g}")
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


def _load(args):
    """The saved model and its description (empty for a pickle)."""
    from ..persistence import PICKLE_SUFFIXES, load_metadata, load_model

    estimator = load_model(args.model_file, trusted=args.trusted)
    if args.model_file.suffix in PICKLE_SUFFIXES:
        return estimator, {}
    return estimator, load_metadata(args.model_file)


def run_evaluate(args, argv=None) -> int:
    """``emnist-estimators evaluate``: score a saved model on a test set."""
    from ..reports import report_model

    estimator, description = _load(args)
    metadata = description.get("metadata", {})
    dataset = args.dataset or metadata.get("dataset")
    if dataset is None:
        raise ValueError(
            f"{args.model_file} does not say which data set it was trained on; "
            "give it with --dataset."
        )
    name = metadata.get("model") or description.get("model") or args.model_file.stem
    folder = output_folder(args, f"evaluate-{name}", dataset)
    check_output(folder, overwrite=args.overwrite, resume=False)
    data = load_data(args, dataset)
    title = f"Evaluation of {args.model_file} on {data.name}"
    writer = writer_for(folder, title, args, argv, data)
    report_model(name, estimator, data, writer)
    print_table(writer)
    print(f"Report: {writer.folder / 'report.md'}")
    return 0


def run_predict(args, argv=None) -> int:
    """``emnist-estimators predict``: labels and characters for images."""
    import numpy as np

    from .._atomic import write_text
    from ._images import read_inputs

    if args.output is not None:
        check_output(args.output.parent, overwrite=True, resume=False)
    estimator, description = _load(args)
    shape = estimator.image_shape_[1:]
    names, images = read_inputs(
        args.inputs, shape, invert=args.invert, transposed=args.transposed
    )
    proba = estimator.predict_proba(images)
    best = proba.argmax(axis=1)
    labels = estimator.classes_[best]
    class_names = dict(
        zip(
            estimator.classes_.tolist(),
            description.get("metadata", {}).get("class_names", []),
            strict=False,
        )
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


COMMANDS = {
    "compare": run_compare,
    "train": run_train,
    "search": run_search,
    "lr-find": run_lr_find,
    "evaluate": run_evaluate,
    "predict": run_predict,
}
