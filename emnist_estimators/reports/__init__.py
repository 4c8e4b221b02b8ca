"""Report folders: ``report.md``, figures as PNG, metrics as JSON, tables, models.

A :class:`ReportWriter` writes everything atomically and rewrites
``report.md`` and ``metrics.json`` after each addition, so that a run that is
interrupted part-way leaves a consistent report of what was finished
(``reports/_writer.py``). :func:`fit_and_report`, :func:`report_model`,
:func:`add_data_figures` and :func:`save_fitted_model` build a report from
fitted models and data (``reports/_build.py``). Saving and loading models is
:mod:`emnist_estimators.persistence`'s;
:func:`~emnist_estimators.persistence.save_model` and
:func:`~emnist_estimators.persistence.load_model` are re-exported here for
scripts written against 0.x.
"""

from .._atomic import write_json, write_text
from ..persistence import load_model, save_model
from ._build import add_data_figures, fit_and_report, report_model, save_fitted_model
from ._writer import ReportWriter

__all__ = [
    "ReportWriter",
    "add_data_figures",
    "fit_and_report",
    "load_model",
    "report_model",
    "save_fitted_model",
    "save_model",
    "write_json",
    "write_text",
]
