"""The device resolver: 'auto', 'cpu', 'cuda', 'cuda:N', with clear errors."""

import pytest
import torch

from emnist_estimators._machine import resolve_device


@pytest.fixture()
def two_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)


@pytest.fixture()
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_auto_and_cpu_without_cuda(no_gpu):
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")


def test_auto_prefers_cuda(two_gpus):
    assert resolve_device("auto") == torch.device("cuda", 0)


@pytest.mark.parametrize(
    ("name", "expected"), [("cuda", 0), ("cuda:0", 0), ("cuda:1", 1)]
)
def test_cuda_devices_are_honoured(two_gpus, name, expected):
    assert resolve_device(name) == torch.device("cuda", expected)


def test_cuda_index_out_of_range(two_gpus):
    with pytest.raises(
        ValueError, match=r"has 2 CUDA device\(s\) \(valid indices 0 to 1\)"
    ):
        resolve_device("cuda:2")


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "cuda:1"])
def test_cuda_without_cuda(no_gpu, name):
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device(name)


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "cuda1", "", "tpu"])
def test_unknown_device_strings(name):
    with pytest.raises(ValueError, match="device must be 'auto', 'cpu', 'cuda'"):
        resolve_device(name)


def test_wrong_type():
    with pytest.raises(TypeError, match="device must be a str or torch.device"):
        resolve_device(0)


@pytest.mark.cuda
def test_real_cuda_device():
    assert resolve_device("cuda").type == "cuda"
    assert resolve_device("auto").type == "cuda"
