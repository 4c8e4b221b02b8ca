"""Metric reports and comparison tables."""

import json
import sys

import numpy as np
import pytest
from _estimator_helpers import small
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    precision_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from emnist_estimators import MLPClassifier
from emnist_estimators.evaluation import (
    SUMMARY_COLUMNS,
    class_display_names,
    comparison_table,
    evaluate,
    most_confused_pairs,
    save_table,
    to_csv,
    to_markdown,
)


@pytest.fixture(scope="module")
def fitted(digits):
    X, y = digits
    clf = small(MLPClassifier, max_epochs=3).fit(X[:1000], y[:1000])
    return clf, X[1000:], y[1000:]


def test_report_metrics_agree_with_sklearn(fitted):
    clf, X, y = fitted
    report = evaluate(clf, X, y, name="mlp")
    y_pred = clf.predict(X)
    np.testing.assert_array_equal(report.y_pred, y_pred)
    assert report.model == "mlp"
    assert report.accuracy == pytest.approx(accuracy_score(y, y_pred))
    assert report.f1_macro == pytest.approx(f1_score(y, y_pred, average="macro"))
    assert report.balanced_accuracy == pytest.approx(balanced_accuracy_score(y, y_pred))
    assert report.precision_weighted == pytest.approx(
        precision_score(y, y_pred, average="weighted", zero_division=0)
    )
    assert report.confusion.sum() == len(y) == report.n_test
    assert np.trace(report.confusion) == (y_pred == y).sum()
    assert report.n_parameters == clf.n_parameters_
    assert report.fit_time_s == clf.fit_time_
    assert report.n_epochs == 3
    assert report.inference_s_per_1000 > 0
    assert set(report.summary()) == set(SUMMARY_COLUMNS)


def test_character_names_in_the_per_class_report(fitted):
    clf, X, y = fitted
    names = {
        d: "zero one two three four five six seven eight nine".split()[d]
        for d in range(10)
    }
    report = evaluate(clf, X, y, target_names=names)
    assert report.class_names[3] == "three"
    assert "three" in report.per_class and "macro avg" in report.per_class
    assert report.per_class["three"]["support"] == (y == 3).sum()


def test_most_confused_pairs():
    confusion = np.array([[8, 2, 0], [5, 5, 0], [0, 1, 9]])
    pairs = most_confused_pairs(confusion, ["O", "0", "Q"], top=5)
    assert [(p["true"], p["predicted"], p["count"]) for p in pairs] == [
        ("0", "O", 5),
        ("O", "0", 2),
        ("Q", "0", 1),
    ]
    assert pairs[0]["rate"] == 0.5


def test_report_serialises_to_json(fitted, tmp_path):
    clf, X, y = fitted
    report = evaluate(clf, X, y)
    path = tmp_path / "metrics.json"
    report.to_json(path)
    data = json.loads(path.read_text())
    assert data["accuracy"] == report.accuracy
    assert np.array_equal(np.array(data["confusion"]), report.confusion)
    assert "y_pred" not in data


def test_pipeline_reports_the_final_estimator(fitted, digits):
    X, y = digits
    pipe = make_pipeline(MinMaxScaler(), small(MLPClassifier)).fit(X[:500], y[:500])
    report = evaluate(pipe, X[500:600], y[500:600])
    assert report.model == "MLPClassifier"
    assert report.n_parameters == pipe[-1].n_parameters_


def test_bad_arguments(fitted):
    clf, X, y = fitted
    with pytest.raises(ValueError, match="not trained on"):
        evaluate(clf, X[:3], np.array([0, 1, 42]))
    with pytest.raises(ValueError, match="at least one test sample"):
        evaluate(clf, X[:0], y[:0])
    with pytest.raises(ValueError, match="3 names but there are 2 classes"):
        class_display_names([0, 1], ["a", "b", "c"])
    with pytest.raises(ValueError, match="no name for the classes"):
        class_display_names([0, 1], {0: "a"})


@pytest.mark.parametrize("as_frame", [True, False])
def test_comparison_table_markdown_and_csv(fitted, tmp_path, as_frame):
    if as_frame:
        pytest.importorskip("pandas")
    clf, X, y = fitted
    reports = {"first": evaluate(clf, X, y), "second": evaluate(clf, X[:50], y[:50])}
    table = comparison_table(reports, as_frame=as_frame)
    rows = table.to_dict("records") if as_frame else table
    assert [r["model"] for r in rows] == ["first", "second"]
    assert rows[1]["n_test"] == 50
    markdown = to_markdown(table)
    lines = markdown.strip().splitlines()
    assert lines[0].startswith("| model | accuracy |") and len(lines) == 4
    assert f"{reports['first'].accuracy:.4f}" in lines[2]
    csv_lines = to_csv(table).strip().splitlines()
    assert csv_lines[0].split(",") == list(SUMMARY_COLUMNS)
    assert csv_lines[2].startswith("second,")
    save_table(table, tmp_path / "t.md")
    save_table(table, tmp_path / "t.csv")
    assert (tmp_path / "t.md").read_text() == markdown
    with pytest.raises(ValueError, match=".md or .csv"):
        save_table(table, tmp_path / "t.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.md"]


@pytest.mark.parametrize("as_frame", [True, False])
def test_comparison_table_keeps_the_columns_asked_for(fitted, as_frame):
    if as_frame:
        pytest.importorskip("pandas")
    clf, X, y = fitted
    reports = {"first": evaluate(clf, X, y)}
    table = comparison_table(reports, columns=["f1_macro", "model"], as_frame=as_frame)
    rows = table.to_dict("records") if as_frame else table
    assert [list(r) for r in rows] == [["f1_macro", "model"]]
    assert rows[0]["f1_macro"] == pytest.approx(reports["first"].f1_macro)
    with pytest.raises(ValueError, match=r"no column\(s\) \['acuracy'\]"):
        comparison_table(reports, columns=["model", "acuracy"], as_frame=as_frame)


def test_as_frame_without_pandas_says_what_to_install(fitted, monkeypatch):
    clf, X, y = fitted
    reports = {"first": evaluate(clf, X, y)}
    monkeypatch.setitem(sys.modules, "pandas", None)  # import fails as if absent
    with pytest.raises(ImportError, match="pandas is not installed: pip install"):
        comparison_table(reports, as_frame=True)
    assert comparison_table(reports)[0]["model"] == "first"  # 'auto': a list
