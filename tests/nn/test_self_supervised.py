"""SimCLR and VAE trained on a pool: NT-Xent against a numpy reference, score directions, seeds."""

import numpy as np
import pytest
import torch

from skal.nn import VAE, SimCLR, augment, nt_xent


def reference_nt_xent(z1, z2, t):
    z = np.concatenate([z1, z2]).astype(np.float64)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    n = len(z1)
    sim = z @ z.T / t
    out = np.empty(2 * n)
    for i in range(2 * n):
        j = (i + n) % (2 * n)
        others = np.delete(sim[i], i)
        out[i] = -sim[i, j] + np.log(np.exp(others).sum())
    return 0.5 * (out[:n] + out[n:])


@pytest.mark.parametrize("n, t", [(2, 0.5), (5, 0.1), (8, 1.0)])
def test_nt_xent_matches_a_float64_reference(n, t):
    rng = np.random.default_rng(n)
    z1, z2 = rng.normal(size=(n, 6)), rng.normal(size=(n, 6))
    got = nt_xent(torch.tensor(z1), torch.tensor(z2), t).numpy()
    np.testing.assert_allclose(got, reference_nt_xent(z1, z2, t), rtol=1e-10)


def test_a_batch_of_one_has_no_negatives():
    z = torch.randn(1, 4)
    assert float(nt_xent(z, z + 1.0)) == pytest.approx(0.0, abs=1e-12)  # the seed-001 notebook's zero score


def test_augment_is_seeded_and_changes_images():
    x = torch.rand(4, 3, 16, 16)
    a = augment(x, torch.Generator().manual_seed(0))
    b = augment(x, torch.Generator().manual_seed(0))
    c = augment(x, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and not torch.allclose(a, c) and a.shape == x.shape
    assert not torch.allclose(a, x)


def _digits_like(n=120, seed=0):
    """Bright bars on a dark 12x12 background: easy to reconstruct."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, 12, 12), np.float32)
    for i in range(n):
        r = rng.integers(2, 10)
        X[i, r - 1 : r + 1, 2:10] = 1.0
    return X


def test_vae_scores_noisy_images_as_harder():
    X = _digits_like()
    vae = VAE(latent=4, hidden=64, max_epochs=40, batch_size=40, lr=3e-3, random_state=0).fit(X)
    clean = vae.score_samples(X[:20])
    noisy = X[:20] + np.random.default_rng(1).normal(scale=0.5, size=X[:20].shape).astype(np.float32)
    assert (vae.score_samples(noisy) > clean).mean() >= 0.95
    assert vae.transform(X).shape == (120, 4)


def test_simclr_scores_corrupted_images_as_harder_and_is_seeded():
    X = _digits_like(96)
    ssl = SimCLR(dim=32, projection=16, max_epochs=5, batch_size=32, random_state=0).fit(X)
    again = SimCLR(dim=32, projection=16, max_epochs=5, batch_size=32, random_state=0).fit(X)
    np.testing.assert_allclose(ssl.transform(X[:8]), again.transform(X[:8]), rtol=1e-5)
    scores = ssl.score_samples(X)
    assert scores.shape == (96,) and np.isfinite(scores).all() and (scores > 0).all()
    noisy = X.copy()
    noisy[:48] = np.random.default_rng(2).random((48, 12, 12)).astype(np.float32)  # pure noise: no bar to match
    mixed = ssl.score_samples(noisy)
    assert mixed[:48].mean() > mixed[48:].mean()


def test_simclr_refuses_flat_rows():
    with pytest.raises(ValueError, match="images"):
        SimCLR(max_epochs=1).fit(np.zeros((10, 5)))
