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
    # Computed as subsampling then stride 1: the same as a strided conv.
    x = torch.randn(3, 8, 7, 7)
    plain = nn.Conv2d(8, 16, 1, stride=2, bias=projection.bias is not None)
    plain.load_state_dict(projection.state_dict())
    torch.testing.assert_close(projection(x), plain(x))
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


def test_registry_builds_networks_by_model_name():
    from emnist_estimators.models import create_module, list_models

    assert {"mlp", "cnn", "resnet", "lstm"} <= set(list_models())
    module = create_module("cnn", image_shape=(1, 8, 8), n_classes=4, filters=(2,))
    assert isinstance(module, CNN)
    with pytest.raises(ValueError, match="'name' parameter of create_module"):
        create_module("vit")


def test_count_parameters_counts_trainable_only():
    mlp = MLP((1, 2, 2), 3, hidden_layer_sizes=(5,), batch_norm=False)
    assert count_parameters(mlp) == (4 * 5 + 5) + (5 * 3 + 3)
    mlp.output.weight.requires_grad_(False)
    assert count_parameters(mlp) == (4 * 5 + 5) + 3


def _lstm_of(**params):
    torch.manual_seed(0)
    return LSTMNet((1, 6, 6), 4, hidden_sizes=(5, 3), **params)


def test_lstm_keras_init_gates_and_biases():
    net = _lstm_of(bidirectional=True)
    for lstm in net.lstms:
        h = lstm.hidden_size
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                # Only the forget gate (PyTorch's order: i, f, g, o) is 1.
                expected = torch.zeros(4 * h)
                expected[h : 2 * h] = 1.0
                assert torch.equal(p.detach(), expected)
            elif name.startswith("bias_hh"):
                assert torch.count_nonzero(p) == 0  # b_ih + b_hh is Keras' bias
            elif name.startswith("weight_hh"):
                for gate in p.detach().split(h):  # one orthogonal block per gate
                    assert torch.allclose(gate @ gate.T, torch.eye(h), atol=1e-5)
            else:  # weight_ih: Glorot-uniform over (4h, input)
                fan_out, fan_in = p.shape
                bound = (6 / (fan_in + fan_out)) ** 0.5
                assert p.abs().max() <= bound
    assert torch.count_nonzero(net.output.bias) == 0


def test_lstm_torch_init_is_pytorchs_own():
    ours = _lstm_of(init="torch")
    torch.manual_seed(0)
    plain = nn.LSTM(6, 5, batch_first=True)
    assert torch.equal(ours.lstms[0].weight_hh_l0, plain.weight_hh_l0)
    assert torch.equal(ours.lstms[0].bias_ih_l0, plain.bias_ih_l0)
    with pytest.raises(ValueError, match="init must be one of"):
        _lstm_of(init="xavier")


@pytest.mark.parametrize(
    ("places", "expected"),
    [
        (("between", "output", "head"), 3),
        (("output",), 1),
        (("between",), 1),
        ((), 0),
    ],
)
def test_lstm_dropout_places(places, expected):
    net = _lstm_of(dense_units=(4,), dropout=0.5, dropout_places=places)
    assert sum(isinstance(m, nn.Dropout) for m in net.modules()) == expected
    assert isinstance(net.between_dropout, nn.Dropout) == ("between" in places)
    assert isinstance(net.output_dropout, nn.Dropout) == ("output" in places)
    none = _lstm_of(dense_units=(4,), dropout=0.0, dropout_places=places)
    assert not any(isinstance(m, nn.Dropout) for m in none.modules())
    with pytest.raises(ValueError, match="dropout_places"):
        _lstm_of(dropout_places=("everywhere",))


@pytest.mark.parametrize(("cls", "params"), MODULES[:3])
def test_kaiming_init_scales_weights_for_the_activation(cls, params):
    torch.manual_seed(0)
    module = cls((1, 28, 28), 3, init="kaiming", **params)
    layers = [
        m
        for m in module.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m is not module.output
    ]
    assert layers
    # Weights times sqrt(fan_in), pooled over the layers: std sqrt(2) (ReLU).
    scaled = torch.cat(
        [m.weight.detach().flatten() * m.weight[0].numel() ** 0.5 for m in layers]
    )
    assert abs(float(scaled.std()) - 2**0.5) < 0.1
    assert all(m.bias is None or torch.count_nonzero(m.bias) == 0 for m in layers)
    # tanh has another gain (5/3 instead of sqrt(2)).
    torch.manual_seed(0)
    tanh = cls((1, 28, 28), 3, activation="tanh", init="kaiming", **params)
    first = next(m for m in tanh.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    fan_in = first.weight[0].numel()
    assert abs(float(first.weight.detach().std()) * fan_in**0.5 - 5 / 3) < 0.5
    # 'torch' keeps PyTorch's: uniform within 1/sqrt(fan_in).
    torch.manual_seed(0)
    plain = cls((1, 28, 28), 3, init="torch", **params)
    first = next(m for m in plain.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    assert first.weight.abs().max() <= first.weight[0].numel() ** -0.5
    with pytest.raises(ValueError, match="init must be one of"):
        cls((1, 8, 8), 3, init="keras", **params)


def test_resnet_blocks_start_as_their_shortcut():
    net = ResNet((1, 28, 28), 10, widths=(8, 16), blocks=(2, 1), init="kaiming")
    blocks = [m for m in net.modules() if isinstance(m, BasicBlock)]
    assert all(torch.count_nonzero(b.bn2.weight) == 0 for b in blocks)
    assert all(torch.all(b.bn1.weight == 1) for b in blocks)
    # With the residual branch zeroed, a block is act(shortcut(x)).
    block = blocks[1]
    block.train()
    x = torch.randn(2, 8, 5, 5)
    assert torch.equal(block(x), torch.relu(x))
    torch_init = ResNet((1, 28, 28), 10, widths=(8, 16), blocks=(2, 1), init="torch")
    assert all(
        torch.all(b.bn2.weight == 1)
        for b in torch_init.modules()
        if isinstance(b, BasicBlock)
    )
