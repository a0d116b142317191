"""The model pair of Variational Adversarial Active Learning: a β-VAE and a labeled-vs-unlabeled discriminator.

Sinha, Ebrahimi & Darrell, "Variational Adversarial Active Learning", ICCV 2019 (code ``sinhasam/vaal``). The
VAE is trained on labeled and unlabeled rows alike; a discriminator on its latent means learns to tell the two
apart while the VAE learns to fool it. Rows the discriminator is surest are unlabeled are the ones whose
representation is least like anything labeled: :class:`skal.strategies.VAAL` picks them.
"""

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet

from ..pools._protocol import as_pool
from ..utils._random import root_seed, torch_seed
from ._batches import iter_batches
from ._forward import forward
from ._modes import eval_mode
from ._outputs import resolve_device

__all__ = ["AdversarialVAE", "vaal_vae_loss", "vaal_discriminator_loss"]


def vaal_vae_loss(x, recon, mu, logvar, beta=1.0):
    """The VAE's transductive loss: mean squared reconstruction error + ``beta`` · KL(q(z|x) ‖ N(0, I)).

    The MSE is the mean over every element of the batch; the KL is summed over
    the latent dimensions and averaged over rows (VAAL's code sums it over the
    rows too, which multiplies ``beta`` by the batch size: pass
    ``beta=batch_size`` to reproduce it).

    Examples
    --------
    >>> x = torch.zeros(2, 3)
    >>> float(vaal_vae_loss(x, x, torch.zeros(2, 4), torch.zeros(2, 4)))  # perfect reconstruction, prior posterior
    0.0
    """
    mse = torch.nn.functional.mse_loss(recon, x)
    kl = -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(1).mean()
    return mse + beta * kl


def vaal_discriminator_loss(labeled_logits, unlabeled_logits, fool=False):
    """Binary cross-entropy of the discriminator: labeled rows are class 1, unlabeled rows class 0.

    ``fool=True`` is the VAE's adversarial term: every row, labeled or not, is
    scored against class 1 (the VAE wants the discriminator to take all of
    them for labeled). The logits are the discriminator's before its sigmoid
    (``binary_cross_entropy_with_logits``: the reference's sigmoid + BCE,
    computed stably).

    Examples
    --------
    >>> sure = torch.tensor([20.0]), torch.tensor([-20.0])
    >>> float(vaal_discriminator_loss(*sure)) < 1e-8
    True
    """
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    labeled_target = torch.ones_like(labeled_logits)
    unlabeled_target = torch.ones_like(unlabeled_logits) if fool else torch.zeros_like(unlabeled_logits)
    return bce(labeled_logits, labeled_target) + bce(unlabeled_logits, unlabeled_target)


class _Reparameterized(torch.nn.Module):
    """``z = μ + ε · σ`` while training (ε from torch's generator), ``μ`` in eval mode."""

    def forward(self, mu, logvar):
        if not self.training:
            return mu
        return mu + torch.randn_like(mu) * (0.5 * logvar).exp()


class _ConvVAE(torch.nn.Module):
    """VAAL's convolutional VAE (4 strided 4×4 convolutions down, 3 transposed ones up, BatchNorm, ReLU).

    Inputs are zero-padded to a multiple of ``2 ** len(channels)`` (28 → 32 with four) and the reconstruction
    is cropped back.
    """

    def __init__(self, in_channels, height, width, latent=32, channels=(128, 256, 512, 1024)):
        super().__init__()
        if len(channels) < 2:
            raise ValueError(f"AdversarialVAE: channels needs two or more encoder widths; got {channels!r}.")
        self.height, self.width = height, width
        down_by = 2 ** len(channels)  # each encoder convolution halves the size; the decoder has one fewer
        self.padded = (-(-height // down_by) * down_by, -(-width // down_by) * down_by)
        down, c_in = [], in_channels
        for c in channels:
            down += [torch.nn.Conv2d(c_in, c, 4, 2, 1, bias=False), torch.nn.BatchNorm2d(c), torch.nn.ReLU()]
            c_in = c
        self.encoder = torch.nn.Sequential(*down, torch.nn.Flatten())
        flat = channels[-1] * (self.padded[0] // down_by) * (self.padded[1] // down_by)
        self.mu = torch.nn.Linear(flat, latent)
        self.logvar = torch.nn.Linear(flat, latent)
        self.start = (channels[-1], self.padded[0] * 2 // down_by, self.padded[1] * 2 // down_by)
        up, c_in = [], channels[-1]
        for c in channels[-2::-1]:
            up += [torch.nn.ConvTranspose2d(c_in, c, 4, 2, 1, bias=False), torch.nn.BatchNorm2d(c), torch.nn.ReLU()]
            c_in = c
        self.project = torch.nn.Linear(latent, int(np.prod(self.start)))
        self.decoder = torch.nn.Sequential(*up, torch.nn.ConvTranspose2d(c_in, in_channels, 1))
        self.sample = _Reparameterized()

    def encode(self, x):
        pad_h, pad_w = self.padded[0] - self.height, self.padded[1] - self.width
        x = torch.nn.functional.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def forward(self, x):
        mu, logvar = self.encode(x)
        out = self.decoder(self.project(self.sample(mu, logvar)).view(-1, *self.start))
        top, left = (self.padded[0] - self.height) // 2, (self.padded[1] - self.width) // 2
        return out[:, :, top : top + self.height, left : left + self.width], mu, logvar


class _MLPVAE(torch.nn.Module):
    """A fully connected VAE for feature vectors (VAAL's paper covers images only)."""

    def __init__(self, n_inputs, latent=32, hidden=(512, 256)):
        super().__init__()
        layers, n = [], n_inputs
        for h in hidden:
            layers += [torch.nn.Linear(n, h), torch.nn.ReLU()]
            n = h
        self.encoder = torch.nn.Sequential(*layers)
        self.mu = torch.nn.Linear(n, latent)
        self.logvar = torch.nn.Linear(n, latent)
        layers, n = [], latent
        for h in hidden[::-1]:
            layers += [torch.nn.Linear(n, h), torch.nn.ReLU()]
            n = h
        self.decoder = torch.nn.Sequential(*layers, torch.nn.Linear(n, n_inputs))
        self.sample = _Reparameterized()

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decoder(self.sample(mu, logvar)), mu, logvar


class _VAALModule(torch.nn.Module):
    """The pair: ``vae`` and ``discriminator`` (latent → 512 → 512 → 1 logit, ReLU), as in VAAL's code."""

    def __init__(self, input_shape, latent=32, channels=(128, 256, 512, 1024), hidden=(512, 256), width=512):
        super().__init__()
        if len(input_shape) == 3:
            self.vae = _ConvVAE(*input_shape, latent=latent, channels=tuple(channels))
        else:
            self.vae = _MLPVAE(int(np.prod(input_shape)), latent=latent, hidden=tuple(hidden))
        self.discriminator = torch.nn.Sequential(
            torch.nn.Linear(latent, width),
            torch.nn.ReLU(),
            torch.nn.Linear(width, width),
            torch.nn.ReLU(),
            torch.nn.Linear(width, 1),
        )

    def forward(self, x):
        return self.vae(x)

    def labeled_logit(self, x):
        """The discriminator's logit that ``x`` is labeled, from the VAE's latent mean."""
        return self.discriminator(self.vae.encode(x)[0]).squeeze(1)


class _PairRows(torch.utils.data.Dataset):
    """Item k: (unlabeled row k mod n_U, labeled row k mod n_L); an epoch is ``repeats`` items per pool row.

    Shuffled by the loader, each batch holds random unlabeled and random
    labeled rows, the two equal-sized batches VAAL draws every iteration.
    """

    def __init__(self, X, labeled, repeats=1):
        self.X = X
        self.unlabeled = np.flatnonzero(~labeled)
        self.labeled = np.flatnonzero(labeled)
        self.repeats = repeats

    def __len__(self):
        return len(self.X) * self.repeats

    def __getitem__(self, k):
        u = self.unlabeled[k % len(self.unlabeled)]
        l_ = self.labeled[k % len(self.labeled)]
        return (torch.as_tensor(self.X[u]), torch.as_tensor(self.X[l_])), 0


class _VAALNet(NeuralNet):
    """A skorch net over :class:`_VAALModule` with VAAL's alternating updates.

    Every batch takes one VAE step (transductive loss on both halves +
    ``adversary_weight`` · the fooling loss); after every ``vae_steps``-th
    batch the discriminator takes ``adversary_steps`` steps on that batch
    (VAAL's code draws a fresh batch for each of its two VAE steps and trains
    the discriminator on the second). Both use the net's optimizer with its
    own parameters (Adam, lr 5e-4 in VAAL).
    """

    def __init__(self, *args, beta=1.0, adversary_weight=1.0, vae_steps=2, adversary_steps=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.beta = beta
        self.adversary_weight = adversary_weight
        self.vae_steps = vae_steps
        self.adversary_steps = adversary_steps

    def initialize_optimizer(self, *_, **__):
        args, kwargs = self.get_params_for_optimizer("optimizer", self.module_.vae.named_parameters())
        self.optimizer_ = self.optimizer(*args, **kwargs)
        args, kwargs = self.get_params_for_optimizer("optimizer", self.module_.discriminator.named_parameters())
        self.optimizer_discriminator_ = self.optimizer(*args, **kwargs)
        self.batches_seen_ = 0
        return self

    def train_step(self, batch, **fit_params):
        (xu, xl), _ = batch
        xu, xl = xu.to(self.device), xl.to(self.device)
        module = self.module_
        module.train()
        self.optimizer_.zero_grad()
        recon_l, mu_l, logvar_l = module.vae(xl)
        recon_u, mu_u, logvar_u = module.vae(xu)
        transductive = vaal_vae_loss(xl, recon_l, mu_l, logvar_l, self.beta) + vaal_vae_loss(
            xu, recon_u, mu_u, logvar_u, self.beta
        )
        fooling = vaal_discriminator_loss(
            module.discriminator(mu_l).squeeze(1), module.discriminator(mu_u).squeeze(1), fool=True
        )
        loss = transductive + self.adversary_weight * fooling
        loss.backward()
        self.optimizer_.step()
        self.batches_seen_ += 1
        if self.batches_seen_ % self.vae_steps == 0:
            with torch.no_grad():
                mu_l, mu_u = module.vae.encode(xl)[0], module.vae.encode(xu)[0]
            for _ in range(self.adversary_steps):
                self.optimizer_discriminator_.zero_grad()
                d_loss = vaal_discriminator_loss(
                    module.discriminator(mu_l).squeeze(1), module.discriminator(mu_u).squeeze(1)
                )
                d_loss.backward()
                self.optimizer_discriminator_.step()
        return {"loss": loss.detach(), "y_pred": recon_u.detach()}


def vaal_input(X):
    """The pool as float32 rows: an array (a float32 memmap stays a view), or a ``Dataset``/pool object read whole.

    A sparse matrix is made dense (the VAE reads dense rows): for a wide sparse pool (TF-IDF) reduce it first,
    e.g. with ``TruncatedSVD``.
    """
    pool = as_pool(X)
    if pool.lazy:
        return np.concatenate([np.asarray(b, dtype=np.float32) for b in iter_batches(X, 1024)])
    if pool.kind == "sparse":
        return X.toarray().astype(np.float32, copy=False)
    return np.asarray(X, dtype=np.float32)


def _input_shape(X):
    """(C, H, W) for images (a 3-D pool is gray images), (d,) for flat vectors."""
    if X.ndim == 4:
        return tuple(X.shape[1:])
    if X.ndim == 3:
        return (1, *X.shape[1:])
    if X.ndim == 2:
        return (X.shape[1],)
    raise ValueError(
        f"VAAL takes images (n, C, H, W) or (n, H, W), or feature vectors (n, d); got an array of shape {X.shape}."
    )


class AdversarialVAE(TransformerMixin, BaseEstimator):
    """VAAL's model pair, trained on a pool and its labeled mask: ``fit(X, labeled)``, then ``score_samples(X)``.

    A β-VAE (convolutional for images ``(n, C, H, W)`` or ``(n, H, W)``, fully
    connected for vectors ``(n, d)``) and a discriminator on its latent means,
    trained together as in Sinha, Ebrahimi & Darrell (ICCV 2019):

    - VAE: ``MSE(x̂, x) + β KL(q(z|x) ‖ N(0, I))`` on a labeled and an unlabeled
      batch, plus ``adversary_weight`` · the BCE of the discriminator calling both
      batches labeled (the VAE learns to make them look alike);
    - discriminator: the BCE of labeled = 1 against unlabeled = 0 on the latent means.

    Defaults are the paper's: latent size 32, encoder channels 128-256-512-1024
    (4×4, stride 2, BatchNorm, ReLU), discriminator 512-512, β = 1,
    adversary_weight = 1, 2 VAE steps per discriminator step, Adam with
    lr 5e-4, batches of 128 labeled + 128 unlabeled rows, 100 epochs (an epoch
    is pool rows / batch_size iterations of ``vae_steps`` VAE batches and
    ``adversary_steps`` discriminator steps, the reference's count). That is
    hours per round on a CPU: for small runs pass narrower ``channels``
    (two or more widths), fewer ``max_epochs`` or both.

    Parameters
    ----------
    latent : int, default=32
    channels : tuple of int, default=(128, 256, 512, 1024)
        Encoder channels of the convolutional VAE (images); the decoder mirrors them.
    hidden : tuple of int, default=(512, 256)
        Hidden sizes of the fully connected VAE (vectors).
    discriminator_width : int, default=512
    beta : float, default=1.0
        Weight of the KL term (see :func:`vaal_vae_loss` for its scale).
    adversary_weight : float, default=1.0
        λ of the VAE's fooling term (``adversary_param`` in VAAL's code).
    vae_steps, adversary_steps : int, default=2, 1
    max_epochs : int, default=100
    batch_size : int, default=128
        Labeled rows and unlabeled rows per step (each).
    lr : float, default=5e-4
    device : "auto", "cpu" or "cuda"
    random_state : None or int
        Seeds initialisation, batch order and the reparameterisation noise.

    Attributes
    ----------
    net_ : skorch NeuralNet
        Holds ``module_.vae`` and ``module_.discriminator``.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    >>> labeled = np.arange(40) < 10
    >>> model = AdversarialVAE(latent=2, hidden=(8,), max_epochs=1, batch_size=8, random_state=0)
    >>> model.fit(X, labeled).score_samples(X).shape
    (40,)
    """

    def __init__(
        self,
        latent=32,
        channels=(128, 256, 512, 1024),
        hidden=(512, 256),
        discriminator_width=512,
        beta=1.0,
        adversary_weight=1.0,
        vae_steps=2,
        adversary_steps=1,
        max_epochs=100,
        batch_size=128,
        lr=5e-4,
        device="auto",
        random_state=None,
    ):
        self.latent = latent
        self.channels = channels
        self.hidden = hidden
        self.discriminator_width = discriminator_width
        self.beta = beta
        self.adversary_weight = adversary_weight
        self.vae_steps = vae_steps
        self.adversary_steps = adversary_steps
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state

    def _check_params(self):
        for name in ("latent", "discriminator_width", "vae_steps", "adversary_steps", "max_epochs", "batch_size"):
            value = getattr(self, name)
            if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1):
                raise ValueError(f"AdversarialVAE: {name} must be a positive int; got {value!r}.")
        for name in ("beta", "adversary_weight", "lr"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0):
                raise ValueError(f"AdversarialVAE: {name} must be a number >= 0; got {value!r}.")

    def fit(self, X, labeled):
        """Train both models on the pool ``X``; ``labeled`` (bool, one per row) says which rows are labeled.

        Both kinds must be present: the discriminator learns to tell them apart.
        """
        self._check_params()
        X = vaal_input(X)
        labeled = np.asarray(labeled, dtype=bool)
        if labeled.shape != (len(X),):
            raise ValueError(f"labeled must be a bool mask of the pool's {len(X)} rows; got shape {labeled.shape}.")
        if labeled.all() or not labeled.any():
            raise ValueError(
                "VAAL's discriminator learns labeled against unlabeled rows: it needs both. Pick a first pool "
                "with initial_strategy=Random() (or another strategy that needs no labels)."
            )
        self.input_shape_ = _input_shape(X)
        rows = X.reshape(len(X), *self.input_shape_)
        self.seed_ = root_seed(self.random_state)
        with torch_seed(self.seed_):
            self.net_ = _VAALNet(
                _VAALModule,
                module__input_shape=self.input_shape_,
                module__latent=self.latent,
                module__channels=tuple(self.channels),
                module__hidden=tuple(self.hidden),
                module__width=self.discriminator_width,
                criterion=torch.nn.BCEWithLogitsLoss,
                optimizer=torch.optim.Adam,
                lr=self.lr,
                max_epochs=self.max_epochs,
                batch_size=min(self.batch_size, len(X)),
                train_split=None,
                iterator_train__shuffle=True,
                iterator_train__drop_last=len(X) > self.batch_size,  # BatchNorm cannot train on a lone row
                device=resolve_device(self.device),
                verbose=0,
                beta=self.beta,
                adversary_weight=self.adversary_weight,
                vae_steps=self.vae_steps,
                adversary_steps=self.adversary_steps,
            ).initialize()
            # VAAL's count: N·epochs/batch iterations, each vae_steps VAE batches and a discriminator step
            self.net_.fit(_PairRows(rows, labeled, repeats=self.vae_steps), None)
        return self

    def _map(self, fn, X):
        """``fn(module, mu)`` of the VAE's latent means ``mu`` of batches of ``X``, eval mode, no gradients, float64."""
        check_is_fitted(self, "net_")
        X = vaal_input(X)
        X = X.reshape(len(X), *self.input_shape_)
        module = self.net_.module_
        with eval_mode(module), torch.no_grad():
            # the VAE's latent means: the pass stops at its ``mu`` layer (the decoder is not run)
            parts = [
                fn(module, forward(self.net_, X[i : i + 1024], "features", layer="vae.mu")).double().cpu().numpy()
                for i in range(0, len(X), 1024)
            ]
        return np.concatenate(parts) if parts else np.empty(0)

    def score_samples(self, X):
        """The discriminator's probability that each row is labeled (VAAL picks the lowest), float64 ``(n,)``."""
        return self._map(lambda module, mu: torch.sigmoid(module.discriminator(mu).squeeze(1)), X)

    def decision_function(self, X):
        """The discriminator's logit that each row is labeled: the order of :meth:`score_samples`, never saturated."""
        return self._map(lambda module, mu: module.discriminator(mu).squeeze(1), X)

    def transform(self, X):
        """The VAE's latent means, ``(n, latent)``."""
        return self._map(lambda module, mu: mu, X).astype(np.float32)
