"""Residual CNN: basic blocks with identity or 1x1 projection shortcuts."""

from __future__ import annotations

import torch
from torch import nn

from ._init import INITS, check_init, kaiming_init
from ._layers import batch_norm_2d, make_activation


class StridedPointwiseConv(nn.Conv2d):
    """A 1x1 convolution with a stride, computed as subsampling then stride 1.

    The same function and parameters as ``nn.Conv2d(in, out, 1,
    stride=stride)``. Computing it this way avoids oneDNN's kernel for the
    weight gradient of strided 1x1 convolutions on AVX2 CPUs, which crashes
    the process (abort or segmentation fault) with one torch thread,
    channels-last input and batches of 64 or more (torch 2.14.1, seen with
    ``ONEDNN_MAX_CPU_ISA=AVX2``).
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int, bias: bool
    ) -> None:
        super().__init__(in_channels, out_channels, 1, stride=stride, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Subsample ``x`` by the stride, then apply the 1x1 convolution."""
        step_h, step_w = self.stride
        return nn.functional.conv2d(x[:, :, ::step_h, ::step_w], self.weight, self.bias)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a shortcut: ``act(F(x) + shortcut(x))``.

    The shortcut is the identity when the block keeps the channel count and
    the resolution, and a 1x1 convolution (with batch norm) projection when the
    channel count or the stride changes.

    Parameters
    ----------
    in_channels : int
        Input channels.
    out_channels : int
        Output channels.
    stride : int
        Stride of the first convolution (2 halves the resolution).
    activation : str
        Activation name.
    batch_norm : bool
        Batch normalisation after each convolution.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int,
        activation: str,
        batch_norm: bool,
    ) -> None:
        super().__init__()
        bias = not batch_norm
        self.conv1 = nn.Conv2d(
            in_channels, out_channels, 3, stride=stride, padding=1, bias=bias
        )
        self.bn1 = batch_norm_2d(out_channels, batch_norm)
        self.act1 = make_activation(activation)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=bias)
        self.bn2 = batch_norm_2d(out_channels, batch_norm)
        if stride != 1 or in_channels != out_channels:
            self.shortcut: nn.Module = nn.Sequential(
                StridedPointwiseConv(in_channels, out_channels, stride, bias),
                batch_norm_2d(out_channels, batch_norm),
            )
        else:
            self.shortcut = nn.Identity()
        self.act2 = make_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block."""
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act2(out + self.shortcut(x))


class ResNet(nn.Module):
    """A small ResNet for character images.

    A 3x3 stem convolution, then one stage per entry of ``widths``: the first
    block of every stage after the first halves the resolution (stride 2) and
    changes the width through a projection shortcut. Global average pooling,
    dropout and a linear layer give the logits.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images (any size: global
        average pooling ends the network).
    n_classes : int
        Number of output logits.
    widths : tuple of int, default=(32, 64, 128)
        Channels of each stage.
    blocks : tuple of int, default=(2, 2, 2)
        Residual blocks in each stage (same length as ``widths``).
    activation : str, default="relu"
        Activation name.
    batch_norm : bool, default=True
        Batch normalisation after each convolution.
    dropout : float, default=0.2
        Dropout before the output layer.
    init : {"torch", "kaiming"}, default="torch"
        Initialisation: 'kaiming' gives the convolutions Kaiming-normal
        weights (:func:`~emnist_estimators.modules.kaiming_init`) and
        the last batch norm of each block's residual branch a zero weight, so
        that every block starts as its shortcut (Goyal et al., 2017); 'torch'
        keeps PyTorch's defaults. The output layer keeps PyTorch's.
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        n_classes: int,
        widths: tuple[int, ...] = (32, 64, 128),
        blocks: tuple[int, ...] = (2, 2, 2),
        activation: str = "relu",
        batch_norm: bool = True,
        dropout: float = 0.2,
        init: str = "torch",
    ) -> None:
        super().__init__()
        check_init(init, INITS)
        if len(widths) != len(blocks):
            raise ValueError(
                f"widths and blocks must have the same length, got {widths} and "
                f"{blocks}."
            )
        in_channels = image_shape[0]
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=not batch_norm),
            batch_norm_2d(widths[0], batch_norm),
            make_activation(activation),
        )
        stages: list[nn.Module] = []
        channels = widths[0]
        for stage, (width, n_blocks) in enumerate(zip(widths, blocks, strict=True)):
            for index in range(n_blocks):
                stride = 2 if stage > 0 and index == 0 else 1
                stages.append(
                    BasicBlock(channels, width, stride, activation, batch_norm)
                )
                channels = width
        self.stages = nn.Sequential(*stages)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.output = nn.Linear(channels, n_classes)
        if init == "kaiming":
            kaiming_init(self.stem, activation)
            kaiming_init(self.stages, activation)
            for block in self.stages:
                if isinstance(block.bn2, nn.BatchNorm2d):
                    nn.init.zeros_(block.bn2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return class logits for a batch of images ``(n, C, H, W)``."""
        # Global average pooling as a mean: its gradient is a plain broadcast,
        # where AdaptiveAvgPool2d's backward on CUDA adds with atomics (in an
        # order that changes from run to run).
        features = self.stages(self.stem(x)).mean(dim=(2, 3))
        return self.output(self.dropout(features))
