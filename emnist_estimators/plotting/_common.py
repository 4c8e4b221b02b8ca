"""What the plotting modules share: figures and axes, labels, constraints, saving."""

from __future__ import annotations

import os
from collections.abc import Mapping
from numbers import Real
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from .._atomic import atomic_open
from .._validation import Interval, Predicate, validate_params

#: Above this many classes, confusion matrices carry no per-cell numbers.
MAX_ANNOTATED_CLASSES = 20


# -- Parameter constraints shared by the figures ------------------------------
def _is_axes_array(value) -> bool:
    return all(isinstance(ax, Axes) for ax in axes_list(value))


#: Constraint of ``axes``: one Axes or an array-like of them.
AXES = Predicate(_is_axes_array, "a matplotlib Axes or an array-like of Axes")

#: Constraints of ``cmap``: a colour map or its name; None for the default.
CMAP = [str, Colormap, None]

#: Constraints of ``class_names`` given as a mapping label -> name.
CLASS_NAMES = [Mapping, None]

#: Constraint of the ``fig`` of :func:`save_figure`, with a hint for an Axes.
FIGURE = Predicate(
    lambda value: isinstance(value, Figure),
    "a matplotlib Figure (use ax.figure for an Axes)",
)


# -- Figures and axes ---------------------------------------------------------
def axes_list(axes) -> list:
    """The Axes of ``axes`` (one Axes or an array-like of them) as a flat list."""
    return list(np.ravel(np.asarray(axes, dtype=object)))


def root_figure(artist) -> Figure:
    """The top-level Figure of an Axes or a (sub)figure."""
    fig = artist if isinstance(artist, Figure) else artist.figure
    # A SubFigure's ``figure`` is its root Figure (older matplotlib: possibly
    # its parent); a few steps up are enough.
    for _ in range(16):
        if isinstance(fig, Figure):
            return fig
        fig = fig.figure
    raise TypeError(f"Cannot find the figure of {artist!r}.")


def figure_and_ax(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure of ``figsize`` with one Axes."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return root_figure(ax), ax


def tick_fontsize(n_classes: int) -> float:
    """Font size of class tick labels: smaller for many classes."""
    if n_classes <= MAX_ANNOTATED_CLASSES:
        return 10.0
    if n_classes <= 40:
        return 8.0
    return 7.0


# -- Labels and class names ---------------------------------------------------
def label_name(label, class_names: Mapping | None) -> str:
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


def as_labels(y, name: str, n_samples: int | None = None) -> np.ndarray:
    """``y`` as a 1-D array, of ``n_samples`` labels when that is given."""
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


# -- Saving -------------------------------------------------------------------
@validate_params(
    {
        "fig": [FIGURE],
        "path": [str, os.PathLike],
        "dpi": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
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
