"""The ``emnist-estimators`` command: the main job from a shell.

Subcommands:

- ``compare``: fit several models on one data set and write a comparison
  report (the README's ``make demo`` runs it on scikit-learn's digits).
- ``train``: fit one model and save it with its report.
- ``search``: a preset hyperparameter search with k-fold cross-validation.
- ``evaluate``: score a saved model on a test set.
- ``predict``: predict PNG images, folders of them, or an idx file.

Each writes a report folder (``report.md``, ``figures/*.png``,
``metrics.json``, tables and the fitted models); run
``emnist-estimators <subcommand> --help`` for the options. The command only
parses and calls the library (:mod:`emnist_estimators.reports`,
:mod:`emnist_estimators.search`, ...); ``--help`` and ``--version`` answer
without importing torch.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from ._config import apply_config
from ._parser import EXIT_CODES, build_parser, parse_param

__all__ = [
    "EXIT_CODES",
    "build_parser",
    "example_parser",
    "load_data_from_args",
    "main",
    "parse_param",
]


def __getattr__(name: str):
    if name == "MODEL_NAMES":  # kept for scripts written against 0.x
        from ..models import list_models

        return tuple(list_models())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def interrupted_message(args) -> str:
    """What the command says when Ctrl-C (or SIGTERM) stops it."""
    from ._commands import checkpoints_every_epoch

    if checkpoints_every_epoch(args):
        return (
            "interrupted: the report folder keeps everything finished so far, and "
            "every model's last epoch is checkpointed: rerun the same command with "
            "--resume to continue from there."
        )
    return (
        "interrupted: the report folder keeps everything finished so far, but "
        "this search was started without --resume and saved no checkpoints: "
        "rerun it with --overwrite to start again (add --resume to make that run "
        "continuable, at the cost of a checkpoint per fit)."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``emnist-estimators`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status (:data:`EXIT_CODES`): 0 on success, 1 when a file or
        folder cannot be read or written, 2 for invalid options or input, 130
        when interrupted. Expected errors print one line on standard error
        (``--debug`` shows the traceback).
    """
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    parser = build_parser()
    debug = "--debug" in argv
    try:
        apply_config(parser, argv)
    except (OSError, ValueError, ImportError) as exc:
        if debug:
            raise
        print(f"emnist-estimators: error: {_one_line(exc)}", file=sys.stderr)
        return 1 if isinstance(exc, OSError) else 2
    args = parser.parse_args(argv)
    from .._machine import torch_threads
    from ._commands import COMMANDS
    from ._progress import messages

    # --threads holds during the command only: main may run inside a
    # longer-lived process (a test, a notebook) that keeps its own count.
    threads = getattr(args, "threads", None) or None
    with messages(quiet=args.quiet, verbose=args.verbose), torch_threads(threads):
        try:
            return COMMANDS[args.command](args, argv)
        except KeyboardInterrupt:
            print(f"\nemnist-estimators: {interrupted_message(args)}", file=sys.stderr)
            return 130
        except (ValueError, TypeError, ImportError, OSError) as exc:
            if args.debug:
                raise
            print(f"emnist-estimators: error: {_one_line(exc)}", file=sys.stderr)
            return 1 if isinstance(exc, OSError) else 2


def example_parser(description: str, *, dataset: str):
    """Deprecated: the examples now call the library directly.

    Parameters
    ----------
    description : str
        The script's description.
    dataset : str
        The default ``--dataset``.

    Returns
    -------
    argparse.ArgumentParser
        A parser with the data options, ``--device``, ``--output`` and
        ``--quick``.
    """
    import argparse
    from pathlib import Path

    from ._parser import _add_data_options

    warnings.warn(
        "example_parser is deprecated and will be removed: write scripts with the "
        "library (emnist_estimators.datasets.load_train_test, "
        "emnist_estimators.search.make_search, ...), as the examples do.",
        FutureWarning,
        stacklevel=2,
    )
    parser = argparse.ArgumentParser(description=description)
    _add_data_options(parser, dataset_default=dataset)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--output", type=Path, help="report folder")
    parser.add_argument("--quick", action="store_true", help="a quick run")
    return parser


def load_data_from_args(args, *, n_train: int | None = None, n_test: int | None = None):
    """Deprecated: load the data that parsed data options ask for.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed data options.
    n_train, n_test : int, optional
        Sizes used when ``--subset`` / ``--test-subset`` are not given.

    Returns
    -------
    Bunch
        As :func:`emnist_estimators.datasets.load_train_test`.
    """
    from ..datasets import load_train_test

    warnings.warn(
        "load_data_from_args is deprecated and will be removed: call "
        "emnist_estimators.datasets.load_train_test.",
        FutureWarning,
        stacklevel=2,
    )
    return load_train_test(
        args.dataset,
        data_dir=args.data_dir,
        download=args.download,
        split_from=args.split_from,
        test_size=args.test_size,
        n_train=args.subset or n_train,
        n_test=args.test_subset or n_test,
        random_state=args.random_state,
    )
