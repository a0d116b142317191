"""What an earlier session left in a journal, replayed by the round loop without the oracle."""

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ReplayPlan"]


@dataclass
class ReplayPlan:
    """An earlier session's queries, answers and finished rounds, to replay without the oracle.

    A resumed run asks the plan, round by round, for the query it made before
    (:meth:`query`), the answers it already holds (:meth:`answers`) and whether
    a finished round's model can be left untrained (:meth:`skips_training`).
    An empty plan (no journal, or a new one) replays nothing.

    Examples
    --------
    >>> plan = ReplayPlan(labels={4: (0, "cat")}, queries={0: [4, 7]})
    >>> plan.query(0).tolist(), plan.answers([4, 7]), plan.query(1)
    ([4, 7], {4: 'cat'}, None)
    """

    labels: dict = field(default_factory=dict)  # row -> (round, label), in the order written
    queries: dict = field(default_factory=dict)  # round -> rows
    rounds: dict = field(default_factory=dict)  # round -> its finished history record
    skipped: set = field(default_factory=set)
    pseudo: set = field(default_factory=set)  # rows whose label is a pseudo-label

    def query(self, round_):
        """The rows this round queried before, or None for a round not journaled."""
        rows = self.queries.get(round_)
        return None if rows is None else np.asarray(rows, dtype=np.intp)

    def answers(self, rows):
        """``{row: label}`` for the rows of ``rows`` that were answered before."""
        return {int(r): self.labels[int(r)][1] for r in rows if int(r) in self.labels}

    def initial_rows(self):
        """Sorted rows labeled in round 0."""
        return sorted(row for row, (round_, _) in self.labels.items() if round_ == 0)

    def finished(self, round_):
        """The history record of a round finished in an earlier session, else None."""
        return self.rounds.get(round_)

    def skips_training(self, round_, warm_start):
        """True when a finished round's model is not needed: the next query is journaled too."""
        return self.finished(round_) is not None and not warm_start and (round_ + 1) in self.queries
