# One virtualenv, created on demand; every target installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: repl test lint bench clean compile

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,fast]'
	touch $(STAMP)

# Bytecode is compiled ahead so start-up stays fast even where PYTHONDONTWRITEBYTECODE is set.
compile: $(STAMP)
	@$(BIN)/python -m compileall -q ksquery repl.py

repl: compile
	$(BIN)/python repl.py

test: compile
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check ksquery tests bench
	$(BIN)/ruff format --check ksquery tests
	$(BIN)/mypy

bench: compile
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
