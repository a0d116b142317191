import numpy as np
import pytest
import torch

from skal.nn import embed, last_linear_name
from tests.conftest import make_net


def test_default_is_the_input_of_the_last_linear(pool):
    X, _ = pool
    net = make_net().initialize()
    E = embed(net, X, batch_size=7)
    with torch.no_grad():
        manual = net.module_.hidden(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(E, manual, rtol=1e-5, atol=1e-6)
    assert E.dtype == np.float32 and last_linear_name(net.module_) == "out"


def test_named_layer_output_and_proba(pool):
    X, _ = pool
    net = make_net().initialize()
    E = embed(net, X, layer="hidden.0")
    assert E.shape == (len(X), 16)
    F, P = embed(net, X, return_proba=True)
    np.testing.assert_allclose(P, net.predict_proba(X), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="no layer named"):
        embed(net, X, layer="nope")


def test_eval_mode_and_restores_training_flag(pool):
    X, _ = pool
    net = make_net(module__dropout=0.9).initialize()
    net.module_.train()
    a, b = embed(net, X), embed(net, X)
    np.testing.assert_array_equal(a, b)  # dropout off while embedding
    assert net.module_.training
