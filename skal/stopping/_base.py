"""The base of every stopping criterion, and :func:`first_stop` to replay one over a run's history."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator

from ..callbacks import Callback
from ._stop_set import clear_cache

__all__ = ["StoppingCriterion", "first_stop"]


class StoppingCriterion(Callback, BaseEstimator):
    """A callback that measures one value per trained round, records it and may stop the run.

    Each round's value goes to ``record["stopping"][name]`` (a float, or None
    when not measurable: a round without a trained model, or too early for the
    measure); with ``stop=True`` a met criterion returns its reason, a string
    that names it, its value and its threshold, and the run ends after the
    round. :meth:`met` decides from a recorded value alone, so
    :func:`first_stop` can replay any run's history.

    Subclasses set ``name`` and implement ``_measure(learner, record)``,
    ``met(value)`` and ``reason(value)``; ``_check_params()`` raises
    ValueError for a bad parameter, ``_begin(learner)`` sets per-fit state.

    Attributes
    ----------
    values_ : list of float or None
        The value of every round of the last fit, in order.
    stopped_round_ : int or None
        The round at which this criterion stopped the last fit.
    """

    name = "criterion"
    #: parameters :func:`first_stop` may change when it replays recorded values (the others shape the value)
    replay_params = ("threshold",)
    uses_model = True  # measures the round's model: a round replayed from a journal untrained is not measured

    def __repr__(self):
        return BaseEstimator.__repr__(self)

    # ------------------------------------------------------------- hooks
    def on_fit_begin(self, learner, planned_rounds=None, **kwargs):
        self._check_params()
        check_flag("stop", self.stop)
        for other in getattr(learner, "callbacks_", None) or []:
            if other is not self and isinstance(other, StoppingCriterion) and other.name == self.name:
                raise ValueError(
                    f"two {type(self).__name__} callbacks would both record under {self.name!r}; keep one per fit "
                    "(with stop=False to only record) and replay other thresholds with skal.stopping.first_stop."
                )
        self.values_, self.stopped_round_ = [], None
        self._begin(learner)

    def on_round_end(self, learner, record, **kwargs):
        value = None
        if not untrained(record) and not (self.uses_model and record.get("replayed")):
            value = self._measure(learner, record)
        else:
            self._skip()
        value = None if value is None or not np.isfinite(value) else float(value)
        record.setdefault("stopping", {})[self.name] = value
        record.setdefault("stopping_params", {})[self.name] = self.shaping_params()
        self.values_.append(value)
        if self.stop and value is not None and self.met(value):
            self.stopped_round_ = record["round"]
            return self.reason(value)
        return None

    def on_fit_end(self, learner, **kwargs):
        clear_cache()

    def shaping_params(self):
        """The parameters that shape the recorded value (all but ``replay_params`` and ``stop``), JSON-ready."""
        return {
            key: _plain(value)
            for key, value in sorted(self.get_params(deep=False).items())
            if key not in self.replay_params and key != "stop"
        }

    # ------------------------------------------------------- for subclasses
    def _check_params(self):
        """Raise ValueError for a bad parameter."""

    def _begin(self, learner):
        """Per-fit state, set in on_fit_begin."""

    def _skip(self):
        """A round that measured nothing (no model, or one replayed untrained)."""

    def _measure(self, learner, record):
        raise NotImplementedError

    def met(self, value):
        """Whether a recorded value meets the criterion."""
        raise NotImplementedError

    def reason(self, value):
        """The stop reason for a value that meets the criterion."""
        raise NotImplementedError


def _plain(value):
    """A parameter as a JSON value: numbers and strings as they are, rows as their shape, others as repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    shape = getattr(value, "shape", None)
    return f"rows of shape {tuple(shape)}" if shape is not None else repr(value)


def untrained(record):
    """Whether a round trained no model (too few classes yet, or no label arrived)."""
    return bool(record.get("too_few_classes")) or record.get("train_seconds") is None


def first_stop(criterion, history):
    """Index of the first record of ``history`` at which ``criterion`` is met, or None.

    Replays the values a run recorded (``record["stopping"][criterion.name]``,
    written by a criterion of the same class, e.g. with ``stop=False``), so
    one run can tell where each threshold would have stopped it. Only the
    criterion's ``replay_params`` (its threshold, patience or limit) may differ
    from the recorded run: a window, ``min_delta`` or stop set shapes the
    recorded values themselves, and a difference there (``record["stopping_params"]``)
    raises ValueError.

    Parameters
    ----------
    criterion : StoppingCriterion
    history : list of dict
        ``learner.history_``, or records read back from a journal or a file.

    Returns
    -------
    int or None

    Examples
    --------
    >>> from skal.stopping import LabelBudget
    >>> history = [{"stopping": {"label_budget": n}} for n in (20.0, 40.0, 60.0)]
    >>> first_stop(LabelBudget(max_labels=40), history), first_stop(LabelBudget(max_labels=100), history)
    (1, None)
    """
    criterion._check_params()
    shaping = criterion.shaping_params()
    for i, record in enumerate(history):
        recorded = (record.get("stopping_params") or {}).get(criterion.name)
        if recorded is not None and recorded != shaping:
            changed = {k: v for k, v in shaping.items() if recorded.get(k) != v}
            raise ValueError(
                f"first_stop replays {', '.join(criterion.replay_params)} only: the run recorded "
                f"{criterion.name} with {recorded}, which differs in {changed}; record a run with those "
                "parameters to see where they would stop."
            )
        value = (record.get("stopping") or {}).get(criterion.name)
        if value is not None and criterion.met(value):
            return i
    return None


# ------------------------------------------------------------ parameter checks
def check_flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}={value!r}: pass True or False.")


def check_real(name, value, low=None, high=None, low_open=False, fix=""):
    """Raise ValueError unless ``value`` is a real number in [low, high] (``(low, high]`` with ``low_open``)."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        lo = "" if low is None else ("> " if low_open else ">= ") + f"{low}"
        hi = "" if high is None else f"<= {high}"
        span = " and ".join(part for part in (lo, hi) if part)
        raise ValueError(f"{name}={value!r}: pass a number {span}.{(' ' + fix) if fix else ''}")


def check_count(name, value, low=1):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name}={value!r}: pass an int >= {low}.")
