"""Confidence and uncertainty sampling: least and high confidence, margin, entropy (each class cites its paper)."""

from ._base import ProbaStrategy
from ._scores import entropy, high_confidence, least_confidence, margin

__all__ = ["LeastConfidence", "HighConfidence", "Margin", "Entropy", "LC", "HC"]


class LeastConfidence(ProbaStrategy):
    """Least confidence: query the rows whose top class probability is lowest.

    Score ``1 - max_k p_k``. Used with no labels, a skorch net is scored with
    random weights (LC of Mohan et al., 2026). Alias: ``LC``.

    References
    ----------
    Lewis & Gale, "A sequential algorithm for training text classifiers", SIGIR 1994.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-2.0], [-0.1], [0.05], [2.0]]); y = np.array([0, 0, 1, 1])
    >>> clf = LogisticRegression().fit(X, y)
    >>> LeastConfidence().fit(X, estimator=clf).query(2).tolist()
    [2, 1]
    """

    _score_proba = staticmethod(least_confidence)


class HighConfidence(ProbaStrategy):
    """High confidence: query the rows the model is most sure of (HC of Mohan et al., 2026).

    Score ``max_k p_k``. Alias: ``HC``.

    References
    ----------
    Mohan, Manjunath, Arya, Basha & Cheekatla, "Are Candidate Models Really Needed for Active Learning?",
    preprint submitted to Computer Vision and Image Understanding, 2026 (HC/LC/HCLC).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-2.0], [-0.1], [0.05], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> clf = LogisticRegression().fit(X, y)
    >>> HighConfidence().fit(X, estimator=clf).query(1).tolist()
    [3]
    """

    _score_proba = staticmethod(high_confidence)


class Margin(ProbaStrategy):
    """Smallest margin first: score ``-(p_(1) - p_(2))``.

    References
    ----------
    Scheffer, Decomain & Wrobel, "Active hidden Markov models for information extraction", IDA 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-2.0], [-0.1], [0.05], [2.0]]); y = np.array([0, 0, 1, 1])
    >>> clf = LogisticRegression().fit(X, y)
    >>> Margin().fit(X, estimator=clf).query(1).tolist()
    [2]
    """

    @staticmethod
    def _score_proba(proba):
        return -margin(proba)


class Entropy(ProbaStrategy):
    """Maximum entropy of the predicted class distribution.

    References
    ----------
    Shannon entropy sampling; Settles, "Active Learning Literature Survey", 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-2.0], [-0.1], [0.05], [2.0]]); y = np.array([0, 0, 1, 1])
    >>> clf = LogisticRegression().fit(X, y)
    >>> Entropy().fit(X, estimator=clf).query(1).tolist()
    [2]
    """

    _score_proba = staticmethod(entropy)


LC = LeastConfidence
HC = HighConfidence
