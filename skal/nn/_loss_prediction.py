"""A skorch classifier trained jointly with a loss-prediction module (Yoo & Kweon, CVPR 2019)."""

from contextlib import contextmanager

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data

from ._batches import iter_batches, resolve_batch_size
from ._embedding import last_linear_name
from ._forward import forward
from ._outputs import first_output, log_proba_fn, to_tensor

__all__ = ["LossPredictionNet", "LossPredictionModule", "ranking_loss"]


def ranking_loss(predicted, target, margin=1.0):
    """Learning Loss's pair ranking loss: item i is paired with item 2B−1−i (the batch flipped).

    For the first B pairs, ``s = +1`` if the true loss of i is larger than its
    partner's, else −1 (a tie gives −1, as the reference), and the loss is
    ``mean(max(0, margin − s · (l̂_i − l̂_j)))``. The true losses are
    detached. An odd batch drops its last item (the reference asserts an even
    batch); fewer than two items give 0.

    Examples
    --------
    >>> pred = torch.tensor([0.5, 0.0, 0.2, 1.0]); true = torch.tensor([2.0, 1.0, 0.5, 0.1])
    >>> # pairs (0, 3): s=+1, max(0, 1 - (0.5 - 1.0)) = 1.5; (1, 2): s=+1, max(0, 1 - (0.0 - 0.2)) = 1.2
    >>> round(float(ranking_loss(pred, true)), 4)
    1.35
    """
    predicted = predicted.reshape(-1)
    target = target.reshape(-1).detach()
    n = len(predicted) - len(predicted) % 2
    if n < 2:
        return predicted.sum() * 0.0
    predicted, target = predicted[:n], target[:n]
    d_pred = (predicted - predicted.flip(0))[: n // 2]
    d_true = (target - target.flip(0))[: n // 2]
    sign = torch.where(d_true > 0, 1.0, -1.0).to(d_pred.dtype)
    return torch.clamp(margin - sign * d_pred, min=0).mean()


class LossPredictionModule(torch.nn.Module):
    """Per tapped feature: global average pooling, ``Linear(c → hidden)``, ReLU; concatenated, ``Linear(→ 1)``.

    The input sizes are inferred on the first forward pass (``LazyLinear``),
    so any layers of any net can be tapped.
    """

    def __init__(self, n_features, hidden=128):
        super().__init__()
        self.branches = torch.nn.ModuleList(
            torch.nn.Sequential(torch.nn.LazyLinear(hidden), torch.nn.ReLU()) for _ in range(n_features)
        )
        self.head = torch.nn.Linear(hidden * n_features, 1)

    def forward(self, features):
        pooled = [f.flatten(2).mean(2) if f.dim() > 2 else f for f in features]
        return self.head(torch.cat([b(f) for b, f in zip(self.branches, pooled)], dim=1)).squeeze(1)


class LossPredictionNet(NeuralNetClassifier):
    """A ``NeuralNetClassifier`` that also learns to predict its own per-sample loss.

    Forward hooks tap named layers of the module; a :class:`LossPredictionModule`
    (``lossnet_``) maps them to a predicted loss l̂, trained with the pair
    :func:`ranking_loss` against the true per-sample cross-entropy. The
    training loss is ``mean CE + lpm_weight · ranking_loss`` (Learning Loss
    and LPLgrad). After ``lpm_detach_epoch`` epochs of a ``fit``/``partial_fit``
    call (the reference's ``epoch > 120``), the tapped features are detached,
    so the ranking loss no longer changes the backbone. One optimizer holds
    the module's and the LPM's parameters (the references use two SGDs with
    equal settings, which is the same update).

    Otherwise it is a normal skorch classifier: ``clone``, ``fit``,
    ``partial_fit``, ``predict_proba`` behave as usual, and
    :meth:`predict_loss` gives l̂ (what :class:`skal.strategies.LearningLoss`
    ranks by).

    Parameters
    ----------
    module : torch module class or instance
    lpm_layers : list of str, optional
        Names (``module.named_modules()``) whose *outputs* feed the LPM; the
        references tap the four ResNet stages (``["net.layer1", "net.layer2",
        "net.layer3", "net.layer4"]`` for :class:`skal.nn.CifarResNet18`). Default:
        the input of the last ``nn.Linear`` (the penultimate features), which
        every classifier has.
    lpm_hidden : int, default=128
    lpm_margin : float, default=1.0
        ξ of the ranking loss.
    lpm_weight : float, default=1.0
        λ.
    lpm_detach_epoch : int or None, default=120
        Detach the tapped features for epochs ``> lpm_detach_epoch`` (0-based)
        of each fit call; None never detaches.
    criterion : default=torch.nn.CrossEntropyLoss
        The module returns logits (``NLLLoss`` with probabilities works too).
    **kwargs
        Everything ``NeuralNetClassifier`` takes.

    Examples
    --------
    >>> m = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    >>> net = LossPredictionNet(m, max_epochs=2, train_split=None, verbose=0)
    >>> X = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
    >>> net = net.fit(X, np.arange(40) % 3)
    >>> net.predict_loss(X[:5]).shape, net.predict_proba(X[:5]).shape
    ((5,), (5, 3))
    """

    def __init__(
        self,
        module,
        *args,
        lpm_layers=None,
        lpm_hidden=128,
        lpm_margin=1.0,
        lpm_weight=1.0,
        lpm_detach_epoch=120,
        criterion=torch.nn.CrossEntropyLoss,
        **kwargs,
    ):
        super().__init__(module, *args, criterion=criterion, **kwargs)
        self.lpm_layers = lpm_layers
        self.lpm_hidden = lpm_hidden
        self.lpm_margin = lpm_margin
        self.lpm_weight = lpm_weight
        self.lpm_detach_epoch = lpm_detach_epoch

    def _tap_names(self):
        if self.lpm_layers is None:
            return [last_linear_name(self.module_)]
        names = [self.lpm_layers] if isinstance(self.lpm_layers, str) else list(self.lpm_layers)
        known = dict(self.module_.named_modules())
        missing = [n for n in names if n not in known]
        if missing:
            layers = [n for n in known if n][:20]
            raise ValueError(f"lpm_layers {missing} are not layers of the module; layers: {layers}")
        return names

    def initialize_module(self):
        super().initialize_module()
        self.lossnet_ = LossPredictionModule(len(self._tap_names()), self.lpm_hidden)
        return self

    @contextmanager
    def _tapped(self):
        """Capture the tapped features of every forward pass inside the block."""
        modules = dict(self.module_.named_modules())
        use_input = self.lpm_layers is None
        captured = []

        def hook(mod, inputs, output):
            captured.append(first_output(inputs) if use_input else first_output(output))

        handles = [modules[name].register_forward_hook(hook) for name in self._tap_names()]
        try:
            yield captured
        finally:
            for h in handles:
                h.remove()

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.lpm_epoch_ = -1  # epochs run in the current fit / partial_fit call

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs)
        self.lpm_epoch_ = getattr(self, "lpm_epoch_", -1) + 1

    def _features_detached(self):
        return self.lpm_detach_epoch is not None and getattr(self, "lpm_epoch_", 0) > self.lpm_detach_epoch

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        with self._tapped() as features:
            y_pred = self.infer(Xi, **fit_params)
        y_true = to_tensor(yi, self.device).long()
        per_sample = self._per_sample_loss(first_output(y_pred), y_true)
        if self._features_detached():
            features = [f.detach() for f in features]
        predicted = self.lossnet_(features)
        loss = per_sample.mean() + self.lpm_weight * ranking_loss(predicted, per_sample, self.lpm_margin)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def _per_sample_loss(self, out, y_true):
        """The criterion's loss per row (its weight, label smoothing and ignore_index included)."""
        crit = self.criterion_
        if isinstance(crit, torch.nn.CrossEntropyLoss):
            return torch.nn.functional.cross_entropy(
                out,
                y_true,
                weight=crit.weight,
                ignore_index=crit.ignore_index,
                label_smoothing=crit.label_smoothing,
                reduction="none",
            )
        log_p = log_proba_fn(self)(out)  # NLLLoss on probabilities, or an error naming the fix
        return torch.nn.functional.nll_loss(
            log_p, y_true, weight=crit.weight, ignore_index=crit.ignore_index, reduction="none"
        )

    def predict_loss(self, X):
        """The loss-prediction module's l̂ for each row of ``X``, float64 ``(n,)``, in eval mode.

        ``X`` (an array, a torch ``Dataset`` or a pool object such as
        :class:`skal.pools.ParquetPool`) is read in order, ``batch_size`` rows
        at a time (all at once for -1); a ``Dataset`` through a ``DataLoader``
        with ``iterator_valid__num_workers`` workers; a dict (``input_ids``,
        ``attention_mask``) reaches the module's ``forward`` as keywords.
        """
        self.check_is_fitted()
        out = []
        self._set_training(False)
        with torch.no_grad():
            for batch in iter_batches(X, resolve_batch_size(self.batch_size, self, X), self):
                with self._tapped() as features:
                    forward(self, batch, "raw")
                out.append(self.lossnet_(features).double().cpu().numpy())
        return np.concatenate(out) if out else np.empty(0)
