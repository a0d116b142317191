"""Aggregate benchmark records: mean ± std per round, area under the curve, labels to reach Random."""

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

__all__ = ["time_saved", "summarize", "write_report", "read_records"]


def read_records(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def _aulc(n, acc):
    """Area under the learning curve, normalised by the label range (a mean accuracy)."""
    n, acc = np.asarray(n, float), np.asarray(acc, float)
    if len(n) < 2:
        return float(acc.mean())
    return float(np.sum((acc[1:] + acc[:-1]) / 2 * np.diff(n)) / (n[-1] - n[0]))


def summarize(records):
    """Per dataset and strategy: the curve's mean/std per round and per-seed AULC.

    Returns ``{dataset: {"model", "strategies": {name: {...}}, "missing", "missing_dataset", "candidate_seconds"}}``.
    """
    out = defaultdict(lambda: {"strategies": {}, "missing": [], "missing_dataset": None, "candidate": []})
    runs = defaultdict(lambda: defaultdict(list))
    for r in records:
        ds = out[r["dataset"]]
        ds.setdefault("model", r.get("model"))
        if r["kind"] == "round" and r.get("accuracy") is not None:  # an untrained round (one class yet) has none
            runs[(r["dataset"], r["strategy"])][r["seed"]].append(r)
        elif r["kind"] == "missing_strategy":
            ds["missing"].append(r["strategy"])
        elif r["kind"] == "missing_dataset":
            ds["missing_dataset"] = r["message"]
        elif r["kind"] == "candidate":
            ds["candidate"].append(r)
    for (dataset, strategy), seeds in runs.items():
        curves = [sorted(rs, key=lambda r: r["round"]) for rs in seeds.values()]
        length = min(len(c) for c in curves)
        n = np.array([r["n_labeled"] for r in curves[0][:length]])
        acc = np.array([[r["accuracy"] for r in c[:length]] for c in curves])
        f1 = np.array([[r["macro_f1"] for r in c[:length]] for c in curves])
        query = np.array([[r["query_seconds"] for r in c[:length]] for c in curves])
        out[dataset]["strategies"][strategy] = {
            "n_labeled": n,
            "acc_mean": acc.mean(0),
            "acc_std": acc.std(0),
            "f1_mean": f1.mean(0),
            "aulc": np.array([_aulc(n, a) for a in acc]),
            "query_seconds": query.mean(),
            "n_seeds": len(curves),
            # round 0 picked by predictions: a random-weight net scored the pool, no candidate model was trained
            "random_weight_start": started_from_random_weights(curves[0][0].get("strategy_used")),
        }
    for ds in out.values():
        # Random first, oracle baselines last, the rest in the order they ran
        order = sorted(ds["strategies"], key=lambda name: (name != "Random", "(oracle)" in name))
        ds["strategies"] = {name: ds["strategies"][name] for name in order}
        strategies = ds["strategies"]
        if "Random" in strategies:
            target = strategies["Random"]["acc_mean"][-1]
            for s in strategies.values():
                reached = np.flatnonzero(s["acc_mean"] >= target)
                s["labels_to_random_final"] = int(s["n_labeled"][reached[0]]) if len(reached) else None
    return dict(out)


def started_from_random_weights(strategy_used):
    """Whether a round-0 strategy name means a random-weight net scored the pool (no candidate model trained)."""
    first = (strategy_used or "").split("->")[-1]
    return any(k in first for k in ("Confidence", "Margin", "Entropy"))


def time_saved(records):
    """What random-weight first pools saved in ``records`` (one dataset): ``(s per candidate, std, runs, hours)``.

    A run whose first pool a random-weight net picked trained no candidate
    model on a random initial pool; each such run saves the measured seconds
    of one candidate (``kind == "candidate"`` records, one per seed). ``runs``
    counts those runs, ``hours`` is ``runs`` times the mean candidate time.
    None without candidate records.

    Examples
    --------
    >>> records = [{"kind": "candidate", "seconds": 30.0}, {"kind": "candidate", "seconds": 50.0},
    ...            {"kind": "round", "round": 0, "strategy": "HC", "seed": 0, "strategy_used": "HighConfidence()"},
    ...            {"kind": "round", "round": 0, "strategy": "HC", "seed": 1, "strategy_used": "HighConfidence()"},
    ...            {"kind": "round", "round": 0, "strategy": "Random", "seed": 0, "strategy_used": "Random()"}]
    >>> time_saved(records)
    (40.0, 10.0, 2, 0.022222222222222223)
    """
    secs = np.array([r["seconds"] for r in records if r["kind"] == "candidate"])
    if not len(secs):
        return None
    runs = {
        (r["strategy"], r["seed"])
        for r in records
        if r["kind"] == "round" and r["round"] == 0 and started_from_random_weights(r.get("strategy_used"))
    }
    return float(secs.mean()), float(secs.std()), len(runs), float(secs.mean() * len(runs) / 3600)


def avoided_text(runs, hours):
    """The sentence on what the runs that started from random weights saved."""
    if not runs:
        return "No run of this dataset started from random weights."
    return (
        f"Over the {runs} runs of this dataset that started from random weights: {hours:.3f} hours of candidate "
        "training avoided."
    )


def _pct(m, s):
    return f"{100 * m:.1f} ± {100 * s:.1f}"


def write_report(results_path, title=None):
    """Write ``report.md`` and one PNG per dataset next to ``results.jsonl``; return the markdown."""
    results_path = Path(results_path)
    records = read_records(results_path)
    summary = summarize(records)
    lines = [f"# {title or results_path.parent.name}", ""]
    for dataset, ds in summary.items():
        lines += [f"## {dataset} — model `{ds.get('model')}`", ""]
        if ds["missing_dataset"]:
            lines += [f"Skipped: {ds['missing_dataset']}", ""]
            continue
        strategies = ds["strategies"]
        if strategies:
            names = list(strategies)
            first = strategies[names[0]]
            seeds = max(s["n_seeds"] for s in strategies.values())
            lines += [f"Test accuracy (%), mean ± std over {seeds} seeds.", ""]
            lines += ["| labels | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
            for k, n in enumerate(first["n_labeled"]):
                cells = [
                    _pct(s["acc_mean"][k], s["acc_std"][k]) if k < len(s["acc_mean"]) else ""
                    for s in strategies.values()
                ]
                lines.append(f"| {n} | " + " | ".join(cells) + " |")
            lines.append(
                "| **AULC** | "
                + " | ".join(_pct(s["aulc"].mean(), s["aulc"].std()) for s in strategies.values())
                + " |"
            )
            lines.append(
                "| final macro-F1 | " + " | ".join(f"{100 * s['f1_mean'][-1]:.1f}" for s in strategies.values()) + " |"
            )
            if "Random" in strategies:
                cells = [str(s["labels_to_random_final"] or "not reached") for s in strategies.values()]
                lines.append("| labels to reach Random's final accuracy | " + " | ".join(cells) + " |")
            lines.append(
                "| query seconds per round | "
                + " | ".join(f"{s['query_seconds']:.2f}" for s in strategies.values())
                + " |"
            )
            if ds["candidate"]:
                saved = np.mean([c["seconds"] for c in ds["candidate"]])
                cells = [f"{saved:.1f}" if s["random_weight_start"] else "0" for s in strategies.values()]
                lines.append("| time saved on the first pool (s) | " + " | ".join(cells) + " |")
            lines.append("")
            _plot(dataset, strategies, results_path.parent)
            lines += [f"![{dataset}]({_png_name(dataset)})", ""]
        saved = time_saved([r for r in records if r.get("dataset") == dataset])
        if saved is not None:
            mean, std, runs, hours = saved
            lines += [
                f"Time saved by a random-weight first pool: training one candidate model on a random initial pool of "
                f"{ds['candidate'][0]['n']} rows takes {mean:.1f} ± {std:.1f} s here; HC/LC-first schedules skip it. "
                + avoided_text(runs, hours),
                "",
            ]
        missing = sorted(set(ds["missing"]) - set(ds["strategies"]))  # a later run may have added them
        if missing:
            lines += ["Missing in skal when this ran (listed, not faked): " + ", ".join(missing) + ".", ""]
    text = "\n".join(lines)
    (results_path.parent / "report.md").write_text(text)
    return text


def _png_name(dataset):
    return "curve_" + "".join(ch if ch.isalnum() else "_" for ch in dataset).strip("_") + ".png"


def _plot(dataset, strategies, folder):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, s in strategies.items():
        (line,) = ax.plot(s["n_labeled"], 100 * s["acc_mean"], marker="o", ms=3, label=name)
        ax.fill_between(
            s["n_labeled"],
            100 * (s["acc_mean"] - s["acc_std"]),
            100 * (s["acc_mean"] + s["acc_std"]),
            color=line.get_color(),
            alpha=0.15,
        )
    ax.set_xlabel("labels")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(dataset)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.savefig(folder / _png_name(dataset), dpi=110, bbox_inches="tight")
    plt.close(fig)
