"""A frozen pretrained backbone as a scikit-learn transformer: batched, on the GPU when there is one, cached on disk.

The usual low-budget recipe (Pourahmadi, Nooralinejad & Pirsiavash, 2021; Hacohen, Dekel & Weinshall, ICML 2022)
embeds the pool once with a frozen model and picks on those features; :class:`FrozenFeatures` is that step, usable
as ``embedding=`` of every representation strategy and as the first step of a pipeline.
"""

import copy
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..pools._protocol import as_pool, n_rows
from ._batches import iter_batches
from ._embedding import last_linear_name
from ._forward import forward
from ._outputs import resolve_device

__all__ = ["FrozenFeatures", "build_backbone", "file_sha256"]

_CHUNK = 1 << 24  # bytes hashed at a time


def file_sha256(path):
    """SHA-256 of a file's bytes, read in 16 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def build_backbone(model, weights=None):
    """An ``nn.Module`` from a torchvision or timm model name (random weights: nothing is downloaded) or a module.

    ``weights`` is a local checkpoint file: a ``state_dict`` (or a dict holding one under ``"state_dict"`` or
    ``"model"``), loaded strictly with ``torch.load(weights_only=True)``.

    Examples
    --------
    >>> type(build_backbone("resnet18")).__name__
    'ResNet'
    """
    if isinstance(model, torch.nn.Module):
        module = model
    elif isinstance(model, str):
        module = _by_name(model)
    else:
        raise TypeError(f"model must be a torchvision or timm model name or a torch.nn.Module; got {model!r}.")
    if weights is not None:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        for key in ("state_dict", "model"):
            if isinstance(state, dict) and isinstance(state.get(key), dict):
                state = state[key]
        try:
            module.load_state_dict(state)
        except RuntimeError as exc:
            raise ValueError(f"weights {str(weights)!r} do not fit {type(module).__name__}: {exc}") from None
    return module


def _by_name(name):
    import torchvision

    if name in torchvision.models.list_models():
        return torchvision.models.get_model(name, weights=None)
    try:
        import timm
    except ImportError:
        timm = None
    if timm is not None and timm.is_model(name):
        return timm.create_model(name, pretrained=False)
    hint = "" if timm is not None else " (timm is not installed: pip install 'skal[timm]' for its names)"
    raise ValueError(
        f"unknown model {name!r}: not a torchvision model name (torchvision.models.list_models()) nor a timm "
        f"one{hint}. Or pass a torch.nn.Module."
    )


def _module_digest(module):
    digest = hashlib.sha256(type(module).__qualname__.encode())
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def pool_fingerprint(X, batch_size=1024):
    """SHA-256 of a pool's shape, dtype and every row's bytes (an array, memmap, ``Dataset`` or pool object)."""
    digest = hashlib.sha256()
    if not as_pool(X).lazy:
        X = np.asarray(X)
    for batch in iter_batches(X, batch_size):
        batch = np.ascontiguousarray(np.asarray(batch))
        digest.update(f"{batch.shape}{batch.dtype}".encode())  # the same bytes in another shape are another pool
        digest.update(batch.tobytes())
    return digest.hexdigest()


class FrozenFeatures(TransformerMixin, BaseEstimator):
    """Features of a frozen backbone (torchvision, timm or any module), batched, in eval mode, cached on disk.

    ``fit`` builds the model (random weights unless ``weights`` names a local
    checkpoint: nothing is downloaded) and moves it to the device;
    ``transform`` runs the pool through it under ``torch.inference_mode`` in
    batches and returns float32 features ``(n, d)``: by default the input of
    the model's last ``nn.Linear`` (the penultimate features; for a timm model
    its own pre-logits features, ``forward_head(..., pre_logits=True)``), or a
    named layer's output (a 4-D feature map is averaged over its positions,
    anything else flattened).

    Parameters
    ----------
    model : str or torch.nn.Module, default="resnet18"
        A torchvision model name (``torchvision.models.list_models()``), a timm
        one (with timm installed: ``skal[timm]``), or a module.
    weights : str or path, optional
        A local checkpoint (``state_dict``) for the model. Where to get one: the
        torchvision or timm model pages list the files their ``weights=`` /
        ``pretrained=`` options download; save ``model.state_dict()`` with
        ``torch.save`` on a machine that can download.
    layer : str, optional
        A module name (``model.named_modules()``) whose output to take.
    preprocess : callable, optional
        Applied to each batch tensor on the device before the forward pass
        (e.g. ``torchvision.transforms.v2.Normalize`` or ``Resize``). (Not
        called ``transform``: a parameter of that name would hide the
        transformer's ``transform`` method.)
    batch_size : int, default=256
    device : "auto", "cpu" or "cuda"
        "auto": CUDA when present.
    mixed_precision : bool, default=False
        Run under ``torch.autocast`` (float16 on CUDA, bfloat16 on the CPU); features come back float32.
    cache : str or path, optional
        A folder. Features are stored there once per (pool fingerprint, model,
        weights file hash, layer, preprocess) as a ``.npy`` file and returned
        memory-mapped when asked again: a second run on the same pool embeds
        nothing. The pool fingerprint hashes every row (reading the pool, no
        forward pass); a model given as a module is identified by its class and
        weights, a random-weight model by its weights too; ``preprocess`` by its
        ``repr``, which must show its parameters (a lambda's is refused).
    num_workers : int, default=0
        ``DataLoader`` workers for a ``Dataset`` pool.

    Attributes
    ----------
    module_ : torch.nn.Module
        The model in eval mode on ``device_``.
    n_embedded_ : int
        Rows run through the model by the last ``transform`` (0 on a cache hit).
    cache_file_ : Path or None
        The file the last ``transform`` read or wrote.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((4, 3, 32, 32), dtype=np.float32)
    >>> FrozenFeatures("resnet18", batch_size=2).fit_transform(X).shape
    (4, 512)
    """

    def __init__(
        self,
        model="resnet18",
        weights=None,
        layer=None,
        preprocess=None,
        batch_size=256,
        device="auto",
        mixed_precision=False,
        cache=None,
        num_workers=0,
    ):
        self.model = model
        self.weights = weights
        self.layer = layer
        self.preprocess = preprocess
        self.batch_size = batch_size
        self.device = device
        self.mixed_precision = mixed_precision
        self.cache = cache
        self.num_workers = num_workers

    def fit(self, X=None, y=None):
        """Build the model and load its weights; the pool is not read."""
        if not (isinstance(self.batch_size, (int, np.integer)) and self.batch_size >= 1):
            raise ValueError(f"batch_size must be a positive int; got {self.batch_size!r}.")
        if self.preprocess is not None and not callable(self.preprocess):
            raise TypeError(f"preprocess must be a callable taking a batch tensor; got {self.preprocess!r}.")
        if self.weights is not None and not Path(self.weights).is_file():
            raise FileNotFoundError(
                f"weights file {str(self.weights)!r} not found. skal downloads nothing: save a state_dict there "
                "(torch.save(model.state_dict(), path) where the pretrained weights can be downloaded)."
            )
        self.device_ = torch.device(resolve_device(self.device))
        model = (
            copy.deepcopy(self.model) if isinstance(self.model, torch.nn.Module) else self.model
        )  # yours stays as is
        self.module_ = build_backbone(model, self.weights).eval().to(self.device_)
        for p in self.module_.parameters():
            p.requires_grad_(False)
        modules = dict(self.module_.named_modules())
        self.layer_ = self.layer or last_linear_name(self.module_)
        if self.layer_ not in modules:
            raise ValueError(f"no layer named {self.layer_!r}; layers: {[n for n in modules if n][:20]}")
        self.weights_sha256_ = file_sha256(self.weights) if self.weights is not None else None
        return self

    def _cache_key(self, X):
        preprocess = None
        if self.preprocess is not None:
            preprocess = repr(self.preprocess)
            if " at 0x" in preprocess or "lambda" in preprocess or preprocess.endswith("()"):
                raise ValueError(
                    f"FrozenFeatures(cache=...) keys the cache on preprocess's repr, and {preprocess!r} does not say "
                    "what it does (two different lambdas print alike): give it a repr that shows its parameters "
                    "(torchvision transforms do), or drop cache=."
                )
        parts = {
            "pool": pool_fingerprint(X),
            # the weights themselves, not only a name: random weights differ from run to run unless seeded
            "model": (self.model if isinstance(self.model, str) else "module") + ":" + _module_digest(self.module_),
            "weights": self.weights_sha256_,
            "layer": self.layer_,
            "penultimate": self.layer is None,
            "preprocess": preprocess,
            "mixed_precision": bool(self.mixed_precision),
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32], parts

    def transform_rows(self, X):
        """Features of ``X`` without the cache: float32 ``(n, d)``, batched."""
        check_is_fitted(self, "module_")
        penultimate = self.layer is None

        def features(value):
            if penultimate and value.dim() > 2:
                raise ValueError(
                    f"the input of the last nn.Linear of {type(self.module_).__name__} ({self.layer_!r}) has shape "
                    f"{tuple(value.shape)}, not (rows, features): the model has no classifier head there. Pass "
                    "layer= the module whose output is the feature vector."
                )
            if value.dim() == 4 and not penultimate:
                value = value.mean(dim=(2, 3))
            return value.flatten(1).float().cpu()

        timm_head = penultimate and hasattr(self.module_, "forward_head") and hasattr(self.module_, "forward_features")
        loader_options = type("Options", (), {"iterator_valid__num_workers": self.num_workers})
        autocast = torch.autocast(
            self.device_.type,
            dtype=torch.float16 if self.device_.type == "cuda" else torch.bfloat16,
            enabled=bool(self.mixed_precision),
        )
        parts, self.n_embedded_ = [], 0
        with torch.inference_mode(), autocast:
            for batch in iter_batches(X, self.batch_size, loader_options):
                if not torch.is_tensor(batch):
                    batch = np.asarray(batch)
                    batch = batch if batch.flags.writeable else batch.copy()  # a read-only memmap's rows
                xb = torch.as_tensor(batch)
                xb = xb.to(self.device_, dtype=torch.float32, non_blocking=True)
                xb_in = self.preprocess(xb) if self.preprocess is not None else xb
                if timm_head:  # timm's own pre-logits features (pooled), whatever its head is
                    value = self.module_.forward_head(self.module_.forward_features(xb_in), pre_logits=True)
                    parts.append(value.flatten(1).float().cpu().numpy())
                else:  # the pass stops at the layer: the layers after it are not run
                    value = forward(
                        self.module_, xb_in, "features", layer=self.layer_, layer_input=penultimate, device=self.device_
                    )
                    parts.append(features(value).numpy().copy())  # not a view of a tensor the module may reuse
                self.n_embedded_ += len(xb)
        return np.concatenate(parts).astype(np.float32, copy=False) if parts else np.empty((0, 0), np.float32)

    def transform(self, X):
        """Features of ``X`` (float32 ``(n, d)``), from the cache when they are there (memory-mapped)."""
        check_is_fitted(self, "module_")
        self.cache_file_ = None
        if self.cache is None:
            return self.transform_rows(X)
        key, parts = self._cache_key(X)
        folder = Path(self.cache)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{key}.npy"
        self.cache_file_ = path
        if path.exists():
            self.n_embedded_ = 0
            return np.load(path, mmap_mode="r")
        features = self.transform_rows(X)
        tmp = folder / f"{key}.{os.getpid()}.tmp.npy"
        np.save(tmp, features)
        os.replace(tmp, path)  # a reader never sees half a file
        (folder / f"{key}.json").write_text(json.dumps({**parts, "n_rows": n_rows(X)}, indent=1) + "\n")
        return features
