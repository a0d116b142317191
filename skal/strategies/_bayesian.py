"""MC-dropout strategies: BALD and DBAL (Houlsby et al., 2011; Gal, Islam & Ghahramani, ICML 2017)."""

from functools import partial

from ..pools._scoring import chunk_seed, map_rows
from ._batchbald import check_dropout_net
from ._scores import bald, entropy
from ._subsample import CandidateScoringStrategy

__all__ = ["BALD", "DBAL"]

_MAX_SEED = 2**32 - 1


class _MCDropoutStrategy(CandidateScoringStrategy):
    _requires = frozenset({"proba", "net"})
    _deterministic_scores = False  # dropout masks depend on a row's place in its batch

    def __init__(self, n_samples=10, n_candidates=None, batch_size=None, random_state=None):
        self.n_samples = n_samples
        self.n_candidates = n_candidates
        self.batch_size = batch_size
        self.random_state = random_state

    def _mc_scores(self, X, rows, estimator, score):
        check_dropout_net(self, estimator)
        seed = int(self._rng.integers(_MAX_SEED))
        fn = partial(mc_dropout_scores, n_samples=self.n_samples, seed=seed, batch_size=self.batch_size, score=score)
        return map_rows(X, rows, fn, estimator)


def mc_dropout_scores(net, inputs, start, *, n_samples, seed, batch_size, score):
    """``score(stats)`` of MC-dropout statistics of one chunk, its passes seeded by ``chunk_seed(seed, start)``."""
    from ..nn import mc_dropout_stats

    stats = mc_dropout_stats(
        net, inputs, n_samples=n_samples, seed=chunk_seed(seed, start), batch_size=batch_size, votes=False
    )
    return score(stats)


def bald_of_stats(stats):
    """BALD's mutual information from MC-dropout statistics."""
    return bald(stats.mean_proba, stats.mean_entropy)


def dbal_of_stats(stats):
    """The entropy of the MC-dropout mean (DBAL)."""
    return entropy(stats.mean_proba)


class BALD(_MCDropoutStrategy):
    """Bayesian Active Learning by Disagreement with MC dropout (Houlsby et al. 2011; Gal et al. 2017).

    Score ``H(p̄) − (1/T) Σ_t H(p_t)``: the mutual information between the
    label and the weights, estimated from T forward passes with only the
    dropout modules active (BatchNorm stays in eval mode; the reference
    implementations' BN in train mode is a pitfall). The passes draw from a
    torch generator seeded from ``random_state``; the global torch state is
    left alone. Memory is O(n·C) whatever T.

    Parameters
    ----------
    n_samples : int, default=10
        T (``n_drop=10`` in the copy of ``JordanAsh/badge`` bundled with the code of Mohan et al., 2026;
        ``DROPOUT_ITERATIONS: 10`` in the code of Chandra et al., 2021, ``acl21/init-pools-dal``).
    n_candidates : None, int or float, default=None
        Score a random subset of the unlabeled rows (the references score the
        whole pool, so the default is all of them).
    batch_size : int, optional
        Rows per forward pass; default the net's.
    random_state : None, int or Generator

    Notes
    -----
    Needs a skorch net whose module contains ``torch.nn.Dropout`` layers; a
    net without dropout gets a warning (every score is 0, so the lowest
    indices win). Entropies are in nats (Chandra et al.'s code uses log2 and adds 1e-6 inside the
    logs; neither changes the ranking).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 2))
    >>> net = NeuralNetClassifier(m, criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    >>> BALD(random_state=0).fit(X, estimator=net).query(3).shape
    (3,)
    """

    def _score(self, X, rows, estimator):
        return self._mc_scores(X, rows, estimator, bald_of_stats)


class DBAL(_MCDropoutStrategy):
    """Entropy of the MC-dropout mean, ``H(p̄)`` — what Chandra et al. (2021) call DBAL.

    Same sampling as :class:`BALD` (the same ``random_state`` gives the same
    passes), but scores the predictive entropy of the averaged probabilities
    (Gal et al. 2017's "Max Entropy" with MC dropout), not the mutual information. This is the ``dbal``
    sampler of Chandra et al.'s code, ``acl21/init-pools-dal``.

    Parameters
    ----------
    n_samples, n_candidates, batch_size, random_state
        As in :class:`BALD`.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 2))
    >>> net = NeuralNetClassifier(m, criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    >>> s = DBAL(random_state=0).fit(X, estimator=net)
    >>> bool((s.scores_ >= 0).all() and (s.scores_ <= np.log(2) + 1e-12).all())
    True
    """

    def _score(self, X, rows, estimator):
        return self._mc_scores(X, rows, estimator, dbal_of_stats)
