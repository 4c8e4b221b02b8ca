"""The texts of the datasets' descriptions (the ``DESCR`` of the Bunch).

The specs (``_specs.py``) hold each dataset's text; ``{chars}`` is filled
in there with its classes.
"""

_LOADING = """
Loaded as ``(X, y)``: ``X`` is a uint8 array of shape (n_samples, {h}, {w})
with upright images (0 is the background), ``y`` holds int64 labels.
``target_names[k]`` names the k-th smallest label; ``mapping`` maps each
label to its name.
"""

EMNIST = """
Handwritten characters of NIST Special Database 19, converted to 28x28
images in the layout of MNIST (Cohen, Afshar, Tapson and van Schaik, 2017,
"EMNIST: an extension of MNIST to handwritten letters", arXiv:1702.05373).

=========  ==========  ===========  =========
split      classes     train        test
=========  ==========  ===========  =========
byclass    62          697,932      116,323
bymerge    47          697,932      116,323
balanced   47          112,800      18,800
letters    26          124,800      20,800
digits     10          240,000      40,000
mnist      10          60,000       10,000
=========  ==========  ===========  =========

The official files store each image transposed; the loader transposes them
back, so the images are upright. Classes of this split, in label order:
{chars}
"""

MNIST = """
Handwritten digits 0-9 (LeCun, Cortes and Burges): 60,000 training and
10,000 test images of 28x28 pixels, 10 classes.
"""

FASHION_MNIST = """
Zalando's article images (Xiao, Rasul and Vollgraf, 2017, arXiv:1708.07747):
60,000 training and 10,000 test images of 28x28 pixels, 10 classes of
clothing: {chars}.
"""

DIGITS = """
scikit-learn's bundled optical recognition of handwritten digits
(:func:`sklearn.datasets.load_digits`): 1,797 images of 8x8 pixels, 10
classes. The values 0-16 are rescaled to 0-255 (uint8). 'train' and 'test'
are a fixed stratified 80/20 split (``train_test_split(..., test_size=0.2,
stratify=y, random_state=0)``): 1,437 and 360 images.
"""


def describe(title: str, body: str, image_size: tuple[int, int]) -> str:
    """Assemble a ``DESCR``: an underlined title, the body, how it is loaded.

    Parameters
    ----------
    title : str
        E.g. ``"EMNIST byclass (test)"``.
    body : str
        The dataset's description (:attr:`DatasetSpec.description`).
    image_size : tuple of int
        The ``(height, width)`` of the images.

    Returns
    -------
    str
        The description.
    """
    height, width = image_size
    underline = "=" * len(title)
    return f"{title}\n{underline}\n{body}" + _LOADING.format(h=height, w=width)
