"""The plotting module: what each figure shows, its errors, and saving."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from emnist_estimators import MLPClassifier
from emnist_estimators.datasets import get_emnist_mapping
from emnist_estimators.evaluation import (
    EvaluationReport,
    comparison_table,
    evaluate,
)
from emnist_estimators.plotting import (
    METRIC_LABELS,
    plot_class_distribution,
    plot_comparison,
    plot_confusion_matrix,
    plot_confusion_matrix_from_predictions,
    plot_learning_curves,
    plot_mistakes,
    plot_parameter_counts,
    plot_samples,
    plot_training_times,
    save_figure,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted(digits):
    """Two tiny MLPs on 300 digits: one with a validation split, one without."""
    X, y = digits
    X, y = X[:300], y[:300]
    common = {
        "hidden_layer_sizes": (16,),
        "max_epochs": 3,
        "device": "cpu",
        "random_state": 0,
    }
    with_valid = MLPClassifier(validation_fraction=0.25, **common).fit(X, y)
    without_valid = MLPClassifier(**common).fit(X, y)
    return with_valid, without_valid


@pytest.fixture(scope="module")
def digits_report(fitted, digits):
    X, y = digits
    return evaluate(fitted[0], X[300:500], y[300:500], name="MLP")


def _report(confusion, class_names, model="synthetic"):
    """An EvaluationReport around a given confusion matrix (other fields dummy)."""
    n = len(class_names)
    return EvaluationReport(
        model=model,
        accuracy=0.5,
        balanced_accuracy=0.5,
        precision_macro=0.5,
        recall_macro=0.5,
        f1_macro=0.5,
        precision_weighted=0.5,
        recall_weighted=0.5,
        f1_weighted=0.5,
        classes=list(range(n)),
        class_names=list(class_names),
        per_class={},
        confusion=np.asarray(confusion),
        most_confused=[],
        fit_time_s=None,
        inference_s_per_1000=0.1,
        n_parameters=None,
        n_epochs=None,
        n_test=int(np.sum(confusion)),
        y_pred=np.zeros(0),
    )


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def _tick_texts(labels):
    return [t.get_text() for t in labels]


def _titles(fig):
    return [ax.get_title() for ax in fig.axes if ax.images]


# ---------------------------------------------------------------- learning curves
def test_learning_curves_follow_the_histories(fitted):
    with_valid, without_valid = fitted
    fig = plot_learning_curves({"A": with_valid, "B": without_valid})
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    for ax, (train_key, valid_key) in [
        (loss_ax, ("train_loss", "valid_loss")),
        (acc_ax, ("train_acc", "valid_acc")),
    ]:
        lines = _lines(ax)
        # A: train and validation; B: train only (it had no validation split).
        assert set(lines) == {"A (train)", "A (validation)", "B (train)"}
        np.testing.assert_allclose(
            lines["A (train)"].get_ydata(), with_valid.history_[:, train_key]
        )
        np.testing.assert_allclose(
            lines["A (validation)"].get_ydata(), with_valid.history_[:, valid_key]
        )
        np.testing.assert_allclose(
            lines["B (train)"].get_ydata(), without_valid.history_[:, train_key]
        )
        np.testing.assert_array_equal(lines["A (train)"].get_xdata(), [1, 2, 3])
        assert lines["A (train)"].get_linestyle() == "-"
        assert lines["A (validation)"].get_linestyle() == "--"
        assert lines["A (train)"].get_color() == lines["A (validation)"].get_color()
        assert lines["A (train)"].get_color() != lines["B (train)"].get_color()
    assert loss_ax.get_title() == "Loss" and acc_ax.get_title() == "Accuracy"


def test_learning_curves_from_history_lists_and_given_axes():
    history = [
        {"epoch": 1, "train_loss": 2.0, "train_acc": 0.3},
        {"epoch": 2, "train_loss": 1.5, "train_acc": 0.5, "valid_loss": 1.7},
        {"epoch": 3, "train_loss": 1.0, "train_acc": 0.7, "valid_loss": 1.2},
    ]
    fig, ax = plt.subplots()
    returned = plot_learning_curves({"run": history}, metrics="loss", axes=ax)
    assert returned is fig
    lines = _lines(ax)
    np.testing.assert_allclose(lines["run (train)"].get_ydata(), [2.0, 1.5, 1.0])
    # Validation only where it was recorded.
    np.testing.assert_array_equal(lines["run (validation)"].get_xdata(), [2, 3])
    np.testing.assert_allclose(lines["run (validation)"].get_ydata(), [1.7, 1.2])


def test_learning_curves_accepts_a_single_model(fitted):
    fig = plot_learning_curves(fitted[1], metrics=("accuracy",))
    assert list(_lines(fig.axes[0])) == ["MLPClassifier (train)"]


def test_learning_curves_errors():
    with pytest.raises(ValueError, match="'unfitted' has no training history"):
        plot_learning_curves({"unfitted": MLPClassifier()})
    with pytest.raises(ValueError, match="'MLPClassifier' has no training history"):
        plot_learning_curves(MLPClassifier())
    with pytest.raises(ValueError, match="empty"):
        plot_learning_curves({"empty": []})
    with pytest.raises(ValueError, match="models is empty"):
        plot_learning_curves({})
    with pytest.raises(TypeError, match="mapping"):
        plot_learning_curves(42)
    history = [{"epoch": 1, "train_loss": 1.0}]
    with pytest.raises(ValueError, match="'metrics' parameter .* Got \\('f1',\\)"):
        plot_learning_curves({"m": history}, metrics=("f1",))
    with pytest.raises(ValueError, match="'train_acc' nor 'valid_acc'"):
        plot_learning_curves({"m": history})
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="one Axes per metric"):
        plot_learning_curves({"m": history}, metrics="loss", axes=axes)


# ---------------------------------------------------------------- confusion matrix
def test_confusion_matrix_shows_the_report(digits_report):
    fig = plot_confusion_matrix(digits_report)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), digits_report.confusion)
    assert _tick_texts(ax.get_xticklabels()) == digits_report.class_names
    assert _tick_texts(ax.get_yticklabels()) == digits_report.class_names
    assert len(ax.texts) == 10 * 10  # few classes: one number per cell
    assert "MLP" in ax.get_title()
    assert len(fig.axes) == 2  # the matrix and its colour bar


def test_confusion_matrix_normalised_rows_sum_to_one(digits_report):
    fig = plot_confusion_matrix(digits_report, normalize="true", colorbar=False)
    shown = np.asarray(fig.axes[0].images[0].get_array())
    counts = digits_report.confusion
    np.testing.assert_allclose(shown, counts / counts.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(shown.sum(axis=1), 1.0)
    assert len(fig.axes) == 1


def test_confusion_matrix_for_62_classes_is_readable():
    mapping = get_emnist_mapping("byclass")
    rng = np.random.default_rng(0)
    confusion = rng.integers(0, 5, size=(62, 62)) + np.diag(np.full(62, 50))
    confusion[3] = 0  # a class without test samples
    report = _report(confusion, [mapping[i] for i in range(62)])
    fig = plot_confusion_matrix(report, normalize="true")
    ax = fig.axes[0]
    assert len(ax.texts) == 0  # no per-cell numbers for 62 classes
    assert _tick_texts(ax.get_xticklabels()) == [mapping[i] for i in range(62)]
    assert _tick_texts(ax.get_yticklabels())[36] == "a"
    assert ax.get_xticklabels()[0].get_fontsize() < 10
    shown = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(shown[3], 0.0)  # 0/0 rows are 0, not NaN
    np.testing.assert_allclose(np.delete(shown, 3, axis=0).sum(axis=1), 1.0)
    small = plot_confusion_matrix(_report(np.eye(3, dtype=int), ["a", "b", "c"]))
    assert fig.get_figwidth() > small.get_figwidth()


def test_confusion_matrix_from_to_dict_form(digits_report):
    fig = plot_confusion_matrix(digits_report.to_dict(), include_values=False)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), digits_report.confusion)
    assert len(ax.texts) == 0


def test_confusion_matrix_from_predictions():
    y_true = np.array([10, 10, 11, 12, 12, 12])
    y_pred = np.array([10, 11, 11, 12, 10, 12])
    mapping = get_emnist_mapping("balanced")
    fig, ax = plt.subplots()
    returned = plot_confusion_matrix_from_predictions(
        y_true, y_pred, class_names=mapping, ax=ax, colorbar=False
    )
    assert returned is fig
    expected = [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert _tick_texts(ax.get_xticklabels()) == ["A", "B", "C"]
    fig = plot_confusion_matrix_from_predictions(
        y_true, y_pred, labels=[12, 11, 10], normalize="true"
    )
    shown = np.asarray(fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(shown[0], [2 / 3, 0, 1 / 3])
    assert _tick_texts(fig.axes[0].get_xticklabels()) == ["12", "11", "10"]


def test_confusion_matrix_errors(digits_report):
    with pytest.raises(ValueError, match="'normalize' parameter .* must be"):
        plot_confusion_matrix(digits_report, normalize="rows")
    with pytest.raises(TypeError, match="EvaluationReport"):
        plot_confusion_matrix(np.eye(3))
    with pytest.raises(ValueError, match="expected \\(2, 2\\)"):
        plot_confusion_matrix(_report(np.eye(3, dtype=int), ["a", "b"]))
    with pytest.raises(ValueError, match="must match"):
        plot_confusion_matrix_from_predictions([1, 2], [1])
    with pytest.raises(ValueError, match="no name"):
        plot_confusion_matrix_from_predictions([1, 2], [1, 2], class_names={1: "a"})


# ---------------------------------------------------------------- image grids
def _images(n=12, size=6, seed=0):
    """Distinct, asymmetric images: flipping or transposing would show."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, size, size)).astype(np.uint8)


@pytest.mark.parametrize("layout", ["flat", "3d", "4d"])
def test_samples_show_the_input_images_upright(layout):
    images = _images()
    X = {
        "flat": images.reshape(len(images), -1),
        "3d": images,
        "4d": images[:, None],
    }[layout]
    y = np.arange(len(images)) % 10
    mapping = {i: "0123456789"[i] for i in range(10)}
    fig = plot_samples(X, y, class_names=mapping, n_images=5)
    shown = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(shown) == 5
    for i, image in enumerate(shown):
        np.testing.assert_array_equal(image.get_array(), images[i])
        assert image.origin == "upper"
    assert _titles(fig) == ["0", "1", "2", "3", "4"]
    # A 5-image grid has 3x2 cells; the spare one is blank.
    assert len(fig.axes) == 6 and not fig.axes[-1].images


def test_samples_random_selection_keeps_images_and_titles_together():
    images = _images(n=30)
    # The label is the image's index, so the title tells which image it is.
    y = np.arange(30)
    fig = plot_samples(images, y, n_images=8, n_cols=4, random_state=1)
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 8
    picked = [int(ax.get_title()) for ax in axes]
    assert picked != list(range(8)) and len(set(picked)) == 8
    for ax, index in zip(axes, picked, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), images[index])
    again = plot_samples(images, y, n_images=8, random_state=1)
    assert [int(t) for t in _titles(again)] == picked


def test_samples_with_predictions_and_letters_mapping():
    images = _images(n=4)
    mapping = get_emnist_mapping("letters")  # labels 1-26
    y = np.array([1, 2, 3, 26])
    pred = np.array([1, 3, 3, 25])
    fig = plot_samples(images, y, class_names=mapping, predictions=pred)
    axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in axes] == ["A → A", "B → C", "C → C", "Z → Y"]
    red = [ax.title.get_color() == "tab:red" for ax in axes]
    assert red == [False, True, False, True]
    only_pred = plot_samples(images, predictions=pred, class_names=mapping)
    assert _titles(only_pred) == ["A", "C", "C", "Y"]
    untitled = plot_samples(images)
    assert _titles(untitled) == ["", "", "", ""]


def test_samples_more_requested_than_available_and_given_axes():
    images = _images(n=3)
    fig, axes = plt.subplots(2, 2)
    returned = plot_samples(images, [0, 1, 2], n_images=4, axes=axes)
    assert returned is fig
    assert [len(ax.images) for ax in axes.ravel()] == [1, 1, 1, 0]


def test_samples_errors():
    images = _images(n=3)
    with pytest.raises(ValueError, match="y has 2 labels but X has 3"):
        plot_samples(images, [0, 1])
    with pytest.raises(ValueError, match="no name for the label 2"):
        plot_samples(images, [0, 1, 2], class_names={0: "a", 1: "b"})
    with pytest.raises(TypeError, match="'class_names' parameter .*Mapping"):
        plot_samples(images, [0, 1, 2], class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="n_images"):
        plot_samples(images, n_images=0)
    with pytest.raises(TypeError, match="n_cols"):
        plot_samples(images, n_cols=2.5)
    with pytest.raises(ValueError, match="shape"):
        plot_samples(np.zeros(5))
    with pytest.raises(ValueError, match="no samples"):
        plot_samples(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="2 channels"):
        plot_samples(np.zeros((3, 2, 4, 4)))
    with pytest.raises(ValueError, match="least n_images Axes"):
        plot_samples(images, axes=plt.subplots(1, 2)[1])


def test_mistakes_show_only_misclassified_samples():
    images = _images(n=10)
    X = images.reshape(10, -1)
    mapping = get_emnist_mapping("balanced")
    y_true = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    y_pred = np.array([0, 7, 2, 3, 1, 5, 6, 7, 8, 36])
    fig = plot_mistakes(X, y_true, y_pred, class_names=mapping)
    axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in axes] == ["1 → 7", "4 → 1", "9 → a"]
    for ax, index in zip(axes, [1, 4, 9], strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), images[index])
    assert "3 misclassified of 10" in fig.get_suptitle()
    limited = plot_mistakes(X, y_true, y_pred, n_images=2, random_state=0)
    titles = _titles(limited)
    assert len(titles) == 2 and set(titles) <= {"1 → 7", "4 → 1", "9 → 36"}


def test_mistakes_without_any_shows_a_message():
    images = _images(n=4)
    fig = plot_mistakes(images, [1, 2, 3, 4], [1, 2, 3, 4])
    assert not any(ax.images for ax in fig.axes)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["No misclassified samples (of 4)"]


def test_mistakes_errors():
    images = _images(n=4)
    with pytest.raises(ValueError, match="y_pred has 3 labels but X has 4"):
        plot_mistakes(images, [1, 2, 3, 4], [1, 2, 3])
    with pytest.raises(ValueError, match="no name for the label 9"):
        plot_mistakes(
            images, [1, 2, 3, 4], [1, 2, 3, 9], class_names=dict(enumerate("abcde"))
        )


# ---------------------------------------------------------------- bar charts
def _heights(ax):
    return [patch.get_height() for patch in ax.patches]


def test_class_distribution_heights_are_the_counts():
    mapping = get_emnist_mapping("byclass")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 62, size=2000)
    fig = plot_class_distribution(y, class_names=mapping)
    ax = fig.axes[0]
    assert _heights(ax) == np.bincount(y, minlength=62).tolist()
    assert _tick_texts(ax.get_xticklabels()) == [mapping[i] for i in range(62)]
    assert ax.get_xticklabels()[0].get_fontsize() < 10
    assert fig.get_figwidth() > 10


def test_class_distribution_with_labels_shows_missing_classes():
    y = np.array([3, 1, 1, 3, 3])
    fig, ax = plt.subplots()
    assert plot_class_distribution(y, labels=[0, 1, 2, 3], ax=ax) is fig
    assert _heights(ax) == [0, 2, 0, 3]
    assert _tick_texts(ax.get_xticklabels()) == ["0", "1", "2", "3"]
    with pytest.raises(ValueError, match="empty"):
        plot_class_distribution([])
    with pytest.raises(TypeError, match="class_names"):
        plot_class_distribution(y, class_names="abcd")


def _table_reports():
    reports = {}
    for name, accuracy, fit_time, n_params in [
        ("MLP", 0.81, 2.5, 109_386),
        ("CNN", 0.89, 12.0, 421_642),
        ("LSTM", 0.85, 30.0, None),
    ]:
        report = _report(np.eye(2, dtype=int), ["a", "b"], model=name)
        report.accuracy = accuracy
        report.fit_time_s = fit_time
        report.n_parameters = n_params
        reports[name] = report
    return reports


@pytest.mark.parametrize("as_frame", [True, False])
def test_comparison_bars_follow_the_table(as_frame):
    if as_frame:
        pytest.importorskip("pandas")
    table = comparison_table(_table_reports(), as_frame=as_frame)
    fig = plot_comparison(table, "accuracy")
    ax = fig.axes[0]
    np.testing.assert_allclose(_heights(ax), [0.81, 0.89, 0.85])
    assert _tick_texts(ax.get_xticklabels()) == ["MLP", "CNN", "LSTM"]
    assert ax.get_ylabel() == METRIC_LABELS["accuracy"]
    assert [t.get_text() for t in ax.texts] == ["0.81", "0.89", "0.85"]

    times = plot_training_times(table).axes[0]
    np.testing.assert_allclose(_heights(times), [2.5, 12.0, 30.0])
    assert times.get_ylabel() == "Training time (s)"

    params = plot_parameter_counts(table).axes[0]
    heights = _heights(params)
    np.testing.assert_allclose(heights[:2], [109_386, 421_642])
    assert heights[2] == 0  # LSTM has no count: no bar, labelled n/a
    labels = [t.get_text() for t in params.texts if t.get_text()]
    assert labels == ["109,386", "421,642", "n/a"]


def test_comparison_of_an_unknown_column_and_errors():
    table = [{"model": "a", "score": 3}, {"model": "b", "score": 1}]
    fig, ax = plt.subplots()
    assert plot_comparison(table, "score", ax=ax) is fig
    assert _heights(ax) == [3, 1] and ax.get_ylabel() == "score"
    with pytest.raises(ValueError, match="no 'accuracy' column"):
        plot_comparison(table, "accuracy")
    with pytest.raises(ValueError, match="no 'model' column"):
        plot_comparison([{"accuracy": 0.5}], "accuracy")
    with pytest.raises(ValueError, match="no rows"):
        plot_comparison([], "accuracy")
    with pytest.raises(TypeError, match="must hold numbers"):
        plot_comparison([{"model": "a", "accuracy": "high"}], "accuracy")
    with pytest.raises(TypeError, match="DataFrame or a list of dicts"):
        plot_comparison("table", "accuracy")


# ---------------------------------------------------------------- saving
def _small_figure():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    return fig


def test_save_figure_writes_a_png_atomically(tmp_path):
    path = tmp_path / "figure.png"
    returned = save_figure(_small_figure(), path, dpi=50)
    assert returned == path
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]
    svg = save_figure(_small_figure(), str(tmp_path / "figure.svg"))
    assert b"<svg" in svg.read_bytes()[:1000]
    no_suffix = save_figure(_small_figure(), tmp_path / "figure")
    assert no_suffix.read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "figure",
        "figure.png",
        "figure.svg",
    ]


class _FailingArtist(Text):
    def draw(self, renderer):
        raise RuntimeError("drawing failed")


def test_save_figure_leaves_nothing_behind_when_saving_fails(tmp_path):
    path = tmp_path / "figure.png"
    path.write_bytes(b"old")
    fig = _small_figure()
    fig.axes[0].add_artist(_FailingArtist(0.5, 0.5, "boom"))
    with pytest.raises(RuntimeError, match="drawing failed"):
        save_figure(fig, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]
    with pytest.raises(RuntimeError, match="drawing failed"):
        save_figure(fig, tmp_path / "new.png")
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]


def test_save_figure_errors(tmp_path):
    fig = _small_figure()
    with pytest.raises(ValueError, match="unknown format 'xyz'"):
        save_figure(fig, tmp_path / "figure.xyz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_figure(fig, tmp_path / "missing" / "figure.png")
    with pytest.raises(TypeError, match="ax.figure"):
        save_figure(fig.axes[0], tmp_path / "figure.png")
    with pytest.raises(ValueError, match="dpi"):
        save_figure(fig, tmp_path / "figure.png", dpi=0)
    assert list(tmp_path.iterdir()) == []
