"""Fault injection: kill -9 at seeded random points of journaled fits, resume, and lose no label.

A runner process (one Python start-up, scikit-learn only: no torch) forks one
child per attempt; the child fits a learner with a journal and is killed with
SIGKILL at a random point: inside the oracle at its k-th answer (per-row
oracle) or k-th batch (batch oracle), inside the k-th model fit, or by the
runner after a random delay (which can land anywhere, a commit included).
Each chain of attempts resumes the same journal until a last attempt runs
uninterrupted. The runner records, per attempt, which rows the oracle was
asked, and the journal's rows afterwards (read-only, so the next attempt
opens the journal exactly as the killed one left it, WAL included); the test
checks the invariants below. Two runners (per-row and batch) run side by side.
"""

import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.exceptions import JournalError
from skal.strategies import Entropy, Random

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the runner forks one child per attempt (POSIX)")

X = np.random.default_rng(0).normal(size=(200, 4))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)
N_ROUNDS, QUERY, TOTAL = 5, 10, 60  # 10 initial rows and 5 rounds of 10
KILLS, KILLS_PER_CHAIN = 20, 5  # per oracle kind: at least 20 kills (40 in all), chains of up to 5

COMMON = textwrap.dedent(
    """
    import json, os, signal, sqlite3, sys, time, traceback, urllib.parse
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from skal import ActiveLearner
    from skal.oracles import CallableOracle
    from skal.strategies import Entropy, Random

    # A scikit-learn-only fit never imports torch (skal forks torch's generator only once torch is loaded).
    X = np.random.default_rng(0).normal(size=(200, 4))
    Y = (X[:, 0] + X[:, 1] > 0).astype(int)
    COUNT = {"answers": 0, "fits": 0}
    KILL = {"answers": 0, "fits": 0}

    class Model(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            COUNT["fits"] += 1
            if COUNT["fits"] == KILL["fits"]:
                os.kill(os.getpid(), signal.SIGKILL)
            return super().fit(X, y, sample_weight)

    def learner():
        return ActiveLearner(Model(), Entropy(), initial_strategy=Random(), initial_size=10, query_size=10,
                             n_rounds=5, random_state=0, classes=[0, 1])

    def oracle(per_row, log, pause=0.0):
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

        def answer(rows):
            os.write(fd, (json.dumps([int(r) for r in rows]) + "\\n").encode())  # asked: on record before answering
            COUNT["answers"] += 1
            if COUNT["answers"] == KILL["answers"]:
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(pause)
            return Y[rows]

        if per_row:
            return CallableOracle(lambda i, row: answer([i])[0], per_row=True)
        return CallableOracle(lambda idx, rows: answer(np.asarray(idx)))
    """
)

RUNNER = COMMON + textwrap.dedent(
    """
    def snapshot(journal):
        # read-only: no checkpoint, so the next attempt finds the journal as the killed one left it
        if not os.path.exists(journal):
            return [], 0
        db = sqlite3.connect(f"file:{urllib.parse.quote(journal)}?mode=ro", uri=True)
        try:
            rows = [[r, int(json.loads(lab))] for r, lab in db.execute("SELECT row, label FROM labels ORDER BY seq")]
        except sqlite3.OperationalError as exc:  # killed after sqlite made the file, before the schema: no label yet
            if "no such table" not in str(exc):
                raise
            rows = []
        finally:
            db.close()
        wal = journal + "-wal"
        return rows, os.path.getsize(wal) if os.path.exists(wal) else 0

    def attempt(journal, log, result, per_row, kind, at, delay):
        pid = os.fork()
        if pid == 0:
            try:
                COUNT.update(answers=0, fits=0)  # this attempt's own answers and fits (the runner warmed up too)
                KILL["answers" if kind == "answer" else "fits"] = at if kind in ("answer", "fit") else 0
                fitted = learner().fit(X, oracle(per_row, log, pause=0.0005), journal=journal)
                with open(result, "w") as f:
                    json.dump({"rows": fitted.labeled_indices_.tolist(), "labels": fitted.labels_.tolist()}, f)
                os._exit(0)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
        if kind == "delay":
            time.sleep(delay)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
        return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)

    def main(folder, per_row, seed, target, kills_per_chain):
        rng = np.random.default_rng(seed)
        start = time.time()
        warm = os.path.join(folder, "warm.db")
        attempt(warm, warm + ".log", warm + ".json", per_row, "none", 0, 0)  # first-use imports, in the runner
        learner().fit(X, oracle(per_row, warm + ".log2"), journal=warm)
        t0 = time.time()
        attempt(os.path.join(folder, "timing.db"), warm + ".log3", warm + ".json3", per_row, "none", 0, 0)
        duration = time.time() - t0
        report = {"per_row": per_row, "duration": duration, "chains": []}
        total = 0
        while total < target and len(report["chains"]) < 3 * target:
            journal = os.path.join(folder, f"chain{len(report['chains'])}.db")
            attempts, kills = [], 0
            while True:  # kill until the chain has its kills or its journal is complete; then one plain attempt
                rows, _ = snapshot(journal)
                remaining = 60 - len(rows)
                final = kills >= kills_per_chain or remaining == 0
                kind, at, delay = "none", 0, 0.0
                if not final:
                    kind = str(rng.choice(["answer", "fit", "delay"], p=[0.5, 0.25, 0.25]))
                    batches = -(-remaining // 10)
                    if kind == "answer":  # the k-th answer (per-row) or batch still to come: always reached
                        at = int(rng.integers(1, (remaining if per_row else batches) + 1))
                    elif kind == "fit":  # an unfinished run fits at least once per round left
                        at = int(rng.integers(1, batches + 1))
                    else:  # anywhere in the time the rest of the run takes
                        delay = float(rng.uniform(0.0, 0.01 + duration * remaining / 60))
                k = len(attempts)
                log, result = f"{journal}.{k}.log", f"{journal}.{k}.json"
                status = attempt(journal, log, result, per_row, kind, at, delay)
                rows, wal = snapshot(journal)
                asked = [json.loads(line) for line in open(log)] if os.path.exists(log) else []
                done = json.load(open(result)) if os.path.exists(result) else None
                attempts.append(dict(kind=kind, at=at, delay=delay, status=status, asked=asked, journal=rows,
                                     wal=wal, result=done))
                kills += status == -9
                if final:
                    break
            total += kills
            report["chains"].append(attempts)
        report["seconds"] = time.time() - start
        report["torch"] = "torch" in sys.modules
        print(json.dumps(report))

    main(sys.argv[1], sys.argv[2] == "per_row", int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    """
)


def _env():
    path = os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))
    threads = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return {**os.environ, "PYTHONPATH": path, **threads}


@pytest.fixture(scope="module")
def reference():
    """The uninterrupted run every chain must end with."""
    fitted = ActiveLearner(
        LogisticRegression(),
        Entropy(),
        initial_strategy=Random(),
        initial_size=10,
        query_size=QUERY,
        n_rounds=N_ROUNDS,
        random_state=0,
        classes=[0, 1],
    ).fit(X, Y)
    return fitted.labeled_indices_.tolist(), fitted.labels_.tolist()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both runners, side by side (one per core): ``{kind: report}``."""
    procs = {}
    for seed, kind in enumerate(("per_row", "batch")):
        folder = tmp_path_factory.mktemp(kind)
        script = folder / "runner.py"
        script.write_text(RUNNER)
        args = [sys.executable, str(script), str(folder), kind, str(100 + seed), str(KILLS), str(KILLS_PER_CHAIN)]
        procs[kind] = subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reports = {}
    for kind, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-3000:]
        reports[kind] = json.loads(out.decode().strip().splitlines()[-1])
    return reports


@pytest.mark.parametrize("kind", ["per_row", "batch"])
def test_kill_9_at_random_points_loses_no_label(runs, reference, kind):
    report = runs[kind]
    assert not report["torch"]  # the runner stayed cheap
    ref_rows, ref_labels = reference
    in_flight = 1 if kind == "per_row" else QUERY  # answers an oracle can give that a kill may catch uncommitted
    kills = 0
    for chain in report["chains"]:
        journaled = []  # (row, label) in seq order, after the previous attempt
        calls = {}
        for k, a in enumerate(chain):
            last = k == len(chain) - 1
            where = f"{kind} chain attempt {k} ({a['kind']} at {a['at'] or round(a['delay'], 3)}): {a}"
            assert a["status"] in ((0,) if last else (0, -9)), where
            kills += a["status"] == -9
            asked = [r for rows in a["asked"] for r in rows]
            after = [tuple(x) for x in a["journal"]]
            # 0 labels lost: what was journaled stays, unchanged and in order
            assert after[: len(journaled)] == journaled, where
            # no journaled row is asked again, and nothing is asked twice within an attempt
            assert not set(asked) & {r for r, _ in journaled}, where
            assert len(asked) == len(set(asked)), where
            # every new journal row was answered by this attempt's oracle, with the oracle's answer
            new = after[len(journaled) :]
            assert {r for r, _ in new} <= set(asked), where
            assert all(label == Y[r] for r, label in new), where
            # what a kill can lose is only the answers in flight: one per-row answer, or one batch
            lost = set(asked) - {r for r, _ in after}
            assert len(lost) <= (in_flight if a["status"] == -9 else 0), where
            for r in asked:
                calls[r] = calls.get(r, 0) + 1
            journaled = after
        final = chain[-1]["result"]
        assert final["rows"] == ref_rows and final["labels"] == ref_labels  # as if never interrupted
        assert {r for r, _ in journaled} == set(ref_rows)
        # oracle calls per row: one, plus one for each kill that caught its answer in flight
        n_lost = sum(len({r for rows in a["asked"] for r in rows} - {r for r, _ in a["journal"]}) for a in chain)
        assert set(calls) <= set(ref_rows) and sum(calls.values()) == len(ref_rows) + n_lost
        assert all(1 <= calls[r] <= 1 + sum(a["status"] == -9 for a in chain) for r in calls)
    assert kills >= KILLS  # 20 per oracle kind, 40 in all
    killed = {a["kind"] for chain in report["chains"] for a in chain if a["status"] == -9}
    assert killed == {"answer", "fit", "delay"}  # killed inside the oracle, inside a fit, and anywhere
    assert any(a["wal"] > 0 for chain in report["chains"] for a in chain if a["status"] == -9)  # answers in -wal


RACER = COMMON + textwrap.dedent(
    """
    ready = False

    def person(i, row):
        global ready
        if not ready:  # the journal is open and locked: let the test try a second fit, then go on
            ready = True
            print("asking", flush=True)
            sys.stdin.readline()
        return Y[i]

    fitted = learner().fit(X, CallableOracle(person, per_row=True), journal=sys.argv[1])
    print(json.dumps(fitted.labeled_indices_.tolist()), flush=True)
    """
)


def test_two_fits_on_one_journal_the_second_is_refused_and_the_first_completes(tmp_path, reference):
    path = tmp_path / "labels.db"
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    first = subprocess.Popen(
        [sys.executable, str(script), str(path)],
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert first.stdout.readline().strip() == b"asking", first.stderr.read().decode()[-3000:]
        second = ActiveLearner(LogisticRegression(), Entropy(), initial_strategy=Random(), n_rounds=5)
        started = time.time()
        with pytest.raises(JournalError, match=rf"in use by another process \(pid {first.pid} on host") as info:
            second.fit(X, Y, journal=path)
        assert time.time() - started < 5  # refused at once, not after waiting
        assert "Wait for it to finish" in str(info.value) and not hasattr(second, "history_")
        first.stdin.write(b"\n")
        first.stdin.flush()
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err.decode()[-3000:]
    assert json.loads(out.decode().strip().splitlines()[-1]) == reference[0]  # the first fit was not disturbed
