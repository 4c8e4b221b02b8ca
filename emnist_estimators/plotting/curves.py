"""Learning curves: loss and accuracy per epoch; the loss of a learning-rate test."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .._validation import Predicate, StrOptions, validate_params
from ._common import AXES, axes_list, figure_and_ax, root_figure

__all__ = ["LEARNING_CURVE_METRICS", "plot_learning_curves", "plot_lr_range_test"]

#: Learning-curve metrics: name -> (training key, validation key, axis label).
LEARNING_CURVE_METRICS = {
    "loss": ("train_loss", "valid_loss", "Loss"),
    "accuracy": ("train_acc", "valid_acc", "Accuracy"),
}


def _is_metric_sequence(value) -> bool:
    """A non-empty collection (not a str, not a one-pass iterator) of metrics."""
    if isinstance(value, (str, bytes, Iterator)) or not isinstance(value, Iterable):
        return False
    metrics = list(value)
    return bool(metrics) and all(
        isinstance(m, str) and m in LEARNING_CURVE_METRICS for m in metrics
    )


def _is_history(obj) -> bool:
    """A skorch History or any list/tuple of per-epoch dicts."""
    return isinstance(obj, (list, tuple)) and all(isinstance(r, Mapping) for r in obj)


def _get_history(name: str, model) -> list:
    """The per-epoch records of a fitted estimator, pipeline, net or history."""
    if hasattr(model, "steps"):  # a Pipeline: its final estimator was trained
        model = model.steps[-1][1]
    if _is_history(model):
        history = model
    elif _is_history(getattr(model, "history_", None)):
        history = model.history_
    elif _is_history(getattr(model, "history", None)):  # a skorch net
        history = model.history
    else:
        raise ValueError(
            f"Model {name!r} has no training history: pass a fitted estimator "
            "(with history_), a skorch net or History, or a list of per-epoch "
            f"dicts; got an unfitted or unknown {type(model).__name__}."
        )
    history = list(history)
    if not history:
        raise ValueError(f"The training history of model {name!r} is empty.")
    return history


def _series(history: list, key: str) -> tuple[list, list]:
    """(epochs, values) of the epochs that recorded ``key``."""
    epochs, values = [], []
    for i, row in enumerate(history):
        value = row.get(key)
        if value is not None:
            epochs.append(row.get("epoch", i + 1))
            values.append(float(value))
    return epochs, values


def _as_model_dict(models) -> dict:
    """``models`` as a dict name -> model; a single model is named by its class."""
    if isinstance(models, Mapping):
        models = dict(models)
    elif _is_history(models) or hasattr(models, "fit"):  # a single model
        if _is_history(models):
            label = "model"
        else:
            final = models.steps[-1][1] if hasattr(models, "steps") else models
            label = type(final).__name__
        models = {label: models}
    else:
        raise TypeError(
            "models must be a mapping name -> fitted estimator or history, "
            f"got {type(models).__name__}."
        )
    if not models:
        raise ValueError("models is empty: pass at least one model to plot.")
    return models


def _check_recorded(histories: dict[str, list], metrics: tuple[str, ...]) -> None:
    """Raise unless each history records each metric, in training or validation."""
    for name, history in histories.items():
        for metric in metrics:
            train_key, valid_key, _ = LEARNING_CURVE_METRICS[metric]
            if not any(
                row.get(k) is not None
                for row in history
                for k in (train_key, valid_key)
            ):
                recorded = sorted({k for row in history for k in row})
                raise ValueError(
                    f"The history of model {name!r} records neither {train_key!r} "
                    f"nor {valid_key!r} (needed for metric {metric!r}); it records "
                    f"{recorded}."
                )


@validate_params(
    {
        "metrics": [
            StrOptions(set(LEARNING_CURVE_METRICS)),
            Predicate(_is_metric_sequence, "a non-empty sequence of them"),
        ],
        "axes": [AXES, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_learning_curves(
    models,
    *,
    metrics: str | Sequence[str] = ("loss", "accuracy"),
    axes=None,
) -> Figure:
    """Plot training and validation loss and accuracy per epoch of several models.

    One subplot per metric and one colour per model; the training curve is
    solid and the validation curve dashed. Validation curves are drawn only
    for models that were trained with a validation split (``valid_loss`` and
    ``valid_acc`` in their history).

    Parameters
    ----------
    models : mapping
        Model name -> fitted estimator of this package (its ``history_`` is
        used; a ``Pipeline`` ending in one works too), skorch net, skorch
        ``History``, or list of per-epoch dicts with keys such as ``epoch``,
        ``train_loss``, ``train_acc``, ``valid_loss`` and ``valid_acc``. A
        single fitted estimator or history is accepted as well and named by
        its class.
    metrics : str or sequence of {'loss', 'accuracy'}, default=('loss', 'accuracy')
        The metrics to plot, one subplot each, in this order.
    axes : Axes or sequence of Axes, optional
        One Axes per metric to draw on. By default a new figure with one row
        of subplots is created.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on: that of ``axes``, or a new one with a row of
        subplots.

    Raises
    ------
    ValueError
        If ``models`` is empty, a metric is unknown, a model has no training
        history, or a history records neither the training nor the
        validation value of a metric.
    TypeError
        If ``models`` is neither a mapping nor a single model, or ``axes``
        holds something other than Axes.

    Examples
    --------
    >>> fig = plot_learning_curves({"MLP": mlp, "CNN": cnn})  # doctest: +SKIP
    """
    models = _as_model_dict(models)
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    histories = {str(name): _get_history(str(name), m) for name, m in models.items()}
    _check_recorded(histories, metrics)

    if axes is None:
        fig, axes = plt.subplots(
            1,
            len(metrics),
            figsize=(5.0 * len(metrics), 4.0),
            squeeze=False,
            layout="constrained",
        )
        axes = list(axes.ravel())
    else:
        axes = axes_list(axes)
        if len(axes) != len(metrics):
            raise ValueError(
                f"axes has {len(axes)} Axes but there are {len(metrics)} metrics "
                f"{list(metrics)}; pass one Axes per metric."
            )
        fig = root_figure(axes[0])

    for ax, metric in zip(axes, metrics, strict=True):
        train_key, valid_key, label = LEARNING_CURVE_METRICS[metric]
        for i, (name, history) in enumerate(histories.items()):
            color = f"C{i % 10}"
            for key, style, split in (
                (train_key, "-", "train"),
                (valid_key, "--", "validation"),
            ):
                epochs, values = _series(history, key)
                if values:
                    ax.plot(
                        epochs,
                        values,
                        linestyle=style,
                        color=color,
                        marker="o" if len(values) == 1 else None,
                        label=f"{name} ({split})",
                    )
        ax.set_title(label)
        ax.set_xlabel("Epoch")
        ax.set_ylabel(label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return fig


def _is_range_test(value) -> bool:
    return all(hasattr(value, k) for k in ("lrs", "losses", "suggested_lr"))


@validate_params(
    {
        "result": [Predicate(_is_range_test, "an LRFinderResult (from find_lr)")],
        "ax": [Axes, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_lr_range_test(result, *, ax=None) -> Figure:
    """Plot a learning-rate range test: the loss against the (log) learning rate.

    The raw loss of every step is drawn faintly, the smoothed loss solid, and
    the suggested rate as a vertical line.

    Parameters
    ----------
    result : LRFinderResult
        From :func:`emnist_estimators.tuning.find_lr`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> fig = plot_lr_range_test(find_lr(clf, X, y))  # doctest: +SKIP
    """
    fig, ax = figure_and_ax(ax, (6.0, 4.0))
    ax.plot(result.lrs, result.losses, color="C0", alpha=0.3, label="loss per step")
    ax.plot(result.lrs, result.smoothed_losses, color="C0", label="smoothed")
    ax.axvline(
        result.suggested_lr,
        color="C3",
        linestyle="--",
        label=f"suggested: {result.suggested_lr:.2g} ({result.method})",
    )
    ax.set_xscale("log")
    # The last steps may diverge far: keep the part that decides in view.
    smoothed = result.smoothed_losses
    lowest, top = (
        min(smoothed),
        max(smoothed[: list(smoothed).index(min(smoothed)) + 1]),
    )
    margin = 0.1 * max(top - lowest, 1e-3)
    ax.set_ylim(lowest - margin, top + 4 * margin)
    ax.set_xlabel("Learning rate")
    ax.set_ylabel("Training loss")
    ax.set_title("Learning-rate range test")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig
