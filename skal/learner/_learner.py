"""The ActiveLearner meta-estimator: parameters, fit = validate then run, the step API, prediction."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin
from sklearn.metrics import check_scoring
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..callbacks import ProgressBar
from ..journal import ReplayPlan
from ..oracles import as_oracle
from ..strategies import QueryStrategy
from ..utils._adapter import ModelAdapter
from ..utils._compat import HasMethods, Interval, StrOptions
from ..utils._random import root_seed
from ..utils._validation import check_answers, check_n_query, resolve_size
from . import _checks as checks
from ._docs import LEARNER_DOC
from ._loop import Run, record_round, run_rounds, select, train
from ._pool import LabelPool
from ._replay import open_journal, planned_rounds

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


class ActiveLearner(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    __doc__ = LEARNER_DOC

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "strategy": [QueryStrategy, None],
        "initial_strategy": [QueryStrategy, None],
        # sizes and counts: types here, ranges in _checks (whose messages name the fix)
        "initial_size": [Interval(Real, None, None, closed="neither")],
        "query_size": [Interval(Real, None, None, closed="neither")],
        "n_rounds": [Interval(Integral, None, None, closed="neither"), None],
        "budget": [Interval(Integral, None, None, closed="neither"), None],
        "warm_start": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "classes": ["array-like", None],
        "scoring": [str, callable, list, tuple, dict, None],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

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
        classes=None,
        scoring=None,
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
        self.classes = classes
        self.scoring = scoring
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
        run, given, sizes = self._prepare(X, y, labeled_indices, labels, eval_set, journal)
        self._start(run, retry_skipped)
        try:
            run.emit("on_fit_begin", planned_rounds=planned_rounds(run.pool.n, sizes))
            run_rounds(run, given, *sizes)
        except BaseException as exc:
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
            raise
        finally:
            self._finish(run)
        return self

    def _prepare(self, X, y, labeled_indices, labels, eval_set, journal):
        """Every check of a fit, before any state changes: ``(run, given, sizes)``."""
        self._validate_params()
        adapter = ModelAdapter(self.estimator)
        X = checks.check_pool(X, allow_nan=adapter.accepts_nan())
        n_pool = checks.pool_size(X)
        oracle = as_oracle(y, n_pool)
        sizes = checks.check_sizes(self.get_params(deep=False), n_pool, given=labeled_indices)
        strategy, initial = checks.check_strategies(self.strategy, self.initial_strategy, adapter)
        checks.check_class_weight(self.class_weight, adapter)
        classes = checks.resolve_classes(self.classes, adapter, oracle)
        given = checks.check_given(labeled_indices, labels, n_pool, classes)
        if given is None:
            checks.check_first_pool(initial, adapter)
        if eval_set is not None and (not isinstance(eval_set, tuple) or len(eval_set) != 2):
            raise ValueError("eval_set must be a tuple (X_val, y_val).")
        scorer = self._scorer()  # a bad scoring fails here
        book, seed = open_journal(journal, X, self.random_state)  # a journal of another pool or seed fails here
        plan = book.replay_plan() if book is not None else ReplayPlan()
        run = Run(
            pool=LabelPool(X, classes), adapter=adapter, strategy=strategy, initial=initial, seed=seed,
            oracle=oracle, journal=book, plan=plan, eval_set=eval_set, warm_start=self.warm_start,
            class_weight=self.class_weight, score=lambda model, X_val, y_val: self._score_with(scorer, model, X_val, y_val),
        )  # fmt: skip
        return run, given, sizes

    def _start(self, run, retry_skipped):
        """From here on state changes: reset the fitted attributes to this run's."""
        for attr in ("estimator_", "unsaved_labels_", "stop_reason_"):
            self.__dict__.pop(attr, None)
        self._validate_pool(run.pool.X, reset=True)
        book = run.journal
        if book is not None:
            if book.seed is None:
                book.set_seed(run.seed)
            if retry_skipped:
                book.forget_skipped()
                run.plan.skipped = set()
        run.pool.skipped[list(run.plan.skipped)] = True
        run.pool.pseudo[list(run.plan.pseudo)] = True
        callbacks = list(self.callbacks or []) + ([ProgressBar()] if self.verbose else [])
        run.notify = lambda hook, **kwargs: any([bool(getattr(cb, hook)(self, **kwargs)) for cb in callbacks])
        self.pool_, self.history_, self.seed_, self.stopped_ = run.pool, run.history, run.seed, False
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
        allow_nan = "allow-nan" if ModelAdapter(self.estimator).accepts_nan() else True
        checked = validate_data(
            self, X, reset=reset, allow_nd=True, dtype=None, ensure_all_finite=allow_nan, accept_sparse=True
        )
        return X if sp.issparse(X) or hasattr(X, "columns") else checked

    # ----------------------------------------------------------- step API
    def _step_run(self, X_pool=None):
        """A Run over this learner's state, for the step API (no oracle, no journal)."""
        adapter = ModelAdapter(self.estimator)
        strategy, initial = checks.check_strategies(self.strategy, self.initial_strategy, adapter)
        if X_pool is not None:
            self.pool_.X = X_pool
        elif self.pool_.X is None:
            raise ValueError(
                "this learner was pickled without its pool; call learner.query(X_pool) with the same pool first."
            )
        run = Run(self.pool_, adapter, strategy, initial, self.seed_, warm_start=self.warm_start,
                  class_weight=self.class_weight, model=getattr(self, "estimator_", None), history=self.history_)  # fmt: skip
        run.score = lambda model, X_val, y_val: self._score_with(self._scorer(), model, X_val, y_val)
        return run

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
        if "pool_" not in self.__dict__:
            adapter = ModelAdapter(self.estimator)
            X = checks.check_pool(X_pool, allow_nan=adapter.accepts_nan())
            _, initial = checks.check_strategies(self.strategy, self.initial_strategy, adapter)
            classes = checks.resolve_classes(self.classes, adapter)
            checks.check_first_pool(initial, adapter)
            self._validate_pool(X, reset=True)
            self.pool_, self.history_, self.seed_, self.stopped_ = (
                LabelPool(X, classes),
                [],
                root_seed(self.random_state),
                False,
            )
            self.pool_.keep_on_pickle = True  # teach() after unpickling needs the pool
        else:
            self._check_same_pool(X_pool)
        run = self._step_run(X_pool)
        n_unlabeled = run.pool.n_available()
        if n is None:
            name = "query_size" if len(run.pool.indices) else "initial_size"
            n = min(resolve_size(getattr(self, name), run.pool.n, name), n_unlabeled)
        check_n_query(n, n_unlabeled)
        return select(run, n)[0]

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
        indices = checks.check_indices(indices, self.pool_.labeled, "indices")
        labels = check_answers(labels, len(indices), self.pool_.known_classes)
        run = self._step_run()
        run.eval_set = eval_set
        record_round(run, indices, labels, "teach", 0.0, 0.0)
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
        labels = check_answers(labels, len(indices), self.pool_.known_classes)
        run = self._step_run()
        self.pool_.relabel(indices, labels)
        train(run, len(self.history_) - 1)
        self.estimator_ = run.model
        return self

    def _check_same_pool(self, X_pool):
        shape, expected = checks.pool_shape(X_pool), checks.pool_shape(self.pool_.X, self.pool_.n)
        if X_pool is not self.pool_.X and shape != expected:
            raise ValueError(
                f"this learner runs on a pool of shape {expected}; got {shape}. "
                "Pass the same pool, or clone the learner for a new one."
            )

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
