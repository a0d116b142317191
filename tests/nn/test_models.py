import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from skal.nn import MODELS, CifarResNet18, SmallCNN


@pytest.mark.parametrize("name", sorted(MODELS))
def test_shapes_and_linear_head(name):
    cls = MODELS[name]
    shape = (2, 1, 28, 28) if name == "small_cnn" else (2, 3, 32, 32)
    model = cls(n_classes=7).eval()
    with torch.no_grad():
        out = model(torch.zeros(shape))
    assert out.shape == (2, 7)
    last_linear = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
    assert last_linear.out_features == 7


def test_in_channels():
    assert CifarResNet18(in_channels=1)(torch.zeros(1, 1, 32, 32)).shape == (1, 10)


def test_skorch_builds_and_trains_small_cnn():
    rng = np.random.default_rng(0)
    X = rng.random((16, 1, 28, 28), dtype=np.float32)
    y = np.arange(16) % 2
    net = NeuralNetClassifier(
        SmallCNN, module__n_classes=2, criterion=torch.nn.CrossEntropyLoss, max_epochs=1, train_split=None, verbose=0
    )
    net.fit(X, y)
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
