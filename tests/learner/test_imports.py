"""A scikit-learn-only run never imports torch (about 300 MiB it does not need).

The representation strategies (Coreset, k-means, TypiClust) do: torch or faiss is their distance engine.
"""

import subprocess
import sys

CODE = """
import sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from skal import ActiveLearner
from skal.strategies import LC, Entropy, Margin, Random
X = np.random.default_rng(0).normal(size=(300, 4)); y = (X[:, 0] > 0).astype(int)
for strategy in (Entropy(), Margin(), LC(), Random()):
    ActiveLearner(LogisticRegression(), strategy, initial_strategy=Random(), initial_size=10, query_size=10,
                  n_rounds=2, random_state=0).fit(X, y)
print('torch' in sys.modules)
"""


def test_a_scikit_learn_only_run_does_not_import_torch():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr
