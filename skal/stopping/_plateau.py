"""Stop when the eval_set score stopped improving (Keras ``EarlyStopping`` semantics, over rounds)."""

from ._base import StoppingCriterion, check_count, check_real

__all__ = ["ScorePlateau"]


class ScorePlateau(StoppingCriterion):
    """Stop when the best eval_set score has not improved by more than ``min_delta`` for ``patience`` rounds.

    As Keras' ``EarlyStopping`` (``mode="max"``): the first scored round sets
    the best score; a later round improves it when its score exceeds the best
    by more than ``min_delta``; stop once ``patience`` rounds in a row did not.
    The recorded value is the number of rounds since the last improvement.
    Scores are read as greater-is-better, as scikit-learn scorers are (use
    ``neg_log_loss``, not a loss). The run needs an eval_set: ``fit(X, y,
    eval_set=(X_val, y_val))``.

    Parameters
    ----------
    patience : int >= 1, default=3
    min_delta : float >= 0, default=0.005
    metric : str, default="score"
        ``record["scores"][metric]`` when the learner's ``scoring`` gives
        several scores, else ``record["score"]``.
    stop : bool, default=True
        False only records the value (``record["stopping"]["score_plateau"]``).

    Attributes
    ----------
    best_ : float or None
        The best score so far.
    wait_ : int
        Rounds since it was set.

    Examples
    --------
    >>> plateau = ScorePlateau(patience=2)
    >>> plateau.on_fit_begin(None)
    >>> [plateau.on_round_end(None, {"round": i, "score": s, "train_seconds": 0.1}) for i, s in
    ...  enumerate([0.70, 0.80, 0.802, 0.79])]  # doctest: +ELLIPSIS
    [None, None, None, 'score plateau: score did not improve by more than 0.005 for 2 rounds >= patience 2 ...']
    """

    name = "score_plateau"
    uses_model = False

    def __init__(self, patience=3, min_delta=0.005, metric="score", stop=True):
        self.patience = patience
        self.min_delta = min_delta
        self.metric = metric
        self.stop = stop

    def _check_params(self):
        check_count("patience", self.patience)
        check_real("min_delta", self.min_delta, 0.0)
        if not isinstance(self.metric, str):
            raise ValueError(f"metric={self.metric!r}: pass the name of a score, e.g. 'score'.")

    replay_params = ("patience",)

    def on_fit_begin(self, learner, planned_rounds=None, has_eval_set=None, **kwargs):
        self._check_params()
        if has_eval_set is False:
            raise ValueError(
                "ScorePlateau watches the eval_set score of each round: fit with eval_set=(X_val, y_val), or use a "
                "criterion that needs no labels (StabilizingPredictions)."
            )
        names = _score_names(getattr(learner, "scoring", None))
        if self.metric not in names:
            raise ValueError(
                f"ScorePlateau(metric={self.metric!r}): the learner's scoring gives {sorted(names)}; pass one of them."
            )
        super().on_fit_begin(learner, planned_rounds=planned_rounds, **kwargs)

    def _begin(self, learner):
        self.best_, self.wait_ = None, 0

    def _measure(self, learner, record):
        score = self._score(record)
        if self.best_ is None or score > self.best_ + self.min_delta:
            self.best_, self.wait_ = score, 0
        else:
            self.wait_ += 1
        return self.wait_

    def _score(self, record):
        scores = record.get("scores")
        if isinstance(scores, dict) and self.metric in scores:
            return float(scores[self.metric])
        if self.metric != "score":
            names = sorted(scores) if isinstance(scores, dict) else ["score"]
            raise ValueError(
                f"ScorePlateau(metric={self.metric!r}): round {record.get('round')} has no such score; "
                f"the learner's scoring gives {names}."
            )
        if record.get("score") is None:
            raise ValueError(
                f"ScorePlateau needs a score per round, but round {record.get('round')} has none: fit with "
                "eval_set=(X_val, y_val)."
            )
        return float(record["score"])

    def met(self, value):
        return value >= self.patience

    def reason(self, value):
        best = "" if getattr(self, "best_", None) is None else f" (best {self.best_:.4g})"
        return (
            f"score plateau: {self.metric} did not improve by more than {self.min_delta} for {int(value)} rounds "
            f">= patience {self.patience}{best}"
        )


def _score_names(scoring):
    """The names a round's scores go by: ``"score"``, and each metric of a list or dict ``scoring``."""
    if isinstance(scoring, dict):
        return {"score", *scoring}
    if isinstance(scoring, (list, tuple, set)):
        return {"score", *scoring}
    return {"score"}
