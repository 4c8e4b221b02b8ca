"""Small, fast estimator instances and weight comparisons shared by the tests."""

import torch
from skorch.callbacks import Callback

from emnist_estimators.models import get_model, list_models

#: The estimator class of every registered model.
ALL = [get_model(name).estimator for name in list_models()]

FAST = {"max_epochs": 2, "batch_size": 64, "device": "cpu", "random_state": 0}

#: Each class's tiny architecture, as its model declares it.
SMALL_ARCHITECTURES = {
    get_model(name).estimator: dict(get_model(name).smoke_params)
    for name in list_models()
}


def small(cls, **params):
    """A small, fast instance of ``cls`` (``params`` override the defaults)."""
    return cls(**{**SMALL_ARCHITECTURES[cls], **FAST, **params})


def state(estimator):
    """A copy of the fitted network's weights."""
    return {k: v.clone() for k, v in estimator.net_.module_.state_dict().items()}


def same_state(a, b):
    """Whether two weight dicts are identical."""
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


class GradientNorms(Callback):
    """Records the global gradient norm the optimizer is about to apply."""

    def initialize(self):
        self.norms = []
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad for _, p in named_parameters if p.grad is not None]
        self.norms.append(float(torch.nn.utils.get_total_norm(grads)))
