"""Figures of training runs, predictions and model comparisons.

Every function draws with matplotlib's object-oriented API and returns the
:class:`~matplotlib.figure.Figure` it drew on: a new one, or the figure of the
``ax`` / ``axes`` passed in. None of them calls ``plt.show()`` or chooses a
backend; show the figure in a notebook, call ``plt.show()`` yourself, or write
it with :func:`save_figure`.

- :func:`plot_learning_curves`: loss and accuracy per epoch of fitted models.
- :func:`plot_confusion_matrix` and :func:`plot_confusion_matrix_from_predictions`.
- :func:`plot_samples` and :func:`plot_mistakes`: grids of images.
- :func:`plot_class_distribution`: samples per class.
- :func:`plot_comparison`, :func:`plot_training_times` and
  :func:`plot_parameter_counts`: one column of a comparison table per model.
- :func:`save_figure`: write a figure atomically.

Class names are given as a mapping label -> name, such as
``emnist_estimators.datasets.get_emnist_mapping("balanced")``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import unique_labels

from ._atomic import atomic_open
from ._reshape import check_image_shape, flatten_images, infer_image_shape, to_images
from .evaluation import EvaluationReport, class_display_names

__all__ = [
    "plot_class_distribution",
    "plot_comparison",
    "plot_confusion_matrix",
    "plot_confusion_matrix_from_predictions",
    "plot_learning_curves",
    "plot_mistakes",
    "plot_parameter_counts",
    "plot_samples",
    "plot_training_times",
    "save_figure",
]

#: Learning-curve metrics: name -> (training key, validation key, axis label).
LEARNING_CURVE_METRICS = {
    "loss": ("train_loss", "valid_loss", "Loss"),
    "accuracy": ("train_acc", "valid_acc", "Accuracy"),
}

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

#: Above this many classes, confusion matrices carry no per-cell numbers.
MAX_ANNOTATED_CLASSES = 20

_NORMALIZE_OPTIONS = (None, "true", "pred", "all")


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_positive_int(value, name: str) -> int:
    if not _is_int(value):
        raise TypeError(f"{name} must be a positive int, got {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def _check_ax(ax, name: str = "ax") -> Axes | None:
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}."
        )
    return ax


def _root_figure(artist) -> Figure:
    """The top-level Figure of an Axes or a (sub)figure."""
    fig = artist if isinstance(artist, Figure) else artist.figure
    # A SubFigure's ``figure`` is its root Figure (older matplotlib: possibly
    # its parent); a few steps up are enough.
    for _ in range(16):
        if isinstance(fig, Figure):
            return fig
        fig = fig.figure
    raise TypeError(f"Cannot find the figure of {artist!r}.")


def _check_class_names(class_names) -> Mapping | None:
    if class_names is not None and not isinstance(class_names, Mapping):
        raise TypeError(
            "class_names must be a mapping label -> name (such as "
            "get_emnist_mapping(split)) or None, got "
            f"{type(class_names).__name__}."
        )
    return class_names


def _label_name(label, class_names: Mapping | None) -> str:
    """Display name of one label; NumPy scalars are looked up as Python values."""
    if class_names is None:
        return str(label.item() if isinstance(label, np.generic) else label)
    key = label.item() if isinstance(label, np.generic) else label
    if key in class_names:
        return str(class_names[key])
    if label in class_names:
        return str(class_names[label])
    raise ValueError(
        f"class_names has no name for the label {key!r} "
        f"(it maps {len(class_names)} labels)."
    )


def _as_labels(y, name: str, n_samples: int | None = None) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of labels, got an array of shape {y.shape}."
        )
    if n_samples is not None and len(y) != n_samples:
        raise ValueError(
            f"{name} has {len(y)} labels but X has {n_samples} samples; "
            "they must match."
        )
    return y


# --------------------------------------------------------------------------
# Learning curves
# --------------------------------------------------------------------------


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
        The figure drawn on.

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

    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError("metrics is empty: pass 'loss', 'accuracy' or both.")
    unknown = [m for m in metrics if m not in LEARNING_CURVE_METRICS]
    if unknown:
        raise ValueError(
            f"Unknown metrics {unknown}; metrics must be chosen from "
            f"{sorted(LEARNING_CURVE_METRICS)}."
        )

    histories = {str(name): _get_history(str(name), m) for name, m in models.items()}
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
        axes = list(np.ravel(np.asarray(axes, dtype=object)))
        for ax in axes:
            _check_ax(ax, "axes")
        if len(axes) != len(metrics):
            raise ValueError(
                f"axes has {len(axes)} Axes but there are {len(metrics)} metrics "
                f"{list(metrics)}; pass one Axes per metric."
            )
        fig = _root_figure(axes[0])

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


# --------------------------------------------------------------------------
# Confusion matrices
# --------------------------------------------------------------------------


def _check_normalize(normalize) -> str | None:
    if normalize not in _NORMALIZE_OPTIONS:
        raise ValueError(
            f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}."
        )
    return normalize


def _normalize_confusion(confusion: np.ndarray, normalize: str | None) -> np.ndarray:
    """Normalise counts like ``sklearn.metrics.confusion_matrix`` (0 for 0/0)."""
    if normalize is None:
        return confusion
    confusion = confusion.astype(float)
    with np.errstate(all="ignore"):
        if normalize == "true":
            confusion = confusion / confusion.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            confusion = confusion / confusion.sum(axis=0, keepdims=True)
        else:
            confusion = confusion / confusion.sum()
    return np.nan_to_num(confusion)


def _tick_fontsize(n_classes: int) -> float:
    if n_classes <= MAX_ANNOTATED_CLASSES:
        return 10.0
    if n_classes <= 40:
        return 8.0
    return 7.0


def _draw_confusion(
    confusion: np.ndarray,
    names: list[str],
    *,
    normalize: str | None,
    include_values: bool | None,
    cmap,
    colorbar: bool,
    ax: Axes | None,
    title: str | None,
) -> Figure:
    n_classes = len(names)
    if include_values is None:
        include_values = n_classes <= MAX_ANNOTATED_CLASSES
    if ax is None:
        side = min(max(6.0, 0.25 * n_classes + 2.5), 20.0)
        fig, ax = plt.subplots(
            figsize=(side + (1.0 if colorbar else 0.0), side), layout="constrained"
        )
    else:
        fig = _root_figure(ax)
    display = ConfusionMatrixDisplay(confusion, display_labels=names)
    im_kw = {"vmin": 0.0, "vmax": 1.0} if normalize is not None else None
    longest = max((len(n) for n in names), default=0)
    rotation = "horizontal" if longest <= 2 else "vertical"
    if normalize is not None:
        values_format = ".2f"
    else:  # counts; sklearn chooses for non-integer "counts"
        values_format = "d" if np.issubdtype(confusion.dtype, np.integer) else None
    display.plot(
        include_values=include_values,
        cmap=cmap,
        xticks_rotation=rotation,
        values_format=values_format,
        ax=ax,
        colorbar=False,
        im_kw=im_kw,
        text_kw={"fontsize": _tick_fontsize(n_classes)},
    )
    if colorbar:  # as tall as the matrix, and slim however large the figure
        fig.colorbar(display.im_, ax=ax, fraction=0.046, pad=0.04)
    ax.tick_params(labelsize=_tick_fontsize(n_classes))
    if title is not None:
        ax.set_title(title)
    return fig


def plot_confusion_matrix(
    report,
    *,
    normalize: str | None = None,
    include_values: bool | None = None,
    cmap="Blues",
    colorbar: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """Plot the confusion matrix of an evaluation report.

    Drawn with scikit-learn's :class:`~sklearn.metrics.ConfusionMatrixDisplay`;
    rows are true classes, columns predicted classes, and the ticks are the
    report's class names (characters where a mapping was given to
    :func:`~emnist_estimators.evaluation.evaluate`). A new figure grows with
    the number of classes and uses smaller tick labels for many classes, so
    that the 47 classes of EMNIST *balanced* and the 62 of *byclass* stay
    readable.

    Parameters
    ----------
    report : EvaluationReport or mapping
        A report from :func:`~emnist_estimators.evaluation.evaluate`, or its
        :meth:`~emnist_estimators.evaluation.EvaluationReport.to_dict` form
        (e.g. read back from JSON) with ``confusion`` and ``class_names``.
    normalize : {None, 'true', 'pred', 'all'}, default=None
        Show counts (None), or fractions of each true class ('true': rows
        sum to 1), of each predicted class ('pred') or of all samples
        ('all'). Classes without samples get 0.
    include_values : bool or None, default=None
        Write the value in each cell. None does so for at most
        :data:`MAX_ANNOTATED_CLASSES` (20) classes.
    cmap : str or Colormap, default='Blues'
        Colour map of the cells.
    colorbar : bool, default=True
        Whether to add a colour bar.
    ax : Axes, optional
        Where to draw; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    TypeError
        If ``report`` is not an evaluation report.
    ValueError
        If ``normalize`` is not one of the options, or the report's matrix is
        not square or does not match its class names.

    See Also
    --------
    plot_confusion_matrix_from_predictions : The same from labels.
    """
    if isinstance(report, EvaluationReport):
        confusion, names, model = report.confusion, report.class_names, report.model
    elif isinstance(report, Mapping) and {"confusion", "class_names"} <= set(report):
        confusion, names = report["confusion"], report["class_names"]
        model = report.get("model")
    else:
        raise TypeError(
            "report must be an EvaluationReport (from evaluate) or its to_dict() "
            f"form, got {type(report).__name__}; to plot from labels use "
            "plot_confusion_matrix_from_predictions."
        )
    normalize = _check_normalize(normalize)
    _check_ax(ax)
    confusion = np.asarray(confusion)
    names = [str(n) for n in names]
    if confusion.ndim != 2 or confusion.shape != (len(names), len(names)):
        raise ValueError(
            f"The report's confusion matrix has shape {confusion.shape}, expected "
            f"({len(names)}, {len(names)}) for its {len(names)} class names."
        )
    title = "Confusion matrix" + (f": {model}" if model else "")
    return _draw_confusion(
        _normalize_confusion(confusion, normalize),
        names,
        normalize=normalize,
        include_values=include_values,
        cmap=cmap,
        colorbar=colorbar,
        ax=ax,
        title=title,
    )


def plot_confusion_matrix_from_predictions(
    y_true,
    y_pred,
    *,
    labels=None,
    class_names=None,
    normalize: str | None = None,
    include_values: bool | None = None,
    cmap="Blues",
    colorbar: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """Plot the confusion matrix of true and predicted labels.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like, optional
        The classes, in the order of the rows and columns; by default the
        sorted labels found in ``y_true`` and ``y_pred``.
    class_names : mapping, sequence or None, default=None
        Tick labels: a mapping label -> name (such as
        ``get_emnist_mapping(split)``), a sequence aligned with ``labels``, or
        None for the labels themselves.
    normalize : {None, 'true', 'pred', 'all'}, default=None
        As in :func:`plot_confusion_matrix`.
    include_values : bool or None, default=None
        As in :func:`plot_confusion_matrix`.
    cmap : str or Colormap, default='Blues'
        Colour map of the cells.
    colorbar : bool, default=True
        Whether to add a colour bar.
    ax : Axes, optional
        Where to draw; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    ValueError
        If the label arrays differ in length or are empty, ``normalize`` is
        not an option, or ``class_names`` does not fit ``labels``.
    """
    normalize = _check_normalize(normalize)
    _check_ax(ax)
    y_true = _as_labels(y_true, "y_true")
    y_pred = _as_labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}; "
            "they must match."
        )
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty: need at least one sample.")
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    names = class_display_names(
        [v.item() if isinstance(v, np.generic) else v for v in labels], class_names
    )
    confusion = confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    return _draw_confusion(
        confusion,
        names,
        normalize=normalize,
        include_values=include_values,
        cmap=cmap,
        colorbar=colorbar,
        ax=ax,
        title=None,
    )


# --------------------------------------------------------------------------
# Image grids
# --------------------------------------------------------------------------


def _as_images(X, image_shape) -> np.ndarray:
    """Images of shape (n, H, W), or (n, H, W, 3) for three channels."""
    X = np.asarray(X)
    if X.ndim not in (2, 3, 4):
        raise ValueError(
            "X must be flat (n_samples, n_features) or images (n_samples, height, "
            f"width) / (n_samples, channels, height, width); got shape {X.shape}."
        )
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"X must hold numbers, got dtype {X.dtype}.")
    flat, data_shape = flatten_images(X)
    if data_shape is None:
        data_shape = (
            infer_image_shape(flat.shape[1])
            if image_shape is None
            else check_image_shape(image_shape)
        )
    elif image_shape is not None and check_image_shape(image_shape) != data_shape:
        raise ValueError(
            f"image_shape={image_shape!r} does not match the images of X, which "
            f"have shape {data_shape}; leave image_shape to None for image input."
        )
    images = to_images(flat, data_shape)
    channels = data_shape[0]
    if channels == 1:
        return images[:, 0]
    if channels == 3:
        return np.moveaxis(images, 1, -1)
    raise ValueError(
        f"Images with {channels} channels cannot be shown; expected 1 (grey) or 3 "
        "(RGB) channels."
    )


def _select(n_available: int, n_images: int, random_state) -> np.ndarray:
    n = min(n_images, n_available)
    if random_state is None:
        return np.arange(n)
    rng = check_random_state(random_state)
    return np.sort(rng.choice(n_available, size=n, replace=False))


def _grid_axes(n: int, n_cols, axes, *, cell: float = 1.4):
    """(figure, list of Axes, created) for ``n`` images."""
    if axes is not None:
        axes = list(np.ravel(np.asarray(axes, dtype=object)))
        for ax in axes:
            _check_ax(ax, "axes")
        if len(axes) < n:
            raise ValueError(
                f"axes has {len(axes)} Axes but {n} images are to be shown; pass at "
                "least n_images Axes or lower n_images."
            )
        return _root_figure(axes[0]), axes, False
    if n_cols is None:
        n_cols = max(1, math.ceil(math.sqrt(n)))
    n_cols = max(1, min(n_cols, n))
    n_rows = max(1, math.ceil(n / n_cols))
    fig, grid = plt.subplots(
        n_rows,
        n_cols,
        figsize=(cell * n_cols, (cell + 0.25) * n_rows),
        squeeze=False,
        layout="constrained",
    )
    return fig, list(grid.ravel()), True


def _draw_grid(
    images: np.ndarray,
    titles: list[str] | None,
    colors: list[str | None] | None,
    axes: list[Axes],
    cmap,
) -> None:
    # One intensity scale for all grey images; RGB images are shown as they are.
    scale = {}
    if images.ndim == 3:
        vmin, vmax = float(np.min(images)), float(np.max(images))
        scale = {"cmap": cmap, "vmin": vmin, "vmax": vmax}
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= len(images):
            continue
        ax.imshow(images[i], origin="upper", interpolation="nearest", **scale)
        if titles is not None:
            style = {"color": colors[i]} if colors and colors[i] else {}
            ax.set_title(titles[i], fontsize=10, **style)


def _check_grid_args(n_images, n_cols) -> tuple[int, int | None]:
    n_images = _check_positive_int(n_images, "n_images")
    if n_cols is not None:
        n_cols = _check_positive_int(n_cols, "n_cols")
    return n_images, n_cols


def plot_samples(
    X,
    y=None,
    *,
    class_names: Mapping | None = None,
    predictions=None,
    n_images: int = 25,
    n_cols: int | None = None,
    random_state=None,
    image_shape: tuple[int, ...] | None = None,
    cmap="gray_r",
    axes=None,
) -> Figure:
    """Show a grid of sample images titled with their characters.

    Parameters
    ----------
    X : array-like
        Images: flat ``(n_samples, n_features)`` rows (read as square images,
        784 -> 28x28, unless ``image_shape`` says otherwise),
        ``(n_samples, height, width)`` or ``(n_samples, channels, height,
        width)`` with 1 or 3 channels. Images are shown as they are, so
        upright images (as the package's loaders return) appear upright.
    y : array-like of shape (n_samples,), optional
        Labels, shown as titles (through ``class_names``).
    class_names : mapping or None, default=None
        Label -> name, e.g. ``get_emnist_mapping("byclass")``; None shows
        the labels.
    predictions : array-like of shape (n_samples,), optional
        Predicted labels. With ``y``, titles read ``"true → predicted"`` and
        are red where the two differ; without ``y``, titles are the
        predictions.
    n_images : int, default=25
        Number of images shown (fewer if ``X`` has fewer samples).
    n_cols : int, optional
        Columns of the grid; by default about the square root of
        ``n_images``. Ignored when ``axes`` is given.
    random_state : int, RandomState instance, Generator or None, default=None
        None shows the first ``n_images`` samples; otherwise that many
        samples drawn at random without replacement (in their order in
        ``X``), seeded by ``random_state``.
    image_shape : tuple of int, optional
        ``(height, width)`` or ``(channels, height, width)`` of flat rows.
    cmap : str or Colormap, default='gray_r'
        Colour map of single-channel images (dark ink on white). All images
        share one intensity scale.
    axes : sequence of Axes, optional
        Axes to draw the images in, at least ``n_images`` of them (extra ones
        are left blank). By default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    ValueError
        If ``X`` has no samples or the wrong shape, ``y`` or ``predictions``
        do not match ``X``, or ``class_names`` lacks a label.
    TypeError
        If ``class_names`` is not a mapping, or ``n_images`` / ``n_cols`` is
        not an int.
    """
    class_names = _check_class_names(class_names)
    n_images, n_cols = _check_grid_args(n_images, n_cols)
    images = _as_images(X, image_shape)
    if len(images) == 0:
        raise ValueError("X has no samples: need at least one image to show.")
    if y is not None:
        y = _as_labels(y, "y", len(images))
    if predictions is not None:
        predictions = _as_labels(predictions, "predictions", len(images))

    index = _select(len(images), n_images, random_state)
    titles, colors = None, None
    if y is not None and predictions is not None:
        titles = [
            f"{_label_name(y[i], class_names)} → "
            f"{_label_name(predictions[i], class_names)}"
            for i in index
        ]
        colors = [None if y[i] == predictions[i] else "tab:red" for i in index]
    elif y is not None or predictions is not None:
        labels = y if y is not None else predictions
        titles = [_label_name(labels[i], class_names) for i in index]

    fig, grid, _ = _grid_axes(len(index), n_cols, axes)
    _draw_grid(images[index], titles, colors, grid, cmap)
    return fig


def plot_mistakes(
    X,
    y_true,
    y_pred,
    *,
    class_names: Mapping | None = None,
    n_images: int = 25,
    n_cols: int | None = None,
    random_state=None,
    image_shape: tuple[int, ...] | None = None,
    cmap="gray_r",
    axes=None,
) -> Figure:
    """Show a grid of misclassified images titled ``"true → predicted"``.

    Only samples with ``y_true != y_pred`` are shown. When there are none, the
    figure (a new one, or the first of ``axes``) holds only the text
    "No misclassified samples" and no images; no error is raised.

    Parameters
    ----------
    X : array-like
        Images, as in :func:`plot_samples`.
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    class_names : mapping or None, default=None
        Label -> name, e.g. ``get_emnist_mapping("balanced")``.
    n_images : int, default=25
        Most mistakes shown.
    n_cols : int, optional
        Columns of the grid; ignored when ``axes`` is given.
    random_state : int, RandomState instance, Generator or None, default=None
        None shows the first mistakes; otherwise mistakes drawn at random,
        seeded by ``random_state``.
    image_shape : tuple of int, optional
        ``(height, width)`` or ``(channels, height, width)`` of flat rows.
    cmap : str or Colormap, default='gray_r'
        Colour map of single-channel images.
    axes : sequence of Axes, optional
        Axes to draw in, at least as many as the images shown.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. A new figure is titled with the number of
        mistakes.

    Raises
    ------
    ValueError
        If ``X``, ``y_true`` and ``y_pred`` do not match, or ``class_names``
        lacks a label.
    TypeError
        If ``class_names`` is not a mapping, or ``n_images`` / ``n_cols`` is
        not an int.
    """
    class_names = _check_class_names(class_names)
    n_images, n_cols = _check_grid_args(n_images, n_cols)
    images = _as_images(X, image_shape)
    y_true = _as_labels(y_true, "y_true", len(images))
    y_pred = _as_labels(y_pred, "y_pred", len(images))
    wrong = np.flatnonzero(y_true != y_pred)

    if len(wrong) == 0:
        if axes is None:
            fig, ax = plt.subplots(figsize=(4.0, 1.5), layout="constrained")
            grid = [ax]
        else:
            fig, grid, _ = _grid_axes(1, None, axes)
        for ax in grid:
            ax.set_axis_off()
        grid[0].text(
            0.5,
            0.5,
            f"No misclassified samples (of {len(y_true)})",
            ha="center",
            va="center",
            transform=grid[0].transAxes,
        )
        return fig

    index = wrong[_select(len(wrong), n_images, random_state)]
    titles = [
        f"{_label_name(y_true[i], class_names)} → {_label_name(y_pred[i], class_names)}"
        for i in index
    ]
    fig, grid, created = _grid_axes(len(index), n_cols, axes)
    _draw_grid(images[index], titles, None, grid, cmap)
    if created:
        fig.suptitle(f"{len(wrong)} misclassified of {len(y_true)} (true → predicted)")
    return fig


# --------------------------------------------------------------------------
# Bar charts
# --------------------------------------------------------------------------


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
        The figure drawn on.

    Raises
    ------
    ValueError
        If ``y`` is empty or not 1-D, or ``class_names`` lacks a label.
    TypeError
        If ``class_names`` is not a mapping.
    """
    class_names = _check_class_names(class_names)
    _check_ax(ax)
    y = _as_labels(y, "y")
    if len(y) == 0:
        raise ValueError("y is empty: need at least one label.")
    labels = np.unique(y) if labels is None else np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError("labels must be a non-empty 1-D sequence of class labels.")
    counts = np.array([np.count_nonzero(y == label) for label in labels])
    names = [_label_name(label, class_names) for label in labels]

    n = len(labels)
    if ax is None:
        fig, ax = plt.subplots(
            figsize=(min(max(6.0, 0.22 * n + 1.5), 20.0), 4.0), layout="constrained"
        )
    else:
        fig = _root_figure(ax)
    positions = np.arange(n)
    ax.bar(positions, counts, color="C0")
    ax.set_xticks(positions, names, fontsize=_tick_fontsize(n))
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
            raise TypeError(
                "table must be a pandas DataFrame or a list of dicts (rows), as "
                "returned by comparison_table."
            )
        columns = list(dict.fromkeys(k for r in rows for k in r))
    else:
        raise TypeError(
            "table must be a pandas DataFrame or a list of dicts (rows), as returned "
            f"by comparison_table; got {type(table).__name__}."
        )
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
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a column name (str), got {metric!r}.")
    _check_ax(ax)
    models, values, integral = _table_column(table, metric)

    if ax is None:
        fig, ax = plt.subplots(
            figsize=(min(max(5.0, 1.1 * len(models) + 2.0), 16.0), 4.0),
            layout="constrained",
        )
    else:
        fig = _root_figure(ax)
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


def plot_training_times(table, *, log: bool = False, ax: Axes | None = None) -> Figure:
    """Plot the training time (``fit_time_s``) of each model.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
        A comparison table, see :func:`plot_comparison`.
    log : bool, default=False
        Use a logarithmic value axis.
    ax : Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    return plot_comparison(table, "fit_time_s", log=log, ax=ax)


def plot_parameter_counts(
    table, *, log: bool = False, ax: Axes | None = None
) -> Figure:
    """Plot the number of trainable parameters (``n_parameters``) of each model.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
        A comparison table, see :func:`plot_comparison`.
    log : bool, default=False
        Use a logarithmic value axis.
    ax : Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    return plot_comparison(table, "n_parameters", log=log, ax=ax)


# --------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------


def save_figure(fig: Figure, path: str | Path, *, dpi: float = 120) -> Path:
    """Write a figure to a file atomically.

    The image is written to a hidden temporary file next to ``path`` that
    replaces ``path`` only once it is complete; if saving fails, the
    temporary file is removed and an existing ``path`` is left as it was.
    Nothing else is created (the folder must exist).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, e.g. as returned by the plotting functions.
    path : str or path-like
        Destination. Its suffix picks the format ('.png', '.pdf', '.svg', ...
        whatever the figure's canvas supports); without a suffix, PNG.
    dpi : float, default=120
        Resolution of raster formats, in dots per inch.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``fig`` is not a matplotlib figure or ``dpi`` not a number.
    ValueError
        If the suffix names an unsupported format or ``dpi`` is not positive.
    FileNotFoundError
        If the folder of ``path`` does not exist.
    """
    if not isinstance(fig, Figure):
        hint = " (use ax.figure for an Axes)" if isinstance(fig, Axes) else ""
        raise TypeError(
            f"fig must be a matplotlib Figure, got {type(fig).__name__}{hint}."
        )
    if not isinstance(dpi, Real) or isinstance(dpi, bool):
        raise TypeError(f"dpi must be a positive number, got {dpi!r}.")
    if not dpi > 0:
        raise ValueError(f"dpi must be a positive number, got {dpi!r}.")
    path = Path(path)
    fmt = path.suffix[1:].lower() or "png"
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(
            f"Cannot save a figure as {path.name!r}: unknown format {fmt!r}; use "
            f"one of the suffixes {sorted('.' + s for s in supported)}."
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"Cannot save the figure to {str(path)!r}: the folder "
            f"{str(path.parent)!r} does not exist."
        )
    with atomic_open(path) as f:
        fig.savefig(f, format=fmt, dpi=dpi, bbox_inches="tight")
    return path
