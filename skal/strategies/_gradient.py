"""Gradient-norm strategies: GradNorm (Wang et al., AAAI 2022) and LPLgrad (preprint; code ``sgchr273/LPLgrad``)."""

from functools import partial

from ..pools._scoring import map_rows
from ..utils._estimator import require_net
from ._subsample import CandidateScoringStrategy

__all__ = ["GradNorm", "LPLgrad"]


class GradNorm(CandidateScoringStrategy):
    """Query the rows whose per-sample loss has the largest gradient norm (Ent-/Expected-GradNorm).

    For each candidate row, alone and with the net in eval mode, the gradient
    of a per-sample loss with respect to the parameters is computed with
    ``torch.func`` (``vmap(grad(...))`` over ``functional_call``, in chunks,
    on the net's device) and reduced to a norm. Higher norm → queried first.

    Parameters
    ----------
    scheme : "entropy" or "expected", default="entropy"
        ``"entropy"``: H(softmax(f(x))) (Ent-GradNorm, SCHEME=1).
        ``"expected"``: Σ_i p_i CE(f(x), i) with p not detached, as the
        reference computes it (SCHEME=0). That sum *is* H(p), so both schemes
        give the same scores to rounding; see ``skal.nn.SAMPLE_LOSSES``.
    norm : "sum_of_tensor_norms" or "global", default="sum_of_tensor_norms"
        The reference code's Σ_j ‖∇θ_j‖₂ over parameter tensors, or the
        paper's norm of the whole gradient.
    parameters : "all", "last", str, list or callable, default="all"
        Which parameters to differentiate (``skal.nn.select_parameters``).
    n_candidates : None, int or float, default=25_000
        Score a random subset S of the unlabeled rows and take the top ``n``
        inside it (``SUBSET = 25,000`` in the authors' code, xulabs/aitom ``al_gradnorm``). None scores
        every unlabeled row.
    batch_size : int, optional
        Rows per vectorised chunk (default: about 256 MiB of gradients).
    random_state : None, int or Generator
        Draws S.

    References
    ----------
    Wang, Guo, Li, Huang & Tsao, "Boosting Active Learning via Improving Test
    Performance", AAAI 2022 (code: xulabs/aitom ``al_gradnorm``).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> net = NeuralNetClassifier(m, criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> X = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    >>> GradNorm(n_candidates=None).fit(X, estimator=net).query(4).shape
    (4,)
    """

    _requires = frozenset({"proba", "net"})
    _alternative = "Entropy (no gradients) or BADGE (last-layer gradient embeddings)"

    def __init__(
        self,
        scheme="entropy",
        norm="sum_of_tensor_norms",
        parameters="all",
        n_candidates=25_000,
        batch_size=None,
        random_state=None,
    ):
        self.scheme = scheme
        self.norm = norm
        self.parameters = parameters
        self.n_candidates = n_candidates
        self.batch_size = batch_size
        self.random_state = random_state

    def _check_estimator(self, estimator):
        require_net(estimator, type(self).__name__, "differentiates the net's loss", self._alternative)

    def _score(self, X, rows, estimator):
        self._check_estimator(estimator)
        if self.scheme not in ("entropy", "expected"):
            raise ValueError(f"scheme must be 'entropy' or 'expected'; got {self.scheme!r}.")
        fn = partial(
            grad_norm_scores, loss=self.scheme, norm=self.norm, parameters=self.parameters, batch_size=self.batch_size
        )
        return map_rows(X, rows, fn, estimator)


def grad_norm_scores(net, inputs, start, **options):
    """Per-row gradient norms of one chunk (:func:`skal.nn.per_sample_grad_norms` with ``options``)."""
    from ..nn import per_sample_grad_norms

    return per_sample_grad_norms(net, inputs, **options)


class LPLgrad(GradNorm):
    """LPLgrad: a net trained jointly with a loss-prediction module, queried by entropy gradient norm.

    Training is Learning Loss's (:class:`skal.nn.LossPredictionNet`: CE + λ ·
    margin ranking loss of the module's predicted loss); the query is
    Ent-GradNorm over the *backbone's* parameters — the loss-prediction module
    is not used at query time. The estimator must therefore be a
    ``LossPredictionNet``; for a plain net use :class:`GradNorm`.

    Parameters
    ----------
    scheme, norm, parameters, batch_size, random_state
        As in :class:`GradNorm`.
    n_candidates : None, int or float, default=10_000
        The ``SUBSET`` default of the LPLgrad code, ``sgchr273/LPLgrad`` (the paper's Table II uses 25,000 for
        CIFAR-10).

    References
    ----------
    "LPLgrad: Optimizing Active Learning Through Gradient Norm Sample Selection and Auxiliary Model
    Training", preprint (code: ``sgchr273/LPLgrad``).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skal.nn import LossPredictionNet
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> net = LossPredictionNet(m, max_epochs=1, train_split=None, verbose=0).initialize()
    >>> X = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    >>> LPLgrad(n_candidates=None).fit(X, estimator=net).query(4).shape
    (4,)
    """

    _requires = frozenset({"proba", "net", "loss"})

    def __init__(
        self,
        scheme="entropy",
        norm="sum_of_tensor_norms",
        parameters="all",
        n_candidates=10_000,
        batch_size=None,
        random_state=None,
    ):
        super().__init__(
            scheme=scheme,
            norm=norm,
            parameters=parameters,
            n_candidates=n_candidates,
            batch_size=batch_size,
            random_state=random_state,
        )

    def _check_estimator(self, estimator):
        super()._check_estimator(estimator)
        if not hasattr(estimator, "predict_loss"):
            raise TypeError(
                "LPLgrad queries a net trained jointly with a loss-prediction module: build it as "
                "skal.nn.LossPredictionNet(module, ...) instead of NeuralNetClassifier, or use GradNorm "
                f"for a plain net (got {type(estimator).__name__})."
            )
