"""Real clustered embeddings for the speed benchmarks: a small CNN's features of CIFAR-10.

A ``SmallCNN(in_channels=3, image_size=32)`` (skal's zoo: two 3×3 convolutions, max-pool, a 128-unit layer)
is trained from seed 0 for ``--epochs`` epochs (Adam, lr 1e-3, batch 128) on CIFAR-10's 50,000 training images,
then embeds all 60,000 images (training then test rows): the 128 ReLU outputs before the classifier, float32.
Embeddings of a trained net cluster by class, which is what the k-center pruning of Coreset exploits; random
noise does not.

    SKAL_DATA=.data python benchmarks/cifar10_cnn_features.py [--epochs 2]

Writes ``$SKAL_DATA/cifar10_smallcnn_features.npy`` (60,000 × 128 float32, 29 MiB; not committed) and prints
the net's test accuracy. ``benchmarks/query_speed.py --data cifar10-cnn`` reads that file.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np

MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32)


def features_path():
    return Path(os.environ.get("SKAL_DATA", Path(__file__).resolve().parents[1] / ".data")) / (
        "cifar10_smallcnn_features.npy"
    )


def to_tensor(images):
    import torch

    return torch.as_tensor(((images.astype(np.float32) / 255 - MEAN) / STD).transpose(0, 3, 1, 2).copy())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    import torch  # here, not at the top: query_speed.py's cells import features_path() without torch

    from skal.datasets import load_cifar10
    from skal.nn import SmallCNN

    data = load_cifar10()
    torch.manual_seed(0)
    net = SmallCNN(n_classes=10, in_channels=3, image_size=32)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    X, y = to_tensor(data.x_train), torch.as_tensor(data.y_train.astype(np.int64))
    gen = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        net.train()
        for idx in torch.randperm(len(X), generator=gen).split(128):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
            opt.step()
        print(f"epoch {epoch + 1}: {time.perf_counter() - t0:.0f} s", flush=True)
    net.eval()
    Xt = to_tensor(data.x_test)
    with torch.inference_mode():
        feats = torch.cat([net.features(b) for b in torch.cat([X, Xt]).split(1000)]).numpy()
        accuracy = float((net.classifier(torch.as_tensor(feats[len(X) :])).argmax(1).numpy() == data.y_test).mean())
    path = features_path()
    np.save(path, feats.astype(np.float32))
    print(f"test accuracy {accuracy:.3f}; wrote {path} {feats.shape}")


if __name__ == "__main__":
    main()
