"""The CIFAR-10 ResNet-18 protocol of random-weight confidence sampling (Mohan et al., 2026), for a machine with CUDA.

Protocol as coded in the authors' repository, ``Mridula78/AL_SamplingWithRandomWeights``:
a random-weight net picks the first pool (HC or LC), a fresh ResNet-18 is trained on it (SGD lr 0.01, momentum 0.9,
wd 5e-4, batch 64, 100 epochs, cosine T_max=200, random crop + flip), then each
round scores the rest of the pool and continues training the same model
(``warm_start=True``) until the pool is exhausted.

Two reporting modes:

* ``--report validation`` (default): 5,000 training images are held out as a
  validation split; each round keeps the best-validation epoch and reports its
  test accuracy per round.
* ``--report faithful``: the reference's checkpointing on the *test* set; the
  reported number is the maximum test accuracy over the whole run.

Sizes follow the reference scripts: ``--sizes paper`` (10,000 initial, 5,000 per
round) or ``--sizes percent`` (4 % / 5 %). ``--max-rows`` and ``--epochs``
shrink the run for a CPU smoke test, e.g.::

    python benchmarks/random_weight_confidence_cifar_gpu.py --strategies HCLC --seeds 42 \\
        --max-rows 600 --epochs 1 --rounds 1

Writes one JSON line per round to ``--out`` (default
``benchmarks/results/random_weight_confidence_cifar_gpu.jsonl``).
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Checkpoint, EpochScoring, LRScheduler
from skorch.helper import predefined_split

from skal import ActiveLearner
from skal.bench._data import IMAGE_STATS
from skal.datasets import load_cifar10
from skal.nn import CifarResNet18
from skal.strategies import HC, HCLC, LC, LCHC, RHC, RLC, Random

STRATEGIES = {"LC": LC, "HC": HC, "HCLC": HCLC, "LCHC": LCHC, "RHC": RHC, "RLC": RLC, "Random": Random}


class Augmented(torch.utils.data.Dataset):
    """Random crop (padding 4) and horizontal flip on the fly; draws from torch's generator."""

    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        x, y = self.base[i]
        x = torch.as_tensor(x)
        if torch.rand(()) < 0.5:
            x = x.flip(-1)
        padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
        dx, dy = torch.randint(0, 9, (2,)).tolist()
        return padded[:, dy : dy + 32, dx : dx + 32], y


class AugmentedNet(NeuralNetClassifier):
    """Training batches are augmented; scoring and evaluation see the plain images (test transform)."""

    def get_iterator(self, dataset, training=False):
        return super().get_iterator(Augmented(dataset) if training else dataset, training=training)


def standardise(x):
    mean, std = (np.asarray(v, np.float32)[None, :, None, None] for v in IMAGE_STATS["cifar10"])
    return np.ascontiguousarray((x.astype(np.float32).transpose(0, 3, 1, 2) / 255.0 - mean) / std)


def make_net(X_check, y_check, epochs, checkpoint_dir):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return AugmentedNet(
        CifarResNet18,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=0.01,
        optimizer__momentum=0.9,
        optimizer__weight_decay=5e-4,
        batch_size=64,
        max_epochs=epochs,
        train_split=predefined_split(
            torch.utils.data.TensorDataset(torch.as_tensor(X_check), torch.as_tensor(y_check))
        ),
        callbacks=[
            EpochScoring("accuracy", lower_is_better=False, on_train=False, name="check_acc"),
            LRScheduler(policy=torch.optim.lr_scheduler.CosineAnnealingLR, T_max=200),
            Checkpoint(monitor="check_acc_best", dirname=str(checkpoint_dir), load_best=True),
        ],
        iterator_train__shuffle=True,
        iterator_train__num_workers=0,
        device=device,
        verbose=0,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", nargs="+", default=["LC", "HC", "HCLC"], choices=sorted(STRATEGIES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[42, 789, 101112])
    parser.add_argument("--report", choices=["validation", "faithful"], default="validation")
    parser.add_argument("--sizes", choices=["paper", "percent"], default="paper")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=None, help="stop after this many later rounds")
    parser.add_argument("--max-rows", type=int, default=None, help="shrink the pool (smoke tests)")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--out", default="benchmarks/results/random_weight_confidence_cifar_gpu.jsonl")
    args = parser.parse_args()

    data = load_cifar10(args.data_home)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data.y_train))  # rows are ordered by class: shuffle once
    X_all, y_all = standardise(data.x_train[order]), data.y_train[order]
    X_test, y_test = standardise(data.x_test), data.y_test
    if args.report == "validation":
        X_check, y_check = X_all[:5000], y_all[:5000]
        X_pool, y_pool = X_all[5000:], y_all[5000:]
    else:
        X_check, y_check, X_pool, y_pool = X_test, y_test, X_all, y_all
    if args.max_rows:
        X_pool, y_pool = X_pool[: args.max_rows], y_pool[: args.max_rows]
        X_check, y_check = X_check[: args.max_rows // 2], y_check[: args.max_rows // 2]
    if args.sizes == "paper" and not args.max_rows:
        initial, query = 10_000, 5_000
    else:
        initial, query = 0.04, 0.05

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for name in args.strategies:
        for seed in args.seeds:
            learner = ActiveLearner(
                make_net(X_check, y_check, args.epochs, out.parent / f"ckpt_{name}_{seed}"),
                STRATEGIES[name](),
                initial_size=initial,
                query_size=query,
                n_rounds=args.rounds,
                warm_start=True,
                classes=np.arange(10),
                random_state=seed,
            )
            t0 = time.perf_counter()
            learner.fit(X_pool, y_pool, eval_set=(X_test, y_test))
            best_check = [
                max(e["check_acc"] for e in learner.estimator_.history) if learner.estimator_.history else None
            ]
            with open(out, "a") as f:
                for r in learner.history_:
                    f.write(
                        json.dumps(
                            {
                                "strategy": name,
                                "seed": seed,
                                "report": args.report,
                                "round": r["round"],
                                "n_labeled": r["n_labeled"],
                                "test_accuracy": r["score"],
                                "train_seconds": r["train_seconds"],
                                "query_seconds": r["query_seconds"],
                                "device": str(learner.estimator_.device),
                                "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
                                "torch": torch.__version__,
                                "python": platform.python_version(),
                            }
                        )
                        + "\n"
                    )
            final = learner.history_[-1]["score"]
            print(
                f"{name} seed {seed}: {len(learner.history_)} rounds, final test {final:.4f}, "
                f"best {'test' if args.report == 'faithful' else 'validation'} {best_check[0]:.4f}, "
                f"{time.perf_counter() - t0:.0f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
