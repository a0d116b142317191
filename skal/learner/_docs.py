"""The ActiveLearner docstring, kept apart so the class reads as code."""

__all__ = ["LEARNER_DOC", "FIT_DOC", "QUERY_DOC", "TEACH_DOC", "RELABEL_DOC", "doc"]


def doc(text):
    """Give the decorated function the docstring ``text``."""

    def give(function):
        function.__doc__ = text
        return function

    return give


LEARNER_DOC = """Pool-based active learning around any classifier or skorch net.

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

FIT_DOC = """Run the active-learning loop on the pool ``X``.

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

QUERY_DOC = """Row indices of ``X_pool`` to label next; the learner's labels, history and model are not changed.

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

TEACH_DOC = """Add labels for pool rows and retrain, with the same bookkeeping as ``fit``.

Parameters
----------
indices : array-like of int
    Pool rows (from :meth:`query`, or any unlabeled rows).
labels : array-like
    One label per row.
eval_set : tuple (X_val, y_val), optional
    Scored into the new ``history_`` record.
"""

RELABEL_DOC = """Replace the labels of rows already labeled (e.g. verified pseudo-labels) and retrain.

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
