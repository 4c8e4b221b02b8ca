"""Loaders for EMNIST, MNIST, Fashion-MNIST and scikit-learn's digits.

All loaders share one signature and return ``(X, y)`` by default: ``X`` is a
uint8 array of upright images of shape (n_samples, height, width), ``y`` an
int64 array of labels. With ``return_X_y=False`` they return a
:class:`sklearn.utils.Bunch` (``data``, ``images``, ``target``,
``target_names``, ``mapping``, ``DESCR``, ...).

Data folder
-----------
Files are looked for in ``data_dir``, else in the folder named by the
environment variable ``EMNIST_ESTIMATORS_DATA``, else in
``~/.cache/emnist_estimators`` (see :func:`get_data_home`): in the folder
itself and in torchvision's layout below it (``EMNIST/raw``, ``MNIST/raw``,
``FashionMNIST/raw``), gzip-compressed or not, so that files a user already
has (e.g. from :mod:`torchvision.datasets`) are used as they are. With
``download=True`` missing files are downloaded (from torchvision's URLs,
checked against its md5 checksums) into torchvision's layout; a failed or
interrupted download leaves no file behind.

Datasets
--------
Each dataset is described once, by a :class:`DatasetSpec` (its classes, image
size and orientation, files, download and description; see
:func:`get_dataset_spec`), and every loader reads its spec.

Validation set
--------------
There is no wrapper for holding out a validation set: use scikit-learn's
:func:`~sklearn.model_selection.train_test_split`, stratified and seeded::

    >>> from sklearn.model_selection import train_test_split
    >>> from emnist_estimators.datasets import load_digits
    >>> X, y = load_digits()
    >>> X_train, X_val, y_train, y_val = train_test_split(
    ...     X, y, test_size=0.2, stratify=y, random_state=0
    ... )
    >>> X_train.shape, X_val.shape
    ((1149, 8, 8), (288, 8, 8))
"""

from ._emnist import load_emnist
from ._home import get_data_home
from ._idx import read_idx, write_idx
from ._load import get_dataset_spec, load_dataset, load_digits
from ._mapping import (
    char_to_label,
    get_emnist_mapping,
    label_to_char,
    read_mapping_file,
)
from ._mnist import load_fashion_mnist, load_mnist
from ._specs import DATASET_NAMES, EMNIST_SPLITS, DatasetSpec
from ._splits import load_train_test

__all__ = [
    "DATASET_NAMES",
    "EMNIST_SPLITS",
    "DatasetSpec",
    "char_to_label",
    "get_data_home",
    "get_dataset_spec",
    "get_emnist_mapping",
    "label_to_char",
    "load_dataset",
    "load_digits",
    "load_emnist",
    "load_fashion_mnist",
    "load_mnist",
    "load_train_test",
    "read_idx",
    "read_mapping_file",
    "write_idx",
]
