"""Building a report: evaluating fitted models and adding them, with figures."""

from __future__ import annotations

from pathlib import Path

from ..persistence import save_model
from ._writer import ReportWriter


def add_data_figures(writer: ReportWriter, data) -> None:
    """Add sample images and the class distribution of the training set.

    Parameters
    ----------
    writer : ReportWriter
        The report.
    data : Bunch
        As returned by :func:`emnist_estimators.datasets.load_train_test`.
    """
    from ..plotting import plot_class_distribution, plot_samples

    writer.add_figure(
        plot_samples(
            data.X_train, data.y_train, class_names=data.mapping, random_state=0
        ),
        "samples",
        "Sample training images",
    )
    writer.add_figure(
        plot_class_distribution(data.y_train, class_names=data.mapping),
        "class_distribution",
        "Training images per class",
    )


def save_fitted_model(name: str, estimator, data, writer: ReportWriter) -> Path:
    """Save a fitted model in the report's ``models`` folder, in the safe format.

    Parameters
    ----------
    name : str
        Model name (file stem).
    estimator : fitted classifier
        The model.
    data : Bunch
        The data it was trained on (its name and class names are kept with
        the model, for ``emnist-estimators evaluate`` and ``predict``).
    writer : ReportWriter
        The report.

    Returns
    -------
    pathlib.Path
        The ``.safetensors`` path (the ``.json`` description is beside it).
    """
    return save_model(
        estimator,
        writer.folder / "models" / name,
        metadata={
            "model": name,
            "dataset": data.name,
            "class_names": [str(data.mapping[c]) for c in estimator.classes_],
        },
    )


def report_model(name: str, estimator, data, writer: ReportWriter):
    """Evaluate a fitted model on the test set and add it to the report.

    Adds the metrics, the confusion matrix and the mistakes, and records the
    machine the model was trained on.

    Parameters
    ----------
    name : str
        Model name.
    estimator : fitted classifier
        The model.
    data : Bunch
        As returned by :func:`emnist_estimators.datasets.load_train_test`.
    writer : ReportWriter
        The report.

    Returns
    -------
    EvaluationReport
        The evaluation.
    """
    from ..environment import environment_info
    from ..evaluation import evaluate
    from ..plotting import plot_confusion_matrix, plot_mistakes

    report = evaluate(
        estimator, data.X_test, data.y_test, target_names=data.mapping, name=name
    )
    device = getattr(estimator, "device_", None)
    info = environment_info(device)
    writer.details["environment"] = (
        f"{info.get('device', 'cpu')}"
        + (f" ({info['gpu']})" if "gpu" in info else "")
        + f"; {info['hardware']}; {info['cpu_count']} CPU cores, "
        f"{info['torch_threads']} torch threads, torch {info['torch']}"
    )
    writer.extra["environment"] = info
    writer.add_model_report(name, report)
    writer.add_figure(
        plot_confusion_matrix(report, normalize="true"),
        f"confusion_{name}",
        f"Confusion matrix of {name} (rows normalised)",
    )
    writer.add_figure(
        plot_mistakes(
            data.X_test, data.y_test, report.y_pred, class_names=data.mapping
        ),
        f"mistakes_{name}",
        f"Mistakes of {name} (true → predicted)",
    )
    return report


def fit_and_report(
    models: dict,
    data,
    writer: ReportWriter,
    *,
    verbose: bool = False,
    resume: bool = False,
    n_jobs: int | None = None,
) -> dict:
    """Fit each model, then save and report it as soon as it is done.

    A run interrupted part-way leaves the report of the models finished. When
    Ctrl-C stops a model's training (skorch keeps the epochs done and sets the
    estimator's ``fit_status_`` to 'interrupted'), that model is saved and
    reported too (with its status), and
    ``KeyboardInterrupt`` is raised again to stop the run.

    Parameters
    ----------
    models : dict
        Name -> unfitted classifier.
    data : Bunch
        As returned by :func:`emnist_estimators.datasets.load_train_test`.
    writer : ReportWriter
        The report.
    verbose : bool, default=False
        Print each model's test accuracy.
    resume : bool, default=False
        Pass ``resume=True`` to each ``fit`` (models with ``checkpoint`` set
        continue where an earlier run stopped).
    n_jobs : int or None, default=None
        None fits the models one after the other, reporting each as it ends.
        An int fits them in parallel with joblib (``-1``: as many as the
        backend allows, e.g. the workers of a Dask cluster inside
        :func:`emnist_estimators.distributed.dask_backend`), then reports them.

    Returns
    -------
    dict
        Name -> fitted classifier.
    """
    from tqdm.auto import tqdm

    from ..evaluation import comparison_table
    from ..plotting import plot_comparison, plot_learning_curves

    fit_params = {"resume": True} if resume else {}
    ready = {}
    if n_jobs is not None:
        from joblib import Parallel, delayed

        done = Parallel(n_jobs=n_jobs)(
            delayed(estimator.fit)(data.X_train, data.y_train, **fit_params)
            for estimator in models.values()
        )
        ready = dict(zip(models, done, strict=True))
    fitted = {}
    progress = tqdm(models.items(), desc="models", unit="model", disable=None)
    for name, estimator in progress:
        progress.set_postfix_str(name)
        if name in ready:
            estimator = ready[name]
        else:
            estimator.fit(data.X_train, data.y_train, **fit_params)
        fitted[name] = estimator
        save_fitted_model(name, estimator, data, writer)
        report = report_model(name, estimator, data, writer)
        writer.add_figure(
            plot_learning_curves(fitted),
            "learning_curves",
            "Training loss and accuracy per epoch",
        )
        if verbose:
            print(
                f"{name}: test accuracy {report.accuracy:.4f}, balanced accuracy "
                f"{report.balanced_accuracy:.4f}, macro F1 {report.f1_macro:.4f}"
            )
        if getattr(estimator, "fit_status_", None) == "interrupted":
            # The model of the epochs done is saved and reported; stop here.
            raise KeyboardInterrupt
    table = comparison_table(writer.reports)
    for metric, caption in [
        ("accuracy", "Test accuracy"),
        ("fit_time_s", "Training time (s)"),
        ("n_parameters", "Trainable parameters"),
    ]:
        writer.add_figure(plot_comparison(table, metric), metric, caption)
    return fitted
