"""What a scikit-learn-only active-learning run loads: peak RSS, wall time, and whether torch was imported.

Each case runs in a fresh interpreter: ``import skal`` alone, then a 3-round ``ActiveLearner`` on 2,000 rows
with a ``LogisticRegression`` and Entropy (the README's first example in miniature), then for scale the same
process importing torch.

    python benchmarks/import_footprint.py   # writes results/import_footprint.md
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

CASES = {
    "import skal": "import skal",
    "scikit-learn-only fit (3 rounds)": (
        "import numpy as np\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from skal import ActiveLearner\n"
        "from skal.strategies import Entropy, Random\n"
        "X = np.random.default_rng(0).normal(size=(2000, 8)); y = (X[:, 0] > 0).astype(int)\n"
        "ActiveLearner(LogisticRegression(), Entropy(), initial_strategy=Random(), initial_size=20,\n"
        "              query_size=20, n_rounds=3, random_state=0).fit(X, y)"
    ),
    "import torch (for scale)": "import torch",
}
PROBE = (
    "import resource, sys, time\n"
    "t0 = time.perf_counter()\n"
    "{code}\n"
    "import json\n"
    "print(json.dumps({{'seconds': time.perf_counter() - t0, 'peak_mib': "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'torch': 'torch' in sys.modules}}))"
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent / "results" / "import_footprint"
    parser.add_argument("--out", default=str(default), help="results path, without suffix (.md and .json)")
    args = parser.parse_args()
    rows = []
    for name, code in CASES.items():
        runs = []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", PROBE.format(code=code)], capture_output=True, text=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        best = min(runs, key=lambda r: r["seconds"])
        rows.append((name, best))
    lines = [
        "# What a scikit-learn-only run loads",
        "",
        "`python benchmarks/import_footprint.py`: each case in a fresh interpreter, the fastest of 3.",
        "",
        "| case | seconds | peak RSS MiB | torch imported |",
        "|---|---:|---:|---|",
    ]
    lines += [f"| {n} | {r['seconds']:.2f} | {r['peak_mib']:.0f} | {'yes' if r['torch'] else 'no'} |" for n, r in rows]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps({n: r for n, r in rows}, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
