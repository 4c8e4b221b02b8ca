"""
CNN vs MLP on MNIST and Fashion-MNIST
=====================================

The fourth reference study runs the same two models on MNIST and on
Fashion-MNIST, where the gap between a CNN and an MLP is wider. One report
per data set.

::

    python examples/plot_mnist_fashion.py --data-dir path/to/data --download
"""

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.cli import example_parser, load_data_from_args
from emnist_estimators.reports import ReportWriter, add_data_figures, fit_and_report

args = example_parser(
    (__doc__ or "").strip().partition("\n")[0], dataset="mnist"
).parse_args()
quick = args.quick
output = args.output or "reports/examples/mnist-fashion"

for dataset in ("mnist", "fashion-mnist"):
    args.dataset = dataset
    data = load_data_from_args(
        args, n_train=1500 if quick else None, n_test=500 if quick else None
    )
    common = {
        "max_epochs": 1 if quick else 12,
        "random_state": args.random_state,
        "device": args.device,
    }
    models = {"cnn": CNNClassifier(**common), "mlp": MLPClassifier(**common)}
    writer = ReportWriter(
        f"{output}/{dataset}",
        f"CNN vs MLP on {dataset}",
        details={"data": data.description},
    )
    add_data_figures(writer, data)
    fit_and_report(models, data, writer)
    for name, report in writer.reports.items():
        print(f"{dataset} {name}: accuracy {report.accuracy:.4f}")
    print(f"Report: {writer.folder / 'report.md'}")
