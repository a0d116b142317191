"""Judge skal's default strategy (TypicalThenMargin) against Random on every suite that ran it.

Reads the results of ``benchmarks/suites/default_strategy_*.json`` (run them first with
``skal bench benchmarks/suites/default_strategy_tables.json benchmarks/suites/default_strategy_images.json
--out benchmarks/results``) and writes ``benchmarks/results/default_strategy.md``:

* the AULC of every strategy per dataset (mean ± std over seeds) and the two tests the default must pass:
  AULC at least Random's mean minus one standard deviation on every dataset, above Random's mean on most;
* the label-efficiency goal: the labels the default needs to reach Random's final mean accuracy, as a
  fraction of Random's labels (goal: at most 60 % on at least half the datasets), per seed and on the mean
  curve.

    python benchmarks/default_strategy_evaluation.py
"""

import argparse
from pathlib import Path

import numpy as np

from skal.bench import summarize
from skal.bench._report import read_records

DEFAULT = "TypicalThenMargin"
SUITES = ("default_strategy_tables", "default_strategy_images", "default_strategy_cifar10")


def first_reaching(n, acc, target):
    """The first label count whose accuracy is at least ``target`` (None if never)."""
    hit = np.flatnonzero(np.asarray(acc) >= target - 1e-12)
    return int(n[hit[0]]) if len(hit) else None


def per_seed_curves(records, dataset, strategy):
    runs = {}
    for r in records:
        if r["kind"] == "round" and r["dataset"] == dataset and r["strategy"] == strategy:
            runs.setdefault(r["seed"], []).append(r)
    out = {}
    for seed, rs in sorted(runs.items()):
        rs.sort(key=lambda r: r["round"])
        out[seed] = (np.array([r["n_labeled"] for r in rs]), np.array([r["accuracy"] for r in rs]))
    return out


def evaluate(results_dir):
    rows, goal_rows, lines = [], [], []
    for suite in SUITES:
        path = Path(results_dir) / suite / "results.jsonl"
        if not path.exists():
            lines.append(f"- suite `{suite}`: no results at {path}")
            continue
        records = read_records(path)
        for dataset, info in summarize(records).items():
            strategies = info["strategies"]
            if DEFAULT not in strategies or "Random" not in strategies:
                continue
            rnd, dflt = strategies["Random"], strategies[DEFAULT]
            seeds = min(rnd["n_seeds"], dflt["n_seeds"])
            aulc = {name: (s["aulc"].mean() * 100, s["aulc"].std() * 100) for name, s in strategies.items()}
            floor = aulc["Random"][0] - aulc["Random"][1]
            rows.append(
                {
                    "suite": suite,
                    "dataset": dataset,
                    "model": info.get("model"),
                    "seeds": seeds,
                    "labels": f"{rnd['n_labeled'][0]}→{rnd['n_labeled'][-1]}",
                    "aulc": aulc,
                    "safe": aulc[DEFAULT][0] >= floor,
                    "above": aulc[DEFAULT][0] > aulc["Random"][0],
                }
            )
            # goal: labels to reach Random's final mean accuracy, against Random's full budget
            n = rnd["n_labeled"]
            target = rnd["acc_mean"][-1]
            budget = int(n[-1])
            on_mean = first_reaching(dflt["n_labeled"], dflt["acc_mean"], target)
            curves = per_seed_curves(records, dataset, DEFAULT).values()
            seed_need = [first_reaching(nn, acc, target) for nn, acc in curves]
            goal_rows.append(
                {
                    "dataset": dataset,
                    "target": target * 100,
                    "budget": budget,
                    "on_mean": on_mean,
                    "seeds": seed_need,
                    "met": on_mean is not None and on_mean <= 0.6 * budget,
                }
            )
    return rows, goal_rows, lines


def _fmt(m, s):
    return f"{m:.1f} ± {s:.1f}"


def write(rows, goal_rows, lines, out):
    names = []
    for r in rows:
        for name in r["aulc"]:
            if name not in names:
                names.append(name)
    names.sort(key=lambda n: (n != DEFAULT, n != "Random", n))
    md = [
        "# skal's default strategy against Random, on every suite",
        "",
        "Written by `python benchmarks/default_strategy_evaluation.py` from the results of",
        "`skal bench benchmarks/suites/default_strategy_tables.json benchmarks/suites/default_strategy_images.json"
        " --out benchmarks/results`.",
        "",
        "AULC = test accuracy (%) averaged over the label range (trapezoids), mean ± std over seeds.",
        "**safe**: the default's AULC is at least Random's mean minus one std; **above**: above Random's mean.",
        "",
        "| dataset | model | labels | seeds | " + " | ".join(names) + " | default − Random | safe | above |",
        "|---|---|---|---:|" + "---:|" * len(names) + "---:|---|---|",
    ]
    for r in rows:
        cells = [_fmt(*r["aulc"][n]) if n in r["aulc"] else "" for n in names]
        md.append(
            f"| {r['dataset']} | {r['model']} | {r['labels']} | {r['seeds']} | "
            + " | ".join(cells)
            + f" | {r['aulc'][DEFAULT][0] - r['aulc']['Random'][0]:+.2f}"
            + f" | {'yes' if r['safe'] else '**no**'} | {'yes' if r['above'] else 'no'} |"
        )
    n_safe, n_above = sum(r["safe"] for r in rows), sum(r["above"] for r in rows)
    md += [
        "",
        f"Safe on {n_safe} of {len(rows)} datasets; above Random's mean on {n_above} of {len(rows)}.",
        "",
        "## The goal: Random's final accuracy with at most 60 % of Random's labels",
        "",
        "Labels the default needs to first reach Random's final mean accuracy (on the default's mean curve, and per"
        " seed: seeds that never reach it within the budget show as –).",
        "",
        "| dataset | Random's final accuracy | Random's labels | default, mean curve | fraction | per seed | met |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for g in goal_rows:
        frac = f"{g['on_mean'] / g['budget']:.0%}" if g["on_mean"] is not None else "not reached"
        seeds = ", ".join("–" if s is None else str(s) for s in g["seeds"])
        md.append(
            f"| {g['dataset']} | {g['target']:.1f} | {g['budget']} | {g['on_mean'] or 'not reached'} | {frac} | "
            f"{seeds} | {'yes' if g['met'] else 'no'} |"
        )
    n_met = sum(g["met"] for g in goal_rows)
    md += ["", f"Goal met on {n_met} of {len(goal_rows)} datasets (target: at least half).", ""]
    md += lines
    Path(out).write_text("\n".join(md) + "\n")
    return "\n".join(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default="benchmarks/results")
    ap.add_argument("--out", default="benchmarks/results/default_strategy.md")
    args = ap.parse_args()
    print(write(*evaluate(args.results), args.out))


if __name__ == "__main__":
    main()
