"""Callbacks: code that runs at each step of an active-learning run.

``ActiveLearner(..., callbacks=[...])`` calls, in order, for every callback:

``on_fit_begin(learner, planned_rounds)``
    before round 0 (``planned_rounds`` is an estimate: the budget, the pool
    and ``n_rounds`` bound it; a person may stop earlier).
``on_round_begin(learner, round, n)``
    before a round queries ``n`` rows.
``on_query(learner, round, rows, strategy)``
    after the strategy picked ``rows`` (pool indices).
``on_label(learner, round, rows, labels)``
    after answers for ``rows`` arrived and were journaled (once per oracle
    response: a whole batch, or one row of a person's answers).
``on_round_end(learner, record)``
    after the round's model is trained; ``record`` is the ``history_`` entry.
``on_fit_end(learner)``
    when the run ends, normally or by a stop.

Every hook also takes ``**kwargs``, so later versions can pass more. A hook
ends the run cleanly by returning True: the learner finishes the current
round (its labels are trained on), sets ``stopped_ = True`` and
``stop_reason_``, and ``fit`` returns. No exception is used for control flow.
"""

__all__ = ["Callback", "ProgressBar"]


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

    def on_round_end(self, learner, **kwargs):
        """After the round's model was trained."""

    def on_fit_end(self, learner, **kwargs):
        """When the run ends."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class ProgressBar(Callback):
    """A tqdm bar over rounds, showing labels held and the last score (``verbose=1`` adds one)."""

    def __init__(self):
        self.bar_ = None

    def on_fit_begin(self, learner, planned_rounds=None, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=planned_rounds, desc="rounds", unit="round")

    def on_round_end(self, learner, record, **kwargs):
        if self.bar_ is not None:
            self.bar_.update(1)
            self.bar_.set_postfix(labeled=record["n_labeled"], score=record["score"])

    def on_fit_end(self, learner, **kwargs):
        if self.bar_ is not None:
            self.bar_.close()
            self.bar_ = None
