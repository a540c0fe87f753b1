from ksquery.cli import entry

entry()
