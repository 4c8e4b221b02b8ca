"""The torch modules: output shapes, shortcuts, sequence reading, the registry."""

import pytest
import torch
from torch import nn

from emnist_estimators.modules import (
    ACTIVATIONS,
    CNN,
    MLP,
    BasicBlock,
    LSTMNet,
    ResNet,
    count_parameters,
    create_module,
    list_modules,
    register_module,
)

SHAPES = [(1, 28, 28), (1, 8, 8), (3, 6, 10), (1, 1, 7), (1, 1, 1)]
MODULES = [
    (MLP, {"hidden_layer_sizes": (16, 8)}),
    (CNN, {"filters": (4, 8, 8), "dense_units": (8,)}),
    (ResNet, {"widths": (4, 8, 8), "blocks": (1, 2, 1)}),
    (LSTMNet, {"hidden_sizes": (8, 6), "dense_units": (5,)}),
]


@pytest.mark.parametrize(("cls", "params"), MODULES)
@pytest.mark.parametrize("shape", SHAPES)
def test_any_image_shape_gives_one_logit_per_class(cls, params, shape):
    module = cls(shape, 5, **params)
    out = module(torch.rand(3, *shape))
    assert out.shape == (3, 5)
    out.sum().backward()  # trainable end to end
    assert all(p.grad is not None for p in module.parameters())


@pytest.mark.parametrize(("cls", "params"), MODULES)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_is_used(cls, params, activation):
    module = cls((1, 8, 8), 3, activation=activation, **params)
    if cls is not LSTMNet or params.get("dense_units"):
        assert any(isinstance(m, ACTIVATIONS[activation]) for m in module.modules())


@pytest.mark.parametrize(("cls", "params"), MODULES[:3])
def test_batch_norm_and_dropout_switches(cls, params):
    with_all = cls((1, 8, 8), 3, batch_norm=True, dropout=0.3, **params)
    without = cls((1, 8, 8), 3, batch_norm=False, dropout=0.0, **params)
    kinds = (nn.BatchNorm1d, nn.BatchNorm2d)
    assert any(isinstance(m, kinds) for m in with_all.modules())
    assert not any(isinstance(m, kinds) for m in without.modules())
    assert any(isinstance(m, nn.Dropout) for m in with_all.modules())
    assert not any(isinstance(m, nn.Dropout) for m in without.modules())


def test_cnn_blocks_kernel_and_pooling():
    cnn = CNN(
        (1, 28, 28),
        10,
        filters=(8, 16),
        kernel_size=5,
        pooling="avg",
        convs_per_block=2,
        dense_units=(),
    )
    convs = [m for m in cnn.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [8, 8, 16, 16]
    assert all(c.kernel_size == (5, 5) for c in convs)
    assert sum(isinstance(m, nn.AvgPool2d) for m in cnn.modules()) == 2
    assert cnn.output.in_features == 16 * 7 * 7


def test_resnet_shortcuts_are_identity_or_projection():
    net = ResNet((1, 28, 28), 10, widths=(8, 16), blocks=(2, 2))
    blocks = [m for m in net.modules() if isinstance(m, BasicBlock)]
    assert len(blocks) == 4
    # Same width and stride: identity. Width or stride change: 1x1 projection.
    assert isinstance(blocks[0].shortcut, nn.Identity)
    assert isinstance(blocks[1].shortcut, nn.Identity)
    projection = blocks[2].shortcut[0]
    assert isinstance(projection, nn.Conv2d)
    assert projection.kernel_size == (1, 1) and projection.stride == (2, 2)
    assert isinstance(blocks[3].shortcut, nn.Identity)
    # The residual path is really added: zeroing the block's convolutions
    # leaves act(shortcut(x)).
    block = BasicBlock(4, 4, 1, "relu", batch_norm=False)
    for conv in (block.conv1, block.conv2):
        nn.init.zeros_(conv.weight)
        nn.init.zeros_(conv.bias)
    x = torch.randn(2, 4, 5, 5)
    assert torch.equal(block(x), torch.relu(x))


def test_resnet_rejects_mismatched_stages():
    with pytest.raises(ValueError, match="same length"):
        ResNet((1, 8, 8), 3, widths=(4, 8), blocks=(1,))


def test_lstm_reads_rows_as_time_steps():
    net = LSTMNet((1, 5, 7), 3, hidden_sizes=(4,))
    assert net.lstms[0].input_size == 7
    seen = []
    net.lstms[0].register_forward_hook(lambda m, inp, out: seen.append(inp[0].shape))
    net(torch.rand(2, 1, 5, 7))
    assert seen == [(2, 5, 7)]  # batch, 5 rows (steps), 7 pixels (features)
    image = torch.rand(1, 1, 5, 7)
    flipped_rows = image.flip(2)
    net.eval()
    assert not torch.allclose(net(image), net(flipped_rows))  # order matters


def test_bidirectional_lstm_joins_both_directions():
    net = LSTMNet((1, 6, 6), 4, hidden_sizes=(5, 3), bidirectional=True)
    assert net.lstms[1].input_size == 10
    assert net.output.in_features == 6
    assert net(torch.rand(2, 1, 6, 6)).shape == (2, 4)


def test_registry_builds_by_name_and_rejects_unknown_or_duplicate():
    assert {"mlp", "cnn", "resnet", "lstm"} <= set(list_modules())
    module = create_module("cnn", image_shape=(1, 8, 8), n_classes=4, filters=(2,))
    assert isinstance(module, CNN)
    with pytest.raises(ValueError, match="Unknown architecture 'vit'"):
        create_module("vit")
    with (
        pytest.warns(FutureWarning, match="register_model"),
        pytest.raises(ValueError, match="already registered"),
    ):
        register_module("mlp")(MLP)


def test_count_parameters_counts_trainable_only():
    mlp = MLP((1, 2, 2), 3, hidden_layer_sizes=(5,), batch_norm=False)
    assert count_parameters(mlp) == (4 * 5 + 5) + (5 * 3 + 3)
    mlp.output.weight.requires_grad_(False)
    assert count_parameters(mlp) == (4 * 5 + 5) + 3
