"""Score a pool on a Ray cluster: ``map_batches`` over an actor pool that loads the model once per worker."""

import builtins
import hashlib
import os

import numpy as np

from ..pools._protocol import as_pool, is_ray_dataset, n_rows, take_rows
from ..pools._scoring import CHUNK_ROWS, apply_chunk, new_output
from ..pools._views import CastRows, RowsView, _PoolObject

__all__ = ["RayPool", "is_ray_dataset"]


class _MemmapHandle:
    """A ``numpy.memmap`` as its file, dtype, shape and offset: each worker maps the file itself, read-only.

    Pickling a memmap would copy its data into the message; this sends a few bytes.
    """

    def __init__(self, X):
        self.filename, self.dtype, self.shape = X.filename, X.dtype, X.shape
        self.offset = getattr(X, "offset", 0)
        self.order = "F" if X.flags.f_contiguous and not X.flags.c_contiguous else "C"

    def open(self):
        return np.memmap(self.filename, self.dtype, mode="r", offset=self.offset, shape=self.shape, order=self.order)


def _portable(pool):
    """What travels to the workers for ``pool``: memory maps as handles, everything else as it is."""
    if as_pool(pool).memmap and pool.filename:
        return _MemmapHandle(pool)
    if isinstance(pool, CastRows) and as_pool(pool.X).memmap:  # skal's own views, not the user's type
        return ("cast", _MemmapHandle(pool.X), pool.dtype)
    if isinstance(pool, RowsView):
        return ("rows", _portable(pool.X), pool.rows)
    return pool


def _reopen(portable):
    if isinstance(portable, _MemmapHandle):
        return portable.open()
    if isinstance(portable, tuple) and portable and portable[0] == "cast":
        return CastRows(portable[1].open(), portable[2])
    if isinstance(portable, tuple) and portable and portable[0] == "rows":
        return RowsView(_reopen(portable[1]), portable[2])
    return portable


def _keep_print():
    """Keep ``builtins.print`` the built-in, so a skorch net (its PrintLog holds ``print``) pickles for the workers.

    Ray Data's progress bars replace ``builtins.print`` in the driver with
    their own ``safe_print`` unless ``RAY_TQDM_PATCH_PRINT=0``; pickle then finds
    that ``builtins.print`` is not the ``print`` a net holds and refuses it. The
    variable is set (unless the user set it) before any bar starts, and a print
    patched earlier is put back.
    """
    os.environ.setdefault("RAY_TQDM_PATCH_PRINT", "0")
    try:
        from ray.experimental import tqdm_ray
    except ImportError:  # pragma: no cover - layout of another Ray version
        return
    if builtins.print is getattr(tqdm_ray, "safe_print", None):
        builtins.print = tqdm_ray._print


def _outputs_batch(positions, values):
    batch = {"pos": np.asarray(positions, dtype=np.int64)}
    for i, v in enumerate(values):
        batch[f"v{i}"] = v
    return batch


class _ChunkScorer:
    """A Ray Data actor: ``fn`` over chunks of pool rows; model, pool and rows fetched once, at start."""

    def __init__(self, refs, fn, chunk_rows, contiguous_ok):
        import ray

        model, pool, rows = ray.get(list(refs))
        self.model, self.pool, self.rows = model, _reopen(pool), rows
        self.fn, self.chunk_rows, self.contiguous_ok = fn, chunk_rows, contiguous_ok

    def __call__(self, batch):
        starts = np.asarray(batch["start"], dtype=np.int64)
        positions, outs = [], []
        for start in starts.tolist():
            part = self.rows[start : start + self.chunk_rows]
            outs.append(apply_chunk(self.fn, self.model, self.pool, part, start, self.contiguous_ok))
            positions.append(np.arange(start, start + len(part)))
        values = tuple(np.concatenate([o[i] for o in outs]) for i in range(len(outs[0])))
        return _outputs_batch(np.concatenate(positions), values)


class _BlockScorer:
    """A Ray Data actor over the blocks of a ``ray.data.Dataset`` pool: keeps the rows asked for, applies ``fn``."""

    def __init__(self, refs, fn, columns, dtype, chunk_rows):
        import ray

        self.model, self.positions, self.blocks = ray.get(list(refs))
        self.fn, self.columns, self.dtype, self.chunk_rows = fn, columns, dtype, chunk_rows

    def __call__(self, batch):
        positions, outs = [], []
        for i in np.asarray(batch["block"], dtype=np.int64).tolist():
            ref, offset, first, stop = self.blocks[i]
            pos = self.positions[offset : offset + stop - first]
            keep = np.flatnonzero(pos >= 0)
            if not len(keep):
                continue
            X = _block_features(ref, first, stop, self.columns, self.dtype)
            for s in range(0, len(keep), self.chunk_rows):
                part = keep[s : s + self.chunk_rows]
                outs.append(apply_chunk(self.fn, self.model, X, part, int(pos[part[0]])))
                positions.append(pos[part])
        if not outs:
            return {"pos": np.empty(0, np.int64)}
        values = tuple(np.concatenate([o[i] for o in outs]) for i in range(len(outs[0])))
        return _outputs_batch(np.concatenate(positions), values)


def _block_features(ref, first, stop, columns, dtype=None):
    """Rows ``first:stop`` of a Ray Data block as the model's input (see :func:`_features`), cast to ``dtype``."""
    import ray
    from ray.data.block import BlockAccessor

    batch = BlockAccessor.for_block(ray.get(ref)).to_batch_format("numpy")
    X = _features(batch, columns)[first:stop]
    return X if dtype is None else X.astype(dtype, copy=False)


def _features(batch, columns):
    """The model input of a batch of a Ray dataset: one column as it is (images stay 4-D), or several side by side."""
    if len(columns) == 1:
        return np.asarray(batch[columns[0]])
    return np.column_stack([np.asarray(batch[c]) for c in columns])


def _index_blocks(dataset):
    """``(materialized dataset, [(block ref, pool offset, first, stop), ...])``: each block's rows in pool order."""
    # Pool row i must be the i-th row of the dataset, whichever task finishes first.
    dataset.context.execution_options.preserve_order = True
    materialized = dataset.materialize()
    blocks, offset = [], 0
    for bundle in materialized.iter_internal_ref_bundles():
        slices = bundle.slices or (None,) * len(bundle.block_refs)
        for ref, meta, cut in zip(bundle.block_refs, bundle.metadata, slices):
            first, stop = (0, meta.num_rows) if cut is None else (cut.start_offset, cut.end_offset)
            blocks.append((ref, offset, first, stop))
            offset += stop - first
    return materialized, blocks


class RayPool(_PoolObject):
    """A pool whose rows are scored on a Ray cluster.

    Wraps any pool skal takes — an array or ``numpy.memmap``, a torch
    ``Dataset`` (e.g. ``ImageFolder``), a pool object such as
    :class:`skal.pools.ParquetPool` — or a ``ray.data.Dataset``. Pass it as the
    pool of :meth:`skal.ActiveLearner.fit`: training reads the labeled rows
    through :meth:`take`, and every point-wise score (LC, HC, margin, entropy,
    BALD/DBAL, GradNorm, LPLgrad, LearningLoss) and every net embedding
    (Coreset, k-means, TypiClust, BADGE with a net) is computed with
    ``ray.data.Dataset.map_batches`` over an actor pool of ``num_workers``
    actors. Each actor fetches the model once, from a checkpoint put in Ray's
    object store once per scoring pass (never pickled per batch), and the
    pool once (a memmap travels as its file name; an array through the object
    store; a ``Dataset`` or pool object pickled, so its files must be readable
    from every node). The scores come back as one scalar per row (8 bytes), are
    placed by pool position and ranked on the driver by the strategy's own
    top-k, so the picks are exactly those of the local path for deterministic
    point-wise strategies: a wrapped pool is cut into the same chunks of
    ``chunk_rows`` rows locally and on the workers, so MC-dropout masks match
    too. The representation strategies then run on the gathered embeddings
    (memory-mapped past scikit-learn's ``working_memory``).

    Parameters
    ----------
    pool : array, memmap, torch Dataset, pool object or ``ray.data.Dataset``
    num_workers : int, default 2
        Actors in the pool (``ray.data.ActorPoolStrategy(size=num_workers)`` of ``map_batches``).
    num_cpus : float, default 1
        CPUs reserved per actor.
    num_gpus : float, default 0
        GPUs per actor (a skorch net is moved to the actor's device as
        skorch unpickles it: ``device="cuda"`` needs ``num_gpus > 0``).
    columns : list of str, optional
        For a ``ray.data.Dataset``: the feature columns (default: all). One
        column is handed to the model as it is (an image tensor column stays
        ``(n, C, H, W)``); several are stacked side by side.
    dtype : numpy dtype, optional
        For a ``ray.data.Dataset``: the dtype the rows are handed out in
        (e.g. ``np.float32`` for a skorch net over float64 columns).

    Notes
    -----
    Ray is imported only when a ``RayPool`` is built (``pip install
    skal[ray]``). Call ``ray.init(...)`` first to join a cluster; otherwise Ray
    starts a local one. A ``ray.data.Dataset`` is materialized once, when the
    ``RayPool`` is built, in order (``preserve_order=True``: without it Ray
    Data may emit blocks as tasks finish), and kept in the cluster's object
    store (spilled to disk past its memory); pool row ``i`` is the dataset's
    ``i``-th row. :meth:`take` (the labeled rows, once a round) fetches only the blocks
    holding the rows asked for. MC-dropout strategies on a ``ray.data.Dataset``
    seed each chunk of a block by its first row, so their picks depend on the
    block layout (reproducible for the same dataset, not equal to an in-memory
    run); deterministic scores do not.

    Examples
    --------
    >>> import numpy as np, ray
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import ActiveLearner
    >>> from skal.distributed import RayPool
    >>> from skal.strategies import Entropy, Random
    >>> _ = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)  # doctest: +SKIP
    >>> X = np.random.default_rng(0).normal(size=(2000, 4)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> learner = ActiveLearner(LogisticRegression(), strategy=Entropy(), initial_strategy=Random(),
    ...                         initial_size=20, query_size=20, n_rounds=2, random_state=0)
    >>> learner.fit(RayPool(X, num_workers=2), y).n_labeled_  # doctest: +SKIP
    60
    """

    def __init__(self, pool, *, num_workers=2, num_cpus=1, num_gpus=0, columns=None, dtype=None):
        import ray  # noqa: F401  (a clear ImportError now, not inside a round)

        _keep_print()

        if isinstance(pool, RayPool):
            pool = pool.pool
        self.pool = pool
        self.num_workers = int(num_workers)
        self.num_cpus = num_cpus
        self.num_gpus = num_gpus
        self.dtype = None if dtype is None else np.dtype(dtype)
        if self.num_workers < 1:
            raise ValueError(f"num_workers must be a positive int; got {num_workers!r}.")
        if is_ray_dataset(pool):
            self.columns = list(columns) if columns is not None else list(pool.columns())
            self._materialized, self._blocks = _index_blocks(pool.select_columns(self.columns))
            self._n = sum(stop - first for _, _, first, stop in self._blocks)
        else:
            if columns is not None or dtype is not None:
                raise ValueError(
                    "columns= and dtype= are for a ray.data.Dataset pool; other pools give their rows as they are."
                )
            self.columns = None
            self._n = n_rows(pool)

    def __len__(self):
        return self._n

    @property
    def shape(self):
        return getattr(self.pool, "shape", (self._n,))

    def __repr__(self):
        return f"RayPool({type(self.pool).__name__} of {self._n} rows, num_workers={self.num_workers})"

    def _remote_args(self, n_items):
        import ray

        return {
            "compute": ray.data.ActorPoolStrategy(size=min(self.num_workers, n_items)),
            "num_cpus": self.num_cpus,
            "num_gpus": self.num_gpus or None,
        }

    def take(self, rows):
        """Rows ``rows`` in the wrapped pool's type (a ``ray.data.Dataset`` gives an array, in the order asked)."""
        rows = np.asarray(rows, dtype=np.intp).reshape(-1)
        if not is_ray_dataset(self.pool):
            return take_rows(self.pool, rows)
        if len(rows) and (rows.min() < 0 or rows.max() >= self._n):
            raise IndexError(f"rows out of range for a pool of {self._n} rows.")
        offsets = np.array([offset for _, offset, _, _ in self._blocks], dtype=np.int64)
        which = np.searchsorted(offsets, rows, side="right") - 1
        out = None
        for b in np.unique(which).tolist():
            ref, offset, first, stop = self._blocks[b]
            mine = np.flatnonzero(which == b)
            X = _block_features(ref, first, stop, self.columns, self.dtype)[rows[mine] - offset]
            if out is None:
                out = np.empty((len(rows), *X.shape[1:]), dtype=X.dtype)
            out[mine] = X
        return out if out is not None else np.empty((0, len(self.columns)))

    def subset(self, rows):
        """The pool rows ``rows`` as a ``RayPool`` still scored on the workers (a ``ray.data.Dataset``: an array).

        What :class:`skal.strategies.Subsample` hands its inner strategy: a
        representation strategy on a random candidate subset then embeds only
        those rows, on the cluster (the two-stage prefilter for pools whose
        embeddings do not fit).
        """
        if is_ray_dataset(self.pool):
            return self.take(rows)
        view = RowsView(self.pool, rows)
        return RayPool(view, num_workers=self.num_workers, num_cpus=self.num_cpus, num_gpus=self.num_gpus)

    def map_rows(self, rows, fn, estimator, *, chunk_rows=CHUNK_ROWS, contiguous_ok=False):
        """``fn`` over the pool rows ``rows`` on the workers; see :func:`skal.pools._scoring.map_rows`."""
        import ray

        rows = np.asarray(rows, dtype=np.intp).reshape(-1)
        if not len(rows):
            raise ValueError("map_rows needs at least one row.")
        _keep_print()
        checkpoint = ray.put(estimator)
        if is_ray_dataset(self.pool):
            positions = np.full(self._n, -1, dtype=np.int64)
            positions[rows] = np.arange(len(rows))
            blocks = _work_items("block", range(len(self._blocks)))
            refs = [checkpoint, ray.put(positions), ray.put(self._blocks)]
            results = blocks.map_batches(
                _BlockScorer,
                fn_constructor_kwargs={
                    "refs": refs,
                    "fn": fn,
                    "columns": self.columns,
                    "dtype": self.dtype,
                    "chunk_rows": chunk_rows,
                },
                batch_size=1,
                batch_format="numpy",
                **self._remote_args(len(self._blocks)),
            )
        else:
            starts = _work_items("start", range(0, len(rows), chunk_rows))
            refs = [checkpoint, ray.put(_portable(self.pool)), ray.put(rows)]
            results = starts.map_batches(
                _ChunkScorer,
                fn_constructor_kwargs={
                    "refs": refs,
                    "fn": fn,
                    "chunk_rows": chunk_rows,
                    "contiguous_ok": contiguous_ok,
                },
                batch_size=1,
                batch_format="numpy",
                **self._remote_args(-(-len(rows) // chunk_rows)),
            )
        return _gather(results, len(rows))

    def fingerprint(self):
        """The wrapped pool's fingerprint; a ``ray.data.Dataset`` gives its row count, columns and input files."""
        if not is_ray_dataset(self.pool):
            from ..pools import pool_fingerprint

            return pool_fingerprint(self.pool)
        h = hashlib.sha256(f"ray.data|{self._n}|{self.columns}".encode())
        h.update(repr(sorted(self.pool.input_files())).encode())
        return h.hexdigest()


def _work_items(name, values):
    """A Ray dataset of one item per unit of work, one block each, so every actor of the pool gets some."""
    import ray

    items = [{name: v} for v in values]
    return ray.data.from_items(items, override_num_blocks=len(items))


def _gather(results, n):
    """Place the workers' outputs by position: one array per output of ``fn`` (a tuple when several)."""
    outs, seen = None, 0
    for batch in results.iter_batches(batch_format="numpy", batch_size=None):
        pos = batch["pos"]
        if not len(pos):
            continue
        values = [batch[f"v{i}"] for i in range(len(batch) - 1)]
        if outs is None:
            outs = tuple(new_output(n, v) for v in values)
        for out, v in zip(outs, values):
            out[pos] = v
        seen += len(pos)
    if seen != n:
        raise RuntimeError(f"the Ray workers returned {seen} rows for {n}; the pool changed while it was scored?")
    return outs if len(outs) > 1 else outs[0]
