"""Any per-row score a user computes, as a query strategy."""

import re
from functools import partial

import numpy as np

from ..pools._protocol import n_rows
from ..pools._scoring import map_rows
from ._base import ScoringStrategy

__all__ = ["ScoreFunction"]

PICKS = ("high", "low")
_FUNCTION = re.compile(r"<function (\S+) at 0x[0-9a-fA-F]+>")


def _call(estimator, inputs, start, *, score_fn):
    """One chunk of the pool through the user's ``score_fn(X_rows, estimator)``."""
    return score_fn(inputs, estimator)


class ScoreFunction(ScoringStrategy):
    """Query by a score you compute per row: ``score_fn(X_rows, estimator) -> array of shape (n_rows,)``.

    For a model skal has no scorer for: an object detector's mean box
    confidence (the detection setting of Mohan et al., 2026), a segmentation
    model's mean pixel entropy, a rule. ``pick="high"`` queries the highest
    scores first, ``"low"`` the lowest (ties to the lower pool index). With
    ``uses_model=True`` (the default) the learner hands ``score_fn`` the
    round's model; with nothing labeled yet that is a skorch net with random
    weights, as for the confidence family (a scikit-learn estimator cannot be
    scored unfitted: pass ``initial_strategy=Random()``). With
    ``uses_model=False`` it gets ``estimator=None`` and scores the rows alone.
    The pool is scored in chunks (and on a ``RayPool``'s workers, where
    ``score_fn`` must pickle: a module-level function).

    Parameters
    ----------
    score_fn : callable ``(X_rows, estimator) -> array-like of shape (n_rows,)``
    pick : {"high", "low"}, default="high"
    uses_model : bool, default=True

    Attributes
    ----------
    scores_ : ndarray of shape (n_pool_,)
        ``score_fn``'s values (negated for ``pick="low"``); NaN for labeled rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.2], [0.9], [0.5], [0.7]])
    >>> first_column = lambda X_rows, estimator: X_rows[:, 0]
    >>> ScoreFunction(first_column, uses_model=False).fit(X).query(2).tolist()
    [1, 3]
    >>> ScoreFunction(first_column, pick="low", uses_model=False).fit(X).query(2).tolist()
    [0, 2]
    """

    def __init__(self, score_fn, pick="high", uses_model=True):
        self.score_fn = score_fn
        self.pick = pick
        self.uses_model = uses_model

    def __repr__(self, N_CHAR_MAX=700):
        # the function by name, not by address: the same strategy reads the same in every process and history
        return _FUNCTION.sub(r"\1", super().__repr__(N_CHAR_MAX))

    def requirements(self):
        return {"model"} if self.uses_model else set()

    def needs(self, labeled=None):
        return self.requirements()

    def _fit(self, X, labeled, estimator, y):
        if not callable(self.score_fn):
            raise ValueError(f"score_fn={self.score_fn!r}: pass a callable (X_rows, estimator) -> one score per row.")
        if self.pick not in PICKS:
            raise ValueError(f"pick={self.pick!r}: use 'high' (highest scores first) or 'low' (lowest first).")
        if not isinstance(self.uses_model, (bool, np.bool_)):
            raise ValueError(f"uses_model={self.uses_model!r}: pass True or False.")
        if self.uses_model and estimator is None:
            raise ValueError(
                "ScoreFunction(uses_model=True) scores rows with the round's model: pass estimator= to fit (inside "
                "ActiveLearner this happens for you), or uses_model=False for a score of the rows alone."
            )
        super()._fit(X, labeled, estimator if self.uses_model else None, y)

    def _score(self, X, rows, estimator):
        try:
            scores = np.asarray(map_rows(X, rows, partial(_call, score_fn=self.score_fn), estimator))
        except ValueError as exc:
            if " returned " not in str(exc):  # the user's own error: it speaks for itself
                raise
            raise ValueError(f"score_fn must return one number per row of the rows it gets ({exc})") from None
        expected = n_rows(X) if rows is None else len(rows)
        if scores.ndim != 1 or len(scores) != expected or not np.issubdtype(scores.dtype, np.number):
            raise ValueError(
                f"score_fn returned {scores.dtype} values of shape {scores.shape} for {expected} rows: it must "
                "return one number per row, e.g. a 1-D numpy array."
            )
        scores = scores.astype(np.float64)
        if not np.isfinite(scores).all():
            raise ValueError("score_fn returned NaN or inf for some rows: return a finite number for every row.")
        return scores if self.pick == "high" else -scores
