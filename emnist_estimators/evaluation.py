"""Metric reports for fitted classifiers, and comparison tables of several models.

:func:`evaluate` scores one fitted classifier on a test set and returns an
:class:`EvaluationReport`: accuracy, macro and weighted precision / recall / F1,
scikit-learn's per-class ``classification_report`` (with characters as class
names where a mapping is known), the confusion matrix, the most confused pairs
of classes (such as O/0 or l/1/I), training time, inference time per 1,000
images and the number of parameters. :func:`comparison_table` puts several
reports side by side; :func:`to_markdown` and :func:`save_table` write it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    classification_report,
    confusion_matrix,
    precision_recall_fscore_support,
)

from ._atomic import write_text

#: Columns of :func:`comparison_table`, in order.
SUMMARY_COLUMNS = (
    "model",
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
    "fit_time_s",
    "inference_s_per_1000",
    "n_parameters",
    "n_epochs",
    "n_test",
    "device",
    "compute_precision",
    "fit_status",
)


@dataclass
class EvaluationReport:
    """The scores of one fitted classifier on one test set.

    Attributes
    ----------
    model : str
        Name of the model.
    accuracy : float
        Fraction of correct predictions.
    balanced_accuracy : float
        The mean of the per-class recalls over the classes in the test set
        (scikit-learn's ``balanced_accuracy_score``): every class weighs the
        same, however rare.
    precision_macro, recall_macro, f1_macro : float
        Unweighted means over classes.
    precision_weighted, recall_weighted, f1_weighted : float
        Means over classes weighted by their support.
    classes : list
        The class labels, in the order of the confusion matrix.
    class_names : list of str
        Display names of ``classes`` (characters where known).
    per_class : dict
        scikit-learn's ``classification_report(..., output_dict=True)`` keyed
        by class name.
    confusion : ndarray of shape (n_classes, n_classes)
        ``confusion[i, j]``: samples of class ``i`` predicted as class ``j``.
    most_confused : list of dict
        The largest off-diagonal cells: ``true``, ``predicted`` (names),
        ``count`` and ``rate`` (fraction of the true class).
    fit_time_s : float or None
        The estimator's ``fit_time_``, when it has one.
    inference_s_per_1000 : float
        Seconds that ``predict_proba`` took per 1,000 test images.
    n_parameters : int or None
        The estimator's ``n_parameters_``, when it has one.
    n_epochs : int or None
        The estimator's ``n_iter_``, when it has one.
    n_test : int
        Number of test samples.
    y_pred : ndarray
        The predictions.
    device : str or None
        The estimator's ``device_`` (where it was trained), when it has one.
    compute_precision : str or None
        The estimator's ``precision_`` ('float32' or 'bfloat16'), when it has
        one.
    fit_status : str or None
        How its training ended (the estimator's ``fit_status_``: 'completed',
        'early_stopped', 'interrupted' or 'time_limit'), when it has one.
    """

    model: str
    accuracy: float
    balanced_accuracy: float
    precision_macro: float
    recall_macro: float
    f1_macro: float
    precision_weighted: float
    recall_weighted: float
    f1_weighted: float
    classes: list
    class_names: list
    per_class: dict
    confusion: np.ndarray
    most_confused: list
    fit_time_s: float | None
    inference_s_per_1000: float
    n_parameters: int | None
    n_epochs: int | None
    n_test: int
    y_pred: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    device: str | None = None
    compute_precision: str | None = None
    fit_status: str | None = None

    def summary(self) -> dict[str, Any]:
        """The scalar metrics, keyed as :data:`SUMMARY_COLUMNS`.

        Returns
        -------
        dict
            One row of a comparison table.
        """
        return {column: getattr(self, column) for column in SUMMARY_COLUMNS}

    def to_dict(self) -> dict[str, Any]:
        """Everything but the predictions, as JSON-serialisable Python objects.

        Returns
        -------
        dict
            Lists instead of arrays, plain ints and floats.
        """
        data = asdict(self)
        data.pop("y_pred")
        return _jsonable(data)

    def to_json(self, path: str | Path | None = None) -> str:
        """Serialise :meth:`to_dict` as JSON, optionally writing it (atomically).

        Parameters
        ----------
        path : str or path-like, optional
            Where to write the JSON.

        Returns
        -------
        str
            The JSON text.
        """
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            write_text(path, text)
        return text


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def class_display_names(classes: Sequence, target_names=None) -> list[str]:
    """Names to show for ``classes``.

    Parameters
    ----------
    classes : sequence
        Class labels, e.g. an estimator's ``classes_``.
    target_names : mapping, sequence or None
        A mapping label -> name (e.g. an EMNIST label -> character mapping), a
        sequence of names aligned with ``classes``, or None for ``str(label)``.

    Returns
    -------
    list of str
        One name per class.

    Raises
    ------
    ValueError
        If a sequence has the wrong length, or a mapping lacks a class.
    """
    classes = list(classes)
    if target_names is None:
        return [str(c) for c in classes]
    if isinstance(target_names, Mapping):
        missing = [c for c in classes if c not in target_names]
        if missing:
            raise ValueError(
                f"target_names has no name for the classes {missing[:5]} "
                f"(it maps {len(target_names)} labels)."
            )
        return [str(target_names[c]) for c in classes]
    names = [str(n) for n in target_names]
    if len(names) != len(classes):
        raise ValueError(
            f"target_names has {len(names)} names but there are {len(classes)} "
            "classes; pass one name per class, or a mapping label -> name."
        )
    return names


def most_confused_pairs(
    confusion: np.ndarray, class_names: Sequence[str], top: int = 10
) -> list[dict[str, Any]]:
    """The largest off-diagonal cells of a confusion matrix.

    Parameters
    ----------
    confusion : ndarray of shape (n_classes, n_classes)
        Rows are true classes, columns predicted classes.
    class_names : sequence of str
        Names of the classes.
    top : int, default=10
        How many pairs to return at most.

    Returns
    -------
    list of dict
        ``{"true", "predicted", "count", "rate"}`` sorted by count, largest
        first; ``rate`` is the fraction of the true class's samples. Pairs
        with a count of 0 are left out.
    """
    off_diagonal = confusion.astype(float).copy()
    np.fill_diagonal(off_diagonal, 0)
    order = np.argsort(off_diagonal, axis=None, kind="stable")[::-1][:top]
    support = confusion.sum(axis=1)
    pairs = []
    for flat in order:
        i, j = np.unravel_index(flat, confusion.shape)
        count = int(confusion[i, j])
        if count == 0 or i == j:
            continue
        pairs.append(
            {
                "true": class_names[i],
                "predicted": class_names[j],
                "count": count,
                "rate": count / support[i] if support[i] else 0.0,
            }
        )
    return pairs


def evaluate(
    estimator,
    X,
    y,
    *,
    target_names=None,
    name: str | None = None,
    top_confusions: int = 10,
) -> EvaluationReport:
    """Score a fitted classifier on a test set.

    Parameters
    ----------
    estimator : fitted classifier
        Anything with ``predict_proba`` and ``classes_`` (e.g. one of this
        package's classifiers, or a ``Pipeline`` ending in one).
    X : array-like
        Test images.
    y : array-like of shape (n_samples,)
        True labels.
    target_names : mapping, sequence or None, default=None
        Display names of the classes: a mapping label -> character (such as
        ``emnist_estimators.datasets.get_emnist_mapping("byclass")``), a
        sequence aligned with ``estimator.classes_``, or None.
    name : str, optional
        Model name for tables; defaults to the estimator's class name.
    top_confusions : int, default=10
        Number of most-confused pairs to keep.

    Returns
    -------
    EvaluationReport
        The metrics.
    """
    y = np.asarray(y)
    if len(y) == 0:
        raise ValueError("evaluate needs at least one test sample, got 0.")
    classes = np.asarray(estimator.classes_)
    unknown = np.setdiff1d(np.unique(y), classes)
    if len(unknown):
        raise ValueError(
            f"y holds labels the estimator was not trained on: {unknown[:5].tolist()}."
        )
    start = time.perf_counter()
    proba = estimator.predict_proba(X)
    inference = time.perf_counter() - start
    y_pred = classes[np.argmax(proba, axis=1)]

    names = class_display_names(classes, target_names)
    averages = {}
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            y, y_pred, labels=classes, average=average, zero_division=0
        )
        averages[average] = (float(p), float(r), float(f))
    per_class = classification_report(
        y,
        y_pred,
        labels=classes,
        target_names=names,
        output_dict=True,
        zero_division=0,
    )
    confusion = confusion_matrix(y, y_pred, labels=classes)
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    return EvaluationReport(
        model=name or type(final).__name__,
        accuracy=float(accuracy_score(y, y_pred)),
        balanced_accuracy=float(balanced_accuracy_score(y, y_pred)),
        precision_macro=averages["macro"][0],
        recall_macro=averages["macro"][1],
        f1_macro=averages["macro"][2],
        precision_weighted=averages["weighted"][0],
        recall_weighted=averages["weighted"][1],
        f1_weighted=averages["weighted"][2],
        classes=classes.tolist(),
        class_names=names,
        per_class=per_class,
        confusion=confusion,
        most_confused=most_confused_pairs(confusion, names, top_confusions),
        fit_time_s=getattr(final, "fit_time_", None),
        inference_s_per_1000=1000 * inference / len(y),
        n_parameters=getattr(final, "n_parameters_", None),
        n_epochs=getattr(final, "n_iter_", None),
        n_test=len(y),
        y_pred=y_pred,
        device=getattr(final, "device_", None),
        compute_precision=getattr(final, "precision_", None),
        fit_status=getattr(final, "fit_status_", None),
    )


def comparison_table(reports, *, columns=None, as_frame: bool | str = "auto"):
    """Put several evaluation reports side by side, one row per model.

    Parameters
    ----------
    reports : sequence of EvaluationReport, or mapping name -> EvaluationReport
        The reports; with a mapping, its keys name the rows.
    columns : sequence of str, default=None
        The columns to keep, in this order (names from
        :data:`SUMMARY_COLUMNS`); None keeps them all.
    as_frame : bool or "auto", default="auto"
        Return a pandas DataFrame (True), a list of dicts (False), or a
        DataFrame when pandas is installed ("auto").

    Returns
    -------
    pandas.DataFrame or list of dict
        The table, with ``columns`` (or :data:`SUMMARY_COLUMNS`).

    Raises
    ------
    ValueError
        If ``columns`` names a column that the reports do not have.
    """
    columns = SUMMARY_COLUMNS if columns is None else tuple(columns)
    unknown = [c for c in columns if c not in SUMMARY_COLUMNS]
    if unknown:
        raise ValueError(
            f"comparison_table has no column(s) {unknown}; the columns are "
            f"{list(SUMMARY_COLUMNS)}."
        )
    if isinstance(reports, Mapping):
        summaries = [{**r.summary(), "model": name} for name, r in reports.items()]
    else:
        summaries = [r.summary() for r in reports]
    rows = [{c: summary[c] for c in columns} for summary in summaries]
    return make_table(rows, columns, as_frame=as_frame)


def make_table(rows: list[dict], columns=None, *, as_frame: bool | str = "auto"):
    """Rows as a pandas DataFrame, or as the list of dicts itself.

    Parameters
    ----------
    rows : list of dict
        The rows.
    columns : sequence of str, optional
        Column order of the DataFrame (default: the keys of the first row).
    as_frame : bool or "auto", default="auto"
        True for a DataFrame, False for the list, "auto" for a DataFrame when
        pandas is installed.

    Returns
    -------
    pandas.DataFrame or list of dict
        The table.

    Raises
    ------
    ImportError
        If ``as_frame=True`` and pandas is not installed.
    """
    if as_frame == "auto":
        try:
            import pandas  # noqa: F401
        except ImportError:
            as_frame = False
        else:
            as_frame = True
    if not as_frame:
        return rows
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "as_frame=True returns a pandas DataFrame, but pandas is not "
            "installed: pip install pandas, or pass as_frame=False (a list of "
            "dicts) or 'auto'."
        ) from exc
    return pd.DataFrame(rows, columns=None if columns is None else list(columns))


def _rows(table) -> tuple[list[str], list[list[Any]]]:
    if hasattr(table, "to_dict") and hasattr(table, "columns"):
        columns = [str(c) for c in table.columns]
        return columns, table.astype(object).values.tolist()
    table = list(table)
    columns = list(table[0]) if table else list(SUMMARY_COLUMNS)
    return columns, [[row.get(c) for c in columns] for row in table]


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def to_markdown(table) -> str:
    """Render a comparison table (DataFrame or list of dicts) as Markdown.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
        As returned by :func:`comparison_table` or a search summary.

    Returns
    -------
    str
        A GitHub-flavoured Markdown table; floats with 4 decimals.
    """
    columns, rows = _rows(table)
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        cells = [_format(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_csv(table) -> str:
    """Render a comparison table as CSV text.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
        The table.

    Returns
    -------
    str
        CSV with a header row.
    """
    columns, rows = _rows(table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue()


def save_table(table, path: str | Path) -> Path:
    """Write a table as Markdown (``.md``) or CSV (``.csv``), atomically.

    Parameters
    ----------
    table : pandas.DataFrame or list of dict
        The table.
    path : str or path-like
        Destination; the suffix picks the format.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    renderers = {".md": to_markdown, ".csv": to_csv}
    if path.suffix not in renderers:
        raise ValueError(f"save_table writes .md or .csv files, got {path.name!r}.")
    write_text(path, renderers[path.suffix](table))
    return path
