"""Start the ksquery REPL on the shipped data (or --data DIR)."""
from ksquery.cli import main

raise SystemExit(main(["repl", *__import__("sys").argv[1:]]))
