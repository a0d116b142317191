"""Model specs for benchmarks: skorch nets from the zoo, or scikit-learn classifiers."""

import torch
from skorch import NeuralNetClassifier

__all__ = ["build_model", "MODEL_NAMES", "SKLEARN_MODELS"]

#: scikit-learn classifiers a suite may name.
SKLEARN_MODELS = ("logreg", "random_forest", "hist_gb")


def _zoo():
    from ..nn import MODELS

    return MODELS


#: Every model name a suite may use: the nets of ``skal.nn.MODELS``, ``mlp`` and the scikit-learn classifiers.
MODEL_NAMES = tuple(sorted([*_zoo(), "mlp", *SKLEARN_MODELS]))


class MLP(torch.nn.Module):
    def __init__(self, n_in=64, n_hidden=128, n_classes=10):
        super().__init__()
        self.hidden = torch.nn.Sequential(torch.nn.Linear(n_in, n_hidden), torch.nn.ReLU())
        self.classifier = torch.nn.Linear(n_hidden, n_classes)

    def forward(self, x):
        return self.classifier(self.hidden(x.flatten(1)))


def _sklearn(name, params):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    makers = {
        "logreg": lambda: LogisticRegression(max_iter=500),
        "random_forest": lambda: RandomForestClassifier(n_estimators=100, n_jobs=1),
        "hist_gb": lambda: HistGradientBoostingClassifier(),
    }
    return makers[name]().set_params(**params)


def build_model(spec, data, loss_prediction=False):
    """An estimator for ``data`` (from :func:`prepare_data`) from a model spec.

    ``spec``: ``{"name": "small_cnn" | "resnet18" | "vgg16" | "mobilenet_v2" | "densenet121" | "mlp"
    | "logreg" | "random_forest" | "hist_gb", "epochs", "lr", "batch_size", "optimizer": "adam" | "sgd",
    "params": {...}}``.

    ``loss_prediction=True`` builds the same net as a :class:`skal.nn.LossPredictionNet` (for
    LearningLoss and LPLgrad), tapping the penultimate features, with the detach point of the reference
    implementations (``sgchr273/LPLgrad``, ``Mephisto405/Learning-Loss-for-Active-Learning``) scaled to the
    epochs: features are detached after 60 % of them (120 of 200 there),
    unless ``spec["lpm_detach_epoch"]`` says otherwise.
    """
    from ..nn import MODELS, LossPredictionNet

    name = spec["name"]
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}.")
    n_classes = len(data.classes)
    if name in SKLEARN_MODELS:
        return _sklearn(name, spec.get("params", {}))
    shape = data.X_pool.shape[1:]
    if name == "mlp":
        module, module_params = MLP, {"n_in": int(torch.tensor(shape).prod()), "n_classes": n_classes}
    else:
        module, module_params = MODELS[name], {"n_classes": n_classes, "in_channels": shape[0]}
        if name == "small_cnn":
            module_params["image_size"] = shape[-1]
    sgd = spec.get("optimizer", "adam") == "sgd"
    epochs = spec.get("epochs", 10)
    extra = {}
    if loss_prediction:
        extra["lpm_detach_epoch"] = spec.get("lpm_detach_epoch", int(0.6 * epochs))
    return (LossPredictionNet if loss_prediction else NeuralNetClassifier)(
        module,
        **{f"module__{k}": v for k, v in module_params.items()},
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD if sgd else torch.optim.Adam,
        **({"optimizer__momentum": 0.9, "optimizer__weight_decay": 5e-4} if sgd else {}),
        lr=spec.get("lr", 1e-3),
        max_epochs=epochs,
        batch_size=spec.get("batch_size", 64),
        train_split=None,
        device="cuda" if torch.cuda.is_available() else "cpu",
        verbose=0,
        **extra,
        **spec.get("params", {}),
    )
