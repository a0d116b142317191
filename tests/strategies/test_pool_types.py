"""Strategies take every pool a scikit-learn user brings, in its own type: any dtype, sparse, DataFrames, texts."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import skal.strategies as S
from skal.utils._random import seed_params
from skal.utils.estimator_checks import check_query_strategy, make_pool, pool_copies

from ..learner.test_determinism import STRATEGIES

REPRESENTATION = [S.Coreset(), S.KMeansSampling(), S.MultiBatchKMeans(), S.TypiClust(), S.ClusterBalanced(n_clusters=3)]


def _without_a_net(estimator):
    """Every exported strategy that needs no net and reads no representation, with models that take any pool."""
    found = []
    for name, strategy in STRATEGIES:
        if name == "PseudoLabelInitializer":
            strategy = S.PseudoLabelInitializer(estimator.predict_proba, per_class=2)
        elif name == "SelfSupervisedLoss":
            strategy = S.SelfSupervisedLoss(IsolationForest(n_estimators=10), mode="binning", n_bins=2)
        elif strategy.requirements() - {"proba"}:
            continue
        found.append((name, strategy))
    return found


POOL = make_pool(n_pool=40)
AGNOSTIC = _without_a_net(POOL[3])


def _copies(X):
    return {**pool_copies(X), "float32": X.astype(np.float32), "int": np.round(10 * X).astype(np.int64)}


def test_the_walk_covers_the_strategies_that_need_no_net():
    names = {n for n, _ in AGNOSTIC}
    assert {"Random", "Margin", "Entropy", "VariationRatio", "Schedule", "Subsample", "HCLC"} <= names
    assert {"PseudoLabelInitializer", "SelfSupervisedLoss"} <= names


@pytest.mark.parametrize("kind", sorted(_copies(POOL[0])))
@pytest.mark.parametrize("name, strategy", AGNOSTIC, ids=[n for n, _ in AGNOSTIC])
@pytest.mark.filterwarnings("ignore:X has feature names")
def test_any_pool_type_gives_n_unique_unlabeled_rows(name, strategy, kind):
    X, y, labeled, estimator = POOL
    pool = _copies(X)[kind]
    picked = seed_params(clone(strategy), 0).fit(pool, labeled=labeled, estimator=estimator, y=y).query(5)
    assert len(set(picked.tolist())) == 5 and not labeled[picked].any() and picked.max() < len(y)


@pytest.mark.parametrize("strategy", [S.Random(), S.Margin()], ids=repr)
def test_the_contract_with_its_pool_type_check(strategy):
    check_query_strategy(strategy)  # includes check_pool_types: the same picks from every copy


def test_a_dataframe_keeps_its_column_names_and_dtypes():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "size": rng.normal(size=40),
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], size=40)),
            "shop": rng.choice(["north", "south"], size=40).astype(object),
        }
    )
    y = (df["size"] > 0).astype(int).to_numpy()
    labeled = np.arange(40) < 12
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour", "shop"]), remainder="passthrough"), LogisticRegression()
    ).fit(df[labeled], y[labeled])
    for strategy in (S.Margin(), S.Entropy(), S.Random(random_state=0), S.Subsample(S.Margin(), n_candidates=10)):
        picked = strategy.fit(df, labeled=labeled, estimator=model, y=y).query(4)
        assert len(set(picked.tolist())) == 4 and not labeled[picked].any()
    with pytest.raises(ValueError, match=r"non-numeric columns \['colour', 'shop'\].*OneHotEncoder"):
        S.Coreset(embedding="input").fit(df, labeled=labeled)


def test_nan_is_left_to_the_model():
    X, y, labeled, _ = make_pool(n_pool=40)
    X[::4, 0] = np.nan
    model = HistGradientBoostingClassifier(max_iter=5).fit(X[labeled], y[labeled])
    assert S.Entropy().fit(X, labeled=labeled, estimator=model).query(3).shape == (3,)
    assert S.Random(random_state=0).fit(X, labeled=labeled).query(3).shape == (3,)
    with pytest.raises(ValueError, match="NaN or inf"):  # a representation still refuses non-finite features
        S.Coreset(embedding="input").fit(X, labeled=labeled)


def _texts(n=40, seed=0):
    rng = np.random.default_rng(seed)
    words = [["good", "great", "fine", "lovely"], ["bad", "awful", "poor", "dull"]]
    y = np.arange(n) % 2
    return [" ".join(rng.choice(words[c], size=5)) + f" item{i % 7}" for i, c in enumerate(y)], y


@pytest.mark.parametrize("strategy", [S.Margin(), S.Entropy(), S.HC(), S.VariationRatio(bootstrap=True)], ids=repr)
def test_uncertainty_on_a_list_of_texts(strategy):
    texts, y = _texts()
    labeled = np.arange(len(y)) < 10
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts[:10], y[:10])
    picked = seed_params(strategy, 0).fit(texts, labeled=labeled, estimator=model, y=y).query(5)
    assert len(set(picked.tolist())) == 5 and not labeled[picked].any()


@pytest.mark.parametrize("strategy", [S.TypiClust(), S.KMeansSampling(), S.Coreset()], ids=repr)
def test_a_transformer_embedding_gets_the_texts_as_they_are(strategy):
    texts, _ = _texts()
    labeled = np.arange(len(texts)) < 4
    strategy.set_params(embedding=make_pipeline(TfidfVectorizer(), TruncatedSVD(5, random_state=0)), random_state=0)
    picked = strategy.fit(texts, labeled=labeled).query(5)
    assert len(set(picked.tolist())) == 5 and not labeled[picked].any()


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("strategy", REPRESENTATION, ids=repr)
def test_representation_on_a_sparse_pool_names_the_fix(strategy, fmt):
    X, y, labeled, estimator = POOL
    with pytest.raises(
        ValueError, match=r"sparse matrix.*pass embedding=TruncatedSVD\(100\) \(sklearn.decomposition\)"
    ):
        clone(strategy).fit(sp.csr_matrix(X).asformat(fmt), labeled=labeled, estimator=estimator, y=y)


@pytest.mark.parametrize("strategy", REPRESENTATION, ids=repr)
def test_representation_on_texts_names_the_fix(strategy):
    texts, _ = _texts()
    with pytest.raises(ValueError, match="is a list .*Pass embedding= a transformer"):
        clone(strategy).fit(texts, labeled=np.arange(len(texts)) < 4)


def test_representation_on_a_numeric_dataframe_uses_its_numbers():
    X, y, labeled, estimator = POOL
    df = pd.DataFrame(X, columns=list("abcd"))
    direct = S.Coreset().fit(X, labeled=labeled, estimator=estimator).query(5)
    np.testing.assert_array_equal(S.Coreset().fit(df, labeled=labeled, estimator=estimator).query(5), direct)


def test_a_sparse_embedding_output_names_the_fix():
    texts, _ = _texts()
    with pytest.raises(ValueError, match="sparse matrix.*TruncatedSVD"):
        S.Coreset(embedding=TfidfVectorizer()).fit(texts)


def test_the_pool_is_not_converted():
    seen = []
    texts, _ = _texts()
    S.Coreset(embedding=lambda X: seen.append(X) or np.eye(len(X))).fit(texts).query(2)
    assert seen[0] is texts


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (None, TypeError, "the pool X must be array-like"),
        (np.zeros((0, 2)), ValueError, "the pool X is empty"),
    ],
)
def test_a_bad_pool_names_the_fix(bad, error, match):
    with pytest.raises(error, match=match):
        S.Random().fit(bad)


def test_a_mask_or_labels_of_the_wrong_length_name_the_fix():
    with pytest.raises(ValueError, match=r"boolean mask of shape \(3,\)"):
        S.Random().fit(["a", "b", "c"], labeled=np.array([True, False]))
    with pytest.raises(ValueError, match="one entry per pool row"):
        S.Random().fit(["a", "b", "c"], y=[0, 1])
