"""
MLP vs CNN vs ResNet on EMNIST ByClass, tuned by a random search
================================================================

The second reference study tunes three models on the 62-class ByClass split
with a randomized search and 3-fold cross-validation, then compares the best
of each. The search runs on a subset of the training data with few epochs per
candidate (as in the study, to keep it affordable); the best parameters are
then trained on the whole training set for longer.

::

    python examples/plot_random_search_byclass.py --data-dir path/to/emnist

With only the official test files at hand::

    python examples/plot_random_search_byclass.py --split-from test \\
        --data-dir path/to/emnist
"""

from sklearn.base import clone
from sklearn.model_selection import RandomizedSearchCV, train_test_split

from emnist_estimators import CNNClassifier, MLPClassifier, ResNetClassifier
from emnist_estimators.cli import example_parser, load_data_from_args
from emnist_estimators.reports import ReportWriter, add_data_figures, fit_and_report
from emnist_estimators.search import param_distributions, summarize_search

parser = example_parser(
    (__doc__ or "").strip().partition("\n")[0], dataset="emnist-byclass"
)
parser.add_argument("--n-iter", type=int, default=8, help="candidates per model")
parser.add_argument("--search-size", type=int, default=15000, help="search subset")
args = parser.parse_args()
quick = args.quick
data = load_data_from_args(
    args, n_train=1500 if quick else None, n_test=500 if quick else None
)

# %%
# A stratified subset of the training data for the search.
search_size = min(300 if quick else args.search_size, len(data.y_train) - 1)
X_search, _, y_search, _ = train_test_split(
    data.X_train,
    data.y_train,
    train_size=search_size,
    stratify=data.y_train,
    random_state=args.random_state,
)

common = {"random_state": args.random_state, "device": args.device}
candidates = {
    "mlp": MLPClassifier(max_epochs=1 if quick else 4, **common),
    "cnn": CNNClassifier(max_epochs=1 if quick else 4, **common),
    "resnet": ResNetClassifier(
        widths=(16, 32) if quick else (32, 64, 128),
        max_epochs=1 if quick else 3,
        **common,
    ),
}

# %%
# Search each model with 3-fold cross-validation and keep the best settings.
best = {}
writer = ReportWriter(
    args.output or f"reports/examples/random-search-{data.name}",
    f"Random search: MLP vs CNN vs ResNet on {data.name}",
    details={"data": data.description, "search subset": search_size},
)
for name, estimator in candidates.items():
    space = param_distributions(name, size="small" if quick else "full")
    if quick:  # quick mode checks that the script runs: search dropout only
        space = {"dropout": space["dropout"]}
    search = RandomizedSearchCV(
        estimator,
        space,
        n_iter=2 if quick else args.n_iter,
        cv=3,
        random_state=args.random_state,
        error_score="raise",
    ).fit(X_search, y_search)
    summary = summarize_search(search, top_k=5)
    writer.add_section(f"Search for {name}", summary.to_markdown())
    best[name] = clone(estimator).set_params(
        **search.best_params_, max_epochs=1 if quick else 15
    )
    print(f"{name}: best 3-fold accuracy {summary.best_score:.4f}")
    print(f"    with {summary.best_params}")

# %%
# Train the best settings on the whole training set and compare on the test set.
add_data_figures(writer, data)
fit_and_report(best, data, writer)
for name, report in writer.reports.items():
    print(f"{name}: test accuracy {report.accuracy:.4f}")
print(f"Report: {writer.folder / 'report.md'}")
