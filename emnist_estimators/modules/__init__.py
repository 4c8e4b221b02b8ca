"""The networks behind the estimators: plain ``torch.nn.Module`` classes.

They know nothing of scikit-learn; each takes ``image_shape`` ``(C, H, W)`` and
``n_classes`` plus its architecture parameters, and maps a float batch of
images ``(n, C, H, W)`` to class logits ``(n, n_classes)``.
"""

from ._init import INITS, LSTM_INITS, kaiming_init, keras_dense_init, keras_lstm_init
from ._layers import ACTIVATIONS, count_parameters
from .cnn import CNN
from .cnn_lstm import CNNLSTM
from .lstm import LSTMNet
from .mlp import MLP
from .resnet import BasicBlock, ResNet

__all__ = [
    "ACTIVATIONS",
    "CNN",
    "CNNLSTM",
    "INITS",
    "LSTM_INITS",
    "MLP",
    "BasicBlock",
    "LSTMNet",
    "ResNet",
    "count_parameters",
    "kaiming_init",
    "keras_dense_init",
    "keras_lstm_init",
]
