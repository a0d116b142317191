"""The oracle protocol: :class:`Oracle`, its ``stream`` of answer chunks, and the :data:`SKIP` / :data:`STOP` markers.

An oracle answers for the pool rows a learner queried, and only for those.
:meth:`Oracle.stream` is the one protocol: it yields chunks
``(positions, answers)``, each one unit of persistence (the learner validates
a chunk whole and journals it in one transaction). An oracle that answers a
batch at once (a simulation, a script) yields one chunk; a person yields one
chunk per answer, as soon as it is given. :meth:`Oracle.label` collects the
stream into one answer per row. Subclasses implement one hook, ``_stream``.
"""

import numpy as np

from ..exceptions import OracleError
from ..pools._protocol import take_rows

__all__ = ["Oracle", "RoundContext", "SKIP", "STOP", "UNDO", "row_at"]


class _Answer:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"skal.oracles.{self.name}"

    def __reduce__(self):
        return self.name


#: An oracle's answer for "no label for this row": the row is remembered and not asked again.
SKIP = _Answer("SKIP")
#: An oracle's answer for "stop now": rows not answered yet stay unlabeled, the learner trains on what it has.
STOP = _Answer("STOP")
#: An oracle's answer for "take back my last answer": the most recent answer still standing in this stream is
#: withdrawn (a label is deleted from the journal, a skip forgotten) and its row may be answered again.
UNDO = _Answer("UNDO")


def _is_marker(answer):
    return answer is SKIP or answer is STOP or answer is UNDO


class RoundContext:
    """What an oracle may know of the round it answers for, from :class:`skal.ActiveLearner`.

    An oracle class that sets ``_takes_context = True`` gets it as the third
    argument of ``_stream``; outside a learner it gets None.

    Parameters
    ----------
    round : int
        The round being labeled (0 for the first pool).
    classes : ndarray or None
        The label space as known now (given, or the labels seen so far).
    n_labeled : int
        Labels held before this round.
    n_paid : int
        Labels from the oracle so far (pseudo-labels excluded): what counts against ``budget``.
    budget : int or None
        The most labels the fit asks for (``ActiveLearner(budget=...)``).
    proba : callable () -> ndarray, optional
        The current model's probabilities for the queried rows, one column
        per entry of ``classes``; absent when there is no model yet.
    store : dict-like, optional
        Where :meth:`remember` writes: the fit's label journal (each value
        committed at once) or, without a journal, a dict kept for the fit.

    Examples
    --------
    >>> ctx = RoundContext(round=2, classes=np.array(["cat", "dog"]), proba=lambda: np.array([[0.2, 0.8]]))
    >>> ctx.proba().tolist(), ctx.guesses()
    ([[0.2, 0.8]], [('dog', 0.8)])
    >>> ctx.remember("tasks", {"7": 41}); ctx.recall("tasks"), ctx.recall("other", 0)
    ({'7': 41}, 0)
    """

    def __init__(self, round=0, classes=None, n_labeled=0, n_paid=0, budget=None, proba=None, store=None):
        self.round = int(round)
        self.classes = classes
        self.n_labeled = int(n_labeled)
        self.n_paid = int(n_paid)
        self.budget = budget
        self._proba_fn = proba
        self._proba = None
        self._store = {} if store is None else store

    def proba(self):
        """The model's probabilities for the queried rows ``(n, len(classes))``, or None without a model.

        Computed on the first call and kept for the round.
        """
        if self._proba is None and self._proba_fn is not None:
            self._proba = np.asarray(self._proba_fn())
        return self._proba

    def guesses(self):
        """``[(class, probability), ...]``: the model's top class and its probability per queried row, or None."""
        proba = self.proba()
        if proba is None or self.classes is None or proba.ndim != 2 or proba.shape[1] != len(self.classes):
            return None
        top = proba.argmax(axis=1)
        return [
            (self.classes[k].item() if hasattr(self.classes[k], "item") else self.classes[k], float(p[k]))
            for k, p in zip(top, proba)
        ]

    def remember(self, key, value):
        """Keep a JSON-serializable ``value`` under ``key`` for this fit (in the journal, when there is one)."""
        self._store[str(key)] = value

    def recall(self, key, default=None):
        """What :meth:`remember` kept under ``key`` (in this fit or, from the journal, an earlier one)."""
        return self._store.get(str(key), default)


def row_at(X_rows, k):
    """Row ``k`` of a batch of rows of any pool type, as a person or a per-row callable sees it.

    An ndarray gives its row ``X_rows[k]`` (an image keeps its shape), a list
    of texts or objects its ``k``-th item, a pandas DataFrame a Series (the
    column names are its index), a scipy sparse matrix a ``1 × d`` sparse row.

    Examples
    --------
    >>> import pandas as pd
    >>> row_at(np.arange(6).reshape(3, 2), 1).tolist()
    [2, 3]
    >>> row_at(["a cat", "a dog"], 1)
    'a dog'
    >>> row_at(pd.DataFrame({"age": [41, 7]}), 1).to_dict()
    {'age': 7}
    """
    if X_rows is None:
        return None
    row = take_rows(X_rows, [k])
    if isinstance(row, (list, tuple, np.ndarray)):
        return row[0]
    if hasattr(row, "iloc"):  # pandas: a DataFrame row as a Series, a Series entry as itself
        return row.iloc[0]
    return row  # scipy sparse: a 1 × d row


class Oracle:
    """Base class of the oracles: answers for queried pool rows, streamed in chunks.

    Subclasses implement ``_stream(indices, X_rows)``, a generator of
    ``(positions, answers)`` chunks; :meth:`stream` checks and counts them.

    Attributes
    ----------
    classes : array or None
        The label space, when the oracle knows it (the options an annotator
        chooses from). The learner validates every answer against it.
    n_served : int
        Labels this oracle has returned so far (:data:`SKIP` and :data:`STOP`
        are not labels).

    Examples
    --------
    >>> class Parity(Oracle):
    ...     def _stream(self, indices, X_rows):
    ...         yield np.arange(len(indices)), [int(i) % 2 for i in indices]
    >>> o = Parity()
    >>> [(p.tolist(), a) for p, a in o.stream([3, 4])]
    [([0, 1], [1, 0])]
    >>> o.label([5]), o.n_served
    (array([1]), 3)
    """

    classes = None
    #: True when ``_stream`` takes a third argument, the :class:`RoundContext` (or None).
    _takes_context = False

    def __init__(self):
        self.n_served = 0

    def open(self):
        """Called by the learner once before the first round of a fit (e.g. to start a server); no-op here."""

    def close(self):
        """Called by the learner once when a fit ends, however it ends; no-op here."""

    def stream(self, indices, X_rows=None, context=None):
        """Answers for pool rows ``indices``, as chunks ``(positions, answers)``.

        Parameters
        ----------
        indices : array-like of int, shape (n,)
            The queried pool rows.
        X_rows : ndarray, sparse matrix, DataFrame or list, optional
            Those rows, in the pool's own type, for oracles that show them.
        context : RoundContext, optional
            The round, the model's probabilities for the rows, the budget;
            passed on to oracles that set ``_takes_context``.

        Yields
        ------
        positions : ndarray of int, shape (m,)
            Positions into the batch (``0 … n-1``), each answered once.
        answers : list of length m
            A label, :data:`SKIP` or :data:`STOP` per position. A batch oracle
            yields one chunk with the whole batch; a person one chunk per answer.
            ``([k], [UNDO])`` withdraws the answer at position ``k``, which must
            be the most recent answer still standing; ``k`` is then open again.

        Raises
        ------
        OracleError
            A chunk whose answers do not match its positions, a position out
            of the batch or answered twice, or a stream that ends with rows
            unanswered and no :data:`STOP`.

        Notes
        -----
        A :data:`STOP` ends the stream: it is the last answer of the last
        chunk (answers after it in the same chunk are dropped) and rows not
        reached are not answered. Without a STOP every row is answered.
        """
        indices = np.asarray(indices, dtype=np.intp).reshape(-1)
        answered = np.zeros(len(indices), dtype=bool)
        if len(indices) == 0:
            return
        chunks = self._stream(indices, X_rows, context) if self._takes_context else self._stream(indices, X_rows)
        standing = []  # (position, answer) in the order given: what UNDO takes back, last first
        try:
            for positions, answers in chunks:
                if isinstance(answers, (list, tuple)) and any(a is UNDO for a in answers):
                    position = self._check_undo(positions, answers, standing)
                    answered[position] = False
                    self.n_served -= not _is_marker(standing.pop()[1])
                    yield np.array([position], dtype=np.intp), [UNDO]
                    continue
                positions, answers = self._check_chunk(positions, answers, answered)
                stop = next((j for j, a in enumerate(answers) if a is STOP), None)
                if stop is not None:
                    positions, answers = positions[: stop + 1], answers[: stop + 1]
                answered[positions] = True
                standing.extend((int(p), a) for p, a in zip(positions, answers) if a is not STOP)
                self.n_served += sum(not _is_marker(a) for a in answers)
                yield positions, answers
                if stop is not None:
                    return
        finally:
            chunks.close()
        if not answered.all():
            raise OracleError(
                f"{type(self).__name__} answered {int(answered.sum())} of {len(indices)} queried rows and did not "
                "answer STOP; an oracle answers every queried row (a label or SKIP) unless it stops."
            )

    def _check_undo(self, positions, answers, standing):
        """The position an UNDO chunk takes back: one position, the last answer still standing."""
        name = type(self).__name__
        positions = np.asarray(positions, dtype=np.intp).reshape(-1)
        if len(positions) != 1 or len(answers) != 1:
            raise OracleError(f"{name} sent UNDO with other answers; UNDO comes alone, as ([position], [UNDO]).")
        if not standing or standing[-1][0] != int(positions[0]):
            last = standing[-1][0] if standing else None
            raise OracleError(
                f"{name} sent UNDO for position {int(positions[0])}, but only the last answer still standing "
                f"can be taken back ({'none is left' if last is None else f'position {last}'})."
            )
        return int(positions[0])

    def _check_chunk(self, positions, answers, answered):
        name = type(self).__name__
        positions = np.asarray(positions, dtype=np.intp).reshape(-1)
        if isinstance(answers, np.ndarray) and answers.ndim != 1:
            raise OracleError(
                f"{name} returned labels of shape {answers.shape} for {len(positions)} rows; it must return one "
                "label per queried row, in the order of the indices it was given."
            )
        try:
            answers = list(answers)
        except TypeError:
            raise OracleError(
                f"{name} returned {answers!r}, not one label per queried row; it must return one label per "
                "queried row, in the order of the indices it was given."
            ) from None
        if len(answers) != len(positions):
            raise OracleError(
                f"{name} returned {len(answers)} labels for {len(positions)} rows; it must return one label per "
                "queried row, in the order of the indices it was given. Nothing from this batch was stored."
            )
        if positions.size and (positions.min() < 0 or positions.max() >= len(answered)):
            raise OracleError(f"{name} answered positions {positions.tolist()[:5]} outside 0…{len(answered) - 1}.")
        if answered[positions].any() or len(np.unique(positions)) != len(positions):
            raise OracleError(f"{name} answered a batch position twice: {positions.tolist()[:5]}.")
        return positions, answers

    def _stream(self, indices, X_rows):  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def label(self, indices, X_rows=None):
        """One answer per row of ``indices``, in batch order, collected from :meth:`stream`.

        Returns
        -------
        ndarray of shape (n,)
            The labels. A row left unanswered after a :data:`STOP` reads
            :data:`STOP`; with any :data:`SKIP` or :data:`STOP` among them the
            array has dtype ``object``.
        """
        answers = np.full(len(np.asarray(indices).reshape(-1)), STOP, dtype=object)
        for positions, chunk in self.stream(indices, X_rows):
            answers[positions] = STOP if chunk[0] is UNDO else _object_array(chunk)
        if any(_is_marker(a) for a in answers):
            return answers
        return np.asarray(answers.tolist())

    __call__ = label


def _object_array(values):
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
