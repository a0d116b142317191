"""The ActiveLearner meta-estimator: parameters, fit = validate then run, the step API, prediction."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin
from sklearn.metrics import check_scoring
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..callbacks import ProgressBar
from ..journal import ReplayPlan
from ..oracles import as_oracle
from ..utils._adapter import ModelAdapter
from ..utils._compat import n_rows, set_features_in
from ..utils._random import root_seed
from ..utils._validation import check_answers, check_n_query, resolve_size
from . import _checks as checks
from ._cost import check_cost
from ._docs import FIT_DOC, LEARNER_DOC, QUERY_DOC, RELABEL_DOC, TEACH_DOC, doc
from ._loop import Run, record_round, run_rounds, select, train
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
    __doc__ = LEARNER_DOC

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
    @doc(FIT_DOC)
    def fit(self, X, y, *, labeled_indices=None, labels=None, eval_set=None, journal=None, retry_skipped=False):
        run, given, sizes = self._prepare(X, y, labeled_indices, labels, eval_set, journal)
        self._start(run, retry_skipped)
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
        """Every check of a fit, before any state changes: ``(run, given, sizes)``."""
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
        book, seed = open_journal(journal, X, self.random_state)  # a journal of another pool or seed fails here
        try:
            plan = book.replay_plan() if book is not None else ReplayPlan()
        except BaseException:  # a damaged journal (JournalError) or Ctrl-C: release its lock
            if book is not None:
                book.close()
            raise
        run = self._new_run(LabelPool(X, classes), adapter, strategy, initial, seed, scorer)
        run.oracle, run.journal, run.plan, run.eval_set, run.budget = oracle, book, plan, eval_set, sizes[3]
        return run, given, sizes

    def _start(self, run, retry_skipped):
        """From here on state changes: reset the fitted attributes to this run's."""
        for attr in ("estimator_", "unsaved_labels_", "stop_reason_", "journal_"):
            self.__dict__.pop(attr, None)
        set_features_in(self, run.pool.X)  # the pool was checked in _prepare: no second pass over it
        book = run.journal
        if book is not None:
            if book.seed is None:
                book.set_seed(run.seed)
            if retry_skipped:
                book.forget_skipped()
                run.plan.skipped = set()
        run.pool.skipped[list(run.plan.skipped)] = True
        run.pool.pseudo[list(run.plan.pseudo)] = True
        callbacks = list(self.callbacks or []) + ([ProgressBar(lines=self.verbose > 1)] if self.verbose else [])

        def notify(hook, **kwargs):
            if run.model is not None:  # callbacks see the model of the round they are told about
                self.estimator_ = run.model
            answers = [getattr(cb, hook, _no_hook)(self, **kwargs) for cb in callbacks]  # every callback hears it
            return next((answer for answer in answers if answer), None)

        run.notify = notify
        self.pool_, self.history_, self.seed_, self.stopped_ = run.pool, run.history, run.seed, False
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
        return X if sp.issparse(X) or hasattr(X, "columns") else checked

    def _new_run(self, pool, adapter, strategy, initial, seed, scorer):
        run = Run(pool, adapter, strategy, initial, seed, warm_start=self.warm_start, class_weight=self.class_weight)
        # check_pool refused NaN/inf in an array, sparse or DataFrame pool unless the estimator takes them
        run.pool_finite = not adapter.accepts_nan() and not checks.is_object_pool(pool.X)
        run.min_classes = self.min_classes
        run.cost = check_cost(self.cost, pool.classes)
        run.score = lambda model, X_val, y_val: self._score_with(scorer, model, X_val, y_val)
        return run

    # ----------------------------------------------------------- step API
    def _step_run(self, X_pool=None):
        """A Run over this learner's state, for the step API (no oracle, no journal)."""
        adapter = ModelAdapter(self.estimator)
        if self.pool_.X is None and X_pool is None:
            raise ValueError(
                "this learner was pickled without its pool; call learner.query(X_pool) with the same pool first."
            )
        if self.pool_.X is None:
            self.pool_.X = X_pool
        strategy, initial = checks.check_strategies(self.strategy, self.initial_strategy, adapter, self.pool_.X)
        run = self._new_run(self.pool_, adapter, strategy, initial, self.seed_, self._scorer())
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

    @doc(QUERY_DOC)
    def query(self, X_pool, n=None):
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
            rows, name, _, _ = select(run, n)
            if book is not None:  # a resume takes this query instead of making one
                book.write_query(run.round, rows, name)
        return rows

    @doc(TEACH_DOC)
    def teach(self, indices, labels, *, eval_set=None):
        check_is_fitted(self, "labeled_round_", msg="call query(X_pool) or fit(X_pool, oracle) before teach().")
        indices, labels = np.atleast_1d(indices), np.atleast_1d(labels)  # one row may be taught as scalars
        indices = checks.check_indices(indices, self.pool_.labeled, "indices")
        if not len(indices):
            raise ValueError("teach() needs at least one row and its label; nothing was taught.")
        labels = check_answers(labels, len(indices), self.pool_.known_classes, seen=self.pool_.labels)
        run = self._step_run()
        if isinstance(self.cost, dict):  # a class without a cost fails before anything is recorded
            run.cost(None, labels, 0.0)
        run.eval_set = eval_set
        with step_journal(getattr(self, "journal_", None), self.pool_.X, self.seed_) as book:
            if book is not None:  # journaled as the round's query and answers: a resume does not ask them again
                book.write_query(run.round, indices, "teach")
                book.write_labels(run.round, indices, labels, oracle="teach", strategy="teach")
            run.journal = book
            record_round(run, indices, labels, "teach", 0.0, 0.0)
        if run.model is not None:
            self.estimator_ = run.model
        return self

    @doc(RELABEL_DOC)
    def relabel(self, indices, labels):
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
