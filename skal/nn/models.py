"""Image models a skorch net can take, all ending in an ``nn.Linear`` head.

Each is a module *class*, so skorch builds it (and skal seeds its weights) at
``initialize()``. The torchvision architectures start from random weights
(nothing is downloaded) and are adapted to 32×32 inputs the usual CIFAR way:
a stride-1 3×3 stem and no early max-pool.
"""

import torch
from torch import nn

__all__ = ["SmallCNN", "CifarResNet18", "VGG16", "MobileNetV2", "DenseNet121", "MODELS"]


class SmallCNN(nn.Module):
    """A small CNN (28×28 by default): two 3×3 convolutions, max-pool, dropout, a 128-unit layer.

    Examples
    --------
    >>> SmallCNN()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> SmallCNN(in_channels=3, image_size=32)(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(self, n_classes=10, in_channels=1, image_size=28, dropout=0.25):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(dropout),
            nn.Flatten(),
            nn.Linear(64 * ((image_size - 4) // 2) ** 2, 128),
            nn.ReLU(),
            nn.Dropout(2 * dropout),
        )
        self.classifier = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


class CifarResNet18(nn.Module):
    """ResNet-18 for 32×32 images: torchvision's, with a 3×3 stride-1 stem and no max-pool.

    Examples
    --------
    >>> CifarResNet18()(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(self, n_classes=10, in_channels=3):
        super().__init__()
        from torchvision.models import resnet18

        self.net = resnet18(weights=None, num_classes=n_classes)
        self.net.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        self.net.maxpool = nn.Identity()

    def forward(self, x):
        return self.net(x)


class VGG16(nn.Module):
    """VGG-16 with batch norm for 32×32 images: torchvision's features, then ``Linear(512, n_classes)``.

    The 7×7 average pool and 4096-unit head of the ImageNet model are dropped
    (at 32×32 the features end at 1×1), as in the usual CIFAR VGG.
    """

    def __init__(self, n_classes=10, in_channels=3):
        super().__init__()
        from torchvision.models import vgg16_bn

        features = vgg16_bn(weights=None).features
        if in_channels != 3:
            features[0] = nn.Conv2d(in_channels, 64, 3, padding=1)
        self.features = features
        self.classifier = nn.Linear(512, n_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


class MobileNetV2(nn.Module):
    """MobileNetV2 for 32×32 images: torchvision's, with a stride-1 stem."""

    def __init__(self, n_classes=10, in_channels=3):
        super().__init__()
        from torchvision.models import mobilenet_v2

        self.net = mobilenet_v2(weights=None, num_classes=n_classes)
        self.net.features[0][0] = nn.Conv2d(in_channels, 32, 3, stride=1, padding=1, bias=False)

    def forward(self, x):
        return self.net(x)


class DenseNet121(nn.Module):
    """DenseNet-121 for 32×32 images: torchvision's, with a 3×3 stride-1 stem and no max-pool."""

    def __init__(self, n_classes=10, in_channels=3):
        super().__init__()
        from torchvision.models import densenet121

        self.net = densenet121(weights=None, num_classes=n_classes)
        self.net.features.conv0 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        self.net.features.pool0 = nn.Identity()

    def forward(self, x):
        return self.net(x)


MODELS = {
    "small_cnn": SmallCNN,
    "resnet18": CifarResNet18,
    "vgg16": VGG16,
    "mobilenet_v2": MobileNetV2,
    "densenet121": DenseNet121,
}
