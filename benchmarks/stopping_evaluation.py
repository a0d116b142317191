"""When would each stopping criterion have stopped? Every benchmark suite, one strategy, five seeds.

For each suite in ``benchmarks/suites/`` this runs the suite's own protocol (datasets, model, sizes, rounds)
with one of its strategies (``MAIN`` below: the suite's uncertainty or default strategy) on seeds 0-4, with
every criterion of :mod:`skal.stopping` recording its value each round without stopping
(``"stopping": true``). It then replays the recorded values (:func:`skal.stopping.first_stop`) and compares,
per run, the labels at which each criterion would have stopped with the labels at which test accuracy first
comes within 1 point of the run's final accuracy (the *target*). ``benchmarks/results/stopping.md`` holds the
table; the runs are in ``benchmarks/results/stopping_<suite>/results.jsonl`` (resumable). The suites are
short (4-11 rounds) and their curves are still rising at the end, so the cheap ones (``LONG``) also run with many
more rounds, where a stopping rule has a plateau to find.

    OMP_NUM_THREADS=1 SKAL_DATA=.data python benchmarks/stopping_evaluation.py --run tabular default_strategy_tables \
        --long tabular default_strategy_tables
    python benchmarks/stopping_evaluation.py            # the table from whatever has run

A criterion that never fires in a run counts as stopping at the run's last round (all its labels spent).
``ScorePlateau`` watches the score on the labeled test set: a bound a labeler could only reach with a labeled
validation set of their own.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from skal import stopping
from skal.bench import run_suite
from skal.bench._report import read_records

SUITES_DIR = Path(__file__).parent / "suites"
#: The strategy each suite is evaluated with (its label in the suite).
MAIN = {
    "tabular": "Margin",
    "default_strategy_tables": "TypicalThenMargin",
    "default_strategy_images": "TypicalThenMargin",
    "default_strategy_cifar10": "TypicalThenMargin",
    "low_budget": "Margin",
    "gradient_and_loss_ordering": "Entropy",
    "random_weight_confidence": "HCLC",
    "cold_start_1pct": "Random",  # Margin after a random first pool
    "cold_start_2pct": "Random",
}
#: Cheap suites run again much longer (this many rounds), so that their learning curves flatten out.
LONG = {"tabular": 40, "default_strategy_tables": 40}
SEEDS = [0, 1, 2, 3, 4]
#: The criteria compared, at their defaults and at the looser settings a user might try.
CRITERIA = [
    stopping.StabilizingPredictions(),
    stopping.StabilizingPredictions(threshold=0.95),
    stopping.OverallUncertainty(),
    stopping.MaxConfidence(),
    stopping.ClassificationChange(),
    stopping.ClassificationChange(threshold=0.02),
    stopping.Contradiction(threshold=0.01),
    stopping.Contradiction(threshold=0.02),
    stopping.Contradiction(threshold=0.05),
    stopping.ScorePlateau(),
]
WITHIN = 0.01  # the target: accuracy within 1 point of the final


def derived_config(suite, long=False):
    """The suite with only its ``MAIN`` strategy, five seeds and every criterion recording (``long``: more rounds)."""
    cfg = json.loads((SUITES_DIR / f"{suite}.json").read_text())
    entries = [e for e in cfg["strategies"] if (e if isinstance(e, str) else e["label"]) == MAIN[suite]]
    cfg.update(name=result_name(suite, long), strategies=entries, seeds=SEEDS, stopping=True)
    if long:
        cfg["n_rounds"] = LONG[suite]
    cfg.pop("baselines", None)
    cfg["description"] = (
        f"Stopping criteria recorded (never stopping) on the protocol of suite {suite}, strategy {MAIN[suite]}. "
        + cfg.get("description", "")
    )
    return cfg


def result_name(suite, long=False):
    return f"stopping_{suite}" + ("_long" if long else "")


def runs_of(records):
    """``{(dataset, seed): [round records in order]}``."""
    runs = {}
    for r in records:
        if r["kind"] == "round":
            runs.setdefault((r["dataset"], r["seed"]), []).append(r)
    return {key: sorted(rs, key=lambda r: r["round"]) for key, rs in runs.items()}


def judge(history):
    """Per criterion ``(labels at stop, accuracy at stop - final, fired)`` and the target labels of one run."""
    n = np.array([r["n_labeled"] for r in history])
    acc = np.array([r["accuracy"] for r in history])
    target = int(n[np.flatnonzero(acc >= acc[-1] - WITHIN)[0]])
    out = {}
    for criterion in CRITERIA:
        k = stopping.first_stop(criterion, history)
        fired = k is not None
        k = len(history) - 1 if k is None else k
        out[label(criterion)] = (int(n[k]), float(acc[k] - acc[-1]), fired)
    return target, int(n[-1]), out


def label(criterion):
    params = criterion.get_params() if hasattr(criterion, "get_params") else {}
    shown = {k: v for k, v in params.items() if k in ("threshold", "window", "patience")}
    return f"{type(criterion).__name__}({', '.join(f'{k}={v}' for k, v in shown.items())})"


def table(results_dir, quick=False):
    lines = [
        "# When would each stopping criterion have stopped?",
        "",
        "Made by `python benchmarks/stopping_evaluation.py` from the runs of "
        "`OMP_NUM_THREADS=1 SKAL_DATA=.data python benchmarks/stopping_evaluation.py --run SUITE...` "
        "(each suite's protocol, one strategy, seeds 0-4, every criterion recording without stopping).",
        "",
        "Per dataset: **target** = labels at which test accuracy first comes within 1 point of the run's final "
        "accuracy (mean ± std over seeds); per criterion: labels at which it would have stopped (mean ± std; a "
        "criterion that never fired counts as the last round), how many runs it fired in, how many it stopped "
        "*before* the target (accuracy more than 1 point below the final), and the mean accuracy at its stop minus "
        "the final (points).",
        "",
    ]
    groups = {
        False: "the suites' own protocols (4-11 rounds)",
        True: f"the long runs ({', '.join(LONG)}, 40 rounds)",
    }
    summaries = {
        long: {label(c): {"early": 0, "fired": 0, "runs": 0, "saved": [], "lost": []} for c in CRITERIA}
        for long in groups
    }
    for suite, long in [(s, False) for s in MAIN] + [(s, True) for s in LONG]:
        title = f"{suite}, {LONG[suite]} rounds" if long else suite
        path = Path(results_dir) / (result_name(suite, long) + ("-quick" if quick else "")) / "results.jsonl"
        if not path.exists():
            lines += [f"## {title}", "", f"Not run yet (no {path}).", ""]
            continue
        summary = summaries[long]
        by_dataset = {}
        for (dataset, _seed), history in runs_of(read_records(path)).items():
            if len(history) and all("stopping" in r for r in history[1:]):
                by_dataset.setdefault(dataset, []).append(judge(history))
        for dataset, judged in by_dataset.items():
            targets = np.array([t for t, _, _ in judged])
            last = judged[0][1]
            lines += [
                f"## {title}: {dataset} ({MAIN[suite]}, {len(judged)} seeds, {last} labels at the end)",
                "",
                f"Target: {targets.mean():.0f} ± {targets.std():.0f} labels.",
                "",
                "| criterion | stops at (labels) | fired | before target | accuracy at stop − final (points) |",
                "|---|---|---|---|---|",
            ]
            for name in summary:
                stops = np.array([j[name][0] for _, _, j in judged])
                lost = np.array([j[name][1] for _, _, j in judged]) * 100
                fired = sum(j[name][2] for _, _, j in judged)
                early = int(sum(s < t for s, t in zip(stops, targets)))
                s = summary[name]
                s["early"] += early
                s["fired"] += fired
                s["runs"] += len(judged)
                s["saved"] += list((last - stops) / last)
                s["lost"] += list(lost)
                lines.append(
                    f"| {name} | {stops.mean():.0f} ± {stops.std():.0f} | {fired}/{len(judged)} | {early} | "
                    f"{lost.mean():+.1f} ± {lost.std():.1f} |"
                )
            lines.append("")
    for long, title in groups.items():
        lines += [
            f"## Summary over {title}",
            "",
            "| criterion | runs | fired | stopped before the target | labels saved vs. the whole run | "
            "accuracy at stop − final (points) |",
            "|---|---|---|---|---|---|",
        ]
        for name, s in summaries[long].items():
            if s["runs"]:
                lines.append(
                    f"| {name} | {s['runs']} | {s['fired']} | {s['early']} | {np.mean(s['saved']):.0%} | "
                    f"{np.mean(s['lost']):+.1f} ± {np.std(s['lost']):.1f} |"
                )
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="*", metavar="SUITE", help=f"suites to run first: {', '.join(MAIN)}")
    parser.add_argument("--long", nargs="*", metavar="SUITE", help=f"long versions to run: {', '.join(LONG)}")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--quick", action="store_true", help="the suites' quick mode, into /tmp (a smoke test)")
    args = parser.parse_args(argv)
    out = "/tmp/skal_stopping_quick" if args.quick else args.out
    for suite in args.run or []:
        if suite not in MAIN:
            parser.error(f"unknown suite {suite!r}; known: {', '.join(MAIN)}")
        run_suite(derived_config(suite), out, quick=args.quick, progress=False, allow_missing=True)
    for suite in args.long or []:
        if suite not in LONG:
            parser.error(f"no long version of {suite!r}; there is one of: {', '.join(LONG)}")
        run_suite(derived_config(suite, long=True), out, quick=args.quick, progress=False, allow_missing=True)
    text = table(out, args.quick)
    (Path(out) / "stopping.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
