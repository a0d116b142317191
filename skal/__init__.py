"""skal: deep active learning that feels like scikit-learn."""

from .learner import ActiveLearner
from .plotting import plot_learning_curve

__version__ = "0.1.0"

__all__ = ["ActiveLearner", "plot_learning_curve", "__version__"]
