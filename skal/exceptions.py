"""Exceptions raised by skal. Each is a ``ValueError`` so generic handlers still work."""

__all__ = ["OracleError", "NotEnoughCandidatesError", "ProbabilityError", "JournalError", "QuerySkewWarning"]


class OracleError(ValueError):
    """An oracle's answer cannot be used (wrong length, missing or unknown labels).

    Raised before the answer is stored: the learner's labels are unchanged.
    """


class NotEnoughCandidatesError(ValueError):
    """A query asked for more rows than there are unlabeled candidates."""


class ProbabilityError(ValueError):
    """An estimator's ``predict_proba`` returned rows that are not probabilities."""


class JournalError(ValueError):
    """The label journal cannot be used: another pool, another seed, or a failed write.

    A failed write is rolled back: the journal keeps every earlier answer and
    stays readable, so ``fit`` can resume from it once the cause is fixed.
    """


class QuerySkewWarning(UserWarning):
    """A round's picks fall mostly in one predicted class: the model likely cannot rank rows yet."""
