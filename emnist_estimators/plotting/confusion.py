"""Confusion matrices, from an evaluation report or from labels."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix
from sklearn.utils.multiclass import unique_labels

from .._validation import StrOptions, validate_params
from ..evaluation import EvaluationReport, class_display_names
from ._common import (
    CMAP,
    MAX_ANNOTATED_CLASSES,
    as_labels,
    figure_and_ax,
    tick_fontsize,
)

__all__ = [
    "MAX_ANNOTATED_CLASSES",
    "plot_confusion_matrix",
    "plot_confusion_matrix_from_predictions",
]

#: The constraints of the display options both functions take.
_DISPLAY_CONSTRAINTS = {
    "normalize": [StrOptions({"true", "pred", "all"}), None],
    "include_values": ["boolean", None],
    "cmap": CMAP,
    "colorbar": ["boolean"],
    "ax": [Axes, None],
}


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


def _draw_confusion(
    confusion: np.ndarray,
    names: list[str],
    title: str | None,
    *,
    normalize: str | None,
    include_values: bool | None,
    cmap,
    colorbar: bool,
    ax: Axes | None,
) -> Figure:
    n_classes = len(names)
    if include_values is None:
        include_values = n_classes <= MAX_ANNOTATED_CLASSES
    side = min(max(6.0, 0.25 * n_classes + 2.5), 20.0)
    fig, ax = figure_and_ax(ax, (side + (1.0 if colorbar else 0.0), side))
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
        text_kw={"fontsize": tick_fontsize(n_classes)},
    )
    if colorbar:  # as tall as the matrix, and slim however large the figure
        fig.colorbar(display.im_, ax=ax, fraction=0.046, pad=0.04)
    ax.tick_params(labelsize=tick_fontsize(n_classes))
    if title is not None:
        ax.set_title(title)
    return fig


@validate_params(_DISPLAY_CONSTRAINTS, prefer_skip_nested_validation=True)
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
    confusion = np.asarray(confusion)
    names = [str(n) for n in names]
    if confusion.ndim != 2 or confusion.shape != (len(names), len(names)):
        raise ValueError(
            f"The report's confusion matrix has shape {confusion.shape}, expected "
            f"({len(names)}, {len(names)}) for its {len(names)} class names."
        )
    return _draw_confusion(
        _normalize_confusion(confusion, normalize),
        names,
        "Confusion matrix" + (f": {model}" if model else ""),
        normalize=normalize,
        include_values=include_values,
        cmap=cmap,
        colorbar=colorbar,
        ax=ax,
    )


@validate_params(_DISPLAY_CONSTRAINTS, prefer_skip_nested_validation=True)
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
        As in :func:`plot_confusion_matrix`.
    colorbar : bool, default=True
        As in :func:`plot_confusion_matrix`.
    ax : Axes, optional
        Where to draw; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. Unlike :func:`plot_confusion_matrix`, it sets no
        title (there is no model name to show).

    Raises
    ------
    ValueError
        If the label arrays differ in length or are empty, ``normalize`` is
        not an option, or ``class_names`` does not fit ``labels``.
    """
    y_true = as_labels(y_true, "y_true")
    y_pred = as_labels(y_pred, "y_pred")
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
    return _draw_confusion(
        confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize),
        names,
        None,
        normalize=normalize,
        include_values=include_values,
        cmap=cmap,
        colorbar=colorbar,
        ax=ax,
    )
