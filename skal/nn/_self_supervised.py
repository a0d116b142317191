"""Self-supervised models trained on the unlabeled pool: SimCLR and a VAE.

As Chandra, Desai, Devaguptapu & Balasubramanian ("On Initial Pools for Deep
Active Learning", NeurIPS 2020 Pre-registration Workshop, PMLR 148, 2021)
use them to choose an initial pool.

Both are scikit-learn transformers around a skorch ``NeuralNet``: ``fit(X)``
trains on the pool without labels, ``transform(X)`` gives features (for
k-means, TypiClust, coreset... on a cold start) and ``score_samples(X)`` a
per-row difficulty (higher = harder), what ``SelfSupervisedLoss`` ranks by.
They run on CPU at small scale and use CUDA when present.
"""

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet

from ..utils._random import root_seed, torch_seed
from ._forward import forward
from ._modes import eval_mode
from ._outputs import resolve_device, to_tensor

__all__ = ["SimCLR", "VAE", "nt_xent", "augment"]


def _as_images(X):
    """(n, C, H, W) float32 from (n, H, W) or (n, C, H, W)."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 3:
        X = X[:, None]
    if X.ndim != 4:
        raise ValueError(f"SimCLR takes images of shape (n, H, W) or (n, C, H, W); got {X.shape}.")
    return X


def augment(x, generator=None, strength=1.0):
    """Two-view-ready random augmentation of a batch ``(n, C, H, W)``, different per image.

    Random resized crop (scale 0.6–1, via an affine grid), horizontal flip,
    brightness/contrast jitter, and for colour images random grayscale; a
    small Gaussian blur-like noise. ``generator`` makes it reproducible.
    """
    n, c = x.shape[:2]
    g = generator

    def rand(*shape):
        return torch.rand(*shape, generator=g, device="cpu").to(x.device)

    scale = 1.0 - 0.4 * strength * rand(n)
    flip = torch.where(rand(n) < 0.5, -1.0, 1.0)
    shift = (rand(n, 2) * 2 - 1) * (1 - scale)[:, None]
    theta = torch.zeros(n, 2, 3, device=x.device)
    theta[:, 0, 0] = scale * flip
    theta[:, 1, 1] = scale
    theta[:, :, 2] = shift
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    out = torch.nn.functional.grid_sample(x, grid, padding_mode="reflection", align_corners=False)
    mean = out.mean(dim=(1, 2, 3), keepdim=True)
    contrast = 1 + (rand(n, 1, 1, 1) * 2 - 1) * 0.4 * strength
    brightness = (rand(n, 1, 1, 1) * 2 - 1) * 0.4 * strength * (out.std(dim=(1, 2, 3), keepdim=True) + 1e-6)
    out = (out - mean) * contrast + mean + brightness
    if c == 3:
        gray = out.mean(dim=1, keepdim=True).expand_as(out)
        out = torch.where((rand(n, 1, 1, 1) < 0.2 * strength), gray, out)
    noise = torch.randn(out.shape, generator=g, device="cpu").to(x.device)
    return out + 0.05 * strength * out.std() * noise


def nt_xent(z1, z2, temperature=0.5):
    """Per-pair NT-Xent loss with in-batch negatives (SimCLR), shape ``(n,)``.

    Anchor i of view 1 has one positive (i of view 2) and 2n − 2 negatives
    (every other view of every other image); the loss of pair i is the mean
    of its two directions. With n = 1 there are no negatives and the loss is
    0 — the defect of the notebook of Chandra et al. (2021, ``acl21/init-pools-dal``),
    which scored pairs as batches of one; skal always scores against a batch.

    Examples
    --------
    >>> z = torch.nn.functional.normalize(torch.randn(4, 8, generator=torch.Generator().manual_seed(0)), dim=1)
    >>> bool((nt_xent(z, z) < nt_xent(z, z.flip(0))).all())  # matching views lose less
    True
    """
    z = torch.nn.functional.normalize(torch.cat([z1, z2]), dim=1)
    n = len(z1)
    sim = z @ z.T / temperature
    sim.fill_diagonal_(float("-inf"))
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    losses = torch.nn.functional.cross_entropy(sim, positives, reduction="none")
    return 0.5 * (losses[:n] + losses[n:])


class _Encoder(torch.nn.Module):
    """A small conv encoder: 3 conv blocks, global pooling, ``dim`` features."""

    def __init__(self, in_channels=1, dim=128):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(in_channels, 32, 3, padding=1),
            torch.nn.BatchNorm2d(32),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding=1),
            torch.nn.BatchNorm2d(64),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(64, dim, 3, padding=1),
            torch.nn.BatchNorm2d(dim),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1),
            torch.nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


class _SimCLRModule(torch.nn.Module):
    def __init__(self, in_channels=1, dim=128, projection=64, seed=0):
        super().__init__()
        self.encoder = _Encoder(in_channels, dim)
        self.head = torch.nn.Sequential(torch.nn.Linear(dim, dim), torch.nn.ReLU(), torch.nn.Linear(dim, projection))
        self.generator = torch.Generator().manual_seed(seed)

    def forward(self, x):
        if not self.training:
            return self.encoder(x)
        v1, v2 = augment(x, self.generator), augment(x, self.generator)
        return self.head(self.encoder(v1)), self.head(self.encoder(v2))


class _NTXentLoss(torch.nn.Module):
    def __init__(self, temperature=0.5):
        super().__init__()
        self.temperature = temperature

    def forward(self, y_pred, y_true=None):
        return nt_xent(*y_pred, self.temperature).mean()


class _SelfSupervised(TransformerMixin, BaseEstimator):
    """Shared fit / transform plumbing: a skorch NeuralNet trained on the pool, seeded."""

    def _net(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X, y=None):
        """Train on the rows of ``X`` (labels are ignored)."""
        X = self._prepare(X)
        self.seed_ = root_seed(self.random_state)
        with torch_seed(self.seed_):
            self.net_ = self._net(X).initialize()
            self.net_.fit(X, None)
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        return self

    def _new_net(self, X, module, criterion, **params):
        """The skorch net both models train: Adam, shuffled batches, no validation split, on ``device``."""
        return NeuralNet(
            module,
            criterion=criterion,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=min(self.batch_size, len(X)),
            train_split=None,
            iterator_train__shuffle=True,
            device=resolve_device(self.device),
            verbose=0,
            **params,
        )

    def _map(self, fn, X, dtype):
        """``fn(net, batch)`` over eval-mode batches of ``X`` without gradients, concatenated as ``dtype``."""
        check_is_fitted(self, "net_")
        module = self.net_.module_
        X = self._prepare(X)
        with eval_mode(module), torch.no_grad():
            parts = [
                fn(self.net_, X[i : i + self.batch_size]).cpu().numpy().astype(dtype)
                for i in range(0, len(X), self.batch_size)
            ]
        return np.concatenate(parts)


class SimCLR(_SelfSupervised):
    """A small SimCLR encoder trained on the pool; features and per-row contrastive difficulty.

    Parameters
    ----------
    dim : int, default=128
        Feature size (``transform``), before the projection head.
    projection : int, default=64
    temperature : float, default=0.5
        NT-Xent temperature (Chandra et al., 2021, score with 0.1).
    max_epochs : int, default=20
    batch_size : int, default=256
        Also the scoring batch: each row's pairs are scored against the other
        rows of its batch as negatives.
    lr : float, default=1e-3
        Adam.
    n_views : int, default=4
        Augmented views per row for ``score_samples`` (Chandra et al., 2021: 4; 3 for MNIST).
    device : "auto", "cpu" or "cuda"
    random_state : None or int
        Seeds initialisation, shuffling and augmentations.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(40, 12, 12)).astype(np.float32)
    >>> ssl = SimCLR(max_epochs=1, batch_size=20, dim=16, random_state=0).fit(X)
    >>> ssl.transform(X).shape, ssl.score_samples(X).shape
    ((40, 16), (40,))
    """

    def __init__(
        self,
        dim=128,
        projection=64,
        temperature=0.5,
        max_epochs=20,
        batch_size=256,
        lr=1e-3,
        n_views=4,
        device="auto",
        random_state=None,
    ):
        self.dim = dim
        self.projection = projection
        self.temperature = temperature
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.n_views = n_views
        self.device = device
        self.random_state = random_state

    _prepare = staticmethod(_as_images)

    def _net(self, X):
        return self._new_net(
            X,
            _SimCLRModule,
            _NTXentLoss,
            module__in_channels=X.shape[1],
            module__dim=self.dim,
            module__projection=self.projection,
            module__seed=self.seed_ % (2**31),
            criterion__temperature=self.temperature,
            iterator_train__drop_last=len(X) > self.batch_size,  # no lone row without negatives
        )

    def transform(self, X):
        """Encoder features (before the projection head), float32 ``(n, dim)``."""
        return self._map(lambda net, xb: forward(net, xb, "raw"), X, np.float32)  # in eval mode: encoder(x)

    def score_samples(self, X):
        """Mean NT-Xent loss of each row against ``n_views`` augmentations, with in-batch negatives (higher = harder).

        Rows are scored in batches of ``batch_size``; a batch of one row has no
        negatives, so a last lone row is scored with the batch before it.
        """
        check_is_fitted(self, "net_")
        module = self.net_.module_
        X = self._prepare(X)
        g = torch.Generator().manual_seed(self.seed_ % (2**31) + 1)
        scores = np.empty(len(X))
        starts = list(range(0, len(X), self.batch_size))
        with eval_mode(module), torch.no_grad():
            for k, start in enumerate(starts):
                lo = start if (len(X) - start > 1 or k == 0) else max(0, start - self.batch_size + 1)
                xb = to_tensor(X[lo : start + self.batch_size], self.net_.device)
                # the module's eval-mode forward is its encoder; the projection head is applied here
                anchor = module.head(forward(self.net_, xb, "raw"))
                total = torch.zeros(len(xb), device=xb.device)
                for _ in range(self.n_views):
                    total += nt_xent(anchor, module.head(forward(self.net_, augment(xb, g), "raw")), self.temperature)
                scores[start : start + self.batch_size] = (total / self.n_views).cpu().numpy()[start - lo :]
        return scores


class _VAEModule(torch.nn.Module):
    def __init__(self, n_inputs=784, latent=32, hidden=256):
        super().__init__()
        self.encoder = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(n_inputs, hidden), torch.nn.ReLU())
        self.mu = torch.nn.Linear(hidden, latent)
        self.logvar = torch.nn.Linear(hidden, latent)
        self.decoder = torch.nn.Sequential(
            torch.nn.Linear(latent, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, n_inputs)
        )

    def forward(self, x):
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if self.training else mu
        return self.decoder(z).view_as(x), mu, logvar, x


def vae_per_sample_loss(recon, mu, logvar, x, kl_weight):
    """Per-row MSE (mean over features) + ``kl_weight`` · KL(q(z|x) ‖ N(0, I)) (summed over latent dims)."""
    mse = (recon - x).flatten(1).square().mean(1)
    kl = -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(1)
    return mse + kl_weight * kl


class _VAELoss(torch.nn.Module):
    def __init__(self, kl_weight=1e-3):
        super().__init__()
        self.kl_weight = kl_weight

    def forward(self, y_pred, y_true=None):
        return vae_per_sample_loss(*y_pred, self.kl_weight).mean()


class VAE(_SelfSupervised):
    """A vanilla (MLP) VAE trained on the pool; latent means as features, per-row loss as difficulty.

    ``score_samples`` is each row's reconstruction MSE + ``kl_weight`` · KL,
    computed per sample (``reduction='none'``) with the posterior mean — the
    intended method; the notebook of Chandra et al. (2021,
    ``acl21/init-pools-dal``) scored batches of 5 and stopped after one batch
    (a stray ``break``).

    Parameters
    ----------
    latent : int, default=32
        (Chandra et al., 2021, use 128.)
    hidden : int, default=256
    kl_weight : float or None, default=None
        None: 128 / n_rows, the reference's weight.
    max_epochs : int, default=30
    batch_size : int, default=200
    lr : float, default=1e-3
    device : "auto", "cpu" or "cuda"
    random_state : None or int

    Examples
    --------
    >>> X = np.random.default_rng(0).random((50, 8, 8)).astype(np.float32)
    >>> vae = VAE(latent=4, hidden=16, max_epochs=2, random_state=0).fit(X)
    >>> vae.transform(X).shape, vae.score_samples(X).shape
    ((50, 4), (50,))
    """

    def __init__(
        self,
        latent=32,
        hidden=256,
        kl_weight=None,
        max_epochs=30,
        batch_size=200,
        lr=1e-3,
        device="auto",
        random_state=None,
    ):
        self.latent = latent
        self.hidden = hidden
        self.kl_weight = kl_weight
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state

    @staticmethod
    def _prepare(X):
        X = np.asarray(X, dtype=np.float32)
        return X.reshape(len(X), -1) if X.ndim == 1 else X

    def _weight(self, n):
        return 128.0 / n if self.kl_weight is None else float(self.kl_weight)

    def _net(self, X):
        self.kl_weight_ = self._weight(len(X))
        return self._new_net(
            X,
            _VAEModule,
            _VAELoss,
            module__n_inputs=int(np.prod(X.shape[1:])),
            module__latent=self.latent,
            module__hidden=self.hidden,
            criterion__kl_weight=self.kl_weight_,
        )

    def transform(self, X):
        """Posterior means, float32 ``(n, latent)``."""
        return self._map(lambda net, xb: forward(net, xb, "features", layer="mu"), X, np.float32)

    def score_samples(self, X):
        """Per-row reconstruction MSE + ``kl_weight_`` · KL (higher = harder), float64 ``(n,)``."""
        loss = vae_per_sample_loss
        return self._map(lambda net, xb: loss(*forward(net, xb, "raw"), self.kl_weight_).double(), X, np.float64)
