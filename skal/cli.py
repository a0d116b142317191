"""The ``skal`` command line: ``skal bench SUITE.json ... [--quick]`` and ``skal report RESULTS.jsonl``."""

import argparse
import sys

__all__ = ["main"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="skal", description="skal: deep active learning, scikit-learn style.")
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="run benchmark suites (resumable) and write their reports")
    bench.add_argument("suites", nargs="+", help="suite config JSON files")
    bench.add_argument("--quick", action="store_true", help="the suite's quick mode (minutes; a smoke test)")
    bench.add_argument("--out", default="benchmarks/results", help="results folder (default: benchmarks/results)")
    bench.add_argument("--data-home", default=None, help="dataset folder (default: $SKAL_DATA or ~/.cache/skal-data)")
    bench.add_argument("--no-progress", action="store_true")
    report = sub.add_parser("report", help="write report.md and PNGs for a results.jsonl")
    report.add_argument("results")
    args = parser.parse_args(argv)

    from .bench import run_suite, write_report

    if args.command == "bench":
        for suite in args.suites:
            path = run_suite(suite, args.out, quick=args.quick, data_home=args.data_home, progress=not args.no_progress)
            print(write_report(path))
            print(f"\nresults: {path}")
    else:
        print(write_report(args.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
