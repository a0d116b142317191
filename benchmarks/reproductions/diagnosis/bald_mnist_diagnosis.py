"""Why does skal's BALD trail Random in the Gal et al. (2017) MNIST reproduction? A small diagnosis.

Uses the reproduction's own model, training (``make_net``: 20 epochs, batch 32, Adam, L2 3.5/N on the dense
weights), data split and test subset (``load``), imported from ``gal2017_mnist_bald.py``.

1. Score check: skal's ``BALD`` scores on 1,000 candidates against a float64 reference computed by hand from
   the T per-pass probabilities (same dropout masks: the same seed and call order), with the conv features
   computed without the reproduction's cache.
2. Dropout check: the T passes differ, two copies of one image in one batch get different masks, scores vary.
3. Small AL loops (fresh net each round) logging per round the test accuracy, the true and predicted class
   histograms of the picks, and the mean BALD / entropy scores of the candidates and of the picks.
4. Variants: BALD with T = 100 passes; BALD and Random with a better-trained net (``_noL2``: no L2 term;
   ``_noL2e100``: no L2 term and 100 epochs; ``_e100``: L2 kept, 100 epochs).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/reproductions/diagnosis/bald_mnist_diagnosis.py

writes ``bald_mnist_diagnosis.json`` next to this file and prints a summary.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from gal2017_mnist_bald import load, make_net  # noqa: E402

from skal.nn import mc_dropout_stats, only_dropout_active  # noqa: E402
from skal.strategies import BALD, DBAL, Random  # noqa: E402
from skal.strategies._subsample import draw_candidates  # noqa: E402
from skal.utils._random import as_generator  # noqa: E402

_MAX_SEED = 2**32 - 1


def train(X, y, idx, seed, epochs=20, l2=True):
    net = make_net(epochs, 32)
    if not l2:
        net.l2_c = 0.0
    torch.manual_seed(seed)
    net.fit(X[idx], y[idx])
    return net


def accuracy(net, xt, yt):
    return float((net.predict(xt) == yt).mean())


def per_pass_proba(net, Xc, n_samples, seed, batch_size=500):
    """(T, n, C) float64 probabilities by hand: conv features once (no cache), T passes of the dropout head."""
    m = net.module_
    out = []
    with torch.random.fork_rng(devices=[]), only_dropout_active(m), torch.no_grad():
        torch.manual_seed(int(seed))
        for s in range(0, len(Xc), batch_size):
            xb = torch.as_tensor(Xc[s : s + batch_size])
            feats = m.convs(xb)
            passes = []
            for _ in range(n_samples):
                h = m.drop1(feats).flatten(1)
                logits = m.head(m.dense(h))
                passes.append(torch.log_softmax(logits.double(), 1).exp().numpy())
            out.append(np.stack(passes))
    return np.concatenate(out, axis=1)


def mutual_information(P):
    """H(mean_t p_t) - mean_t H(p_t), float64, from (T, n, C) probabilities."""
    from scipy.special import xlogy

    pbar = P.mean(0)
    h_mean = -xlogy(pbar, pbar).sum(1)
    mean_h = (-xlogy(P, P).sum(2)).mean(0)
    return h_mean - mean_h, h_mean


def score_check(X, y, init, seed, n_samples=20, n_candidates=1000):
    """skal's BALD/DBAL scores vs a hand-made float64 reference on the same dropout masks."""
    net = train(X, y, init, seed)
    labeled = np.zeros(len(X), bool)
    labeled[init] = True
    strat = BALD(n_samples=n_samples, n_candidates=n_candidates, batch_size=500, random_state=seed)
    strat.fit(X, labeled=labeled, estimator=net)
    dbal = DBAL(n_samples=n_samples, n_candidates=n_candidates, batch_size=500, random_state=seed)
    dbal.fit(X, labeled=labeled, estimator=net)
    # replicate the candidate draw and the MC seed (CandidateScoringStrategy._candidates, _mc_scores)
    rng = as_generator(seed)
    rows = draw_candidates(labeled, n_candidates, rng)
    mc_seed = int(rng.integers(_MAX_SEED))
    assert np.array_equal(rows, np.flatnonzero(~np.isnan(strat.scores_))), "candidate rows differ"
    P = per_pass_proba(net, X[rows], n_samples, mc_seed)
    mi, h_mean = mutual_information(P)
    ours = strat.scores_[rows]
    res = {
        "max_abs_diff_bald": float(np.abs(ours - mi).max()),
        "max_abs_diff_dbal": float(np.abs(dbal.scores_[rows] - h_mean).max()),
        "top10_same": bool(set(np.argsort(-ours, kind="stable")[:10]) == set(np.argsort(-mi, kind="stable")[:10])),
        "bald_mean": float(mi.mean()),
        "bald_min": float(mi.min()),
        "bald_max": float(mi.max()),
        "bald_n_distinct": int(len(np.unique(np.round(ours, 12)))),
        # dropout active: passes differ
        "mean_std_over_passes_of_p": float(P.std(0).mean()),
        "frac_rows_whose_argmax_varies": float((P.argmax(2) != P.argmax(2)[0]).any(0).mean()),
        "max_abs_diff_pass0_vs_pass1": float(np.abs(P[0] - P[1]).max()),
    }
    # every row its own mask: two copies of one image in one batch differ in a pass
    dup = np.repeat(X[rows[:1]], 2, axis=0)
    Pd = per_pass_proba(net, dup, 2, 0)
    res["duplicate_rows_differ_in_a_pass"] = bool(np.abs(Pd[0, 0] - Pd[0, 1]).max() > 1e-6)
    # the public mc_dropout_stats on the same seed reproduces the reference's mean
    st = mc_dropout_stats(net, X[rows], n_samples=n_samples, seed=mc_seed, batch_size=500)
    res["max_abs_diff_mean_proba"] = float(np.abs(st.mean_proba - P.mean(0)).max())
    # MC noise: an independent seed, T = 20 and T = 100
    from scipy.stats import spearmanr

    mi2, _ = mutual_information(per_pass_proba(net, X[rows], n_samples, mc_seed + 1))
    mi100, _ = mutual_information(per_pass_proba(net, X[rows], 100, mc_seed + 2))
    top = lambda s: set(np.argsort(-s)[:10].tolist())  # noqa: E731
    res["spearman_T20_vs_T20_other_seed"] = float(spearmanr(mi, mi2)[0])
    res["spearman_T20_vs_T100"] = float(spearmanr(mi, mi100)[0])
    res["top10_overlap_T20_vs_T20_other_seed"] = len(top(mi) & top(mi2))
    res["top10_overlap_T20_vs_T100"] = len(top(mi) & top(mi100))
    res["spearman_bald_vs_dbal"] = float(spearmanr(mi, h_mean)[0])
    res["top10_overlap_bald_vs_dbal"] = len(top(mi) & top(h_mean))
    # what drives the scores of a near-uniform net: the image's ink (sum of pixel intensities)
    ink = X[rows].reshape(len(rows), -1).sum(1)
    res["spearman_bald_vs_ink"] = float(spearmanr(mi, ink)[0])
    res["spearman_entropy_vs_ink"] = float(spearmanr(h_mean, ink)[0])
    res["mean_ink_by_true_class"] = [round(float(ink[y[rows] == c].mean()), 1) for c in range(10)]
    res["bald_top100_true_class_hist"] = hist(y[rows[np.argsort(-mi)[:100]]])
    res["entropy_top100_true_class_hist"] = hist(y[rows[np.argsort(-h_mean)[:100]]])
    res["cand_mean_max_proba"] = float(P.mean(0).max(1).mean())
    return res


def candidate_overlap(X, init, seed, rounds=5, n_candidates=1000):
    """Do the candidate subsets change between rounds with a fixed int random_state (as in the reproduction)?"""
    labeled = np.zeros(len(X), bool)
    labeled[init] = True
    prev, overlaps = None, []
    for _ in range(rounds):
        rows = draw_candidates(labeled, n_candidates, as_generator(seed))
        if prev is not None:
            overlaps.append(len(np.intersect1d(prev, rows)))
        prev = rows
        labeled[rows[:10]] = True
    return overlaps


def hist(labels):
    return np.bincount(np.asarray(labels, int), minlength=10).tolist()


def al_loop(X, y, init, xt, yt, seed, kind, max_labels, n_samples=20, epochs=20, l2=True):
    """Fresh net each round, 10 picks a round from 1,000 candidates; per-round diagnostics."""
    from scipy.stats import spearmanr

    idx = list(init)
    log = []
    while True:
        r = len(log)
        net = train(X, y, np.array(idx), seed * 1000 + r, epochs, l2)
        rec = {"n_labeled": len(idx), "accuracy": accuracy(net, xt, yt)}
        if len(idx) >= max_labels:
            log.append(rec)
            break
        labeled = np.zeros(len(X), bool)
        labeled[idx] = True
        rs = seed * 1000 + r  # a fresh candidate subset and MC seed each round
        bald = BALD(n_samples=n_samples, n_candidates=1000, batch_size=500, random_state=rs)
        bald.fit(X, labeled=labeled, estimator=net)
        cand = np.flatnonzero(~np.isnan(bald.scores_))
        dbal = DBAL(n_samples=n_samples, n_candidates=1000, batch_size=500, random_state=rs)
        dbal.fit(X, labeled=labeled, estimator=net)
        if kind == "bald":
            picks = bald.query(10)
        elif kind == "dbal":
            picks = dbal.query(10)
        else:
            picks = Random(random_state=rs).fit(X, labeled=labeled).query(10)
        pred_cand = net.predict(X[cand])
        ink = X[cand].reshape(len(cand), -1).sum(1)
        rec.update(
            picked_true=hist(y[picks]),
            picked_pred=hist(net.predict(X[picks])),
            picks_pred_correct=int((net.predict(X[picks]) == y[picks]).sum()),
            cand_pred_hist=hist(pred_cand),
            bald_mean_cand=float(np.nanmean(bald.scores_)),
            bald_mean_picks=float(bald.scores_[picks].mean()),
            entropy_mean_cand=float(np.nanmean(dbal.scores_)),
            entropy_mean_picks=float(dbal.scores_[picks].mean()),
            ink_mean_picks=float(X[picks].sum() / len(picks)),
            ink_mean_cand=float(ink.mean()),
            spearman_bald_vs_ink=float(spearmanr(bald.scores_[cand], ink)[0]),
            spearman_entropy_vs_ink=float(spearmanr(dbal.scores_[cand], ink)[0]),
            overlap_bald_dbal_top10=len(set(bald.query(10).tolist()) & set(dbal.query(10).tolist())),
        )
        log.append(rec)
        idx += picks.tolist()
    return log


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--max-labels", type=int, default=100)
    p.add_argument("--out", default="bald_mnist_diagnosis.json", help="file name, next to this script")
    p.add_argument("--variants", nargs="+", default=["random", "dbal", "bald", "bald_T100", "random_noL2", "bald_noL2"])
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.time()
    out = {"command": "python " + " ".join(sys.argv), "checks": {}, "loops": {}}
    for seed in args.seeds:
        X, y, init, xt, yt = load(seed, 1000)
        out["checks"][seed] = score_check(X, y, init, seed)
        out["checks"][seed]["candidate_overlap_fixed_random_state"] = candidate_overlap(X, init, seed)
        print(f"seed {seed} checks", json.dumps(out["checks"][seed]), flush=True)
        for v in args.variants:
            kind = v.split("_")[0]
            kw = {"n_samples": 100} if v.endswith("T100") else {}
            if "noL2" in v:
                kw["l2"] = False
            if "e100" in v:
                kw["epochs"] = 100
            t = time.time()
            log = al_loop(X, y, init, xt, yt, seed, kind, args.max_labels, **kw)
            out["loops"][f"{v}/{seed}"] = log
            print(f"seed {seed} {v}: {time.time() - t:.0f} s", flush=True)
            for rec in log:
                print("  ", {k: v_ for k, v_ in rec.items() if k != "cand_pred_hist"}, flush=True)
            (HERE / args.out).write_text(json.dumps(out, indent=1))
    out["wall_s"] = round(time.time() - t0, 1)
    (HERE / args.out).write_text(json.dumps(out, indent=1))
    print(f"total {out['wall_s']} s")


if __name__ == "__main__":
    main()
