"""
Devices and precision: ``device='auto'`` and ``precision='auto'``
=================================================================

Every estimator takes a ``device`` and a ``precision``:

* ``device='auto'`` (the default) trains on the current CUDA GPU when
  PyTorch sees one, else on the CPU; ``'cpu'``, ``'cuda'`` or ``'cuda:N'``
  choose one. The device used is the fitted attribute ``device_``.
* ``precision`` is the compute precision: ``'float32'`` (the default, the
  same model from the same seed on any machine), ``'bfloat16'`` (through
  :func:`torch.autocast`), or ``'auto'``: bfloat16 only where the hardware
  computes it natively (CUDA GPUs with bfloat16, CPUs with AVX-512 BF16 or
  AMX), float32 elsewhere. Where bfloat16 is only emulated it is several times
  *slower* than float32, so ``'auto'`` does not use it there; an explicit
  ``'bfloat16'`` on such hardware trains as asked and warns. The precision
  used is the fitted attribute ``precision_``.

This example shows what the machine that built this page has, and what the
two ``'auto'`` settings decided on it.
"""

import os

import matplotlib.pyplot as plt

from emnist_estimators import CNNClassifier
from emnist_estimators.datasets import load_digits
from emnist_estimators.environment import environment_info

# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"

# %%
# The machine
# -----------
# :func:`~emnist_estimators.environment.environment_info` collects what the
# decision reads (the CPU's instruction sets, the level of torch's CPU
# kernels, CUDA) and the library versions; the reports and benchmark results
# record it.
info = environment_info()
for key in (
    "cpu",
    "hardware",
    "cpu_native_bfloat16",
    "torch_cpu_capability",
    "cuda_available",
    "cpu_count",
    "torch",
):
    print(f"{key:22s} {info[key]}")

# %%
# What ``'auto'`` decides
# -----------------------
# Fit the same model twice on the digits: once with both settings on
# ``'auto'``, once in float32 on the same device.
X_train, y_train = load_digits(subset="train")
X_test, y_test = load_digits(subset="test")
if QUICK:
    X_train, y_train = X_train[:300], y_train[:300]
epochs = 2 if QUICK else 12

auto = CNNClassifier(
    filters=(32, 64), max_epochs=epochs, device="auto", precision="auto", random_state=0
)
auto.fit(X_train, y_train)
print("device_:", auto.device_, " precision_:", auto.precision_)

float32 = CNNClassifier(
    filters=(32, 64),
    max_epochs=epochs,
    device=auto.device_,
    precision="float32",
    random_state=0,
)
float32.fit(X_train, y_train)

environment_info(auto.device_).get("gpu", "no GPU in use")

# %%
# Both models, compared by test accuracy and by training time per epoch
# (``history_[:, "dur"]``, skorch's per-epoch history). Where ``'auto'``
# picked float32, the two runs are the same computation; where it picked
# bfloat16, the difference is the speed of native bfloat16 on this machine
# (the accuracy moves by a few tenths of a point either way).
runs = {f"auto ({auto.precision_})": auto, "float32": float32}
for name, model in runs.items():
    print(
        f"{name:18s} test accuracy {model.score(X_test, y_test):.3f}, "
        f"fit {model.fit_time_:.1f} s on {model.device_}"
    )

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for name, model in runs.items():
    durations = model.history_[:, "dur"]
    ax.plot(range(1, len(durations) + 1), durations, marker="o", label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("seconds")
ax.set_ylim(bottom=0)
ax.set_title(f"Training time per epoch on {auto.device_}")
ax.legend()
ax.grid(True, alpha=0.3)

# %%
# On a machine with a GPU, ``device='auto'`` trains there and
# ``environment_info(model.device_)`` adds the GPU's name; the ``gpu`` line
# above says which was used here. The command line's ``--device`` and
# ``--precision`` options take the same values (``'auto'`` by default).
