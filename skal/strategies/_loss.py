"""Learning Loss for active learning (Yoo & Kweon, CVPR 2019)."""

import numpy as np

from ..pools._scoring import map_rows
from ._subsample import CandidateScoringStrategy

__all__ = ["LearningLoss"]


class LearningLoss(CandidateScoringStrategy):
    """Query the rows with the largest loss predicted by the net's loss-prediction module.

    The estimator must have ``predict_loss(X)``: a :class:`skal.nn.LossPredictionNet`,
    trained jointly with the module (CE + λ · pair ranking loss). Rows are
    scored in eval mode; higher predicted loss → queried first.

    Parameters
    ----------
    n_candidates : None, int or float, default=10_000
        Score a random subset S of the unlabeled rows (``SUBSET`` in
        ``Mephisto405/Learning-Loss-for-Active-Learning``, a reproduction of Yoo & Kweon) and
        take the top ``n`` inside it; None scores them all.
    random_state : None, int or Generator
        Draws S.

    References
    ----------
    Yoo & Kweon, "Learning Loss for Active Learning", CVPR 2019.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skal.nn import LossPredictionNet
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> X = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    >>> net = LossPredictionNet(m, max_epochs=1, train_split=None, verbose=0).fit(X, np.arange(30) % 3)
    >>> LearningLoss(n_candidates=None).fit(X, estimator=net).query(4).shape
    (4,)
    """

    _requires = frozenset({"loss", "net"})

    def __init__(self, n_candidates=10_000, random_state=None):
        self.n_candidates = n_candidates
        self.random_state = random_state

    def _score(self, X, rows, estimator):
        if estimator is None:
            raise ValueError("LearningLoss ranks rows by the model's predicted loss: pass estimator= to fit.")
        if not hasattr(estimator, "predict_loss"):
            raise TypeError(
                "LearningLoss ranks rows by a loss-prediction module: build the net as "
                "skal.nn.LossPredictionNet(module, ...) instead of NeuralNetClassifier (got "
                f"{type(estimator).__name__}); for a model without one, use Entropy or GradNorm."
            )
        return map_rows(X, rows, predicted_losses, estimator)


def predicted_losses(net, inputs, start):
    """The loss-prediction module's output for one chunk, checked: one finite value per row."""
    scores = np.asarray(net.predict_loss(inputs), dtype=np.float64).reshape(-1)
    if not np.isfinite(scores).all():
        raise ValueError(f"predict_loss returned values that are not finite for {len(scores)} rows.")
    return scores
