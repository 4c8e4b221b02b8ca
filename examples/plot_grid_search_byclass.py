"""
MLP vs CNN vs LSTM on EMNIST ByClass, tuned by a 3-fold grid search
===================================================================

The third reference study reads each image as a sequence of 28 pixel rows
with an LSTM, and compares it with an MLP and a CNN on the 62-class ByClass
split, each tuned by a grid search with 3-fold cross-validation. The grids
are the library's presets (:func:`emnist_estimators.search.param_grid`):
``--grid small`` (the default) tries the architecture and dropout; ``--grid
full`` covers everything the study searched (architecture and activation,
optimizer and learning rate, schedule, batch norm, dropout, batch size, L1/L2),
which takes hours on a GPU.

::

    python examples/plot_grid_search_byclass.py --data-dir path/to/emnist
"""

from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, train_test_split

from emnist_estimators import CNNClassifier, LSTMClassifier, MLPClassifier
from emnist_estimators.cli import example_parser, load_data_from_args
from emnist_estimators.reports import ReportWriter, add_data_figures, fit_and_report
from emnist_estimators.search import param_grid, summarize_search

parser = example_parser(
    (__doc__ or "").strip().partition("\n")[0], dataset="emnist-byclass"
)
parser.add_argument("--grid", choices=("small", "full"), default="small")
parser.add_argument("--search-size", type=int, default=15000, help="search subset")
args = parser.parse_args()
quick = args.quick
data = load_data_from_args(
    args, n_train=1500 if quick else None, n_test=500 if quick else None
)

search_size = min(300 if quick else args.search_size, len(data.y_train) - 1)
X_search, _, y_search, _ = train_test_split(
    data.X_train,
    data.y_train,
    train_size=search_size,
    stratify=data.y_train,
    random_state=args.random_state,
)
common = {"random_state": args.random_state, "device": args.device}
epochs = 1 if quick else 4
candidates = {
    "mlp": MLPClassifier(max_epochs=epochs, **common),
    "cnn": CNNClassifier(max_epochs=epochs, **common),
    "lstm": LSTMClassifier(max_epochs=epochs, **common),
}

# %%
# One grid search per model, 3-fold.
writer = ReportWriter(
    args.output or f"reports/examples/grid-search-{data.name}",
    f"Grid search: MLP vs CNN vs LSTM on {data.name}",
    details={"data": data.description, "grid": args.grid, "search subset": search_size},
)
best = {}
for name, estimator in candidates.items():
    grid = param_grid(name, size="small" if quick else args.grid)
    if quick:  # quick mode checks that the script runs: search dropout only
        grid = [{"dropout": grid[0]["dropout"]}]
    search = GridSearchCV(estimator, grid, cv=3, error_score="raise")
    search.fit(X_search, y_search)
    summary = summarize_search(search, top_k=5)
    writer.add_section(f"Grid search for {name}", summary.to_markdown())
    best[name] = clone(estimator).set_params(
        **search.best_params_, max_epochs=1 if quick else 15
    )
    print(f"{name}: best 3-fold accuracy {summary.best_score:.4f}")
    print(f"    with {summary.best_params}")

# %%
# The best of each, trained on all training images, on the test set.
add_data_figures(writer, data)
fit_and_report(best, data, writer)
for name, report in writer.reports.items():
    print(f"{name}: test accuracy {report.accuracy:.4f}")
print(f"Report: {writer.folder / 'report.md'}")
