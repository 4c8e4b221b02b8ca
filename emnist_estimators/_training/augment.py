"""Data augmentation on whole batches, on the training device.

:class:`RandomAffine` draws an independent small affine transform (rotation,
shift, scale, shear) for every image of a batch and applies all of them in one
``affine_grid`` / ``grid_sample`` call, so augmentation costs one cheap kernel
per batch instead of Python work per image. (torchvision's ``RandomAffine``
applied to a batch tensor uses one transform for the whole batch.)

:func:`tta_views` gives a fixed set of mild transforms for test-time
augmentation: the same for every image, so predictions stay deterministic and
independent of how samples are batched.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

#: The ranges used by ``augment=True``: rotation and shear in degrees, shift
#: and scale as fractions of the image size.
DEFAULT_AUGMENTATION = {"rotation": 10.0, "shift": 0.08, "scale": 0.1, "shear": 8.0}


def augmentation_ranges(augment) -> dict[str, float] | None:
    """The ranges a (validated) ``augment`` parameter stands for.

    Parameters
    ----------
    augment : bool or dict
        False for none; True for :data:`DEFAULT_AUGMENTATION`; a dict with
        some of its keys changes those ranges (the others keep their
        defaults; 0 switches one off). Validated by the estimator's
        ``augment`` constraint beforehand.

    Returns
    -------
    dict or None
        The ranges as floats, or None without augmentation.
    """
    if augment is False or augment is None:
        return None
    extra = {} if augment is True else augment
    return {key: float(v) for key, v in {**DEFAULT_AUGMENTATION, **extra}.items()}


def _affine_matrices(
    angle: torch.Tensor,
    shear: torch.Tensor,
    scale: torch.Tensor,
    shift_x: torch.Tensor,
    shift_y: torch.Tensor,
    height: int,
    width: int,
) -> torch.Tensor:
    """``affine_grid`` matrices for per-image transforms given in pixel geometry.

    Angles are in radians, shifts in fractions of the image size. The matrices
    map output to input coordinates in ``affine_grid``'s normalised space, with
    the aspect ratio accounted for so that rotations stay rotations.
    """
    cos, sin = torch.cos(angle), torch.sin(angle)
    tan = torch.tan(shear)
    # Linear part in pixel space: rotation @ shear @ scale.
    a = cos * scale
    b = (cos * tan - sin) * scale
    c = sin * scale
    d = (sin * tan + cos) * scale
    # Conjugate by diag(width, height) into normalised coordinates.
    ratio = height / width
    theta = torch.stack(
        [
            torch.stack([a, b * ratio, 2 * shift_x], dim=-1),
            torch.stack([c / ratio, d, 2 * shift_y], dim=-1),
        ],
        dim=-2,
    )
    return theta


def _warp(images: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    grid = F.affine_grid(
        theta.to(images.dtype), list(images.shape), align_corners=False
    )
    return F.grid_sample(
        images, grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )


class RandomAffine:
    """Random affine transforms, drawn independently for each image of a batch.

    A callable (it holds no parameters, so it is not a ``torch.nn.Module``).
    Empty space is filled with 0 (the background of EMNIST-style images).

    Parameters
    ----------
    rotation : float, default=10.0
        Maximum rotation, in degrees (uniform in ``[-rotation, rotation]``).
    shift : float, default=0.08
        Maximum shift along each axis, as a fraction of the image size.
    scale : float, default=0.1
        Maximum relative zoom (uniform in ``[1 - scale, 1 + scale]``).
    shear : float, default=8.0
        Maximum shear angle, in degrees.
    """

    def __init__(
        self,
        rotation: float = 10.0,
        shift: float = 0.08,
        scale: float = 0.1,
        shear: float = 8.0,
    ) -> None:
        self.rotation = rotation
        self.shift = shift
        self.scale = scale
        self.shear = shear

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Transform a float batch ``(n, C, H, W)``; draws from torch's RNG."""
        n, _, height, width = images.shape
        draws = torch.rand(5, n, device=images.device, dtype=torch.float32) * 2 - 1
        theta = _affine_matrices(
            angle=draws[0] * math.radians(self.rotation),
            shear=draws[1] * math.radians(self.shear),
            scale=1 + draws[2] * self.scale,
            shift_x=draws[3] * self.shift,
            shift_y=draws[4] * self.shift,
            height=height,
            width=width,
        )
        return _warp(images, theta)


def tta_views(ranges: dict[str, float] | None) -> list[dict[str, float]]:
    """The fixed transforms averaged by test-time augmentation.

    The identity, rotations by plus and minus half the ``rotation`` range,
    and shifts by half the ``shift`` range in the four directions.

    Parameters
    ----------
    ranges : dict or None
        Augmentation ranges (as from :func:`augmentation_ranges`); None means
        :data:`DEFAULT_AUGMENTATION`.

    Returns
    -------
    list of dict
        One ``{"rotation", "shift_x", "shift_y"}`` per view (degrees and
        fractions).
    """
    ranges = ranges or DEFAULT_AUGMENTATION
    half_rotation, half_shift = ranges["rotation"] / 2, ranges["shift"] / 2
    views = [{"rotation": 0.0, "shift_x": 0.0, "shift_y": 0.0}]
    if half_rotation:
        views += [
            {"rotation": r, "shift_x": 0.0, "shift_y": 0.0}
            for r in (half_rotation, -half_rotation)
        ]
    if half_shift:
        views += [
            {"rotation": 0.0, "shift_x": dx, "shift_y": dy}
            for dx, dy in (
                (half_shift, 0),
                (-half_shift, 0),
                (0, half_shift),
                (0, -half_shift),
            )
        ]
    return views


class FixedViews:
    """Apply each of a fixed list of transforms to a batch.

    Parameters
    ----------
    views : list of dict
        As returned by :func:`tta_views`.
    """

    def __init__(self, views: list[dict[str, float]]) -> None:
        self.views = views

    def __call__(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Return one transformed copy of ``images`` per view."""
        n, _, height, width = images.shape
        out = []
        for view in self.views:
            if not any(view.values()):
                out.append(images)
                continue
            full = torch.full((n,), 1.0, device=images.device)
            theta = _affine_matrices(
                angle=full * math.radians(view["rotation"]),
                shear=full * 0.0,
                scale=full,
                shift_x=full * view["shift_x"],
                shift_y=full * view["shift_y"],
                height=height,
                width=width,
            )
            out.append(_warp(images, theta))
        return out
