"""Callbacks: code that runs at each step of an active-learning run.

``ActiveLearner(..., callbacks=[...])`` calls, in order, for every callback:

``on_fit_begin(learner, planned_rounds)``
    before round 0 (``planned_rounds`` is an estimate: the budget, the pool
    and ``n_rounds`` bound it; a person may stop earlier).
``on_round_begin(learner, round, n)``
    before a round queries ``n`` rows.
``on_query(learner, round, rows, strategy, model)``
    after the strategy picked ``rows`` (pool indices); ``model`` is the one
    that describes the picks: the model that scored them (a net with random
    weights for a first pool), else the last trained one (None before any,
    and for a query replayed from a journal).
``on_label(learner, round, rows, labels)``
    after answers for ``rows`` arrived and were journaled (once per oracle
    response: a whole batch, or one row of a person's answers).
``on_record(learner, record, rows, labels)``
    after the round's labels were added to the pool, before its model is
    trained; ``record`` is the round's new ``history_`` entry, to which a
    callback may add (the cost and the class counts are added so).
``on_train_end(learner, record, model)``
    after the round's ``model`` was trained and scored, before the record is
    journaled (a round left untrained has none).
``on_round_end(learner, record)``
    after the round's model is trained; ``record`` is the ``history_`` entry.
``on_fit_end(learner)``
    when the run ends, normally or by a stop.

Every hook also takes ``**kwargs``, so later versions can pass more. A hook
ends the run cleanly by returning True: the learner finishes the current
round (its labels are trained on), sets ``stopped_ = True`` and
``stop_reason_``, and ``fit`` returns. No exception is used for control flow.

The learner adds built-in callbacks of its own before the given ones: the
annotation cost (:class:`skal.learner._cost.AnnotationCost`, from ``cost=``)
and the round's diagnostics (:class:`skal.learner._diagnostics.RoundDiagnostics`:
class counts, per-class accuracy, the skewed-query warning). The step API
(``query``, ``teach``) tells these only.
"""

__all__ = ["Callback", "ProgressBar", "round_line"]


class Callback:
    """Base class: every hook does nothing and asks for no stop.

    Examples
    --------
    >>> class StopAt(Callback):
    ...     def __init__(self, n_labels):
    ...         self.n_labels = n_labels
    ...     def on_round_end(self, learner, record, **kwargs):
    ...         return record["n_labeled"] >= self.n_labels
    >>> StopAt(100).on_round_end(None, {"n_labeled": 120})
    True
    """

    def on_fit_begin(self, learner, **kwargs):
        """Before round 0."""

    def on_round_begin(self, learner, **kwargs):
        """Before a round's query."""

    def on_query(self, learner, **kwargs):
        """After the strategy picked the round's rows."""

    def on_label(self, learner, **kwargs):
        """After one oracle response was recorded."""

    def on_undo(self, learner, **kwargs):
        """After a person took back an answer of this round (``row=``: its pool row)."""

    def on_record(self, learner, **kwargs):
        """After the round's labels were added to the pool; ``record`` may be added to."""

    def on_train_end(self, learner, **kwargs):
        """After the round's model was trained and scored, before the record is journaled."""

    def on_round_end(self, learner, **kwargs):
        """After the round's model was trained."""

    def on_fit_end(self, learner, **kwargs):
        """When the run ends."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class ProgressBar(Callback):
    """A tqdm bar over rounds: labels used / budget, the last score and the stopping values.

    ``lines=True`` (``verbose=2``) also writes one line per round with the
    seconds spent querying, labeling and training (:func:`round_line`).
    """

    def __init__(self, lines=False):
        self.lines = lines

    def on_fit_begin(self, learner, planned_rounds=None, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=planned_rounds, desc="rounds", unit="round")

    def on_round_end(self, learner, record, **kwargs):
        bar = getattr(self, "bar_", None)
        if bar is None:
            return
        bar.update(1)
        budget = getattr(learner, "budget", None)
        postfix = {"labels": f"{record['n_labeled']}/{budget}" if budget else record["n_labeled"]}
        if record.get("score") is not None:
            postfix["score"] = f"{record['score']:.3f}"
        for name, value in (record.get("stopping") or {}).items():
            if value is not None:
                postfix[name] = f"{value:.3g}"
        bar.set_postfix(postfix)
        if self.lines:
            bar.write(round_line(record, budget))

    def on_fit_end(self, learner, **kwargs):
        if getattr(self, "bar_", None) is not None:
            self.bar_.close()
            self.bar_ = None


def round_line(record, budget=None):
    """One line a person reads about a finished round.

    Examples
    --------
    >>> record = {"round": 3, "n_labeled": 120, "score": 0.8123, "query_seconds": 0.42, "label_seconds": 31.0,
    ...           "train_seconds": 2.1, "stopping": {"stabilizing_predictions": 0.9931}, "total_cost": 120.0}
    >>> round_line(record, budget=300)
    'round 3: 120/300 labels, score 0.812, stabilizing_predictions 0.993; query 0.42 s, label 31.0 s, train 2.1 s'
    """
    labels = f"{record['n_labeled']}/{budget} labels" if budget else f"{record['n_labeled']} labels"
    parts = [labels]
    if record.get("total_cost") is not None and record["total_cost"] != record["n_labeled"]:
        parts.append(f"cost {record['total_cost']:.4g}")
    if record.get("score") is not None:
        parts.append(f"score {record['score']:.3f}")
    parts += [f"{name} {value:.3g}" for name, value in (record.get("stopping") or {}).items() if value is not None]
    seconds = ", ".join(
        f"{step} {_seconds(record[key])}" if record.get(key) is not None else f"{step} -"
        for step, key in (("query", "query_seconds"), ("label", "label_seconds"), ("train", "train_seconds"))
    )
    return f"round {record['round']}: {', '.join(parts)}; {seconds}"


def _seconds(value):
    """``31.0 s``, ``0.42 s``: one decimal from a second up, two below."""
    return f"{value:.1f} s" if value >= 1 else f"{value:.2f} s"
