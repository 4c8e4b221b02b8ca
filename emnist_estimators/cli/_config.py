"""``--config FILE``: a TOML file of options, so that a long study is one file.

Keys are the long options without ``--`` (``max_epochs = 15``, dashes or
underscores), at the top level for every command or in a table named after
one (``[search]``). ``param`` is a table of estimator parameters. The values
become the defaults of the command's options, so the command line still
wins::

    dataset = "emnist-byclass"
    data_dir = "../shared/data/emnist"
    split_from = "test"
    preset = "emnist"

    [search]
    model = "cnn"
    method = "random"
    n_iter = 20
    param = { dropout = 0.3 }
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ._parser import subparser

_COMMANDS = ("compare", "train", "search", "evaluate", "predict")


def _find(argv: Sequence[str]) -> tuple[str | None, Path | None]:
    """The command and the ``--config`` file named in ``argv``, if any."""
    command = next((a for a in argv if a in _COMMANDS), None)
    config = None
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            config = Path(argv[i + 1])
        elif arg.startswith("--config="):
            config = Path(arg.split("=", 1)[1])
    return command, config


def _read(path: Path) -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ImportError(
                "--config needs Python 3.11 or the tomli package (pip install tomli)."
            ) from None
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"No config file at {path}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}.") from None


def _convert(path: Path, key: str, action: argparse.Action, value):
    where = f"{path}: {key}"
    if isinstance(action, argparse._StoreTrueAction):
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false, got {value!r}.")
        return value
    if action.dest == "param":
        if not isinstance(value, dict):
            raise ValueError(
                f"{where} must be a table of estimator parameters, e.g. "
                "param = { dropout = 0.3 }."
            )
        return list(value.items())
    if isinstance(value, list) and action.dest == "models":
        value = ",".join(map(str, value))
    if action.type is not None and not isinstance(value, (dict, list)):
        try:
            value = action.type(str(value))
        except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
            raise ValueError(f"{where}: {exc}.") from None
    if action.choices is not None and value not in action.choices:
        listed = ", ".join(map(repr, action.choices))
        raise ValueError(f"{where} must be one of {listed}, got {value!r}.")
    return value


def apply_config(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """Read the ``--config`` file named in ``argv`` into the command's defaults.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        From :func:`~emnist_estimators.cli.build_parser`.
    argv : sequence of str
        The command line.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not TOML, names an option the command does not have, or a
        value is invalid (the message names the file and the key).
    """
    command, path = _find(argv)
    if command is None or path is None:
        return
    data = _read(path)
    settings = {k: v for k, v in data.items() if k not in _COMMANDS}
    table = data.get(command, {})
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [{command}] must be a table of options.")
    settings.update(table)
    sub = subparser(parser, command)
    actions = {
        a.dest: a
        for a in sub._actions
        if a.option_strings and a.dest not in ("help", "config")
    }
    defaults = {}
    for key, value in settings.items():
        dest = key.replace("-", "_")
        if dest not in actions:
            raise ValueError(
                f"{path}: {key!r} is not an option of '{command}'; options: "
                + ", ".join(sorted(actions))
                + "."
            )
        defaults[dest] = _convert(path, key, actions[dest], value)
    sub.set_defaults(**defaults)
