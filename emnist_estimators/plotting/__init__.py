"""Figures of training runs, predictions and model comparisons.

Every function draws with matplotlib's object-oriented API and returns the
:class:`~matplotlib.figure.Figure` it drew on: a new one, or the figure of the
``ax`` / ``axes`` passed in. None of them calls ``plt.show()`` or chooses a
backend; show the figure in a notebook, call ``plt.show()`` yourself, or write
it with :func:`save_figure`.

- :func:`plot_learning_curves`: loss and accuracy per epoch of fitted models;
  :func:`plot_lr_range_test`: the loss of a learning-rate range test.
- :func:`plot_confusion_matrix` and :func:`plot_confusion_matrix_from_predictions`.
- :func:`plot_samples` and :func:`plot_mistakes`: grids of images.
- :func:`plot_class_distribution`: samples per class.
- :func:`plot_comparison`, :func:`plot_training_times` and
  :func:`plot_parameter_counts`: one column of a comparison table per model.
- :func:`save_figure`: write a figure atomically.

Class names are given as a mapping label -> name, such as
``emnist_estimators.datasets.get_emnist_mapping("balanced")``.

Every function checks its options (counts, choices, flags, ``ax`` / ``axes``)
with scikit-learn's parameter validation, so that a wrong one raises
``InvalidParameterError`` (a ``ValueError`` and a ``TypeError``) naming the
parameter, what it accepts and what it got.

The functions live in one module per kind of figure, all imported here:
``curves`` (learning curves), ``confusion`` (confusion matrices), ``grids``
(image grids) and ``bars`` (bar charts); ``save_figure`` is in ``_common``.
"""

# The public constants are importable from here too, outside ``__all__``.
from ._common import MAX_ANNOTATED_CLASSES as MAX_ANNOTATED_CLASSES
from ._common import save_figure
from .bars import METRIC_LABELS as METRIC_LABELS
from .bars import (
    plot_class_distribution,
    plot_comparison,
    plot_parameter_counts,
    plot_training_times,
)
from .confusion import plot_confusion_matrix, plot_confusion_matrix_from_predictions
from .curves import LEARNING_CURVE_METRICS as LEARNING_CURVE_METRICS
from .curves import plot_learning_curves, plot_lr_range_test
from .grids import plot_mistakes, plot_samples

__all__ = [
    "plot_class_distribution",
    "plot_comparison",
    "plot_confusion_matrix",
    "plot_confusion_matrix_from_predictions",
    "plot_learning_curves",
    "plot_lr_range_test",
    "plot_mistakes",
    "plot_parameter_counts",
    "plot_samples",
    "plot_training_times",
    "save_figure",
]
