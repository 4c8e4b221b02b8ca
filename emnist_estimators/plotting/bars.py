"""Bar charts: samples per class, and one column of a comparison table per model."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._validation import validate_params
from ._common import CLASS_NAMES, as_labels, figure_and_ax, label_name, tick_fontsize

__all__ = [
    "METRIC_LABELS",
    "plot_class_distribution",
    "plot_comparison",
    "plot_parameter_counts",
    "plot_training_times",
]

#: Axis labels of the known comparison-table columns.
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "precision_macro": "Precision (macro average)",
    "recall_macro": "Recall (macro average)",
    "f1_macro": "F1 score (macro average)",
    "precision_weighted": "Precision (weighted average)",
    "recall_weighted": "Recall (weighted average)",
    "f1_weighted": "F1 score (weighted average)",
    "fit_time_s": "Training time (s)",
    "inference_s_per_1000": "Inference time per 1,000 images (s)",
    "n_parameters": "Trainable parameters",
    "n_epochs": "Epochs",
    "n_test": "Test samples",
}

#: The constraints of the options of the comparison charts.
_COMPARISON_CONSTRAINTS = {"log": ["boolean"], "ax": [Axes, None]}

#: What a comparison table is, as the errors say.
_TABLE = "a pandas DataFrame or a list of dicts (rows), as returned by comparison_table"


@validate_params(
    {"class_names": CLASS_NAMES, "ax": [Axes, None]},
    prefer_skip_nested_validation=True,
)
def plot_class_distribution(
    y,
    *,
    class_names: Mapping | None = None,
    labels=None,
    ax: Axes | None = None,
) -> Figure:
    """Plot the number of samples per class as a bar chart.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    class_names : mapping or None, default=None
        Label -> name, used as tick labels; None shows the labels.
    labels : array-like, optional
        The classes to show, in this order; by default the sorted labels
        found in ``y``. Classes absent from ``y`` get a bar of height 0 (pass
        e.g. ``list(get_emnist_mapping(split))`` to reveal missing classes).
    ax : Axes, optional
        Where to draw; by default a new figure whose width grows with the
        number of classes.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; the Axes is titled with the numbers of samples
        and classes.

    Raises
    ------
    ValueError
        If ``y`` is empty or not 1-D, or ``class_names`` lacks a label.
    TypeError
        If ``class_names`` is not a mapping.
    """
    y = as_labels(y, "y")
    if len(y) == 0:
        raise ValueError("y is empty: need at least one label.")
    labels = np.unique(y) if labels is None else np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError("labels must be a non-empty 1-D sequence of class labels.")
    counts = np.array([np.count_nonzero(y == label) for label in labels])
    names = [label_name(label, class_names) for label in labels]

    n = len(labels)
    fig, ax = figure_and_ax(ax, (min(max(6.0, 0.22 * n + 1.5), 20.0), 4.0))
    positions = np.arange(n)
    ax.bar(positions, counts, color="C0")
    ax.set_xticks(positions, names, fontsize=tick_fontsize(n))
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_xlabel("Class")
    ax.set_ylabel("Samples")
    ax.set_title(f"Class distribution ({len(y)} samples, {n} classes)")
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def _table_column(table, metric: str) -> tuple[list[str], np.ndarray, bool]:
    """Model names, float values (NaN where missing) and whether all are ints."""
    if hasattr(table, "columns") and hasattr(table, "to_dict"):  # a DataFrame
        columns = [str(c) for c in table.columns]
        rows = table.to_dict("records")
    elif isinstance(table, Sequence) and not isinstance(table, (str, bytes)):
        rows = list(table)
        if not all(isinstance(r, Mapping) for r in rows):
            raise TypeError(f"table must be {_TABLE}.")
        columns = list(dict.fromkeys(k for r in rows for k in r))
    else:
        raise TypeError(f"table must be {_TABLE}; got {type(table).__name__}.")
    if not rows:
        raise ValueError("table has no rows: nothing to compare.")
    for column in ("model", metric):
        if column not in columns:
            raise ValueError(
                f"table has no {column!r} column; its columns are {columns}."
            )
    models = [str(r.get("model")) for r in rows]
    values, integral = [], True
    for model, r in zip(models, rows, strict=True):
        value = r.get(metric)
        if value is None:
            values.append(math.nan)
        elif isinstance(value, Real) and not isinstance(value, bool):
            values.append(float(value))
            if not math.isnan(value):
                integral = integral and (
                    isinstance(value, Integral) or metric.startswith("n_")
                )
        else:
            raise TypeError(
                f"Column {metric!r} must hold numbers; model {model!r} has {value!r}."
            )
    return models, np.array(values, dtype=float), integral


def _format_value(value: float, integral: bool) -> str:
    if integral:
        return f"{round(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


@validate_params(
    {"metric": [str], **_COMPARISON_CONSTRAINTS}, prefer_skip_nested_validation=True
)
def plot_comparison(
    table,
    metric: str,
    *,
    log: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Plot one column of a comparison table as a bar per model.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
        Rows with a ``model`` key, as returned by
        :func:`~emnist_estimators.evaluation.comparison_table`.
    metric : str
        The column, e.g. 'accuracy', 'f1_macro', 'fit_time_s',
        'inference_s_per_1000' or 'n_parameters'. Known columns get a
        descriptive axis label (:data:`METRIC_LABELS`). Missing values (None
        or NaN) get no bar and the label "n/a".
    log : bool, default=False
        Use a logarithmic value axis (useful for parameter counts).
    ax : Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. Bars follow the table's row order, are labelled
        with their values and take the model colours of
        :func:`plot_learning_curves` for the same order.

    Raises
    ------
    ValueError
        If the table is empty or lacks the ``model`` or ``metric`` column.
    TypeError
        If ``table`` is not a table, ``metric`` not a string, or the column
        holds something other than numbers.
    """
    models, values, integral = _table_column(table, metric)
    fig, ax = figure_and_ax(ax, (min(max(5.0, 1.1 * len(models) + 2.0), 16.0), 4.0))
    positions = np.arange(len(models))
    bars = ax.bar(
        positions,
        np.nan_to_num(values, nan=0.0),
        color=[f"C{i % 10}" for i in range(len(models))],
        log=log,
    )
    labels = ["" if math.isnan(v) else _format_value(v, integral) for v in values]
    ax.bar_label(bars, labels=labels, padding=2)
    for position in positions[np.isnan(values)]:  # at the bottom, log scale or not
        ax.text(
            position,
            0.02,
            "n/a",
            ha="center",
            va="bottom",
            transform=ax.get_xaxis_transform(),
        )
    if len(models) > 4:
        ax.set_xticks(positions, models, rotation=30, ha="right")
    else:
        ax.set_xticks(positions, models)
    label = METRIC_LABELS.get(metric, metric)
    ax.set_ylabel(label)
    ax.set_title(label)
    ax.margins(y=0.15)
    ax.grid(True, axis="y", alpha=0.3)
    return fig


@validate_params(_COMPARISON_CONSTRAINTS, prefer_skip_nested_validation=True)
def plot_training_times(table, *, log: bool = False, ax: Axes | None = None) -> Figure:
    """Plot the training time (``fit_time_s``) of each model.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
        A comparison table with a ``fit_time_s`` column, see
        :func:`plot_comparison`.
    log : bool, default=False
        Use a logarithmic value axis, for times that differ by orders of
        magnitude.
    ax : Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on, its value axis in seconds.
    """
    return plot_comparison(table, "fit_time_s", log=log, ax=ax)


@validate_params(_COMPARISON_CONSTRAINTS, prefer_skip_nested_validation=True)
def plot_parameter_counts(
    table, *, log: bool = False, ax: Axes | None = None
) -> Figure:
    """Plot the number of trainable parameters (``n_parameters``) of each model.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
        A comparison table with an ``n_parameters`` column (see
        :func:`plot_comparison`); models without a count get no bar and the
        label "n/a".
    log : bool, default=False
        Use a logarithmic value axis (parameter counts often differ by orders
        of magnitude).
    ax : Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; each bar is labelled with its count.
    """
    return plot_comparison(table, "n_parameters", log=log, ax=ax)
