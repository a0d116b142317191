"""torch/skorch helpers: a model zoo for image benchmarks."""

from .models import MODELS, VGG16, CifarResNet18, DenseNet121, MobileNetV2, SmallCNN

__all__ = ["MODELS", "SmallCNN", "CifarResNet18", "VGG16", "MobileNetV2", "DenseNet121"]
from ._embedding import embed, last_linear_name  # noqa: E402

__all__ += ["embed", "last_linear_name"]
from ._gradients import per_sample_grad_norms, select_parameters  # noqa: E402
from ._mc_dropout import (  # noqa: E402
    MCDropoutStats,
    consistent_dropout,
    dropout_modules,
    mc_dropout_log_proba,
    mc_dropout_stats,
    only_dropout_active,
)

__all__ += [
    "per_sample_grad_norms",
    "select_parameters",
    "mc_dropout_stats",
    "mc_dropout_log_proba",
    "consistent_dropout",
    "MCDropoutStats",
    "dropout_modules",
    "only_dropout_active",
]
from ._modes import eval_mode  # noqa: E402

__all__ += ["eval_mode"]
from ._loss_prediction import LossPredictionModule, LossPredictionNet, ranking_loss  # noqa: E402

__all__ += ["LossPredictionNet", "LossPredictionModule", "ranking_loss"]
from ._self_supervised import VAE, SimCLR, augment, nt_xent  # noqa: E402

__all__ += ["SimCLR", "VAE", "nt_xent", "augment"]
from ._vaal import AdversarialVAE, vaal_discriminator_loss, vaal_vae_loss  # noqa: E402

__all__ += ["AdversarialVAE", "vaal_vae_loss", "vaal_discriminator_loss"]
from ._frozen import FrozenFeatures, build_backbone  # noqa: E402

__all__ += ["FrozenFeatures", "build_backbone"]
from ._clip import CLIP_TEMPLATES, ClipZeroShot  # noqa: E402

__all__ += ["ClipZeroShot", "CLIP_TEMPLATES"]
