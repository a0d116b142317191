"""The ActiveLearner meta-estimator: sample, label, train, repeat."""

import time
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.metrics import check_scoring
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .exceptions import JournalError, OracleError
from .journal import LabelJournal
from .oracles import SKIP, STOP, as_oracle
from .strategies import QueryStrategy, Random
from .utils._estimator import is_skorch, random_weight_net
from .utils._random import derive_seed, root_seed, seed_params, torch_seed
from .utils._validation import check_answers, check_n_query, resolve_size

__all__ = ["ActiveLearner"]


def _estimator_has(attr):
    def check(self):
        est = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        return hasattr(est, attr)

    return check


def _check_count(value, name, minimum):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be None or an int >= {minimum}; got {value!r}.")
    return int(value)


def _embeddings(estimator):
    """Every ``embedding`` parameter inside a strategy, nested ones (``Mix``, ``Schedule``, ``Subsample``) included."""
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return
    for key, value in estimator.get_params(deep=False).items():
        if key == "embedding":
            yield value
        for item in value if isinstance(value, (list, tuple)) else [value]:
            for sub in item if isinstance(item, (list, tuple)) else [item]:
                yield from _embeddings(sub)


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
        Picks each batch; None means ``Random()``.
    initial_strategy : QueryStrategy, default=None
        Picks the first pool when nothing is labeled; None means ``strategy``.
        A strategy that needs predictions then scores a skorch net initialised
        with random weights (seed 000); a scikit-learn estimator cannot be
        scored unfitted, so use ``Random()`` or ``RHC()``/``RLC()`` with it.
    initial_size : int or float, default=0.04
        Rows labeled in round 0: a count, or a fraction of the pool (seed 000 uses 4 %).
    query_size : int or float, default=0.05
        Rows labeled in each later round (seed 000 uses 5 %). The last round takes
        what is left when fewer remain.
    n_rounds : int or None, default=None
        Later rounds to run after round 0; ``0`` runs round 0 only; None runs
        until the budget is spent or the pool is empty.
    budget : int or None, default=None
        Total labels to spend, round 0 included.
    warm_start : bool, default=False
        False trains a fresh clone of ``estimator`` each round. True continues
        training the previous round's model (skorch ``partial_fit``; a scikit-learn
        estimator with a ``warm_start`` parameter gets it set). Round 0 always
        starts from a fresh clone: the random-weight net that picked the first
        pool is discarded, as in seed 000.
    classes : array-like or None, default=None
        The label space. None takes it from a skorch net's ``classes``, else from
        the oracle (``np.unique`` of a label array), else from the labels seen so
        far. A skorch net needs it before its first prediction.
    class_weight : None, "balanced" or dict, default=None
        "balanced" reweights training by the labels held each round (n / (k ·
        n_c) for the k classes seen; seed 003's imbalanced setting); a dict
        gives fixed weights per class. A skorch net gets
        ``criterion__weight``, a scikit-learn estimator its ``class_weight``.
    scoring : None, str, callable, list or dict, default=None
        How ``eval_set`` is scored each round, as in ``GridSearchCV``: None is
        accuracy; a name (``"f1_macro"``) or scorer gives ``history_[k]["score"]``;
        a list or dict of them also gives ``history_[k]["scores"]`` (a dict), with
        ``"score"`` the first.
    random_state : None, int or RandomState, default=None
        Seeds everything: the first-pool net, each round's strategy (its
        ``random_state`` parameters left at None) and training (torch's global
        generator is forked, so a user's own stream is untouched; a scikit-learn
        estimator's ``random_state`` left at None is set per round).
    verbose : int, default=0
        1 shows a tqdm progress bar over rounds.

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
        One record per round: ``round``, ``n_labeled``, ``n_queried``, ``queried``
        (indices), ``strategy``, ``query_seconds``, ``label_seconds``,
        ``train_seconds`` and ``score`` (on ``eval_set``, else None).
    seed_ : int
        The root seed of the run; per-round seeds derive from it.
    n_features_in_ : int
        Features (second dimension) of the pool.

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
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, *, labeled_indices=None, labels=None, eval_set=None, journal=None, retry_skipped=False):
        """Run the active-learning loop on the pool ``X``.

        Parameters
        ----------
        X : array-like of shape (n_pool, ...)
            The unlabeled pool (images may be n-dimensional).
        y : array-like, callable or Oracle
            The oracle. An array of one label per row is a simulated oracle: only
            the entries of queried rows are read. A callable is called as
            ``y(indices, X[indices])`` once per batch and returns their labels.
        labeled_indices, labels : array-like, optional
            Labels you already hold: pool rows and their labels. They form round
            0 (no initial query is made); the loop continues from them.
        eval_set : tuple (X_val, y_val), optional
            Scored after every round into ``history_[k]["score"]``.
        journal : path, optional
            A SQLite label journal (see :mod:`skal.journal`). Every answer is
            written there before it is used. If the file already holds a run on
            this pool, its labels are replayed without asking the oracle and the
            loop continues where it stopped, with the queries it would have made
            (its seed is reused; a different ``random_state`` is refused). A fit
            parameter rather than a constructor one, so clones in
            ``GridSearchCV`` never share a file.
        retry_skipped : bool, default=False
            Ask again for rows the oracle skipped in an earlier session.

        Returns
        -------
        self
        """
        X_in, X = X, self._check_pool(X)
        n_pool = X.shape[0]
        oracle = as_oracle(y, n_pool)
        initial_n, query_n, n_rounds, budget = self._check_sizes(n_pool, given=labeled_indices)
        strategy, initial = self._strategies()
        classes = self._resolve_classes(oracle)
        given = self._check_given(labeled_indices, labels, n_pool, classes)
        if given is None:
            self._check_first_pool(initial)
        if eval_set is not None and (not isinstance(eval_set, tuple) or len(eval_set) != 2):
            raise ValueError("eval_set must be a tuple (X_val, y_val).")
        self._scorer()  # a bad scoring fails here, before any state changes
        book = self._open_journal(journal, X)  # a journal of another pool or seed fails here

        # Everything is validated: from here on state changes.
        self._start(X_in, classes, seed=None if book is None else book.seed)
        self._book = book
        if book is not None:
            if book.seed is None:
                book.set_seed(self.seed_)
            if retry_skipped:
                book.forget_skipped()
            self.skipped_[list(book.skipped())] = True
            self.pseudo_labeled_[list(book.rows_from("pseudo"))] = True
            self._replay = (book.labels(), book.queries(), book.rounds())
        bar = self._progress(n_pool, initial_n, query_n, n_rounds, budget)
        try:
            if given is not None:
                self._given_round(given, eval_set)
            else:
                self._run_round(initial_n, oracle, eval_set)
            bar.update(1)
            self._set_bar(bar)
            while not self.stopped_ and self._more_rounds(n_rounds):
                n = self._next_size(query_n, budget)
                if n == 0:
                    break
                self._run_round(n, oracle, eval_set)
                bar.update(1)
                self._set_bar(bar)
            if getattr(self, "_untrained", None) is not None:  # the last labeled round was replayed untrained
                self._train(self._untrained)
                self._untrained = None
        except BaseException as exc:
            if book is not None and hasattr(exc, "add_note"):
                exc.add_note(
                    f"skal: every answer received so far is in the journal {book.path!r}; call fit again with "
                    "journal= that path to resume without asking for them again."
                )
            raise
        finally:
            bar.close()
            if book is not None:
                book.close()
            self._book = None
            self._replay = ({}, {}, {})  # teach() after fit must not see this session's journal
        return self

    def _open_journal(self, journal, X):
        if journal is None:
            return None
        if isinstance(self.random_state, Integral):
            seed = root_seed(self.random_state)
        else:
            seed = None
        book = LabelJournal.open(journal, X, seed=seed)
        if seed is not None and book.seed is not None and book.seed != seed:
            book.close()
            raise JournalError(
                f"the journal {str(journal)!r} was written with random_state={book.seed}, this learner has "
                f"random_state={self.random_state}. Resume with random_state={book.seed} (or None, which takes the "
                "journal's), or start a new journal."
            )
        return book

    @staticmethod
    def _check_pool(X):
        try:
            return check_array(X, allow_nd=True, dtype=None, ensure_all_finite=True)
        except ValueError as exc:
            text = str(exc)
            if "NaN" in text or "infinity" in text:
                hint = (
                    "The pool X must be finite: impute missing values (e.g. a Pipeline with "
                    "sklearn.impute.SimpleImputer before the learner) or drop those rows before fit."
                )
            elif "0 sample" in text:
                hint = "The pool X is empty: pass at least one row to label."
            else:
                raise
            raise ValueError(f"{text} {hint}") from exc

    def _validate_pool(self, X, reset):
        return validate_data(self, X, reset=reset, allow_nd=True, dtype=None, ensure_all_finite=True)

    def _check_sizes(self, n_pool, given=None):
        initial_n = resolve_size(self.initial_size, n_pool, "initial_size")
        query_n = resolve_size(self.query_size, n_pool, "query_size")
        n_rounds = _check_count(self.n_rounds, "n_rounds", 0)
        budget = _check_count(self.budget, "budget", 1)
        if budget is not None and given is None and budget < initial_n:
            raise ValueError(
                f"budget={budget} is smaller than initial_size ({initial_n} rows); "
                "raise the budget or lower initial_size."
            )
        return initial_n, query_n, n_rounds, budget

    def _strategies(self):
        strategy = Random() if self.strategy is None else self.strategy
        initial = strategy if self.initial_strategy is None else self.initial_strategy
        for name, s in (("strategy", strategy), ("initial_strategy", initial)):
            if not isinstance(s, QueryStrategy):
                raise TypeError(f"{name} must be a skal QueryStrategy (e.g. skal.strategies.Entropy()); got {s!r}.")
        needs = strategy.requirements() | initial.requirements()
        if not (self.class_weight is None or self.class_weight == "balanced" or isinstance(self.class_weight, dict)):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict {{class: weight}}; got {self.class_weight!r}."
            )
        if self.class_weight is not None and not is_skorch(self.estimator):
            if "class_weight" not in self.estimator.get_params():
                raise TypeError(
                    f"class_weight='balanced' needs an estimator with a class_weight parameter; "
                    f"{type(self.estimator).__name__} has none. Use e.g. LogisticRegression, RandomForestClassifier, "
                    "a skorch net, or class_weight=None."
                )
        for s in (strategy, initial):
            named = [v for v in _embeddings(s) if isinstance(v, str) and v not in ("auto", "input")]
            if named and not is_skorch(self.estimator):
                raise ValueError(
                    f"{type(s).__name__}(embedding={named[0]!r}) takes features from a layer of a skorch net, but "
                    f"the estimator is {type(self.estimator).__name__}. Use embedding='auto' or 'input' (the pool's "
                    "own features), a callable X -> features, or a skorch net."
                )
        if "net" in needs and not is_skorch(self.estimator):
            raise TypeError(
                f"the strategy differentiates or samples a torch network, so the estimator must be a skorch "
                f"NeuralNetClassifier; got {type(self.estimator).__name__}. Wrap your torch module in "
                "skorch.NeuralNetClassifier, or use a strategy that needs only predict_proba (Entropy, Margin, "
                "VariationRatio)."
            )
        if "loss" in needs and not hasattr(self.estimator, "predict_loss"):
            raise TypeError(
                f"the strategy ranks rows by a loss-prediction module, which {type(self.estimator).__name__} "
                "lacks: build the net as skal.nn.LossPredictionNet(module, ...), or use GradNorm / Entropy."
            )
        if "proba" in needs and not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"the strategy scores rows by predict_proba, which {type(self.estimator).__name__} does not have. "
                "Use an estimator with predict_proba (e.g. LogisticRegression), wrap it in "
                "sklearn.calibration.CalibratedClassifierCV, or use strategy=Random()."
            )
        return strategy, initial

    def _check_first_pool(self, initial):
        if "proba" in initial.needs(None) and not is_skorch(self.estimator):
            raise ValueError(
                f"{type(initial).__name__} picks the first pool from predictions, but "
                f"{type(self.estimator).__name__} is a scikit-learn estimator that cannot be scored "
                "before it is fitted (only a skorch net can be scored with random weights). "
                "Pass initial_strategy=Random(), use strategy=RHC()/RLC(), or start from labels "
                "you hold with fit(..., labeled_indices=..., labels=...)."
            )

    def _resolve_classes(self, oracle=None):
        if self.classes is not None:
            classes = np.asarray(self.classes)
        elif is_skorch(self.estimator) and getattr(self.estimator, "classes", None) is not None:
            classes = np.asarray(self.estimator.classes)
        else:
            classes = None if oracle is None else oracle.classes
        if classes is None:
            if is_skorch(self.estimator):
                raise ValueError(
                    "a skorch net needs the label space before its first prediction; pass "
                    "ActiveLearner(classes=[...]) or give the oracle its classes "
                    "(CallableOracle(fn, classes=[...]))."
                )
            return None
        classes = np.unique(classes)
        if len(classes) < 1:
            raise ValueError("classes is empty; pass the label space, e.g. classes=[0, 1].")
        return classes

    def _check_given(self, indices, labels, n_pool, classes):
        if indices is None and labels is None:
            return None
        if indices is None or labels is None:
            raise ValueError("pass both labeled_indices and labels, one label per index.")
        indices = self._check_indices(indices, n_pool, np.zeros(n_pool, dtype=bool), "labeled_indices")
        if len(indices) == 0:
            raise ValueError("labeled_indices is empty; leave it out to start with an initial query.")
        try:
            labels = check_answers(labels, len(indices), classes)
        except OracleError as exc:
            raise ValueError(f"labels: {exc}") from None
        return indices, labels

    @staticmethod
    def _check_indices(indices, n_pool, labeled, name):
        indices = np.asarray(indices)
        if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
            raise ValueError(f"{name} must be a 1-D array of integer pool row indices; got {indices!r:.80}.")
        indices = indices.astype(np.intp)
        if indices.size and (indices.min() < 0 or indices.max() >= n_pool):
            raise ValueError(f"{name} holds indices outside [0, {n_pool}); the pool has {n_pool} rows.")
        if len(np.unique(indices)) != len(indices):
            raise ValueError(f"{name} repeats a row; each row can be labeled once.")
        if labeled[indices].any():
            again = indices[labeled[indices]][:5].tolist()
            raise ValueError(f"{name} holds rows that are already labeled ({again}); a row is never labeled twice.")
        return indices

    # ------------------------------------------------------------ the state
    def _start(self, X, classes, seed=None):
        for attr in ("estimator_", "classes_"):
            self.__dict__.pop(attr, None)
        X = self._validate_pool(X, reset=True)
        self._X = X
        self.seed_ = root_seed(self.random_state) if seed is None else int(seed)
        self._known_classes = classes
        if classes is not None:
            self.classes_ = classes
        self.labeled_round_ = np.full(X.shape[0], -1, dtype=np.intp)
        self.labeled_indices_ = np.empty(0, dtype=np.intp)
        self.labels_ = np.empty(0, dtype=classes.dtype if classes is not None else np.float64)
        self.history_ = []
        self.skipped_ = np.zeros(X.shape[0], dtype=bool)
        self.pseudo_labeled_ = np.zeros(X.shape[0], dtype=bool)
        self.stopped_ = False
        self._untrained = None
        self._book = None
        self._replay = ({}, {}, {})  # journaled labels, queries and finished rounds of an earlier session

    @property
    def _round(self):
        """The number the next labeled batch gets."""
        return len(self.history_)

    def _more_rounds(self, n_rounds):
        return n_rounds is None or self._round <= n_rounds

    def _next_size(self, query_n, budget):
        n = min(query_n, int(((self.labeled_round_ < 0) & ~self.skipped_).sum()))
        if budget is not None:  # pseudo-labels cost no budget: it counts labels from the oracle
            n = min(n, budget - int((self.labeled_round_ >= 0).sum() - self.pseudo_labeled_.sum()))
        return max(n, 0)

    def _run_round(self, n, oracle, eval_set):
        round_ = self._round
        journaled, queries, _ = self._replay
        t0 = time.perf_counter()
        if round_ in queries:  # a resumed round: the query it made before
            indices, strategy_name = np.asarray(queries[round_], dtype=np.intp), "replayed query"
        else:
            indices, strategy_name = self._select(n)
            if self._book is not None:
                self._book.write_query(round_, indices, strategy_name)
        t1 = time.perf_counter()
        answers = {int(i): journaled[int(i)][1] for i in indices if int(i) in journaled}
        ask = np.asarray([i for i in indices if int(i) not in answers and not self.skipped_[i]], dtype=np.intp)
        pseudo = getattr(self, "_pseudo", None)
        self._pseudo = None
        if pseudo is not None and len(ask):  # a zero-shot first pool: labels from the strategy, not the oracle
            labels = check_answers([pseudo[int(i)] for i in ask], len(ask), self._known_classes)
            if self._book is not None:
                self._book.write_labels(round_, ask, labels, oracle="pseudo", strategy=strategy_name)
            answers.update(zip(ask.tolist(), labels))
            self.pseudo_labeled_[ask] = True
        elif len(ask):
            answers.update(self._ask(oracle, ask, round_, strategy_name))
        t2 = time.perf_counter()
        rows = np.asarray([i for i in indices if int(i) in answers], dtype=np.intp)
        if not len(rows):
            return self._end_without_labels(round_, strategy_name)
        labels = check_answers([answers[int(i)] for i in rows], len(rows), self._known_classes)
        complete = not self.stopped_
        self._record_round(rows, labels, strategy_name, t1 - t0, t2 - t1, eval_set, complete=complete)
        if self.pseudo_labeled_[rows].any():
            self.history_[-1]["pseudo"] = True

    def _end_without_labels(self, round_, strategy_name):
        # every row of the batch was skipped, or the person stopped before answering any
        if not self.stopped_:
            self.history_.append(self._empty_record(round_, strategy_name, len(self.labeled_indices_)))

    @staticmethod
    def _empty_record(round_, strategy_name, n_labeled):
        return {
            "round": round_,
            "n_labeled": n_labeled,
            "n_queried": 0,
            "queried": np.empty(0, dtype=np.intp),
            "strategy": strategy_name,
            "query_seconds": 0.0,
            "label_seconds": 0.0,
            "train_seconds": None,
            "score": None,
        }

    def _ask(self, oracle, rows, round_, strategy_name):
        """Answers for ``rows`` as ``{row: label}``, each journaled before it is returned.

        A batch oracle's answer is validated whole, then written in one
        transaction; a streaming oracle's answers are validated and written one
        by one, so those given before an exception are kept. SKIP marks a row
        skipped; STOP ends the session (``stopped_``).
        """
        book, name, seed = self._book, type(oracle).__name__, derive_seed(self.seed_, round_, "query")
        if not getattr(oracle, "streams", False):
            labels = check_answers(oracle.label(rows, self._X[rows]), len(rows), self._known_classes)
            if book is not None:
                book.write_labels(round_, rows, labels, oracle=name, strategy=strategy_name, seed=seed)
            return dict(zip(rows.tolist(), labels))
        answers = {}
        try:
            for position, answer in oracle.iter_labels(rows, self._X[rows]):
                if answer is STOP:
                    self.stopped_ = True
                    break
                row = int(rows[position])
                if answer is SKIP:
                    if book is not None:
                        book.write_skipped(round_, [row], oracle=name)
                    self.skipped_[row] = True
                    continue
                label = check_answers([answer], 1, self._known_classes, batch=False)
                if book is not None:
                    book.write_labels(round_, [row], label, oracle=name, strategy=strategy_name, seed=seed)
                answers[row] = label[0]
        except BaseException as exc:
            if answers:
                # answers given before the failure are kept: in the journal if there is one, and here
                self.unsaved_labels_ = (np.asarray(list(answers), dtype=np.intp), np.asarray(list(answers.values())))
                if hasattr(exc, "add_note") and book is None:
                    exc.add_note(
                        f"skal: the {len(answers)} answers given before this error are in learner.unsaved_labels_ "
                        "(rows, labels); pass them back with fit(..., labeled_indices=rows, labels=labels), or use "
                        "fit(..., journal='labels.db') so every answer is kept on disk."
                    )
            raise
        return answers

    def _given_round(self, given, eval_set):
        rows, labels = given
        journaled = self._replay[0]
        if journaled:
            first = sorted(r for r, (round_, _) in journaled.items() if round_ == 0)
            if first != sorted(np.asarray(rows).tolist()):
                raise JournalError(
                    "the journal started from other labeled_indices than the ones given; pass the same "
                    "labeled_indices and labels to resume, or a new journal."
                )
        elif self._book is not None:
            self._book.write_query(0, rows, "given")
            self._book.write_labels(0, rows, labels, oracle="given", strategy="given")
        self._record_round(rows, labels, "given", 0.0, 0.0, eval_set, complete=True)

    def _strategy_for_round(self):
        strategy, initial = self._strategies()
        return initial if not (self.labeled_round_ >= 0).any() else strategy

    def _select(self, n):
        if self._untrained is not None:  # a replayed round left untrained: its model is needed now
            self._train(self._untrained)
            self._untrained = None
        labeled = self.labeled_round_ >= 0
        strategy = clone(self._strategy_for_round())
        seed_params(strategy, derive_seed(self.seed_, self._round, "query"))
        model = None
        if strategy.needs_estimator(labeled):
            model = getattr(self, "estimator_", None)
            if model is None and is_skorch(self.estimator):
                model = random_weight_net(self._prepared_clone(), derive_seed(self.seed_, self._round, "init"))
            elif model is None:
                self._check_first_pool(strategy)  # features of X itself need no model; probabilities do
        y_pool = None
        if labeled.any():
            y_pool = np.empty(len(labeled), dtype=self.labels_.dtype)
            y_pool[self.labeled_indices_] = self.labels_
        # Scoring runs under its own torch seed: skorch's data loaders draw from the
        # global generator even in eval mode, and MC-dropout strategies need a seed.
        X_pool, keep = self._X, None
        if self.skipped_.any():  # rows the oracle declined are not offered again
            keep = np.flatnonzero(~self.skipped_)
            X_pool, labeled = self._X[keep], labeled[keep]
            y_pool = None if y_pool is None else y_pool[keep]
        with torch_seed(derive_seed(self.seed_, self._round, "score")):
            strategy.fit(X_pool, labeled=labeled, estimator=model, y=y_pool)
            indices = np.asarray(strategy.query(n))
        try:
            indices = self._check_indices(indices, len(labeled), labeled, "the strategy's query")
        except ValueError as exc:
            raise ValueError(f"{type(strategy).__name__} returned bad indices: {exc}") from None
        if keep is not None:
            indices = keep[indices]
        if len(indices) != n:
            raise ValueError(f"{type(strategy).__name__} returned {len(indices)} indices for a query of {n}.")
        name = repr(strategy)
        if hasattr(strategy, "active_"):
            name += f" -> {strategy.active_!r}"
        self._pseudo = getattr(strategy, "pseudo_labels_", None)
        if self._pseudo is not None and keep is not None:
            self._pseudo = {int(keep[r]): lab for r, lab in self._pseudo.items()}
        return indices, name

    def _record_round(self, indices, labels, strategy_name, query_s, label_s, eval_set, complete=True):
        round_ = self._round
        self.labeled_round_[indices] = round_
        self.labeled_indices_ = np.concatenate([self.labeled_indices_, indices])
        self.labels_ = np.concatenate([self.labels_, labels]) if len(self.labels_) else np.asarray(labels)
        if self._known_classes is None:
            self.classes_ = np.unique(self.labels_)
        record = {
            "round": round_,
            "n_labeled": len(self.labeled_indices_),
            "n_queried": len(indices),
            "queried": np.asarray(indices).copy(),
            "strategy": strategy_name,
            "query_seconds": query_s,
            "label_seconds": label_s,
            "train_seconds": None,
            "score": None,
        }
        self.history_.append(record)
        _, queries, rounds = self._replay
        done = rounds.get(round_)
        if done is not None and not self.warm_start and (round_ + 1) in queries:
            # finished in an earlier session and the next query is journaled: no model is needed now
            record.update({k: v for k, v in done.items() if k not in ("round", "n_labeled", "n_queried", "queried")})
            record["replayed"] = True
            self._untrained = round_
            return
        self._untrained = None
        t0 = time.perf_counter()
        self._train(round_)
        record["train_seconds"] = time.perf_counter() - t0
        if eval_set is not None:
            with torch_seed(derive_seed(self.seed_, round_, "eval")):
                scores = self._scorer()(self, *eval_set)
            if isinstance(scores, dict):
                record["scores"] = {name: float(value) for name, value in scores.items()}
                scores = next(iter(scores.values()))
            record["score"] = float(scores)
        if done is not None:
            record["replayed"] = True
        elif complete and self._book is not None:
            self._book.write_round(round_, record)

    def _scorer(self):
        if self.scoring is None:
            return lambda est, X, y: est.score(X, y)
        return check_scoring(self, scoring=self.scoring)

    # ------------------------------------------------------------- training
    def _prepared_clone(self):
        est = clone(self.estimator)
        if is_skorch(est) and "classes" in est.get_params():
            # skal hands skorch encoded labels 0..C-1; classes_ maps them back.
            est.set_params(classes=np.arange(len(self.classes_)))
        return est

    def _encode(self, labels):
        return np.searchsorted(self.classes_, labels).astype(np.int64)

    def _train(self, round_):
        seed = derive_seed(self.seed_, round_, "train")
        X_l = self._X[self.labeled_indices_]
        previous = getattr(self, "estimator_", None)
        continue_training = self.warm_start and previous is not None and round_ > 0
        est = previous if continue_training else seed_params(self._prepared_clone(), seed)
        if not continue_training and self.warm_start and "warm_start" in est.get_params() and not is_skorch(est):
            est.set_params(warm_start=True)
        self._apply_class_weight(est)
        try:
            if is_skorch(est):
                with torch_seed(seed):
                    fit = est.partial_fit if continue_training else est.fit
                    fit(X_l, self._encode(self.labels_))
            else:
                est.fit(X_l, self.labels_)
        except Exception as exc:
            if hasattr(exc, "add_note"):
                n_classes = len(np.unique(self.labels_))
                hint = (
                    " The labeled set holds a single class: raise initial_size or pick the first pool "
                    "with a strategy that spreads over the data."
                    if n_classes < 2
                    else ""
                )
                exc.add_note(
                    f"skal: training failed in round {round_} on {len(self.labels_)} labels "
                    f"({n_classes} classes); the labels are kept in learner.labeled_indices_ / "
                    f"learner.labels_ and can be passed back to fit().{hint}"
                )
            raise
        self.estimator_ = est

    def _apply_class_weight(self, est):
        if self.class_weight is None:
            return
        if not is_skorch(est):
            est.set_params(class_weight=self.class_weight)
            return
        import torch

        if isinstance(self.class_weight, dict):
            weights = np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_.tolist()])
        else:
            codes = self._encode(self.labels_)
            counts = np.bincount(codes, minlength=len(self.classes_)).astype(np.float64)
            seen = counts > 0
            weights = np.ones(len(self.classes_))
            weights[seen] = counts.sum() / (seen.sum() * counts[seen])
        est.set_params(criterion__weight=torch.as_tensor(weights, dtype=torch.float32))

    # ----------------------------------------------------------- step API
    def query(self, X_pool, n=None):
        """Row indices of ``X_pool`` to label next (nothing is stored).

        Use with :meth:`teach` to keep a person in the loop. The first call on an
        unfitted learner starts a run on ``X_pool`` with nothing labeled; later
        calls must pass the same pool.

        Parameters
        ----------
        X_pool : array-like of shape (n_pool, ...)
        n : int, optional
            Batch size; defaults to ``initial_size`` before any label, else ``query_size``.
        """
        if not hasattr(self, "labeled_round_"):
            self._check_pool(X_pool)
            _, initial = self._strategies()
            classes = self._resolve_classes()
            self._check_first_pool(initial)
            self._start(X_pool, classes)
        else:
            self._check_same_pool(X_pool)
        n_pool = self._X.shape[0]
        n_unlabeled = int(((self.labeled_round_ < 0) & ~self.skipped_).sum())
        if n is None:
            name = "query_size" if len(self.labeled_indices_) else "initial_size"
            n = min(resolve_size(getattr(self, name), n_pool, name), n_unlabeled)
        check_n_query(n, n_unlabeled)
        return self._select(n)[0]

    def teach(self, indices, labels, *, eval_set=None):
        """Add labels for pool rows and retrain, with the same bookkeeping as ``fit``.

        Parameters
        ----------
        indices : array-like of int
            Pool rows (from :meth:`query`, or any unlabeled rows).
        labels : array-like
            One label per row.
        """
        check_is_fitted(self, "labeled_round_", msg="call query(X_pool) or fit(X_pool, oracle) before teach().")
        indices = self._check_indices(indices, len(self.labeled_round_), self.labeled_round_ >= 0, "indices")
        labels = check_answers(labels, len(indices), self._known_classes)
        self._record_round(indices, labels, "teach", 0.0, 0.0, eval_set)
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
        if ((indices < 0) | (indices >= len(self.labeled_round_))).any() or (self.labeled_round_[indices] < 0).any():
            raise ValueError("relabel() changes labels of labeled rows only; use teach() for new rows.")
        labels = check_answers(labels, len(indices), self._known_classes)
        position = {int(r): k for k, r in enumerate(self.labeled_indices_)}
        new = self.labels_.copy() if labels.dtype == self.labels_.dtype else self.labels_.astype(object)
        for row, label in zip(indices.tolist(), labels):
            new[position[row]] = label
        self.labels_ = np.asarray(new.tolist()) if new.dtype == object else new
        self.pseudo_labeled_[indices] = False
        if self._known_classes is None:
            self.classes_ = np.unique(self.labels_)
        self._train(len(self.history_) - 1)
        return self

    def _check_same_pool(self, X_pool):
        shape = getattr(X_pool, "shape", (len(X_pool),))
        if X_pool is not self._X and tuple(shape) != self._X.shape:
            raise ValueError(
                f"this learner runs on a pool of shape {self._X.shape}; got {tuple(shape)}. "
                "Pass the same pool, or clone the learner for a new one."
            )

    # ---------------------------------------------------------- prediction
    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

    def _skorch_fitted(self):
        return is_skorch(self.estimator_)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, one column per entry of ``classes_``."""
        check_is_fitted(self)
        X = self._validate_pool(X, reset=False)
        proba = np.asarray(self.estimator_.predict_proba(X))
        if self._skorch_fitted():
            return proba
        columns = np.searchsorted(self.classes_, self.estimator_.classes_)
        if len(columns) == len(self.classes_):
            return proba
        full = np.zeros((proba.shape[0], len(self.classes_)), dtype=proba.dtype)
        full[:, columns] = proba
        return full

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predicted labels (from ``classes_``)."""
        check_is_fitted(self)
        X = self._validate_pool(X, reset=False)
        if self._skorch_fitted():
            return self.classes_[np.asarray(self.estimator_.predict_proba(X)).argmax(axis=1)]
        return self.estimator_.predict(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """The wrapped estimator's ``decision_function``."""
        check_is_fitted(self)
        return self.estimator_.decision_function(self._validate_pool(X, reset=False))

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Mean accuracy of :meth:`predict` on ``(X, y)``."""
        return ClassifierMixin.score(self, X, y, sample_weight=sample_weight)

    # ------------------------------------------------------------ progress
    def _progress(self, n_pool, initial_n, query_n, n_rounds, budget):
        from tqdm.auto import tqdm

        if n_rounds is not None:
            total = n_rounds + 1
        else:
            spend = n_pool if budget is None else min(budget, n_pool)
            total = 1 + int(np.ceil(max(spend - initial_n, 0) / query_n))
        return tqdm(total=total, disable=not self.verbose, desc="rounds", unit="round")

    def _set_bar(self, bar):
        if not self.history_:  # stopped before the first answer
            return
        last = self.history_[-1]
        bar.set_postfix(labeled=last["n_labeled"], score=last["score"])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
