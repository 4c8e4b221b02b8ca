"""Helpers for sphinx-gallery, importable by name from ``docs/conf.py``.

sphinx-gallery takes callables in its configuration as fully qualified names
(strings), which keeps the configuration picklable for Sphinx's cache.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

#: Environment variable with the options to give every example script when
#: the gallery is run (``-D plot_gallery=1``).
EXAMPLE_ARGS_VAR = "EMNIST_DOCS_EXAMPLE_ARGS"


def example_argv(gallery_conf, script_vars) -> list[str]:
    """Command-line arguments for the example scripts when the gallery runs.

    The scripts parse ``sys.argv``. They get the options in the environment
    variable ``EMNIST_DOCS_EXAMPLE_ARGS`` (none by default: the full studies,
    on the data in ``$EMNIST_ESTIMATORS_DATA`` or
    ``~/.cache/emnist_estimators``), e.g. ``--quick --data-dir path/to/emnist``.

    sphinx-gallery runs each script in its own folder (``examples/``), where
    the scripts would write their report folders; unless the options name an
    ``--output``, each script's report goes to
    ``docs/_build/gallery-reports/<script name>`` instead.

    Parameters
    ----------
    gallery_conf : dict
        sphinx-gallery's configuration (its ``src_dir`` is ``docs/``).
    script_vars : dict
        sphinx-gallery's variables of the script (its ``src_file``).

    Returns
    -------
    list of str
        The arguments after the script name.
    """
    argv = shlex.split(os.environ.get(EXAMPLE_ARGS_VAR, ""))
    if not any(arg == "--output" or arg.startswith("--output=") for arg in argv):
        stem = Path(script_vars["src_file"]).stem
        output = Path(gallery_conf["src_dir"]) / "_build" / "gallery-reports" / stem
        argv += ["--output", str(output)]
    return argv
