"""Opening a fit's label journal, and the number of rounds a run plans."""

from contextlib import contextmanager
from numbers import Integral

import numpy as np

from ..exceptions import JournalError
from ..journal import LabelJournal
from ..utils._random import root_seed

__all__ = ["open_journal", "planned_rounds", "note_where_answers_are", "step_journal"]


def open_journal(path, X, random_state):
    """``(journal, seed)``: the journal at ``path`` (or None) and the run's root seed.

    A journal keeps its seed: ``random_state=None`` adopts it, a different int
    is refused before anything is written.
    """
    seed = root_seed(random_state) if isinstance(random_state, Integral) else None
    book = None if path is None else LabelJournal.open(path, X, seed=seed)
    if book is not None and seed is not None and book.seed is not None and book.seed != seed:
        book.close()
        raise JournalError(
            f"the journal {str(path)!r} was written with random_state={book.seed}, this learner has "
            f"random_state={random_state}. Resume with random_state={book.seed} (or None, which takes the "
            "journal's), or start a new journal."
        )
    if book is not None and book.seed is not None:
        return book, book.seed
    return book, root_seed(random_state) if seed is None else seed


def planned_rounds(n_pool, sizes):
    """Rounds a run plans: ``n_rounds + 1``, else enough to spend the budget (or the pool)."""
    initial_n, query_n, n_rounds, budget = sizes
    if n_rounds is not None:
        return n_rounds + 1
    spend = n_pool if budget is None else min(budget, n_pool)
    return 1 + int(np.ceil(max(spend - initial_n, 0) / query_n))


def note_where_answers_are(exc, run):
    """Tell, on an exception that ended a run, where the answers received so far are."""
    if run.journal is not None:
        exc.add_note(
            f"skal: every answer received so far is in the journal {run.journal.path!r}; call fit again "
            "with journal= that path to resume without asking for them again."
        )
    elif run.unsaved is not None:
        exc.add_note(
            f"skal: the {len(run.unsaved[0])} answers given before this error are in "
            "learner.unsaved_labels_ (rows, labels); pass them back with fit(..., labeled_indices=rows, "
            "labels=labels), or use fit(..., journal='labels.db') so every answer is kept on disk."
        )


@contextmanager
def step_journal(path, X, seed):
    """The journal of a learner fitted with one, open for one step-API call (None without one)."""
    if path is None:
        yield None
        return
    book = LabelJournal.open(path, X, seed=seed)
    try:
        yield book
    finally:
        book.close()
