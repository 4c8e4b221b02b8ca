"""The argument parser of ``emnist-estimators``: options, help texts, defaults.

Building it imports neither torch nor scikit-learn (the model and dataset
names come from registries that import nothing heavy), so ``--help`` and
``--version`` answer at once.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .._version import __version__
from ..datasets._specs import DATASET_NAMES
from ..models import DEFAULT_MODEL, list_models

#: Exit statuses, shown in ``--help`` and the documentation.
EXIT_CODES = {
    0: "success",
    1: "a file or folder could not be read or written (missing, permissions, disk)",
    2: "invalid options or input (the message says what and what is expected)",
    130: "interrupted (Ctrl-C): the report keeps what was finished",
}

_EPILOG = "exit status: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items())


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, and leaves None/False defaults out."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default in (None, False, [], argparse.SUPPRESS) or (
            "%(default)" in text
        ):
            return text
        return super()._get_help_string(action)


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_param(text: str) -> tuple[str, object]:
    """Parse a ``KEY=VALUE`` estimator parameter given on a command line.

    Parameters
    ----------
    text : str
        ``KEY=VALUE``; the value is read as JSON (``0.3``, ``[32,64]``,
        ``true``, ``null``) and kept as a string when it is not JSON.

    Returns
    -------
    tuple of (str, object)
        The key and the value.

    Raises
    ------
    argparse.ArgumentTypeError
        When there is no ``=`` or the key is empty.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE (e.g. dropout=0.3 or filters=[32,64]), got {text!r}"
        )
    return key.strip(), _parse_value(value.strip())


def positive_int(text: str) -> int:
    """``argparse`` type: a positive integer."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def fraction(text: str) -> float:
    """``argparse`` type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = -1.0
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}")
    return value


def model_list(text: str) -> list[str]:
    """``argparse`` type: comma-separated registered model names."""
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    unknown = [n for n in names if n not in list_models()]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"models must be a comma-separated list of {', '.join(list_models())}; "
            f"got {text!r}"
        )
    return names


def _add_common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("general")
    group.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a TOML file of options (keys as the long options without --, e.g. "
        "max_epochs = 15; a [compare], [train], ... table applies to that "
        "command); options given on the command line win",
    )
    verbosity = group.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", help="print results and errors only"
    )
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also log details (and a line per epoch on a terminal)",
    )
    group.add_argument(
        "--debug", action="store_true", help="show the traceback of an error"
    )


def _add_data_options(parser: argparse.ArgumentParser, *, dataset_default) -> None:
    group = parser.add_argument_group("data")
    group.add_argument(
        "--dataset",
        default=dataset_default,
        choices=DATASET_NAMES,
        help="the data set (digits is bundled with scikit-learn)"
        + ("" if dataset_default else "; default: the one the model was trained on"),
    )
    group.add_argument(
        "--data-dir",
        help="folder with the data files (default: $EMNIST_ESTIMATORS_DATA or "
        "~/.cache/emnist_estimators)",
    )
    group.add_argument(
        "--download", action="store_true", help="download missing data files"
    )
    group.add_argument(
        "--split-from",
        choices=("train", "test", "all"),
        help="split this official part into training and test sets instead of "
        "using the official train/test parts (e.g. 'test' when only the test "
        "files are at hand)",
    )
    group.add_argument(
        "--test-size",
        type=fraction,
        default=0.2,
        help="test fraction with --split-from",
    )
    group.add_argument(
        "--subset",
        type=positive_int,
        metavar="N",
        help="use at most N training images (stratified sample)",
    )
    group.add_argument(
        "--test-subset",
        type=positive_int,
        metavar="N",
        help="use at most N test images (stratified sample)",
    )
    group.add_argument(
        "--random-state",
        type=int,
        default=0,
        help="seed of the split, the samples and the models",
    )


def _add_training_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("training")
    group.add_argument(
        "--device", default="auto", help="auto, cpu, cuda or cuda:N (auto: CUDA if any)"
    )
    group.add_argument(
        "--preset",
        choices=("none", "emnist", "fast"),
        default="none",
        help="start from the estimators' defaults (none), from the settings "
        "tuned for EMNIST (emnist), or from the speed-run recipe (fast: about "
        "a quarter of emnist's time; see emnist_estimators.presets)",
    )
    group.add_argument(
        "--precision",
        choices=("auto", "float32", "bfloat16"),
        default="auto",
        help="compute precision (auto: bfloat16 where the GPU or CPU computes it "
        "natively, else float32)",
    )
    group.add_argument(
        "--max-epochs", type=positive_int, metavar="N", help="epochs per model"
    )
    group.add_argument(
        "--batch-size", type=positive_int, metavar="N", help="samples per batch"
    )
    group.add_argument(
        "--param",
        type=parse_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set an estimator parameter (JSON value), e.g. --param dropout=0.3 "
        "--param filters=[32,64]; repeatable",
    )
    group.add_argument(
        "--threads",
        type=positive_int,
        metavar="N",
        help="CPU threads for torch (default: torch's choice, one per core)",
    )
    group.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run in the same --output folder: every "
        "epoch is checkpointed there, and finished models are not trained again",
    )


def _add_scheduler_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the fits on a Dask cluster: a scheduler address "
        "(tcp://host:8786) or local:N for a local cluster of N worker processes "
        "(needs pip install 'emnist-estimators[dask]')",
    )


def _add_output_options(parser: argparse.ArgumentParser, default: str) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--output",
        type=Path,
        help=f"report folder (default: reports/{default}-<dataset>)",
    )
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the report already in --output (without it, a folder that "
        "holds another run is refused, so that two runs never mix)",
    )


def _add_model_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model_file",
        type=Path,
        help="a saved model: its .safetensors or .json file, or their stem",
    )
    parser.add_argument(
        "--trusted",
        action="store_true",
        help="allow a pickled model (.joblib, .pkl): loading a pickle runs the code "
        "it holds",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``emnist-estimators`` command.

    Returns
    -------
    argparse.ArgumentParser
        The parser, with one sub-parser per subcommand.
    """
    parser = argparse.ArgumentParser(
        prog="emnist-estimators",
        description="Train, compare, tune and use handwritten-character "
        "classifiers (" + ", ".join(list_models()) + ").",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"emnist-estimators {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=_EPILOG,
            formatter_class=_Formatter,
        )
        _add_common(sub)
        return sub

    compare = command("compare", "fit several models and write a comparison report")
    compare.add_argument(
        "--models",
        type=model_list,
        default=list_models(),
        help="comma-separated models (default: " + ",".join(list_models()) + ")",
    )
    _add_data_options(compare, dataset_default="digits")
    _add_training_options(compare)
    _add_scheduler_option(compare)
    _add_output_options(compare, "compare")

    train = command("train", "fit one model and save it with its report")
    train.add_argument(
        "--model", choices=list_models(), default=DEFAULT_MODEL, help="the model"
    )
    _add_data_options(train, dataset_default="digits")
    _add_training_options(train)
    _add_output_options(train, "train-<model>")

    search = command(
        "search", "tune a model with a preset search space and cross-validation"
    )
    search.add_argument(
        "--model", choices=list_models(), default=DEFAULT_MODEL, help="the model"
    )
    search.add_argument(
        "--method",
        choices=(
            "grid",
            "random",
            "halving-grid",
            "halving-random",
            "continued-halving-grid",
            "continued-halving-random",
        ),
        default="random",
        help="search strategy (halving: successive halving over epochs, each "
        "rung from scratch; continued-halving: each candidate continues its "
        "training from rung to rung, the fastest)",
    )
    search.add_argument(
        "--size",
        choices=("small", "medium", "large", "full"),
        default="small",
        help="search space: small (4 points), medium (12), large (the reference "
        "studies' options; 'full' is its former name)",
    )
    search.add_argument(
        "--n-iter",
        type=positive_int,
        default=10,
        help="candidates of a random search",
    )
    search.add_argument("--cv", type=positive_int, default=3, help="folds")
    _add_data_options(search, dataset_default="digits")
    _add_training_options(search)
    _add_scheduler_option(search)
    _add_output_options(search, "search-<model>")

    lr_find = command(
        "lr-find",
        "suggest a learning rate with a range test (a few hundred steps)",
    )
    lr_find.add_argument(
        "--model", choices=list_models(), default=DEFAULT_MODEL, help="the model"
    )
    lr_find.add_argument(
        "--min-lr", type=float, default=1e-6, help="the first rate of the test"
    )
    lr_find.add_argument(
        "--max-lr", type=float, default=1.0, help="the last rate of the test"
    )
    lr_find.add_argument(
        "--steps", type=positive_int, default=200, help="optimizer steps"
    )
    # tuning.SUGGESTIONS and DEFAULT_SUGGESTION (importing tuning here would
    # load scikit-learn for --help; a test keeps the two the same).
    lr_find.add_argument(
        "--suggestion",
        choices=("valley", "steepest", "minimum"),
        default="minimum",
        help="how the rate is picked from the loss curve",
    )
    _add_data_options(lr_find, dataset_default="digits")
    _add_training_options(lr_find)
    _add_output_options(lr_find, "lr-find-<model>")

    evaluate = command("evaluate", "score a saved model on a test set")
    _add_model_file(evaluate)
    _add_data_options(evaluate, dataset_default=None)
    _add_output_options(evaluate, "evaluate-<model>")

    predict = command(
        "predict", "predict PNG images, folders of PNGs, or idx files with a model"
    )
    _add_model_file(predict)
    predict.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        help="picture files (PNG, JPEG, BMP, GIF), folders of them, idx files",
    )
    predict.add_argument(
        "--invert",
        choices=("auto", "yes", "no"),
        default="auto",
        help="invert the grey levels of pictures (auto: when the background is "
        "light; the models expect light characters on a dark background)",
    )
    predict.add_argument(
        "--transposed",
        action="store_true",
        help="idx images are stored transposed (official EMNIST files)",
    )
    predict.add_argument(
        "--output",
        type=Path,
        help="write the predictions as CSV to this file (default: the screen)",
    )
    return parser


def subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The sub-parser of a command.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        From :func:`build_parser`.
    name : str
        The command.

    Returns
    -------
    argparse.ArgumentParser
        Its parser.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise KeyError(name)
