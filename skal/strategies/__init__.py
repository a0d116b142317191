"""Query strategies: ``fit(X, *, labeled, estimator, y)`` then ``query(n)``.

The pool ``X`` may be an ndarray of any dtype, a scipy sparse matrix, a pandas
DataFrame or a list of texts or objects; strategies keep its type. After
``query``, ``pseudo_labels_`` holds the labels a strategy proposes for its
picks (None when it proposes none); composites (``Schedule``, ``Mix``,
``Subsample``) report their inner strategies' picks, ``scores_``,
``pseudo_labels_`` and ``needs`` as their own.

Score functions are pure and exported too: ``least_confidence``,
``high_confidence``, ``margin``, ``entropy``, ``bald``,
``variation_ratio``.
"""

from ._badge import BADGE
from ._base import ProbaStrategy, QueryStrategy, ScoringStrategy
from ._batchbald import BatchBALD, batchbald_select
from ._bayesian import BALD, DBAL
from ._cold_start import PseudoLabelInitializer, SelfSupervisedLoss, binning_select
from ._committee import EnsembleEntropy, EnsembleLeastConfidence, EnsembleMargin, QueryByCommittee, VariationRatio
from ._diversity import Coreset, KMeansSampling, MultiBatchKMeans, TypiClust
from ._epig import EPIG, epig
from ._features import EmbeddingStrategy
from ._glister import GLISTER, glister_select
from ._gradient import GradNorm, LPLgrad
from ._initial import ClusterBalanced
from ._loss import LearningLoss
from ._mix import Mix, split_counts
from ._random import Random
from ._schedule import HCLC, LCHC, RHC, RLC, BudgetSwitch, Schedule, TypicalThenMargin
from ._score_function import ScoreFunction
from ._scores import (
    bald,
    consensus_kl,
    entropy,
    high_confidence,
    least_confidence,
    margin,
    variation_ratio,
    vote_entropy,
)
from ._stochastic import Stochastic, acquisition_log_weights
from ._subsample import CandidateScoringStrategy, Subsample
from ._uncertainty import HC, LC, Entropy, HighConfidence, LeastConfidence, Margin
from ._vaal import VAAL

__all__ = [
    "QueryStrategy",
    "ScoringStrategy",
    "ProbaStrategy",
    "EmbeddingStrategy",
    "Coreset",
    "KMeansSampling",
    "MultiBatchKMeans",
    "TypiClust",
    "BADGE",
    "GradNorm",
    "LPLgrad",
    "LearningLoss",
    "BALD",
    "DBAL",
    "BatchBALD",
    "batchbald_select",
    "EPIG",
    "epig",
    "GLISTER",
    "glister_select",
    "VariationRatio",
    "SelfSupervisedLoss",
    "PseudoLabelInitializer",
    "binning_select",
    "CandidateScoringStrategy",
    "ClusterBalanced",
    "BudgetSwitch",
    "Random",
    "LeastConfidence",
    "HighConfidence",
    "Margin",
    "Entropy",
    "LC",
    "HC",
    "Schedule",
    "TypicalThenMargin",
    "HCLC",
    "LCHC",
    "RHC",
    "RLC",
    "Mix",
    "Subsample",
    "Stochastic",
    "QueryByCommittee",
    "EnsembleLeastConfidence",
    "EnsembleEntropy",
    "EnsembleMargin",
    "VAAL",
    "vote_entropy",
    "consensus_kl",
    "ScoreFunction",
    "acquisition_log_weights",
    "split_counts",
    "least_confidence",
    "high_confidence",
    "margin",
    "entropy",
    "bald",
    "variation_ratio",
]
