"""A 2-D map of the pool (t-SNE, or PCA for large pools) with the labeled rows coloured by round."""

import numpy as np

from ._layout import new_axes
from ._sources import is_results, labeled_round, select_runs

__all__ = ["plot_pool_map", "embed"]


def _tsne(X, random_state):
    perplexity = float(min(30.0, max(2.0, (len(X) - 1) / 3)))
    try:
        import openTSNE
    except ImportError:
        from sklearn.manifold import TSNE

        tsne = TSNE(perplexity=perplexity, init="pca", random_state=random_state)
        return tsne.fit_transform(X), "t-SNE, scikit-learn"
    tsne = openTSNE.TSNE(perplexity=perplexity, random_state=random_state, n_jobs=1, verbose=False)
    return np.asarray(tsne.fit(X)), "t-SNE, openTSNE"


def embed(X, *, max_tsne_rows=5000, random_state=0):
    """``(Y, name)``: 2-D coordinates of the pool's rows and the projection's name.

    Rows are flattened (images become vectors). Up to ``max_tsne_rows`` rows
    use t-SNE (openTSNE when importable, else scikit-learn) after PCA to 50
    dimensions; larger pools use PCA to 2 dimensions.

    Examples
    --------
    >>> Y, name = embed(np.arange(24.0).reshape(8, 3), max_tsne_rows=4)
    >>> Y.shape, name
    ((8, 2), 'PCA')
    """
    from sklearn.decomposition import PCA, TruncatedSVD

    from ..pools import as_pool

    if as_pool(X).kind == "sparse":  # e.g. TF-IDF rows: a 50-dimensional SVD first, as for dense rows
        k = max(1, min(50, X.shape[1] - 1, X.shape[0] - 1))
        X = TruncatedSVD(k, random_state=random_state).fit_transform(X)
    X = _numeric_rows(X)
    if X.shape[1] < 2:
        X = np.hstack([X, np.zeros((len(X), 2 - X.shape[1]), np.float32)])
    if len(X) > max_tsne_rows or len(X) < 6:
        return PCA(2, random_state=random_state).fit_transform(X), "PCA"
    if X.shape[1] > 50:
        X = PCA(50, random_state=random_state).fit_transform(X)
    return _tsne(X, random_state)


def _numeric_rows(X):
    """The pool's rows as a float matrix, or a ValueError that names the fix (texts and other objects)."""
    try:
        X = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(
            "the pool map needs numeric rows; this pool holds texts or other objects: pass their features as X= "
            "(e.g. TfidfVectorizer().fit_transform(texts), or an embedding)."
        ) from None
    return X.reshape(len(X), -1)


def _pool_and_rounds(source, X, rounds, dataset, strategy, seed):
    """The pool's rows and, per row, the round it was labeled in (-1 never), plus a caption."""
    if hasattr(source, "labeled_round_"):
        X = source.pool_.X if X is None else X
        if X is None:
            raise ValueError("this learner no longer holds its pool (a pickled learner drops it): pass the pool as X=.")
        return X, np.asarray(source.labeled_round_), ""
    if isinstance(source, np.ndarray) or hasattr(source, "shape"):
        return source, np.full(len(source), -1) if rounds is None else np.asarray(rounds), ""
    if X is None:
        raise ValueError("pass the pool as X= to map a history or a results file (a fitted learner carries it).")
    if is_results(source) and seed is None:  # one run: the first seed, said in the caption
        runs, _ = select_runs(source, dataset, strategy, None)
        _, caption = select_runs(source, dataset, strategy, runs[0][0]["seed"])
        return X, labeled_round(runs[0], len(X)), caption + (f" (first of {len(runs)} seeds)" if len(runs) > 1 else "")
    runs, caption = select_runs(source, dataset, strategy, seed)
    if len(runs) > 1:
        raise ValueError(f"a pool map draws one run; got {len(runs)}: pass one learner or history.")
    return X, labeled_round(runs[0], len(X)), caption


def plot_pool_map(
    source,
    *,
    X=None,
    rounds=None,
    dataset=None,
    strategy=None,
    seed=None,
    max_tsne_rows=5000,
    random_state=0,
    ax=None,
    title=None,
):
    """Map the pool in 2-D and colour each labeled row by the round that picked it.

    Rows never labeled are small grey dots under the picks; picks use viridis,
    one colour per round (the colour bar's 0 is the initial pool). The title
    names the projection (t-SNE up to ``max_tsne_rows`` rows, PCA above).

    Parameters
    ----------
    source : ActiveLearner, array, history (list of dict), or path to a results.jsonl
        A fitted learner maps its ``pool_.X`` and ``labeled_round_``. An array
        is the pool itself (picks from ``rounds=``, else none). A history or a
        results file needs the pool as ``X=``; its picks come from each
        round's ``queried`` rows.
    X : array-like, optional
        The pool (image rows are flattened).
    rounds : array of int, optional
        Per pool row, the round it was labeled in (-1 never), with an array ``source``.
    dataset, strategy, seed : optional
        Selectors for a results file (``seed=None``: the first seed, named in the title).
    max_tsne_rows : int, default=5000
    random_state : int, default=0
        Seeds the projection, so the same pool maps the same way.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> X = np.random.default_rng(0).normal(size=(12, 3))
    >>> ax = plot_pool_map(X, rounds=[0, 0, 1, 1] + [-1] * 8, max_tsne_rows=5)
    >>> ax.get_title().splitlines()[0]
    'pool map (PCA): labeled rows coloured by round'
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm

    X, rounds, caption = _pool_and_rounds(source, X, rounds, dataset, strategy, seed)
    Y, method = embed(X, max_tsne_rows=max_tsne_rows, random_state=random_state)
    ax = new_axes(ax, figsize=(6.4, 5.2))
    never = rounds < 0
    ax.scatter(
        Y[never, 0],
        Y[never, 1],
        s=float(np.clip(6000 / len(Y), 3, 10)),
        c="0.72",
        alpha=0.6,
        linewidths=0,
        rasterized=True,
    )
    if (~never).any():
        n_rounds = int(rounds.max()) + 1
        norm = BoundaryNorm(np.arange(n_rounds + 1) - 0.5, n_rounds)
        picks = ax.scatter(
            Y[~never, 0],
            Y[~never, 1],
            s=16,
            c=rounds[~never],
            cmap=plt.get_cmap("viridis", n_rounds),
            norm=norm,
            edgecolors="black",
            linewidths=0.25,
        )
        bar = ax.figure.colorbar(picks, ax=ax, label="round labeled (0 = initial pool)", shrink=0.9)
        bar.set_ticks(np.arange(n_rounds) if n_rounds <= 15 else np.linspace(0, n_rounds - 1, 8).round())
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{method.split(',')[0]} 1 (no unit)")
    ax.set_ylabel(f"{method.split(',')[0]} 2 (no unit)")
    what = f"{int((~never).sum())} labeled of {len(rounds)} rows; grey: never labeled"
    ax.set_title(
        title or f"pool map ({method}): labeled rows coloured by round\n{what}" + (f"\n{caption}" if caption else ""),
        fontsize="medium",
    )
    plt.setp(ax.spines.values(), alpha=0.3)
    return ax
