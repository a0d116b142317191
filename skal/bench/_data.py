"""Dataset variants for benchmarks: subsample, imbalance, preprocess."""

import numpy as np
from sklearn.utils import Bunch

from ..datasets import load, make_class_subset, make_imbalanced
from ..utils._random import as_generator

__all__ = ["prepare_data", "IMAGE_STATS"]

#: Per-channel mean and std used to standardise images (the values commonly used for these datasets).
IMAGE_STATS = {
    "mnist": ([0.1307], [0.3081]),
    "fashion-mnist": ([0.2860], [0.3530]),
    "cifar10": ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
}

#: Data subsampling uses its own fixed seed so every strategy and seed of a suite shares one pool.
DATA_SEED = 12345


def _images(x, name):
    x = x.astype(np.float32) / 255.0
    x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
    mean, std = (np.asarray(v, np.float32)[None, :, None, None] for v in IMAGE_STATS[name])
    return np.ascontiguousarray((x - mean) / std)


def _tfidf(texts, texts_test, max_features=2000):
    """Dense float32 TF-IDF rows (unit length), the vocabulary learned from the pool's text alone (no labels)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(max_features=max_features, sublinear_tf=True, min_df=2, dtype=np.float32)
    X = vectorizer.fit_transform(texts).toarray()
    return X, vectorizer.transform(texts_test).toarray()


def _subsample(X, y, n, rng):
    if n is None or n >= len(y):
        return X, y
    keep = np.sort(rng.permutation(len(y))[:n])
    return X[keep], y[keep]


def prepare_data(spec, data_home=None):
    """Build ``Bunch(X_pool, y_pool, X_test, y_test, classes, name)`` from a dataset spec.

    ``spec`` keys: ``name``; optional ``n_pool``, ``n_test`` (random subsets),
    ``imbalance`` (``{"profile", "ratio"}``, applied to the train split before
    ``n_pool``), ``subset`` (``{"fraction", "rare_classes", "rare_fraction"}``).
    Images become standardised float32 NCHW; text becomes dense TF-IDF rows
    (2,000 terms, vocabulary from the pool); tables are standardised with the
    pool's statistics (features only, no labels).
    """
    raw = load(spec["name"], data_home)
    rng = as_generator(DATA_SEED)
    X, y = raw.x_train, raw.y_train
    if "imbalance" in spec:
        X, y = make_imbalanced(X, y, spec["imbalance"]["profile"], spec["imbalance"]["ratio"], random_state=DATA_SEED)
    if "subset" in spec:
        sub = spec["subset"]
        X, y = make_class_subset(
            X, y, sub["fraction"], sub.get("rare_classes"), sub.get("rare_fraction", 0.01), random_state=DATA_SEED
        )
    X, y = _subsample(X, y, spec.get("n_pool"), rng)
    X_test, y_test = _subsample(raw.x_test, raw.y_test, spec.get("n_test"), rng)
    if spec["name"] in IMAGE_STATS:
        X, X_test = _images(X, spec["name"]), _images(X_test, spec["name"])
    elif X.dtype == object:
        X, X_test = _tfidf(X, X_test)
    elif spec["name"] != "digits":
        mean, std = X.mean(axis=0), X.std(axis=0) + 1e-12
        X, X_test = ((X - mean) / std).astype(np.float32), ((X_test - mean) / std).astype(np.float32)
    classes = np.unique(np.concatenate([y, y_test]))
    return Bunch(X_pool=X, y_pool=y, X_test=X_test, y_test=y_test, classes=classes, name=variant_name(spec))


def variant_name(spec):
    """A short label for a dataset spec, e.g. ``fashion-mnist[linear 0.1]``."""
    tags = []
    if "imbalance" in spec:
        tags.append(f"{spec['imbalance']['profile']} {spec['imbalance']['ratio']}")
    if "subset" in spec:
        sub = spec["subset"]
        rare = (
            f", {len(sub.get('rare_classes') or [])} at {sub.get('rare_fraction', 0.01):g}"
            if sub.get("rare_classes")
            else ""
        )
        tags.append(f"{sub['fraction']:g}{rare}")
    return spec["name"] + (f"[{'; '.join(tags)}]" if tags else "")
