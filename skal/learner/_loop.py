"""The round loop: select → ask → record → train, as functions over one :class:`Run`.

A :class:`Setup` holds what every round of a fit reads and none changes (the
models, the strategies, the seed, the rules); a :class:`Run` only what
persists from one round to the next (the pool, the last model, the history,
where labels come from and go, the callbacks, why the run stopped). Each step
takes values and returns values: :func:`select` the picks, :func:`ask` the
answers; :func:`record_round` passes the round's record through
:func:`new_record`, the callbacks' ``on_record``, :func:`trained_record`
(:func:`evaluate`) or a replayed or waiting record, each a new record out.
Nothing is carried between steps through the learner.
"""

import re
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from sklearn import config_context
from sklearn.base import clone

from ..exceptions import JournalError
from ..journal import ReplayPlan
from ..oracles import SKIP, STOP, UNDO, RoundContext
from ..utils._random import derive_seed, seed_params
from ..utils._random import torch_seed_if_loaded as torch_seed
from ..utils._validation import check_answers
from ._checks import check_first_pool, check_rows

__all__ = [
    "Setup",
    "Run",
    "Picks",
    "run_rounds",
    "select",
    "record_round",
    "new_record",
    "trained_record",
    "evaluate",
    "train",
    "fit_model",
]


@dataclass(frozen=True)
class Setup:
    """What every round of one fit reads and none changes.

    ``score(model)`` scores a model on the fit's ``eval_set`` (a float or
    ``{name: float}``; None without one); ``pool_finite``: the pool was
    checked for NaN/inf before the run, so scoring need not check it again.
    """

    adapter: object
    strategy: object
    initial: object
    seed: int
    budget: int = None
    warm_start: bool = False
    class_weight: object = None
    min_classes: int = 1  # train only once the labels hold this many classes (while more can be labeled)
    score: object = None
    pool_finite: bool = False


@dataclass
class Run:
    """What persists across the rounds of one run, passed to every step.

    ``pool`` holds the labels so far; ``model`` is the last trained model;
    ``history`` the records of the rounds so far; ``oracle``, ``journal`` and
    ``plan`` are where labels come from and go (``plan``: what a journal
    replays); ``notify(hook, **kwargs)`` tells the callbacks. ``untrained``
    is a replayed round whose model was not needed yet; ``stopped`` is set by
    an oracle's STOP (the round is incomplete), ``stop_reason`` by a callback
    asking to stop (the round is complete); ``unsaved`` holds the answers of
    a round an exception cut short; ``notes`` an oracle's notes
    (``RoundContext.remember``) when there is no journal.
    """

    setup: Setup
    pool: object
    oracle: object = None
    journal: object = None
    plan: ReplayPlan = field(default_factory=ReplayPlan)
    notify: object = None
    model: object = None
    history: list = field(default_factory=list)
    untrained: int = None
    stopped: bool = False
    stop_reason: str = None
    unsaved: tuple = None
    notes: dict = field(default_factory=dict)

    @property
    def round(self):
        """The number the next labeled batch gets."""
        return len(self.history)

    @property
    def ended(self):
        return self.stopped or self.stop_reason is not None

    def emit(self, hook, **kwargs):
        """Tell the callbacks; a truthy answer stops the run after this round (a string answer is the reason)."""
        answer = self.notify(hook, **kwargs) if self.notify is not None else None
        if answer and self.stop_reason is None:
            self.stop_reason = answer if isinstance(answer, str) else f"a callback asked to stop ({hook})"


def run_rounds(run, given, initial_n, query_n, n_rounds, budget):
    """Round 0 (given labels or a query of ``initial_n``), then rounds until budget, ``n_rounds`` or a stop."""
    if given is not None:
        run.emit("on_round_begin", round=0, n=len(given[0]))
        record = given_round(run, *given)
    else:
        run.emit("on_round_begin", round=0, n=initial_n)
        record = play_round(run, initial_n)
    if record is not None:
        run.emit("on_round_end", record=record)
    while not run.ended and (n_rounds is None or run.round - n_waiting(run.history) <= n_rounds):
        n = next_size(run.pool, query_n, budget)
        if n == 0:
            break
        run.emit("on_round_begin", round=run.round, n=n)
        record = play_round(run, n)
        if record is not None:
            run.emit("on_round_end", record=record)
    catch_up(run)  # the last labeled round was replayed untrained
    if run.model is None and len(run.pool.indices) and not run.stopped:
        train(run, run.round - 1)  # still too few classes and nothing left to label: the error says what to do


def n_waiting(history):
    """Rounds recorded untrained because the labels held too few classes (they do not count in ``n_rounds``)."""
    return sum(1 for record in history if record.get("too_few_classes"))


def next_size(pool, query_n, budget):
    """Rows the next round asks for: ``query_n``, capped by what is left to offer and to spend."""
    n = min(query_n, pool.n_available())
    if budget is not None:  # pseudo-labels cost no budget: it counts labels from the oracle
        n = min(n, budget - pool.n_paid())
    return max(n, 0)


def play_round(run, n):
    """Query (or replay) ``n`` rows, get their labels, record and train; the round's record or None."""
    round_ = run.round
    t0 = time.perf_counter()
    rows, pseudo, model = run.plan.query(round_), None, None
    if rows is not None:  # a resumed round: the query it made before
        name = "replayed query"
    else:
        catch_up(run)  # a replayed round left untrained: its model is needed now
        rows, name, pseudo, model = select(run, n)
        if run.journal is not None:
            run.journal.write_query(round_, rows, name)
    run.emit("on_query", round=round_, rows=rows, strategy=name, model=model)
    t1 = time.perf_counter()
    answers = run.plan.answers(rows)
    missing = np.asarray([r for r in rows if int(r) not in answers and not run.pool.skipped[r]], dtype=np.intp)
    if pseudo is not None and len(missing):  # a zero-shot first pool: labels from the strategy, not the oracle
        answers.update(take_pseudo_labels(run, missing, pseudo, round_, name))
    elif len(missing):
        answers.update(ask(run, missing, round_, name, replayed=len(answers)))
    t2 = time.perf_counter()
    got = np.asarray([r for r in rows if int(r) in answers], dtype=np.intp)
    if not len(got):  # every row was skipped, or the person stopped before answering any
        return None if run.stopped else empty_round(run, name)
    labels = check_answers([answers[int(r)] for r in got], len(got), run.pool.known_classes, seen=run.pool.labels)
    record = record_round(run, got, labels, name, t1 - t0, t2 - t1, complete=not run.stopped)
    if run.pool.pseudo[got].any():  # marked after the journal took the record, as before
        record = run.history[-1] = {**record, "pseudo": True}
    return record


def catch_up(run):
    """Train the model of a round replayed untrained (``run.untrained``), now that it is needed."""
    if run.untrained is not None:
        train(run, run.untrained)
        run.untrained = None


class Picks(NamedTuple):
    """What :func:`select` returns: pool ``rows``, the strategy's ``name``, its ``pseudo`` labels, the ``model``."""

    rows: object
    name: str
    pseudo: dict
    model: object


def select(run, n):
    """The :class:`Picks` of the round's strategy; nothing in ``run`` changes.

    ``pseudo`` maps pool rows to a zero-shot strategy's labels (else None);
    ``model`` is the one that describes the picks (``on_query``'s): the model
    that scored them (a net with random weights for a first pool), else the
    last trained one; None before any.
    """
    setup, pool, round_ = run.setup, run.pool, run.round
    first = not pool.labeled.any() or (run.model is None and too_few_classes(pool, setup.min_classes))
    template = setup.initial if first else setup.strategy
    strategy = clone(template)
    seed_params(strategy, derive_seed(setup.seed, round_, "query"), round_=round_)
    X, labeled, y, keep = pool.offered()
    model = None
    if strategy.needs_estimator(labeled):
        model = run.model
        if model is None and setup.adapter.is_net:
            model = setup.adapter.random_weights(len(pool.classes), derive_seed(setup.seed, round_, "init"))
        elif model is None:
            check_first_pool(strategy, setup.adapter)  # features of X itself need no model; probabilities do
    # Scoring runs under its own torch seed: skorch's data loaders draw from the
    # global generator even in eval mode, and MC-dropout strategies need a seed.
    # A pool checked for NaN/inf before the run is not checked again by every
    # predict_proba of every round (half of a cheap model's pass over a memmap).
    finite = config_context(assume_finite=True) if setup.pool_finite else nullcontext()
    with torch_seed(derive_seed(setup.seed, round_, "score")), finite:
        strategy.fit(X, labeled=labeled, estimator=model, y=y)
        rows = check_rows(strategy, strategy.query(n), labeled, n)
    pseudo = getattr(strategy, "pseudo_labels_", None)
    if keep is not None:
        rows = keep[rows]
        pseudo = None if pseudo is None else {int(keep[r]): label for r, label in pseudo.items()}
    name = strategy_name(template, getattr(strategy, "active_", None))
    return Picks(rows, name, pseudo, model if model is not None else run.model)  # Random's picks get described too


def strategy_name(strategy, active=None):
    """The strategy as the user wrote it, on one line (no per-round seeds); ``-> Inner`` for a schedule's part.

    Examples
    --------
    >>> from skal.strategies import Margin, Random, Schedule
    >>> strategy_name(Schedule(Random(), Margin()), Margin())
    'Schedule(initial=Random(), then=Margin()) -> Margin'
    """
    name = re.sub(r"<function (\S+) at 0x[0-9a-fA-F]+>", r"\1", re.sub(r"\s+", " ", repr(strategy)))
    name = re.sub(r"([(\[{]) | ([)\]}])", r"\1\2", name)
    return name if active is None else f"{name} -> {type(active).__name__}"


def take_pseudo_labels(run, rows, pseudo, round_, name):
    """A strategy's pseudo-labels for ``rows``, journaled as such and flagged in the pool."""
    labels = check_answers([pseudo[int(r)] for r in rows], len(rows), run.pool.known_classes, seen=run.pool.labels)
    if run.journal is not None:
        run.journal.write_labels(round_, rows, labels, oracle="pseudo", strategy=name)
    run.pool.pseudo[rows] = True
    return dict(zip(rows.tolist(), labels))


def ask(run, rows, round_, name, replayed=0):
    """The oracle's answers for ``rows`` as ``{row: label}``, each response journaled before it is used.

    The oracle streams responses (a batch oracle one, a person one per row);
    each is validated whole and written in one transaction. SKIP marks a row
    skipped; STOP ends the run (``run.stopped``); UNDO takes back the last
    answer of this stream (its label is deleted from the journal, or its skip
    forgotten). Answers given before an exception are kept in ``run.unsaved``
    (and in the journal, if any). ``replayed`` counts the round's answers read
    back from the journal (a resumed round): they are paid for already.
    """
    answers, oracle = {}, type(run.oracle).__name__
    seed = derive_seed(run.setup.seed, round_, "query")
    X_rows = run.pool.rows(rows)
    try:
        # Oracle.stream checks each response: one answer per position, a STOP only as the very last answer,
        # and an UNDO only for the last answer still standing.
        context = round_context(run, round_, X_rows, replayed)
        for positions, response in run.oracle.stream(rows, X_rows, context):
            response = list(response)
            if response and response[0] is UNDO:
                take_back(run, int(rows[positions[0]]), answers)
                continue
            if response and response[-1] is STOP:
                run.stopped = True
                positions, response = positions[:-1], response[:-1]
            skipped = rows[[p for p, a in zip(positions, response) if a is SKIP]]
            if len(skipped):
                if run.journal is not None:
                    run.journal.write_skipped(round_, skipped, oracle=oracle)
                run.pool.skipped[skipped] = True
            given = [(p, a) for p, a in zip(positions, response) if a is not SKIP]
            if given:
                seen = run.pool.labels if len(run.pool.labels) or not answers else np.asarray(list(answers.values()))
                labels = check_answers([a for _, a in given], len(given), run.pool.known_classes, not answers, seen)
                got = rows[[p for p, _ in given]]
                if run.journal is not None:
                    run.journal.write_labels(round_, got, labels, oracle=oracle, strategy=name, seed=seed)
                answers.update(zip(got.tolist(), labels))
                run.emit("on_label", round=round_, rows=got, labels=labels)
            if run.stopped:
                break
    except BaseException:
        if answers:
            run.unsaved = (np.asarray(list(answers), dtype=np.intp), np.asarray(list(answers.values())))
        raise
    return answers


def take_back(run, row, answers):
    """Undo the answer for ``row`` given earlier in this stream: its label (journal and ``answers``) or its skip."""
    if row in answers:
        if run.journal is not None:
            run.journal.undo_label(row)
        del answers[row]
    else:
        if run.journal is not None:
            run.journal.unskip(row)
        run.pool.skipped[row] = False
    run.emit("on_undo", row=row)


def round_context(run, round_, X_rows, replayed=0):
    """The :class:`~skal.oracles.RoundContext` an oracle for people gets: the model's guesses, budget, notes."""
    classes = run.pool.classes
    proba = None
    if run.model is not None and classes is not None:
        model = run.model
        proba = lambda: run.setup.adapter.predict_proba(model, X_rows, classes)  # noqa: E731 - computed only if asked
    store = run.journal.notes() if run.journal is not None else run.notes
    return RoundContext(
        round=round_,
        classes=classes,
        n_labeled=len(run.pool.indices),
        n_paid=run.pool.n_paid() + replayed,
        budget=run.setup.budget,
        proba=proba,
        store=store,
    )


def given_round(run, rows, labels):
    """Round 0 from labels the user holds (checked against a journal that started from them)."""
    if run.plan.labels:
        if run.plan.initial_rows() != sorted(np.asarray(rows).tolist()):
            raise JournalError(
                "the journal started from other labeled_indices than the ones given; pass the same "
                "labeled_indices and labels to resume, or a new journal."
            )
    elif run.journal is not None:
        run.journal.write_query(0, rows, "given")
        run.journal.write_labels(0, rows, labels, oracle="given", strategy="given")
    return record_round(run, rows, labels, "given", 0.0, 0.0, complete=True)


def empty_round(run, name):
    """The record of a round in which no row got a label."""
    empty = np.empty(0, dtype=np.intp)
    record = new_record(run.round, len(run.pool.indices), empty, name, 0.0, 0.0, cost_so_far(run.history))
    run.history.append(record)
    return record


def cost_so_far(history):
    """The ``total_cost`` of the last round that recorded one (0.0 before any)."""
    return next((r["total_cost"] for r in reversed(history) if r.get("total_cost") is not None), 0.0)


def new_record(round_, n_labeled, rows, name, query_s, label_s, total_cost=0.0):
    """A round's record before callbacks and training add to it: its labels cost nothing yet, it has no model.

    Examples
    --------
    >>> record = new_record(2, 30, [4, 7], "Margin()", 0.1, 5.0, total_cost=28.0)
    >>> record["n_queried"], record["cost"], record["total_cost"], record["train_seconds"]
    (2, 0.0, 28.0, None)
    """
    return {
        "round": round_,
        "n_labeled": n_labeled,
        "n_queried": len(rows),
        "queried": np.asarray(rows).copy(),
        "strategy": name,
        "query_seconds": query_s,
        "label_seconds": label_s,
        "train_seconds": None,
        "score": None,
        "cost": 0.0,
        "total_cost": total_cost,
    }


#: the keys of a journaled record a replayed round does not take: the round's own
_OWN_KEYS = ("round", "n_labeled", "n_queried", "queried")


def record_round(run, rows, labels, name, query_s, label_s, complete=True):
    """Add the round's labels to the pool, train (unless a replay does not need it) and score; the record.

    The record passes through values: :func:`new_record`, the callbacks'
    ``on_record`` (the cost, the class counts), then :func:`finish_round`. It
    is in ``history`` from the start, so a round whose training fails keeps
    its record; the finished record replaces it.
    """
    round_ = run.round
    run.pool.add(rows, labels, round_)
    record = new_record(round_, len(run.pool.indices), rows, name, query_s, label_s, cost_so_far(run.history))
    run.emit("on_record", record=record, rows=rows, labels=labels)
    run.history.append(record)
    record = run.history[-1] = finish_round(run, record, complete)
    return record


def finish_round(run, record, complete=True):
    """The record of a round whose labels are in the pool: replayed untrained, waiting for classes, or trained.

    A trained round's record is journaled unless ``complete`` is False (an
    oracle's STOP cut it short) or it was replayed from the journal.
    """
    round_, setup = record["round"], run.setup
    done = run.plan.finished(round_)
    if run.plan.skips_training(round_, setup.warm_start):
        # finished in an earlier session and the next query is journaled: no model is needed now
        run.untrained = round_
        return {**record, **{k: v for k, v in done.items() if k not in _OWN_KEYS}, "replayed": True}
    run.untrained = None
    if too_few_classes(run.pool, setup.min_classes) and next_size(run.pool, 1, setup.budget) > 0:
        return {**record, "too_few_classes": True}  # labeling goes on with the initial strategy; no model yet
    record = trained_record(run, record)
    if done is not None:
        # the cost an earlier session measured ("time": the person's seconds; the replay answered in none)
        cost = {k: done[k] for k in ("cost", "total_cost") if done.get(k) is not None}
        return {**record, "replayed": True, **cost}
    if complete and run.journal is not None:
        run.journal.write_round(round_, record)
    return record


def trained_record(run, record):
    """Train the round's model (``run.model``) and score it: the record with ``train_seconds`` and its scores.

    The callbacks' ``on_train_end`` then add to it (per-class accuracy).
    """
    round_ = record["round"]
    t0 = time.perf_counter()
    train(run, round_)
    record = {**record, "train_seconds": time.perf_counter() - t0, **evaluate(run.setup, run.model, round_)}
    run.emit("on_train_end", record=record, model=run.model)
    return record


def evaluate(setup, model, round_):
    """``{"score": float}`` of ``model`` on the eval_set (and ``"scores"`` for several metrics); {} without one."""
    if setup.score is None:
        return {}
    with torch_seed(derive_seed(setup.seed, round_, "eval")):
        scores = setup.score(model)
    if isinstance(scores, dict):
        return {
            "scores": {key: float(value) for key, value in scores.items()},
            "score": float(next(iter(scores.values()))),
        }
    return {"score": float(scores)}


def train(run, round_):
    """Train the model of ``round_`` on every label held (continuing the last one under ``warm_start``)."""
    run.model = fit_model(run.setup, run.pool, run.model, round_)


def fit_model(setup, pool, model, round_):
    """The model of ``round_``, trained on every label of ``pool`` (continuing ``model`` under ``warm_start``)."""
    adapter = setup.adapter
    seed = derive_seed(setup.seed, round_, "train")
    X, labels = pool.training_set()
    go_on = setup.warm_start and model is not None and round_ > 0
    go_on = go_on and (adapter.is_net or _knows_every_class(model, labels))
    model = model if go_on else adapter.new(len(pool.classes), seed, warm_start=setup.warm_start)
    adapter.set_class_weight(model, setup.class_weight, pool.classes, labels)
    try:
        return adapter.train(model, X, labels, pool.classes, seed, partial=go_on)
    except Exception as exc:
        n_classes = len(np.unique(labels))
        hint = ""
        if n_classes < 2 and setup.min_classes > 1:  # labeling went on for a second class until nothing was left
            hint = (
                " The labeled set holds a single class after every row the pool and budget allowed: raise the "
                "budget, or check the labels (does the pool hold another class?)."
            )
        elif n_classes < 2:
            hint = (
                " The labeled set holds a single class: raise initial_size, leave min_classes at 2 (labeling "
                "then goes on until a second class appears), or pick the first pool with a strategy that spreads "
                "over the data."
            )
        exc.add_note(
            f"skal: training failed in round {round_} on {len(labels)} labels ({n_classes} classes); the labels "
            f"are kept in learner.labeled_indices_ / learner.labels_ and can be passed back to fit().{hint}"
        )
        raise


def _knows_every_class(model, labels):
    """Whether a scikit-learn model can continue training on ``labels`` (a new class needs a fresh model).

    A skorch net knows the whole label space from the start; a scikit-learn
    estimator with ``warm_start`` cannot grow its ``classes_``, so a round that
    brings a new class trains a fresh clone.
    """
    known = getattr(model, "classes_", None)
    return known is None or bool(np.isin(np.unique(labels), known).all())


def too_few_classes(pool, min_classes):
    """Whether the labels held span fewer than ``min_classes`` classes."""
    return len(np.unique(pool.labels)) < min_classes
