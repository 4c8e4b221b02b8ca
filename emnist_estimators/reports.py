"""Report folders: ``report.md``, figures as PNG, metrics as JSON, tables, models.

A :class:`ReportWriter` writes everything atomically and rewrites
``report.md`` and ``metrics.json`` after each addition, so that a run that is
interrupted part-way leaves a consistent report of what was finished.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib

from ._atomic import atomic_open, write_json, write_text
from .evaluation import EvaluationReport, comparison_table, save_table, to_markdown


def save_model(estimator, path: str | Path, metadata: dict | None = None) -> Path:
    """Save a fitted estimator with joblib (atomically), and its metadata as JSON.

    Parameters
    ----------
    estimator : fitted estimator
        The model.
    path : str or path-like
        The ``.joblib`` file; the metadata goes beside it with ``.json``.
    metadata : dict, optional
        E.g. the dataset name and class names, for ``predict`` to show
        characters.

    Returns
    -------
    pathlib.Path
        The model path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as f:
        joblib.dump(estimator, f)
    if metadata is not None:
        write_json(path.with_suffix(".json"), metadata)
    return path


def load_model(path: str | Path) -> tuple[Any, dict]:
    """Load a model saved by :func:`save_model`, with its metadata.

    Parameters
    ----------
    path : str or path-like
        The ``.joblib`` file.

    Returns
    -------
    estimator : object
        The fitted estimator.
    metadata : dict
        The metadata saved beside it (empty when there is none).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    estimator = joblib.load(path)
    meta_path = path.with_suffix(".json")
    metadata = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    return estimator, metadata


class ReportWriter:
    """Build a report folder piece by piece.

    Parameters
    ----------
    folder : str or path-like
        The report folder (created; existing files of the same names are
        replaced).
    title : str
        Heading of ``report.md``.
    command : str, optional
        The command line that made the report, shown in ``report.md``.
    details : dict, optional
        Key facts shown at the top (data set, sizes, ...), also stored in
        ``metrics.json``.

    Attributes
    ----------
    folder : pathlib.Path
        The folder.
    reports : dict
        Model name -> :class:`~emnist_estimators.evaluation.EvaluationReport`.
    """

    def __init__(
        self,
        folder: str | Path,
        title: str,
        command: str | None = None,
        details: dict | None = None,
    ) -> None:
        self.folder = Path(folder)
        (self.folder / "figures").mkdir(parents=True, exist_ok=True)
        self.title = title
        self.command = command
        self.details = dict(details or {})
        self.reports: dict[str, EvaluationReport] = {}
        self.sections: list[tuple[str, str]] = []
        self.figures: list[tuple[str, str]] = []
        self.extra: dict[str, Any] = {}

    def add_figure(self, fig, name: str, caption: str) -> Path:
        """Save a matplotlib figure as ``figures/<name>.png`` and list it.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
            The figure (closed afterwards).
        name : str
            File stem.
        caption : str
            Caption in ``report.md``.

        Returns
        -------
        pathlib.Path
            The PNG path.
        """
        import matplotlib.pyplot as plt

        from .plotting import save_figure

        path = self.folder / "figures" / f"{name}.png"
        save_figure(fig, path)
        plt.close(fig)
        relative = path.relative_to(self.folder).as_posix()
        self.figures = [(c, p) for c, p in self.figures if p != relative]
        self.figures.append((caption, relative))
        self.save()
        return path

    def add_section(self, heading: str, markdown: str) -> None:
        """Add (or replace) a section of Markdown text.

        Parameters
        ----------
        heading : str
            Section heading.
        markdown : str
            Its content.
        """
        self.sections = [(h, m) for h, m in self.sections if h != heading]
        self.sections.append((heading, markdown))
        self.save()

    def add_model_report(self, name: str, report: EvaluationReport) -> None:
        """Record a model's evaluation and refresh the comparison tables.

        Parameters
        ----------
        name : str
            Model name.
        report : EvaluationReport
            Its test-set evaluation.
        """
        self.reports[name] = report
        table = comparison_table(self.reports)
        save_table(table, self.folder / "comparison.md")
        save_table(table, self.folder / "comparison.csv")
        self.save()

    def render(self) -> str:
        """The Markdown text of ``report.md``.

        Returns
        -------
        str
            The report.
        """
        lines = [f"# {self.title}", ""]
        if self.command:
            lines += ["Made with:", "", "```", self.command, "```", ""]
        for key, value in self.details.items():
            lines.append(f"- **{key}**: {value}")
        if self.details:
            lines.append("")
        if self.reports:
            lines += [
                "## Results on the test set",
                "",
                to_markdown(comparison_table(self.reports, as_frame=False)),
            ]
            for name, report in self.reports.items():
                if report.most_confused:
                    pairs = ", ".join(
                        f"{p['true']}→{p['predicted']} ({p['count']})"
                        for p in report.most_confused[:8]
                    )
                    lines.append(f"- {name}, most confused (true→predicted): {pairs}")
            lines.append("")
        for heading, markdown in self.sections:
            lines += [f"## {heading}", "", markdown.rstrip(), ""]
        if self.figures:
            lines += ["## Figures", ""]
            for caption, path in self.figures:
                lines += [f"### {caption}", "", f"![{caption}]({path})", ""]
        return "\n".join(lines)

    def save(self) -> None:
        """Write ``report.md`` and ``metrics.json`` with what is there so far."""
        write_text(self.folder / "report.md", self.render())
        write_json(
            self.folder / "metrics.json",
            {
                "title": self.title,
                "command": self.command,
                "details": self.details,
                "models": {n: r.to_dict() for n, r in self.reports.items()},
                **self.extra,
            },
        )


def add_data_figures(writer: ReportWriter, data) -> None:
    """Add sample images and the class distribution of the training set.

    Parameters
    ----------
    writer : ReportWriter
        The report.
    data : Bunch
        As returned by :func:`emnist_estimators.datasets.load_train_test`.
    """
    from .plotting import plot_class_distribution, plot_samples

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
    """Save a fitted model in the report's ``models`` folder, with metadata.

    Parameters
    ----------
    name : str
        Model name (file stem).
    estimator : fitted classifier
        The model.
    data : Bunch
        The data it was trained on (for the class names).
    writer : ReportWriter
        The report.

    Returns
    -------
    pathlib.Path
        The ``.joblib`` path.
    """
    return save_model(
        estimator,
        writer.folder / "models" / f"{name}.joblib",
        metadata={
            "model": name,
            "dataset": data.name,
            "classes": estimator.classes_.tolist(),
            "class_names": [str(data.mapping[c]) for c in estimator.classes_],
            "device": getattr(estimator, "device_", None),
            "precision": getattr(estimator, "precision_", None),
            "params": {k: repr(v) for k, v in estimator.get_params().items()},
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
    from .environment import environment_info
    from .evaluation import evaluate
    from .plotting import plot_confusion_matrix, plot_mistakes

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
    models: dict, data, writer: ReportWriter, *, verbose: bool = False
) -> dict:
    """Fit each model, then save and report it as soon as it is done.

    A run interrupted part-way leaves the report of the models finished. When
    Ctrl-C stops a model's training (skorch keeps the epochs done and sets the
    estimator's ``interrupted_``), that model is saved and reported too, and
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

    Returns
    -------
    dict
        Name -> fitted classifier.
    """
    from tqdm.auto import tqdm

    from .evaluation import comparison_table
    from .plotting import plot_comparison, plot_learning_curves

    fitted = {}
    progress = tqdm(models.items(), desc="models", unit="model", disable=None)
    for name, estimator in progress:
        progress.set_postfix_str(name)
        estimator.fit(data.X_train, data.y_train)
        fitted[name] = estimator
        save_fitted_model(name, estimator, data, writer)
        report = report_model(name, estimator, data, writer)
        writer.add_figure(
            plot_learning_curves(fitted),
            "learning_curves",
            "Training loss and accuracy per epoch",
        )
        if verbose:
            print(f"{name}: test accuracy {report.accuracy:.4f}")
        if getattr(estimator, "interrupted_", False):
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
