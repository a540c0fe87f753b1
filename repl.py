"""Start the ksquery REPL on the shipped data (or --data DIR)."""

import sys

from ksquery.cli import entry

entry(["repl", *sys.argv[1:]])
