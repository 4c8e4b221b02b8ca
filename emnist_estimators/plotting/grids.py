"""Grids of images: samples with their labels, and misclassified samples."""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.utils import check_random_state

from .._reshape import flatten_images, resolve_image_shape, to_images
from .._validation import IMAGE_SHAPE, Interval, validate_params
from ._common import (
    AXES,
    CLASS_NAMES,
    CMAP,
    as_labels,
    axes_list,
    label_name,
    root_figure,
)

__all__ = ["plot_mistakes", "plot_samples"]

#: The constraints of the grid options both functions take.
_GRID_CONSTRAINTS = {
    "class_names": CLASS_NAMES,
    "n_images": [Interval(Integral, 1, None, closed="left")],
    "n_cols": [Interval(Integral, 1, None, closed="left"), None],
    "random_state": ["random_state"],
    "image_shape": [IMAGE_SHAPE, None],
    "cmap": CMAP,
    "axes": [AXES, None],
}


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
    data_shape = resolve_image_shape(flat.shape[1], image_shape, data_shape)
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
        axes = axes_list(axes)
        if len(axes) < n:
            raise ValueError(
                f"axes has {len(axes)} Axes but {n} images are to be shown; pass at "
                "least n_images Axes or lower n_images."
            )
        return root_figure(axes[0]), axes, False
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


def _pair_title(true, predicted, class_names: Mapping | None) -> str:
    """``"true → predicted"`` in class names."""
    return f"{label_name(true, class_names)} → {label_name(predicted, class_names)}"


@validate_params(_GRID_CONSTRAINTS, prefer_skip_nested_validation=True)
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
    random_state : int, RandomState instance or None, default=None
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
        The figure drawn on; cells of the grid without an image are left
        blank.

    Raises
    ------
    ValueError
        If ``X`` has no samples or the wrong shape, ``y`` or ``predictions``
        do not match ``X``, or ``class_names`` lacks a label.
    TypeError
        If ``class_names`` is not a mapping, or ``n_images`` / ``n_cols`` is
        not an int.
    """
    images = _as_images(X, image_shape)
    if len(images) == 0:
        raise ValueError("X has no samples: need at least one image to show.")
    if y is not None:
        y = as_labels(y, "y", len(images))
    if predictions is not None:
        predictions = as_labels(predictions, "predictions", len(images))

    index = _select(len(images), n_images, random_state)
    titles, colors = None, None
    if y is not None and predictions is not None:
        titles = [_pair_title(y[i], predictions[i], class_names) for i in index]
        colors = [None if y[i] == predictions[i] else "tab:red" for i in index]
    elif y is not None or predictions is not None:
        labels = y if y is not None else predictions
        titles = [label_name(labels[i], class_names) for i in index]

    fig, grid, _ = _grid_axes(len(index), n_cols, axes)
    _draw_grid(images[index], titles, colors, grid, cmap)
    return fig


def _no_mistakes(n_samples: int, axes) -> Figure:
    """A figure (new, or that of ``axes``) saying there are no mistakes."""
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
        f"No misclassified samples (of {n_samples})",
        ha="center",
        va="center",
        transform=grid[0].transAxes,
    )
    return fig


@validate_params(_GRID_CONSTRAINTS, prefer_skip_nested_validation=True)
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
    random_state : int, RandomState instance or None, default=None
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
    images = _as_images(X, image_shape)
    y_true = as_labels(y_true, "y_true", len(images))
    y_pred = as_labels(y_pred, "y_pred", len(images))
    wrong = np.flatnonzero(y_true != y_pred)
    if len(wrong) == 0:
        return _no_mistakes(len(y_true), axes)

    index = wrong[_select(len(wrong), n_images, random_state)]
    titles = [_pair_title(y_true[i], y_pred[i], class_names) for i in index]
    fig, grid, created = _grid_axes(len(index), n_cols, axes)
    _draw_grid(images[index], titles, None, grid, cmap)
    if created:
        fig.suptitle(f"{len(wrong)} misclassified of {len(y_true)} (true → predicted)")
    return fig
