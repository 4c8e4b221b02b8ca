"""Helpers for sphinx-gallery, importable by name from ``docs/conf.py``.

sphinx-gallery takes callables in its configuration as fully qualified names
(strings), which keeps the configuration picklable for Sphinx's cache.
"""

from __future__ import annotations

from pathlib import Path

#: The examples in the order of the gallery (file names; within each
#: sub-gallery). Examples not listed follow, by file name.
EXAMPLE_ORDER = (
    "plot_quickstart.py",
    "plot_pipeline.py",
    "plot_search_strategies.py",
    "plot_dask_search.py",
    "plot_report.py",
    "plot_devices_precision.py",
    "plot_save_load.py",
    "plot_mlflow_tracking.py",
    "plot_study_balanced.py",
    "plot_study_search.py",
    "plot_study_mnist_fashion.py",
)


class ExampleOrder:
    """Sort key of the examples within a (sub-)gallery: :data:`EXAMPLE_ORDER`.

    sphinx-gallery creates it with the folder of the examples and calls it
    with each file name (its ``within_subsection_order`` option).

    Parameters
    ----------
    src_dir : str or path-like
        The folder of the examples being sorted.
    """

    def __init__(self, src_dir) -> None:
        self.src_dir = Path(src_dir)

    def __call__(self, filename: str) -> tuple[int, str]:
        """The key of one example file.

        Parameters
        ----------
        filename : str
            The file's name.

        Returns
        -------
        tuple of (int, str)
            Its place in :data:`EXAMPLE_ORDER` (or after all of them), then
            its name.
        """
        name = Path(filename).name
        if name in EXAMPLE_ORDER:
            return EXAMPLE_ORDER.index(name), name
        return len(EXAMPLE_ORDER), name
