"""torch/skorch helpers: a model zoo for image benchmarks."""

from .models import MODELS, CifarResNet18, DenseNet121, MobileNetV2, SmallCNN, VGG16

__all__ = ["MODELS", "SmallCNN", "CifarResNet18", "VGG16", "MobileNetV2", "DenseNet121"]
