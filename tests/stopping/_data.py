"""A small three-class problem shared by the stopping tests."""

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner

X, y = make_classification(
    n_samples=300, n_features=8, n_informative=4, n_classes=3, n_clusters_per_class=1, random_state=0
)
X_pool, y_pool, X_val, y_val = X[:250], y[:250], X[250:], y[250:]


def fit(callbacks, y=y_pool, journal=None, **kwargs):
    """A seeded run over the pool, 10 labels a round, scored on the validation rows."""
    learner = ActiveLearner(LogisticRegression(), query_size=10, callbacks=callbacks, random_state=0, **kwargs)
    return learner.fit(X_pool, y, eval_set=(X_val, y_val), journal=journal)
