"""The parameter constraints that the dataset functions share.

The public functions of :mod:`emnist_estimators.datasets` check their
arguments with scikit-learn's ``validate_params`` (imported, as everywhere in
the package, from :mod:`emnist_estimators._validation`); these are the
constraints of the parameters that several of them take.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from .._validation import Predicate
from ._specs import DATASETS, emnist_splits

#: The values of ``subset``: a published part, or both ('all').
SUBSETS = ("train", "test", "all")


class OneOf(Predicate):
    """Constraint: one of some strings, which error messages list in order.

    scikit-learn's ``StrOptions`` lists its options in the order of a set,
    which changes from one run to the next; and the names of datasets and
    EMNIST splits are read from the registry when a value is checked, so that
    a spec added to :data:`DATASETS` is accepted at once.

    Parameters
    ----------
    choices : sequence of str or callable
        The strings, or a function that returns them.
    """

    def __init__(self, choices: Sequence[str] | Callable[[], Sequence[str]]) -> None:
        self.choices = choices
        super().__init__(
            lambda value: isinstance(value, str) and value in self.current(), ""
        )

    def current(self) -> Sequence[str]:
        """Return the strings accepted now.

        Returns
        -------
        sequence of str
            ``choices``, or what ``choices()`` returns.
        """
        return self.choices() if callable(self.choices) else self.choices

    def __str__(self) -> str:
        return "a str among {" + ", ".join(repr(c) for c in self.current()) + "}"


#: Constraint of ``name``: a registered dataset.
DATASET_NAME = OneOf(lambda: tuple(DATASETS))
#: Constraint of ``split``: a registered EMNIST split.
EMNIST_SPLIT = OneOf(emnist_splits)
#: Constraint of ``subset`` (and of ``split_from``, with None).
SUBSET = OneOf(SUBSETS)
#: Constraints of ``data_dir``.
DATA_DIR = [
    Predicate(lambda value: isinstance(value, str) and value != "", "a non-empty str"),
    os.PathLike,
    None,
]
#: The constraints of the parameters that every loader takes.
LOADER_PARAMS = {
    "subset": [SUBSET],
    "data_dir": DATA_DIR,
    "download": ["boolean"],
    "return_X_y": ["boolean"],
}
