"""The in-memory dataset and batch loader that replace skorch's per-sample path."""

import pytest
import torch
from torch.utils.data import Subset

from emnist_estimators._training.data import ImageTensorDataset, TensorBatchLoader


def dataset(n=10):
    X = torch.arange(n * 4, dtype=torch.uint8).reshape(n, 1, 2, 2)
    return ImageTensorDataset(X, torch.arange(n))


def test_batches_cover_every_sample_once_in_order():
    loader = TensorBatchLoader(dataset(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    assert torch.equal(torch.cat([yb for _, yb in batches]), torch.arange(10))


def test_uint8_pixels_become_floats_in_unit_range():
    X, _ = next(iter(TensorBatchLoader(dataset(10), batch_size=10)))
    assert X.dtype == torch.float32
    assert torch.allclose(X.flatten(), torch.arange(40) / 255.0)


def test_float_pixels_pass_through():
    X = torch.rand(6, 1, 2, 2)
    Xb, _ = next(iter(TensorBatchLoader(ImageTensorDataset(X), batch_size=6)))
    assert torch.equal(Xb, X)


def test_shuffle_draws_a_new_order_each_pass_from_torch_rng():
    loader = TensorBatchLoader(dataset(50), batch_size=7, shuffle=True)
    torch.manual_seed(0)
    first = torch.cat([yb for _, yb in loader])
    second = torch.cat([yb for _, yb in loader])
    assert sorted(first.tolist()) == list(range(50))
    assert not torch.equal(first, second)
    torch.manual_seed(0)
    assert torch.equal(torch.cat([yb for _, yb in loader]), first)


def test_images_stay_paired_with_their_labels_when_shuffled():
    data = dataset(20)
    for Xb, yb in TensorBatchLoader(data, batch_size=6, shuffle=True):
        expected = data.X[yb].float() / 255
        assert torch.allclose(Xb, expected)


def test_subset_from_a_validation_split():
    data = dataset(10)
    subset = Subset(data, [7, 2, 5])
    ((Xb, yb),) = list(TensorBatchLoader(subset, batch_size=8))
    assert yb.tolist() == [7, 2, 5]
    assert torch.allclose(Xb, data.X[[7, 2, 5]].float() / 255)


@pytest.mark.parametrize(("n", "expected"), [(9, [4, 5]), (10, [4, 4, 2]), (1, [1])])
def test_single_sample_tail_is_merged_when_asked(n, expected):
    loader = TensorBatchLoader(dataset(n), batch_size=4, merge_single_tail=True)
    assert [len(yb) for _, yb in loader] == expected
    assert len(loader) == len(expected)


def test_dataset_rejects_bad_tensors():
    with pytest.raises(TypeError, match="4-D torch.Tensor"):
        ImageTensorDataset(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="3 samples but y has 2"):
        ImageTensorDataset(torch.zeros(3, 1, 2, 2), torch.zeros(2))
    with pytest.raises(TypeError, match="ImageTensorDataset"):
        TensorBatchLoader([1, 2, 3], batch_size=2)


def test_dataset_indexing_matches_batches():
    data = dataset(3)
    x, y = data[1]
    assert x.shape == (1, 2, 2) and int(y) == 1
    assert torch.allclose(x.flatten(), torch.arange(4, 8) / 255.0)
