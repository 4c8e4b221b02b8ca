"""
MLP vs CNN on EMNIST Balanced (47 classes)
==========================================

The first reference study compares a multi-layer perceptron with a small
convolutional network on the 47-class EMNIST split with the settings its
tuning found best: ReLU, Adam at 1e-3, batch size 128, batch norm, and
dropout. Here both are one constructor call, trained on the official training
part and scored on the official test part.

Run it with the data folder that holds the EMNIST files::

    python examples/plot_mlp_vs_cnn_balanced.py --data-dir path/to/emnist

Where only the official *test* files of a 47-class split are at hand (ByMerge
has the Balanced label set), split them::

    python examples/plot_mlp_vs_cnn_balanced.py --dataset emnist-bymerge \\
        --split-from test --data-dir path/to/emnist
"""

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.cli import example_parser, load_data_from_args
from emnist_estimators.reports import ReportWriter, add_data_figures, fit_and_report

args = example_parser(
    (__doc__ or "").strip().partition("\n")[0], dataset="emnist-balanced"
).parse_args()
quick = args.quick
data = load_data_from_args(
    args, n_train=1500 if quick else None, n_test=500 if quick else None
)

# %%
# The two models with the study's best settings.
common = {
    "optimizer": "adam",
    "lr": 1e-3,
    "batch_size": 128,
    "max_epochs": 1 if quick else 15,
    "random_state": args.random_state,
    "device": args.device,
}
models = {
    "mlp": MLPClassifier(
        hidden_layer_sizes=(512, 256, 128), batch_norm=True, dropout=0.2, **common
    ),
    "cnn": CNNClassifier(
        filters=(32, 64), dense_units=(128,), batch_norm=True, dropout=0.25, **common
    ),
}

# %%
# Fit, evaluate and write the report (tables, learning curves, confusion
# matrices, mistakes).
writer = ReportWriter(
    args.output or f"reports/examples/mlp-vs-cnn-{data.name}",
    f"MLP vs CNN on {data.name}",
    details={"data": data.description},
)
add_data_figures(writer, data)
fit_and_report(models, data, writer)
for name, report in writer.reports.items():
    print(f"{name}: accuracy {report.accuracy:.4f}, macro F1 {report.f1_macro:.4f}")
print(f"Report: {writer.folder / 'report.md'}")
