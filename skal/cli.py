"""The ``skal`` command line.

``skal bench SUITE.json ... [--quick] [--allow-missing]``, ``skal report RESULTS.jsonl [--data-home DIR]``,
``skal journal check FILE``, ``skal journal export FILE OUT.csv`` and ``skal --version``.

Exit codes: 0 success; 1 an error the message explains (an invalid suite, a suite whose datasets are all
missing, an unreadable journal...); 2 a command line argparse rejects.
"""

import argparse
import sys

__all__ = ["main"]


def _parser():
    from . import __version__

    parser = argparse.ArgumentParser(prog="skal", description="skal: deep active learning, scikit-learn style.")
    parser.add_argument("--version", action="version", version=f"skal {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser(
        "bench",
        help="run benchmark suites (resumable) and write their reports",
        description="Run benchmark suites (resumable) and write their reports. Every suite is checked before any "
        "runs; a dataset that is not on disk is skipped and listed, and a suite none of whose datasets is on disk "
        "is an error (exit 1) unless --allow-missing.",
    )
    bench.add_argument("suites", nargs="+", help="suite config JSON files")
    bench.add_argument("--quick", action="store_true", help="the suite's quick mode (minutes; a smoke test)")
    bench.add_argument("--out", default="benchmarks/results", help="results folder (default: benchmarks/results)")
    bench.add_argument("--data-home", default=None, help="dataset folder (default: $SKAL_DATA or ~/.cache/skal-data)")
    bench.add_argument("--no-progress", action="store_true")
    bench.add_argument(
        "--allow-missing",
        action="store_true",
        help="a suite whose datasets are all missing is listed and skipped, not an error",
    )
    report = sub.add_parser(
        "report",
        help="write report.md (+ PNGs) and one self-contained report.html for a results.jsonl",
        description="Write report.md with its PNGs, and report.html: one self-contained page with the learning "
        "curves, class counts, per-class accuracy, confidence per round, pick overlap, the pool map and the "
        "stopping values (figures the results file cannot feed are replaced by a note saying why).",
    )
    report.add_argument("results")
    report.add_argument("--data-home", default=None, help="dataset folder, for the pool map (default: $SKAL_DATA)")
    journal = sub.add_parser("journal", help="check or export a label journal (fit(..., journal=PATH))")
    jsub = journal.add_subparsers(dest="journal_command", required=True)
    check = jsub.add_parser("check", help="check a journal and print its summary")
    check.add_argument("file")
    export = jsub.add_parser("export", help="write a journal's answers to a CSV file")
    export.add_argument("file")
    export.add_argument("out", help="the CSV file to write")
    return parser


def _error(command, message):
    print(f"skal {command}: error: {message}", file=sys.stderr)
    return 1


def _bench(args):
    from .bench import DatasetsMissingError, SuiteError, load_config, read_records, run_suite, write_report
    from .datasets import UnsafePickleError

    # every suite is checked before any runs or writes
    names = {}
    for suite in args.suites:
        try:
            names[suite] = load_config(suite, args.quick)["name"]
        except SuiteError as exc:
            return _error("bench", f"{exc}\nNothing was run or written.")
    failed = False
    for suite in args.suites:
        try:
            path = run_suite(
                suite,
                args.out,
                quick=args.quick,
                data_home=args.data_home,
                progress=not args.no_progress,
                allow_missing=args.allow_missing,
            )
        except (DatasetsMissingError, SuiteError, UnsafePickleError) as exc:
            failed = True
            _error("bench", str(exc))
            continue
        print(write_report(path))
        print(
            f"\nresults: {path}\n(skal report {path} adds report.html: class counts, per-class accuracy, pool map...)"
        )
        missing = [r["dataset"] for r in read_records(path) if r["kind"] == "missing_dataset"]
        if missing:
            print(
                f"skal bench: {names[suite]}: skipped missing datasets: {', '.join(missing)} "
                f"(how to get them: {path.parent / 'report.md'})",
                file=sys.stderr,
            )
    return 1 if failed else 0


def _journal(args):
    import sqlite3

    from . import journal
    from .exceptions import JournalError

    name = {"check": "check_journal", "export": "export_journal"}[args.journal_command]
    function = getattr(journal, name, None)  # looked up when called: skal.journal grows these
    if function is None:
        return _error(f"journal {args.journal_command}", f"this skal has no skal.journal.{name}.")
    try:
        if args.journal_command == "check":
            print(function(args.file))
        else:
            print(function(args.file, args.out))
    except (JournalError, OSError, sqlite3.Error) as exc:
        return _error(f"journal {args.journal_command}", str(exc))
    return 0


def main(argv=None):
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "bench":
        return _bench(args)
    if args.command == "journal":
        return _journal(args)
    from .bench import write_report
    from .plotting import write_html_report

    try:
        print(write_report(args.results))
        print(f"\nHTML report: {write_html_report(args.results, data_home=args.data_home)}")
    except OSError as exc:
        return _error("report", f"cannot read {args.results}: {exc.strerror or exc}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
