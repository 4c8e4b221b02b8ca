"""Labels and characters of the EMNIST splits, and the official mapping files.

Each EMNIST split numbers its classes from 0 (from 1 for *letters*) in this
order (declared in the splits' specs, ``_specs.py``):

============  =======  ======================================================
split         labels   characters
============  =======  ======================================================
byclass       0-61     ``0-9``, ``A-Z``, ``a-z``
bymerge       0-46     ``0-9``, ``A-Z``, ``a b d e f g h n q r t``
balanced      0-46     the same as *bymerge*
letters       1-26     ``A-Z``
digits        0-9      ``0-9``
mnist         0-9      ``0-9``
============  =======  ======================================================

*bymerge* and *balanced* merge the 15 lowercase letters whose shape is the
same as their uppercase one (``c i j k l m o p s u v w x y z``) into the
uppercase class: label 12 is named ``'C'`` and holds both ``C`` and ``c``.

*letters* merges upper and lower case for all 26 letters. The official
mapping file names each label by both (``1 65 97``, i.e. ``'Aa'``); here each
label is named by its uppercase letter (label 1 is ``'A'``), and
:func:`char_to_label` accepts either case.

The official mapping files have one ``<label> <ASCII code>`` pair per line
(the *letters* file has two codes per line, upper then lower case);
:func:`read_mapping_file` reads and checks them.
"""

from __future__ import annotations

import os
from numbers import Integral
from pathlib import Path

import numpy as np

from .._validation import validate_params
from ._params import EMNIST_SPLIT
from ._specs import DatasetSpec, emnist_spec


@validate_params({"split": [EMNIST_SPLIT]}, prefer_skip_nested_validation=True)
def get_emnist_mapping(split: str) -> dict[int, str]:
    """Return the built-in label -> character mapping of an EMNIST split.

    Parameters
    ----------
    split : {'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'}
        The EMNIST split.

    Returns
    -------
    dict of int to str
        Each label to its character, in label order. Merged classes are named
        by their uppercase letter (see the module notes).

    Raises
    ------
    ValueError
        If ``split`` is not one of the six splits.

    Examples
    --------
    >>> from emnist_estimators.datasets import get_emnist_mapping
    >>> mapping = get_emnist_mapping("balanced")
    >>> len(mapping), mapping[10], mapping[36], mapping[46]
    (47, 'A', 'a', 't')
    """
    return emnist_spec(split).mapping


def _is_int_scalar(value) -> bool:
    return isinstance(value, (Integral, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


@validate_params({"split": [EMNIST_SPLIT]}, prefer_skip_nested_validation=True)
def label_to_char(labels, split: str) -> str | np.ndarray:
    """Return the characters of EMNIST labels.

    Parameters
    ----------
    labels : int or array-like of int
        Labels of the split.
    split : {'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'}
        The EMNIST split that defines the labels.

    Returns
    -------
    str or ndarray of str
        The character of a single label, or an array of characters with the
        shape of ``labels``.

    Raises
    ------
    TypeError
        If the labels are not integers.
    ValueError
        If ``split`` is unknown or a label is outside the split's range.

    See Also
    --------
    char_to_label : The inverse.

    Examples
    --------
    >>> from emnist_estimators.datasets import label_to_char
    >>> label_to_char(36, "byclass")
    'a'
    >>> label_to_char([1, 26], "letters").tolist()
    ['A', 'Z']
    """
    spec = emnist_spec(split)
    if _is_int_scalar(labels):
        return str(label_to_char(np.array([labels]), split)[0])
    array = np.asarray(labels)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"labels must be integers; got an array of dtype {array.dtype}."
        )
    first, last = spec.first_label, spec.first_label + spec.n_classes - 1
    bad = (array < first) | (array > last)
    if bad.any():
        shown = ", ".join(str(v) for v in np.unique(array[bad])[:10])
        raise ValueError(
            f"labels of the EMNIST {split!r} split are {first} to {last}; got {shown}."
        )
    return np.array(spec.classes)[array.astype(np.int64) - first]


def _char_lookup(spec: DatasetSpec) -> dict[str, int]:
    lookup = {c: label for label, c in spec.mapping.items()}
    for c in spec.merged_lowercase:
        lookup[c] = lookup[c.upper()]
    return lookup


@validate_params({"split": [EMNIST_SPLIT]}, prefer_skip_nested_validation=True)
def char_to_label(chars, split: str) -> int | np.ndarray:
    """Return the EMNIST labels of characters.

    Parameters
    ----------
    chars : str or array-like of str
        One character, or an array-like of single characters.
    split : {'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'}
        The EMNIST split that defines the labels.

    Returns
    -------
    int or ndarray of int64
        The label of a single character, or an array of labels with the shape
        of ``chars``. In *bymerge* and *balanced*, the merged lowercase letters
        (``c i j k l m o p s u v w x y z``) give the label of their uppercase
        letter; in *letters*, both cases give the same label.

    Raises
    ------
    TypeError
        If ``chars`` holds something other than strings.
    ValueError
        If ``split`` is unknown, a string is not a single character, or a
        character has no class in the split.

    See Also
    --------
    label_to_char : The inverse.
    get_emnist_mapping : Every label's character.

    Examples
    --------
    >>> from emnist_estimators.datasets import char_to_label
    >>> char_to_label(["c", "C", "d"], "balanced").tolist()
    [12, 12, 38]
    >>> char_to_label("a", "byclass")
    36
    """
    if isinstance(chars, str):
        return int(char_to_label([chars], split)[0])
    array = np.asarray(chars, dtype=object)
    flat = array.reshape(-1)
    for value in flat:
        if not isinstance(value, str):
            raise TypeError(
                f"chars must be a string or an array-like of strings; got "
                f"{value!r} of type {type(value).__name__}."
            )
        if len(value) != 1:
            raise ValueError(
                f"chars must be single characters; got {value!r}. Pass "
                "list(text) to convert a string character by character."
            )
    spec = emnist_spec(split)
    lookup = _char_lookup(spec)
    unknown = sorted({c for c in flat if c not in lookup})
    if unknown:
        raise ValueError(
            f"The EMNIST {split!r} split has no class for "
            f"{', '.join(repr(c) for c in unknown)}; its characters are "
            f"{''.join(spec.classes)!r}."
        )
    labels = np.fromiter((lookup[c] for c in flat), dtype=np.int64, count=flat.size)
    return labels.reshape(array.shape)


def read_mapping_file(path: str | os.PathLike) -> dict[int, str]:
    """Read an official EMNIST mapping file.

    Each non-empty line holds a label and one or more ASCII codes, separated
    by white space (``10 65`` maps label 10 to ``'A'``; the *letters* file
    has two codes per line, e.g. ``1 65 97`` for ``'Aa'``).

    Parameters
    ----------
    path : str or path-like
        The mapping file, e.g. ``emnist-byclass-mapping.txt``.

    Returns
    -------
    dict of int to str
        Each label to its character(s), in the order of the file.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a line is not a non-negative integer label followed by printable
        ASCII codes (32-126), a label appears twice, or the file holds no
        mapping. The message names the file and the line.

    Examples
    --------
    >>> import os, tempfile
    >>> from emnist_estimators.datasets import read_mapping_file
    >>> path = os.path.join(tempfile.mkdtemp(), "emnist-digits-mapping.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("0 48\\n1 49\\n")
    >>> read_mapping_file(path)
    {0: '0', 1: '1'}
    """
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path} is not an EMNIST mapping file: it is not ASCII text ({exc})."
        ) from exc
    mapping: dict[int, str] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"{path}, line {lineno}"
        expected = "expected '<label> <ASCII code> [<ASCII code> ...]'"
        try:
            values = [int(f) for f in fields]
        except ValueError:
            raise ValueError(
                f"{where}: {expected} with integers; got {line!r}."
            ) from None
        if len(values) < 2:
            raise ValueError(f"{where}: {expected}; got {line!r}.")
        label, codes = values[0], values[1:]
        if label < 0:
            raise ValueError(f"{where}: labels must be >= 0; got {label}.")
        if not all(32 <= c <= 126 for c in codes):
            raise ValueError(
                f"{where}: ASCII codes must be printable (32 to 126); got {line!r}."
            )
        if label in mapping:
            raise ValueError(f"{where}: label {label} appears a second time.")
        mapping[label] = "".join(chr(c) for c in codes)
    if not mapping:
        raise ValueError(f"{path} is not an EMNIST mapping file: it holds no mapping.")
    return mapping


def check_mapping_file(path, split: str) -> dict[int, str]:
    """Check that an official mapping file agrees with the built-in label set.

    Parameters
    ----------
    path : str or path-like
        The mapping file.
    split : str
        The EMNIST split the file belongs to.

    Returns
    -------
    dict of int to str
        The mapping read from the file.

    Raises
    ------
    ValueError
        If the file is malformed, or its labels or characters differ from the
        built-in ones (the first character of each entry is compared, so the
        *letters* file's ``'Aa'`` agrees with ``'A'``).
    """
    from_file = read_mapping_file(path)
    builtin = get_emnist_mapping(split)
    if sorted(from_file) != sorted(builtin):
        raise ValueError(
            f"{path} does not match the EMNIST {split!r} split: it has labels "
            f"{min(from_file)}-{max(from_file)} ({len(from_file)} labels), "
            f"expected {min(builtin)}-{max(builtin)} ({len(builtin)} labels)."
        )
    differ = [
        f"{label}: {from_file[label]!r} (expected {char!r})"
        for label, char in builtin.items()
        if from_file[label][:1] != char
    ]
    if differ:
        raise ValueError(
            f"{path} does not match the EMNIST {split!r} split; labels that "
            f"differ: {', '.join(differ[:10])}."
        )
    return from_file
