"""torch/skorch helpers: a model zoo for image benchmarks."""

from .models import MODELS, VGG16, CifarResNet18, DenseNet121, MobileNetV2, SmallCNN

__all__ = ["MODELS", "SmallCNN", "CifarResNet18", "VGG16", "MobileNetV2", "DenseNet121"]
from ._embedding import embed, last_linear_name  # noqa: E402

__all__ += ["embed", "last_linear_name"]
