"""CLIP zero-shot class probabilities through open_clip: the scorer of a zero-shot first pool.

Petersen (DTU 02456 project report) bootstraps the first labeled pool of CIFAR-10 with CLIP's zero-shot labels;
:class:`ClipZeroShot` is that scorer for :class:`skal.strategies.PseudoLabelInitializer`. Radford et al.,
"Learning Transferable Visual Models From Natural Language Supervision", ICML 2021, for the method and the
prompt templates; open_clip (Ilharco et al., 2021; Cherti et al., CVPR 2023) for the models.
"""

from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._batches import iter_batches
from ._outputs import resolve_device

__all__ = ["ClipZeroShot", "CLIP_TEMPLATES"]

#: The seven prompts the CLIP authors picked from their 80 ImageNet templates (their prompt-engineering notebook).
CLIP_TEMPLATES = (
    "itap of a {}.",
    "a bad photo of the {}.",
    "a origami {}.",
    "a photo of the large {}.",
    "a {} in a video game.",
    "art of the {}.",
    "a photo of the small {}.",
)

_WHERE = (
    "ClipZeroShot downloads nothing: pass weights= a local open_clip checkpoint for model {model!r}. Get one where "
    "the internet is reachable, e.g. `m = open_clip.create_model({model!r}, pretrained='laion2b_s34b_b79k'); "
    "torch.save(m.state_dict(), 'clip.pt')` (open_clip.list_pretrained() names the tags; the files are on the "
    "Hugging Face hub under laion/ and timm/), then copy the file here."
)


def _open_clip():
    try:
        import open_clip
    except ImportError:
        raise ImportError("ClipZeroShot needs open_clip: pip install 'skal[clip]' (open-clip-torch).") from None
    return open_clip


class ClipZeroShot(BaseEstimator):
    """Zero-shot class probabilities of images from an open_clip model: a scorer ``X -> (n, C)``.

    Each class name is put into every template (``"a photo of the large
    {}."``...); the normalised text embeddings are averaged per class and
    normalised again (the CLIP authors' prompt ensembling). An image's
    probabilities are the softmax of ``logit_scale · cos(image, class)``, with
    the model's own learned ``logit_scale``: calibrated as the model was
    trained. Images are resized (bicubic, antialiased) to the model's input
    size and normalised with its mean and standard deviation.

    Parameters
    ----------
    model : str, default="ViT-B-32"
        An open_clip model configuration (``open_clip.list_models()``, or one
        registered with ``open_clip.add_model_config``).
    weights : str or path
        A local checkpoint of that model (required: nothing is downloaded; the
        error says where to get one).
    classes : list of str
        Class names, in the order of the probability columns.
    templates : sequence of str, optional
        Prompts with one ``{}``; default :data:`CLIP_TEMPLATES`.
    batch_size : int, default=256
    device : "auto", "cpu" or "cuda"

    Attributes
    ----------
    model_ : torch.nn.Module
    class_embeddings_ : torch.Tensor of shape (C, D)
    logit_scale_ : float

    Notes
    -----
    ``X`` holds images: uint8 ``(n, H, W, 3)`` (0-255) or float ``(n, 3, H, W)``
    in [0, 1] (one channel for gray), an array, a ``Dataset`` or a pool object. Calling the object is
    ``predict_proba``, fitting first if needed, so it can be handed as it is
    to ``PseudoLabelInitializer(scorer=...)``.

    Examples
    --------
    >>> ClipZeroShot(classes=["cat", "dog"]).fit()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ClipZeroShot downloads nothing: pass weights= a local open_clip checkpoint for model 'ViT-B-32'...
    """

    def __init__(self, model="ViT-B-32", weights=None, classes=None, templates=None, batch_size=256, device="auto"):
        self.model = model
        self.weights = weights
        self.classes = classes
        self.templates = templates
        self.batch_size = batch_size
        self.device = device

    def fit(self, X=None, y=None):
        """Load the model and embed the class prompts; ``X`` and ``y`` are not used."""
        if self.weights is None:
            raise ValueError(_WHERE.format(model=self.model))
        if not Path(self.weights).is_file():
            raise FileNotFoundError(f"weights file {str(self.weights)!r} not found. " + _WHERE.format(model=self.model))
        classes = [] if self.classes is None else list(self.classes)
        if len(classes) < 2 or not all(isinstance(c, str) and c for c in classes):
            raise ValueError(f"classes must be two or more class names (str); got {self.classes!r}.")
        templates = tuple(self.templates) if self.templates is not None else CLIP_TEMPLATES
        if not templates or not all(isinstance(t, str) and t.count("{}") == 1 for t in templates):
            raise ValueError(f"each template must be a str with one '{{}}' for the class name; got {self.templates!r}.")
        open_clip = _open_clip()
        self.device_ = torch.device(resolve_device(self.device))
        self.model_ = open_clip.create_model(self.model, pretrained=str(self.weights), device=self.device_).eval()
        tokenizer = open_clip.get_tokenizer(self.model)
        with torch.inference_mode():
            per_class = []
            for name in classes:
                text = self.model_.encode_text(tokenizer([t.format(name) for t in templates]).to(self.device_))
                mean = torch.nn.functional.normalize(text.float(), dim=-1).mean(0)
                per_class.append(torch.nn.functional.normalize(mean, dim=0))
            self.class_embeddings_ = torch.stack(per_class)
            self.logit_scale_ = float(self.model_.logit_scale.exp())
        cfg = getattr(self.model_.visual, "preprocess_cfg", {}) or {}
        size = cfg.get("size", self.model_.visual.image_size)
        self.image_size_ = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
        mean = cfg.get("mean", open_clip.OPENAI_DATASET_MEAN)
        std = cfg.get("std", open_clip.OPENAI_DATASET_STD)
        self.image_mean_ = torch.tensor(mean, device=self.device_).view(1, 3, 1, 1)
        self.image_std_ = torch.tensor(std, device=self.device_).view(1, 3, 1, 1)
        self.classes_ = np.asarray(classes)
        return self

    def _images(self, batch):
        x = torch.as_tensor(np.asarray(batch)) if not torch.is_tensor(batch) else batch
        if x.dim() != 4:
            raise ValueError(f"ClipZeroShot takes images (n, H, W, 3) or (n, 3, H, W); got shape {tuple(x.shape)}.")
        if x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
            x = x.permute(0, 3, 1, 2)
        if x.shape[1] == 1:  # gray: the same image in the three channels CLIP reads
            x = x.expand(-1, 3, -1, -1)
        if x.shape[1] != 3:
            raise ValueError(f"ClipZeroShot takes RGB or gray images; got {x.shape[1]} channels (drop alpha first).")
        x = x.to(self.device_)
        x = x.float() / 255.0 if not x.is_floating_point() else x.float()
        x = torch.nn.functional.interpolate(
            x, size=self.image_size_, mode="bicubic", antialias=True, align_corners=False
        )
        return (x.clamp(0, 1) - self.image_mean_) / self.image_std_

    def predict_proba(self, X):
        """Zero-shot probabilities ``(n, C)`` (float64, rows sum to one), columns in the order of ``classes``."""
        check_is_fitted(self, "model_")
        parts = []
        with torch.inference_mode():
            for batch in iter_batches(X, self.batch_size):
                image = torch.nn.functional.normalize(self.model_.encode_image(self._images(batch)).float(), dim=-1)
                logits = self.logit_scale_ * image @ self.class_embeddings_.T
                parts.append(torch.softmax(logits.double(), dim=1).cpu().numpy())
        return np.concatenate(parts) if parts else np.empty((0, len(self.classes_)))

    def predict(self, X):
        """The most probable class name of each image."""
        return self.classes_[self.predict_proba(X).argmax(1)]

    def __call__(self, X):
        if not hasattr(self, "model_"):
            self.fit()
        return self.predict_proba(X)
