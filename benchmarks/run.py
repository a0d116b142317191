"""Run benchmark suites: ``python benchmarks/run.py benchmarks/suites/*.json [--quick]``.

The same as ``skal bench``; see ``skal bench --help``.
"""

import sys

from skal.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
