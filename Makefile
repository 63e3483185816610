# Every target creates or refreshes .venv itself, so a fresh clone needs nothing else.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_PEOPLE ?= 2000
DEMO_SEED ?= 7
DEMO_PORT ?= 8000

.PHONY: demo test lint bench docs venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	BRIGHTLINE_HOME=$${BRIGHTLINE_HOME:-./brightline-data} $(BIN)/brightline demo --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --port $(DEMO_PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n 2 --dist loadfile

docs: $(STAMP)
	$(BIN)/python -c "from pathlib import Path; from brightline.cli import app; from brightline.cli.reference import write_reference_pages; write_reference_pages(app, Path('.'))"

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) brightline-data .pytest_cache .mypy_cache .ruff_cache
