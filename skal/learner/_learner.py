"""The ActiveLearner meta-estimator: parameters, fit = validate then run, the step API, prediction."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin
from sklearn.metrics import check_scoring
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..callbacks import ProgressBar
from ..journal import ReplayPlan
from ..oracles import as_oracle
from ..pools._protocol import as_pool, n_rows
from ..utils._adapter import ModelAdapter
from ..utils._compat import set_features_in
from ..utils._random import root_seed
from ..utils._validation import check_answers, check_n_query, resolve_size
from . import _checks as checks
from ._cost import AnnotationCost, check_cost
from ._diagnostics import RoundDiagnostics
from ._loop import Run, Setup, record_round, run_rounds, select, train
from ._pool import LabelPool
from ._replay import note_where_answers_are, open_journal, planned_rounds, step_journal

__all__ = ["ActiveLearner"]


def _estimator_has(attr):
    def check(self):
        return hasattr(self.estimator_ if hasattr(self, "estimator_") else self.estimator, attr)

    return check


def _pool_attribute(name, doc):
    def get(self):
        if "pool_" not in self.__dict__:
            raise AttributeError("set by fit (or query); this learner is not fitted.")
        return getattr(self.pool_, name)

    return property(get, doc=doc)


def _no_hook(*args, **kwargs):
    """A hook a duck-typed callback does not define."""


class ActiveLearner(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Pool-based active learning around any classifier or skorch net.

    ``fit(X, oracle)`` runs sample → label → train rounds. Round 0 labels
    ``initial_size`` rows chosen by ``initial_strategy`` (or ``strategy``) and
    trains; each later round queries ``query_size`` unlabeled rows, labels them
    and retrains. With an array of labels as the oracle this is a simulation,
    so the learner works inside ``Pipeline``, ``GridSearchCV`` and
    ``cross_val_score``.

    Parameters
    ----------
    estimator : classifier or skorch ``NeuralNetClassifier``
        Cloned, never changed. A skorch net's ``predict_proba`` must return
        probabilities (use ``criterion=torch.nn.CrossEntropyLoss`` when its module
        returns logits).
    strategy : QueryStrategy, default=None
        Picks each batch. None means skal's default,
        :class:`~skal.strategies.TypicalThenMargin`: TypiClust (typical rows of
        uncovered clusters) while fewer than 10 labels per class are in, then
        Margin. Where it cannot run, the part that can: a random first pool then
        Margin for texts, sparse or over-100,000-row pools; TypiClust alone without
        ``predict_proba``; Random with neither. ``benchmarks/README.md`` ("The
        default strategy") has its evaluation.
    initial_strategy : QueryStrategy, default=None
        Picks the first pool when nothing is labeled; None means ``strategy``.
        A strategy that needs predictions then scores a skorch net initialised
        with random weights (Mohan et al., 2026); a scikit-learn estimator cannot be
        scored unfitted, so use ``Random()`` or ``RHC()``/``RLC()`` with it.
    initial_size : int or float, default=0.04
        Rows labeled in round 0: a count, or a fraction of the pool
        (Mohan et al., 2026, use 4 %).
    query_size : int or float, default=0.05
        Rows labeled in each later round (Mohan et al., 2026, use 5 %). The last round takes
        what is left when fewer remain.
    n_rounds : int or None, default=None
        Later rounds to run after round 0; ``0`` runs round 0 only; None runs
        until the budget is spent or the pool is empty.
    budget : int or None, default=None
        Total labels to spend, round 0 included.
    warm_start : bool, default=False
        False trains a fresh clone of ``estimator`` each round. True continues
        training the previous round's model (skorch ``partial_fit``; a scikit-learn
        estimator with a ``warm_start`` parameter gets it set; a round that
        brings a class it has not seen trains a fresh clone, since a scikit-learn
        model cannot grow its ``classes_``). Round 0 always
        starts from a fresh clone: the random-weight net that picked the first
        pool is discarded, as in Mohan et al. (2026).
    min_classes : int, default=2
        Training waits until the labels hold this many classes: while they hold
        fewer (a rare class, a first pool of one class), labeling goes on with
        further picks of the initial strategy (``query_size`` rows each, within
        the budget), each recorded in ``history_`` with ``"too_few_classes":
        True`` and no model. When nothing is left to label, training runs anyway
        and its error says what to do. ``min_classes=1`` trains on whatever the
        first round brings.
    classes : array-like or None, default=None
        The label space. None takes it from a skorch net's ``classes``, else from
        the oracle (``np.unique`` of a label array), else from the labels seen so
        far. A skorch net needs it before its first prediction.
    class_weight : None, "balanced" or dict, default=None
        "balanced" reweights training by the labels held each round (n / (k ·
        n_c) for the k classes seen; the imbalanced setting of Petersen's
        CLIP-initialization report); a dict
        gives fixed weights per class. A skorch net gets
        ``criterion__weight``, a scikit-learn estimator its ``class_weight``.
    scoring : None, str, callable, list or dict, default=None
        How ``eval_set`` is scored each round, as in ``GridSearchCV``: None is
        accuracy; a name (``"f1_macro"``) or scorer gives ``history_[k]["score"]``;
        a list or dict of them also gives ``history_[k]["scores"]`` (a dict), with
        ``"score"`` the first.
    cost : None, float, dict, callable or "time", default=None
        What a label costs, recorded per round in ``history_[k]["cost"]`` and
        summed in ``"total_cost"``: None is 1 per label; a number is the cost of
        each label; a dict gives the cost per class; a callable gets one pool
        row and returns its cost; ``"time"`` is the seconds the oracle took to
        answer the round (a person's measured time). Pseudo-labels cost nothing;
        labels passed to ``fit`` as ``labeled_indices`` are counted, as the
        budget counts them. :class:`skal.stopping.CostBudget` stops a run at a
        total cost.
    random_state : None, int or RandomState, default=None
        Seeds everything: the first-pool net, each round's strategy (its
        ``random_state`` parameters left at None) and training (torch's global
        generator is forked, so a user's own stream is untouched; a scikit-learn
        estimator's ``random_state`` left at None is set per round).
    callbacks : list of Callback, default=None
        Called at each step of a run (see :mod:`skal.callbacks`): ``on_fit_begin``,
        ``on_round_begin``, ``on_query``, ``on_label``, ``on_round_end``,
        ``on_fit_end``. A hook that returns True ends the run cleanly after the
        current round; one that returns a string ends it with that string as
        ``stop_reason_``. The criteria of :mod:`skal.stopping` are callbacks.
    verbose : int, default=0
        1 adds a :class:`skal.callbacks.ProgressBar` (tqdm, over rounds: labels
        used / budget, last score, stopping values); 2 also prints one line per
        round with the seconds spent querying, labeling and training.

    Attributes
    ----------
    estimator_ : estimator
        The model trained in the last round.
    classes_ : ndarray
        The label space (see ``classes``).
    labeled_indices_ : ndarray of int
        Pool rows labeled so far, in labeling order.
    labels_ : ndarray
        Their labels, in the same order.
    labeled_round_ : ndarray of int, shape (n_pool,)
        Per pool row: -1 never labeled, 0 in the initial round, k in round k.
    history_ : list of dict
        One record per round: ``round``; ``n_labeled`` (labels held after it);
        ``n_queried`` and ``queried`` (the pool rows labeled in it); ``strategy``
        (the strategy as given, on one line, ``-> Inner`` for a schedule's active
        part, ``"given"``, ``"teach"`` or ``"replayed query"``); ``query_seconds``,
        ``label_seconds``, ``train_seconds`` (None when not trained); ``score``
        (on ``eval_set``, else None); ``cost`` and ``total_cost`` (see ``cost``);
        ``picked_labels`` and ``labeled_classes`` (``[[class, count], ...]`` of
        the round's labels and of all labels held). Present only when they apply:
        ``per_class_accuracy`` (``[[class, accuracy], ...]`` on ``eval_set``),
        ``picked_predicted`` (the model's predicted classes of the picks),
        ``stopping`` (``{criterion: value}`` from :mod:`skal.stopping`
        callbacks), ``scores`` (a dict, for several metrics), ``pseudo`` (True when the round holds
        pseudo-labels), ``replayed`` (True for a round taken from a journal) and
        ``too_few_classes`` (True for a round left untrained, see ``min_classes``).
    skipped_ : ndarray of bool, shape (n_pool,)
        Rows an oracle skipped; not offered again.
    pseudo_labeled_ : ndarray of bool, shape (n_pool,)
        Rows whose label is a strategy's pseudo-label, not an oracle's.
    stopped_ : bool
        True when an oracle answered STOP or a callback ended the run.
    stop_reason_ : str
        Why a callback ended the run, e.g. a :mod:`skal.stopping` criterion's
        value against its threshold (absent otherwise).
    pool_ : LabelPool
        The pool and what is known of each row (the attributes above read it).
        The pool's rows are not pickled with the learner after ``fit``; a
        learner started by :meth:`query` keeps them, since :meth:`teach` needs them.
    seed_ : int
        The root seed of the run; per-round seeds derive from it.
    n_features_in_ : int
        Features (second dimension) of an array or DataFrame pool.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame pool.

    Notes
    -----
    State is written as the run goes: if training or the oracle raises part-way,
    ``labeled_indices_`` and ``labels_`` still hold every label received, and
    ``fit(X, y, labeled_indices=..., labels=...)`` starts again from them.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal.strategies import Entropy, Random
    >>> X, y = load_digits(return_X_y=True)
    >>> learner = ActiveLearner(LogisticRegression(max_iter=200), Entropy(),
    ...                         initial_strategy=Random(), initial_size=50, query_size=50,
    ...                         n_rounds=2, random_state=0).fit(X / 16, y)
    >>> [r["n_labeled"] for r in learner.history_]
    [50, 100, 150]
    """

    _parameter_constraints = checks.PARAMETER_CONSTRAINTS

    def __init__(
        self,
        estimator,
        strategy=None,
        *,
        initial_strategy=None,
        initial_size=0.04,
        query_size=0.05,
        n_rounds=None,
        budget=None,
        warm_start=False,
        class_weight=None,
        min_classes=2,
        classes=None,
        scoring=None,
        cost=None,
        callbacks=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.strategy = strategy
        self.initial_strategy = initial_strategy
        self.initial_size = initial_size
        self.query_size = query_size
        self.n_rounds = n_rounds
        self.budget = budget
        self.warm_start = warm_start
        self.class_weight = class_weight
        self.min_classes = min_classes
        self.classes = classes
        self.scoring = scoring
        self.cost = cost
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    labeled_round_ = _pool_attribute("labeled_round", "Per pool row: -1 never labeled, 0 initial round, k round k.")
    labeled_indices_ = _pool_attribute("indices", "Pool rows labeled so far, in labeling order.")
    labels_ = _pool_attribute("labels", "Their labels, in the same order.")
    skipped_ = _pool_attribute("skipped", "Per pool row: True when an oracle skipped it.")
    pseudo_labeled_ = _pool_attribute("pseudo", "Per pool row: True when its label is a strategy's pseudo-label.")

    @property
    def classes_(self):
        """The label space (see ``classes``)."""
        classes = self.pool_.classes if "pool_" in self.__dict__ else None
        if classes is None:
            raise AttributeError("classes_ is known once a label space is given or a label arrives.")
        return classes

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, *, labeled_indices=None, labels=None, eval_set=None, journal=None, retry_skipped=False):
        """Run the active-learning loop on the pool ``X``.

        Parameters
        ----------
        X : array-like, sparse matrix, DataFrame or list of shape (n_pool, ...)
            The unlabeled pool, handed to the estimator in its own type (images
            may be n-dimensional; a list of texts suits a text pipeline).
        y : array-like, callable or Oracle
            The oracle. An array of one label per row is a simulated oracle: only
            the entries of queried rows are read. A callable is called as
            ``y(indices, X_rows)`` once per batch and returns their labels.
        labeled_indices, labels : array-like, optional
            Labels you already hold: pool rows and their labels. They form round
            0 (no initial query is made); the loop continues from them.
        eval_set : tuple (X_val, y_val), optional
            Scored after every round into ``history_[k]["score"]``.
        journal : path, optional
            A SQLite label journal (see :mod:`skal.journal`). Every answer is
            written there before it is used; a journal of an earlier run on this
            pool is replayed without asking the oracle, and the loop continues
            with the queries it would have made (its seed is reused; a different
            ``random_state`` is refused). A fit parameter, so clones in
            ``GridSearchCV`` never share a file.
        retry_skipped : bool, default=False
            Ask again for rows the oracle skipped in an earlier session.

        Returns
        -------
        self
        """
        run, given, sizes, callbacks = self._prepare(X, y, labeled_indices, labels, eval_set, journal)
        self._start(run, retry_skipped, callbacks)
        try:
            run.oracle.open()  # e.g. a labeling page starts serving; closed in _finish
            run.emit(
                "on_fit_begin", planned_rounds=planned_rounds(run.pool.n, sizes), has_eval_set=eval_set is not None
            )
            run_rounds(run, given, *sizes)
        except BaseException as exc:
            note_where_answers_are(exc, run)
            raise
        finally:
            self._finish(run)
        return self

    def _prepare(self, X, y, labeled_indices, labels, eval_set, journal):
        """Every check of a fit, before any state changes: ``(run, given, sizes, callbacks)``."""
        self._validate_params()
        adapter = ModelAdapter(self.estimator)
        X = adapter.as_input(checks.check_pool(X, allow_nan=adapter.accepts_nan()))
        n_pool = n_rows(X)
        oracle = as_oracle(y, n_pool)
        sizes = checks.check_sizes(self.get_params(deep=False), n_pool, given=labeled_indices)
        strategy, initial = checks.check_strategies(self.strategy, self.initial_strategy, adapter, X)
        checks.check_class_weight(self.class_weight, adapter)
        classes = checks.resolve_classes(self.classes, adapter, oracle)
        given = checks.check_given(labeled_indices, labels, n_pool, classes)
        if given is None:
            checks.check_first_pool(initial, adapter)
        if eval_set is not None and (not isinstance(eval_set, tuple) or len(eval_set) != 2):
            raise ValueError("eval_set must be a tuple (X_val, y_val).")
        scorer = self._scorer()  # a bad scoring fails here
        check_cost(self.cost, classes)  # a bad cost fails here, before the journal is opened and locked
        book, seed = open_journal(journal, X, self.random_state)  # a journal of another pool or seed fails here
        try:
            plan = book.replay_plan() if book is not None else ReplayPlan()
        except BaseException:  # a damaged journal (JournalError) or Ctrl-C: release its lock
            if book is not None:
                book.close()
            raise
        callbacks = list(self.callbacks or []) + ([ProgressBar(lines=self.verbose > 1)] if self.verbose else [])
        run = self._new_run(
            LabelPool(X, classes), adapter, strategy, initial, seed, scorer, eval_set, sizes[3], callbacks
        )
        run.oracle, run.journal, run.plan = oracle, book, plan
        return run, given, sizes, callbacks

    def _start(self, run, retry_skipped, callbacks):
        """From here on state changes: reset the fitted attributes to this run's."""
        for attr in ("estimator_", "unsaved_labels_", "stop_reason_", "journal_"):
            self.__dict__.pop(attr, None)
        set_features_in(self, run.pool.X)  # the pool was checked in _prepare: no second pass over it
        book = run.journal
        if book is not None:
            if book.seed is None:
                book.set_seed(run.setup.seed)
            if retry_skipped:
                book.forget_skipped()
                run.plan.skipped = set()
        run.pool.skipped[list(run.plan.skipped)] = True
        run.pool.pseudo[list(run.plan.pseudo)] = True
        self.pool_, self.history_, self.seed_, self.stopped_ = run.pool, run.history, run.setup.seed, False
        self.journal_ = None if book is None else book.path
        self.callbacks_ = callbacks

    def _finish(self, run):
        if run.model is not None:
            self.estimator_ = run.model
        self.stopped_ = run.ended
        if run.stop_reason is not None:
            self.stop_reason_ = run.stop_reason
        if run.unsaved is not None and run.journal is None:
            self.unsaved_labels_ = run.unsaved
        try:
            run.emit("on_fit_end")
        finally:
            try:
                run.oracle.close()
            finally:
                if run.journal is not None:
                    run.journal.close()

    def _score_with(self, scorer, model, X_val, y_val):
        self.estimator_ = model
        return scorer(self, X_val, y_val)

    def _scorer(self):
        if self.scoring is None:
            return lambda est, X, y: est.score(X, y)
        return check_scoring(self, scoring=self.scoring)

    def _validate_pool(self, X, reset):
        """Sets or checks ``n_features_in_`` (and column names) for array and DataFrame pools."""
        if checks.is_object_pool(X):
            return X
        finite = not ModelAdapter(self.estimator).accepts_nan()  # NaN/inf pass when the estimator takes NaN
        checked = validate_data(
            self, X, reset=reset, allow_nd=True, dtype=None, ensure_all_finite=finite, accept_sparse=True
        )
        return X if as_pool(X).kind in ("sparse", "frame") else checked

    def _new_run(self, pool, adapter, strategy, initial, seed, scorer, eval_set=None, budget=None, callbacks=None):
        """A Run; its hooks reach the built-in callbacks, then ``callbacks`` (None: a step-API run, built-ins only)."""
        # check_pool refused NaN/inf in an array, sparse or DataFrame pool unless the estimator takes them
        finite = not adapter.accepts_nan() and not checks.is_object_pool(pool.X)
        setup = Setup(
            adapter,
            strategy,
            initial,
            seed,
            budget=budget,
            warm_start=self.warm_start,
            class_weight=self.class_weight,
            min_classes=self.min_classes,
            score=None if eval_set is None else (lambda model: self._score_with(scorer, model, *eval_set)),
            pool_finite=finite,
        )
        run = Run(setup, pool)
        built_in = [AnnotationCost(check_cost(self.cost, pool.classes)), RoundDiagnostics(adapter, eval_set, finite)]
        run.notify = self._notifier(run, built_in + list(callbacks or []), show_model=callbacks is not None)
        return run

    def _notifier(self, run, callbacks, show_model=True):
        """``notify(hook, **kwargs)``: tell every callback, in order; the first truthy answer (a stop) or None."""

        def notify(hook, **kwargs):
            if show_model and run.model is not None:  # callbacks see the model of the round they are told about
                self.estimator_ = run.model
            answers = [getattr(cb, hook, _no_hook)(self, **kwargs) for cb in callbacks]  # every callback hears it
            return next((answer for answer in answers if answer), None)

        return notify

    # ----------------------------------------------------------- step API
    def _step_run(self, X_pool=None, eval_set=None):
        """A Run over this learner's state, for the step API (no oracle, no journal; built-in callbacks only)."""
        adapter = ModelAdapter(self.estimator)
        if self.pool_.X is None and X_pool is None:
            raise ValueError(
                "this learner was pickled without its pool; call learner.query(X_pool) with the same pool first."
            )
        if self.pool_.X is None:
            self.pool_.X = X_pool
        strategy, initial = checks.check_strategies(self.strategy, self.initial_strategy, adapter, self.pool_.X)
        run = self._new_run(self.pool_, adapter, strategy, initial, self.seed_, self._scorer(), eval_set)
        run.model, run.history = getattr(self, "estimator_", None), self.history_
        return run

    def _start_steps(self, X):
        """The first query of an unfitted learner starts a run: pool, seed, nothing labeled."""
        adapter = ModelAdapter(self.estimator)
        _, initial = checks.check_strategies(self.strategy, self.initial_strategy, adapter, X)
        classes = checks.resolve_classes(self.classes, adapter)
        checks.check_first_pool(initial, adapter)
        set_features_in(self, X)
        self.pool_, self.history_ = LabelPool(X, classes), []
        self.seed_, self.stopped_ = root_seed(self.random_state), False
        self.pool_.keep_on_pickle = True  # teach() after unpickling needs the pool

    def query(self, X_pool, n=None):
        """Row indices of ``X_pool`` to label next; the learner's labels, history and model are not changed.

        Use with :meth:`teach` to keep a person in the loop. On an unfitted
        learner the first call starts a run on ``X_pool``: it stores the pool,
        the seed and an empty labeled set (no label, no training). Later calls
        must pass the same pool. Calling it twice returns the same rows.

        Parameters
        ----------
        X_pool : array-like, sparse matrix, DataFrame or list of shape (n_pool, ...)
        n : int, optional
            Batch size; defaults to ``initial_size`` before any label, else ``query_size``.
        """
        adapter = ModelAdapter(self.estimator)
        X = adapter.as_input(
            checks.check_pool(X_pool, allow_nan=adapter.accepts_nan()), getattr(self, "estimator_", None)
        )
        if "pool_" not in self.__dict__:
            self._start_steps(X)
        else:
            checks.check_same_pool(self.pool_, X)
        run = self._step_run(X)
        n_unlabeled = run.pool.n_available()
        if n is None:
            name = "query_size" if len(run.pool.indices) else "initial_size"
            n = min(resolve_size(getattr(self, name), run.pool.n, name), n_unlabeled)
        check_n_query(n, n_unlabeled)
        with step_journal(getattr(self, "journal_", None), X, self.seed_) as book:
            rows, name, _, model = select(run, n)
            run.emit("on_query", round=run.round, rows=rows, strategy=name, model=model)  # e.g. a skewed query warns
            if book is not None:  # a resume takes this query instead of making one
                book.write_query(run.round, rows, name)
        return rows

    def teach(self, indices, labels, *, eval_set=None):
        """Add labels for pool rows and retrain, with the same bookkeeping as ``fit``.

        Parameters
        ----------
        indices : array-like of int
            Pool rows (from :meth:`query`, or any unlabeled rows).
        labels : array-like
            One label per row.
        eval_set : tuple (X_val, y_val), optional
            Scored into the new ``history_`` record.
        """
        check_is_fitted(self, "labeled_round_", msg="call query(X_pool) or fit(X_pool, oracle) before teach().")
        indices, labels = np.atleast_1d(indices), np.atleast_1d(labels)  # one row may be taught as scalars
        indices = checks.check_indices(indices, self.pool_.labeled, "indices")
        if not len(indices):
            raise ValueError("teach() needs at least one row and its label; nothing was taught.")
        labels = check_answers(labels, len(indices), self.pool_.known_classes, seen=self.pool_.labels)
        run = self._step_run(eval_set=eval_set)
        if isinstance(self.cost, dict):  # a class without a cost fails before anything is recorded
            check_cost(self.cost)(None, labels, 0.0)
        with step_journal(getattr(self, "journal_", None), self.pool_.X, self.seed_) as book:
            if book is not None:  # journaled as the round's query and answers: a resume does not ask them again
                book.write_query(run.round, indices, "teach")
                book.write_labels(run.round, indices, labels, oracle="teach", strategy="teach")
            run.journal = book
            record_round(run, indices, labels, "teach", 0.0, 0.0)
        if run.model is not None:
            self.estimator_ = run.model
        return self

    def relabel(self, indices, labels):
        """Replace the labels of rows already labeled (e.g. verified pseudo-labels) and retrain.

        The rows keep their round in ``labeled_round_``; they stop counting as
        pseudo-labels. Typical use: ``rows = np.flatnonzero(learner.pseudo_labeled_)``,
        ask a person for them, ``learner.relabel(rows, answers)``.

        Parameters
        ----------
        indices : array-like of int
            Labeled pool rows.
        labels : array-like
            One new label per row.
        """
        check_is_fitted(self, "labeled_round_", msg="relabel() needs a fitted learner.")
        indices = np.asarray(indices, dtype=np.intp)
        if indices.ndim != 1 or len(np.unique(indices)) != len(indices):
            raise ValueError("relabel() takes a 1-D array of distinct pool rows.")
        if ((indices < 0) | (indices >= self.pool_.n)).any() or (~self.pool_.labeled[indices]).any():
            raise ValueError("relabel() changes labels of labeled rows only; use teach() for new rows.")
        labels = check_answers(labels, len(indices), self.pool_.known_classes, seen=self.pool_.labels)
        run = self._step_run()
        self.pool_.relabel(indices, labels)
        train(run, len(self.history_) - 1)
        self.estimator_ = run.model
        return self

    # ---------------------------------------------------------- prediction
    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, one column per entry of ``classes_``."""
        check_is_fitted(self)
        X = self._validate_pool(X, reset=False)
        return ModelAdapter(self.estimator).predict_proba(self.estimator_, X, self.classes_)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predicted labels (from ``classes_``)."""
        check_is_fitted(self)
        X = self._validate_pool(X, reset=False)
        return ModelAdapter(self.estimator).predict(self.estimator_, X, self.classes_)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """The wrapped estimator's ``decision_function``."""
        check_is_fitted(self)
        return self.estimator_.decision_function(self._validate_pool(X, reset=False))

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Mean accuracy of :meth:`predict` on ``(X, y)``."""
        return ClassifierMixin.score(self, X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = ModelAdapter(self.estimator).accepts_nan()
        tags.input_tags.sparse = True
        return tags
