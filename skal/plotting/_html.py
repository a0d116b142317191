"""One self-contained HTML report of a benchmark results file: every figure inlined as a base64 PNG."""

import base64
import html
import io
import json
from pathlib import Path

import numpy as np

from ._curves import plot_learning_curve
from ._overlap import plot_pick_overlap
from ._pool_map import plot_pool_map
from ._rounds import plot_class_histogram, plot_confidence_histograms, plot_per_class_accuracy
from ._sources import read_records, runs_by_strategy

__all__ = ["write_html_report"]

_CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
figure{display:inline-block;margin:0 1em 1.5em 0;vertical-align:top;max-width:100%}
figure img{max-width:100%}figcaption{font-size:.85em;color:#444;max-width:640px}
.note{color:#8a4b00;font-size:.9em}table{border-collapse:collapse;font-size:.85em;margin-bottom:1em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"""


def png(draw, figsize=(6.4, 4.2)):
    """``<img>`` of the figure ``draw(ax)`` makes, as an inline base64 PNG (no pyplot, no file)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    draw(fig.add_subplot())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return f'<img src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}" alt="figure">'


def _figure(draw, caption, figsize=(6.4, 4.2)):
    try:
        return f"<figure>{png(draw, figsize)}<figcaption>{html.escape(caption)}</figcaption></figure>"
    except ValueError as exc:  # a key this results file does not record: say so instead of the figure
        return _note(f"{caption.split(':')[0]}: not drawn. {exc}")
    except Exception as exc:  # one figure failing must not cost the whole report
        return _note(f"{caption.split(':')[0]}: not drawn, drawing it failed ({type(exc).__name__}: {exc}).")


def _note(text):
    return f'<p class="note">{html.escape(text)}</p>'


def _has(groups, key):
    return all(r.get(key) is not None for seeds in groups.values() for h in seeds.values() for r in h)


def _costs_are_label_counts(groups):
    return all(r["total_cost"] == r["n_labeled"] for seeds in groups.values() for h in seeds.values() for r in h)


def _seeds(groups):
    n = max(len(seeds) for seeds in groups.values())
    return "seed " + str(next(iter(next(iter(groups.values()))))) if n == 1 else f"mean ± std over {n} seeds"


def _curves(results, dataset, groups):
    which = _seeds(groups)
    parts = [
        _figure(
            lambda ax: plot_learning_curve(results, dataset=dataset, ax=ax, title=f"{dataset}: accuracy"),
            f"Test accuracy against labels, one band per strategy ({which}).",
            (7.6, 4.2),
        ),
        _figure(
            lambda ax: plot_learning_curve(
                results, metric="macro_f1", dataset=dataset, ax=ax, title=f"{dataset}: macro-F1"
            ),
            f"Test macro-F1 against labels ({which}).",
            (7.6, 4.2),
        ),
    ]
    if _has(groups, "total_cost") and _costs_are_label_counts(groups):
        parts.append(_note("Accuracy against annotation cost: not drawn, every label cost 1 (the suite sets no cost)."))
    elif _has(groups, "total_cost"):
        parts.append(
            _figure(
                lambda ax: plot_learning_curve(results, x="cost", dataset=dataset, ax=ax, title=f"{dataset}: cost"),
                f"Test accuracy against annotation cost (total_cost; {which}, cost averaged too).",
                (7.6, 4.2),
            )
        )
    else:
        parts.append(_note("Accuracy against annotation cost: not drawn, this results file records no total_cost."))
    return parts


def _per_strategy(results, dataset, groups):
    """Class counts, per-class accuracy and confidence of each strategy (mean over its seeds)."""
    kinds = [
        ("class counts", "labeled_classes", plot_class_histogram, (6.4, 4.0)),
        ("per-class accuracy", "per_class_accuracy", plot_per_class_accuracy, (7.6, 4.4)),
        ("confidence of the unlabeled pool", "confidence", plot_confidence_histograms, (6.4, 4.4)),
    ]
    parts = []
    for what, key, plot, size in kinds:
        if not any(_has({n: s}, key) for n, s in groups.items()):
            parts.append(
                _note(
                    f"{what.capitalize()}: not drawn, this results file has no '{key}' per round "
                    "(written before skal recorded it): re-run the suite to get it."
                )
            )
            continue
        parts.append(f"<h3>{html.escape(what.capitalize())}</h3>")
        for name, seeds in groups.items():
            which = f"seed {next(iter(seeds))}" if len(seeds) == 1 else f"mean over {len(seeds)} seeds"
            parts.append(
                _figure(
                    lambda ax, name=name, plot=plot: plot(results, dataset=dataset, strategy=name, ax=ax),
                    f"{what.capitalize()}: {name} ({which}).",
                    size,
                )
            )
    return parts


def _overlap(results, dataset, groups):
    names = list(groups)
    if len(names) < 2:
        return []
    a, b = names[:2]
    shared = [s for s in groups[a] if s in groups[b]]
    which = f"seed {shared[0]}" if len(shared) == 1 else f"mean ± std over {len(shared)} seeds, paired by seed"
    return [
        "<h3>Pick overlap</h3>",
        _figure(
            lambda ax: plot_pick_overlap(a, b, results=results, dataset=dataset, ax=ax),
            f"Pick overlap: Jaccard index of the rows {a} and {b} labeled so far ({which}).",
            (6.4, 3.6),
        ),
    ]


def _pool_map(results, dataset, groups, suite, data_home):
    name = next((n for n in groups if n != "Random"), next(iter(groups)))  # Random's picks say little
    seed = next(iter(groups[name]))
    if not _has({name: groups[name]}, "queried"):
        return [
            _note(
                "Pool map: not drawn, this results file has no 'queried' rows per round (written before "
                "skal recorded the picks): re-run the suite to get it."
            )
        ]
    if suite is None:
        return [
            _note(
                "Pool map: not drawn, no suite.json next to results.jsonl (written by newer skal bench runs); "
                "the pool cannot be rebuilt without the dataset spec."
            )
        ]
    from ..bench._data import prepare_data, variant_name
    from ..datasets import DatasetNotFoundError

    specs = [s for s in suite.get("datasets", []) if variant_name(s) == dataset]
    if not specs:
        return [_note(f"Pool map: not drawn, suite.json has no dataset spec named {dataset!r}.")]
    try:
        X = prepare_data(specs[0], data_home).X_pool
    except DatasetNotFoundError as exc:
        return [_note(f"Pool map: not drawn, the dataset is not on this machine ({exc}).")]
    return [
        "<h3>Pool map</h3>",
        _figure(
            lambda ax: plot_pool_map(results, X=X, dataset=dataset, strategy=name, seed=seed, ax=ax),
            f"Pool map: the pool's rows in 2-D, those {name} labeled (seed {seed}) coloured by round.",
            (6.4, 5.2),
        ),
    ]


def _stopping(groups):
    """One table per strategy: the stopping criteria's values per round (mean over seeds; blank: not computed)."""
    parts = []
    for name, seeds in groups.items():
        runs = list(seeds.values())
        length = min(len(h) for h in runs)
        names = list(dict.fromkeys(c for h in runs for r in h[:length] for c in (r.get("stopping") or {})))
        if not names:
            continue
        rows = []
        for k in range(length):
            cells = []
            for c in names:
                got = [(h[k].get("stopping") or {}).get(c) for h in runs]
                got = [v for v in got if v is not None]
                cells.append(f"{np.mean(got):.3g}" if got else "")
            rows.append(f"<tr><td>{k}</td><td>{runs[0][k]['n_labeled']}</td>" + "".join(f"<td>{c}</td>" for c in cells))
        which = f"seed {next(iter(seeds))}" if len(seeds) == 1 else f"mean over {len(seeds)} seeds"
        head = "".join(f"<th>{html.escape(c)}</th>" for c in names)
        parts.append(
            f"<p>{html.escape(name)} ({which}):</p><table><tr><th>round</th><th>labels</th>{head}</tr>"
            + "".join(rows)
            + "</table>"
        )
    if not parts:
        return [_note("Stopping criteria: not shown, this results file records no 'stopping' values per round.")]
    return ["<h3>Stopping criteria per round</h3>", *parts]


def _time_saved(records, dataset):
    from ..bench._report import avoided_text, time_saved

    mine = [r for r in records if r.get("dataset") == dataset]
    saved = time_saved(mine)
    if saved is None:
        return []
    mean, std, runs, hours = saved
    candidates = [r for r in mine if r["kind"] == "candidate"]
    text = (
        f"Time saved by a random-weight first pool: training one candidate model on a random initial pool of "
        f"{candidates[0].get('n')} rows takes {mean:.2f} ± {std:.2f} s ({len(candidates)} seeds). "
        + avoided_text(runs, hours)
    )
    return [f"<p>{html.escape(text)}</p>"]


def _dataset(results, dataset, records, suite, data_home):
    done = [r for r in records if r.get("dataset") == dataset]
    model = next((r.get("model") for r in done if r.get("model")), None)
    parts = [f"<h2>{html.escape(dataset)}" + (f" — model {html.escape(str(model))}" if model else "") + "</h2>"]
    if not any(r["kind"] == "round" for r in done):
        missing = next((r.get("message") for r in done if r["kind"] == "missing_dataset"), "no round records")
        return parts + [_note(f"Skipped: {missing}")]
    _, groups = runs_by_strategy(results, dataset)
    parts += _curves(results, dataset, groups)
    parts += _time_saved(records, dataset)
    parts += _per_strategy(results, dataset, groups)
    parts += (
        _overlap(results, dataset, groups)
        if _has(groups, "queried")
        else [
            _note(
                "Pick overlap: not drawn, this results file has no 'queried' rows per round: re-run the suite for it."
            )
        ]
    )
    parts += _pool_map(results, dataset, groups, suite, data_home)
    parts += _stopping(groups)
    return parts


def write_html_report(results, out=None, *, data_home=None):
    """Write one self-contained HTML report of a benchmark ``results.jsonl``; return its path.

    Per dataset: accuracy and macro-F1 against labels (and against annotation
    cost where ``total_cost`` is recorded), each strategy's class counts,
    per-class accuracy and pool confidence per round, the pick overlap of the
    first two strategies, the pool map (when ``suite.json`` sits next to the
    results and the dataset loads), the stopping criteria's values per round
    and the time a random-weight first pool saves (from ``candidate``
    records). Each caption says whether a figure shows the mean over seeds or
    one named seed. A figure whose data the file does not record (older
    results) is replaced by a note saying what is missing and how to get it.
    Figures are inline base64 PNGs: the file references nothing outside itself.

    Parameters
    ----------
    results : str or Path
        A benchmark ``results.jsonl``.
    out : str or Path, optional
        Where to write; default ``report.html`` next to ``results``.
    data_home : str or Path, optional
        Where the datasets live, to rebuild the pool for the pool map.

    Returns
    -------
    path : Path

    Examples
    --------
    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> rows = [{"kind": "round", "dataset": "d", "strategy": "Random", "seed": 0, "round": k,
    ...          "n_labeled": 10 * (k + 1), "accuracy": 0.5 + k / 10, "macro_f1": 0.4 + k / 10} for k in range(3)]
    >>> _ = (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in rows))
    >>> page = write_html_report(folder / "results.jsonl").read_text()
    >>> page.count('<img src="data:image/png;base64,')
    2
    """
    results = Path(results)
    out = results.parent / "report.html" if out is None else Path(out)
    records = read_records(results)
    suite_path = results.parent / "suite.json"
    suite = json.loads(suite_path.read_text()) if suite_path.exists() else None
    title = (suite or {}).get("name") or next((r.get("suite") for r in records if r.get("suite")), results.parent.name)
    body = [
        f"<h1>{html.escape(str(title))}</h1>",
        f"<p>From <code>{html.escape(results.name)}</code>: {sum(r['kind'] == 'round' for r in records)} round "
        "records. Bands are ±1 std over seeds.</p>",
    ]
    for dataset in dict.fromkeys(r["dataset"] for r in records if "dataset" in r):
        body += _dataset(results, dataset, records, suite, data_home)
    page = (
        f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{html.escape(str(title))}"
        f"</title><style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
    out.write_text(page, encoding="utf-8")
    return out
