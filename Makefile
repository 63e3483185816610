# Every target creates or refreshes .venv itself, so a fresh clone needs nothing else.
# Each target installs only what it needs (stamps per kind: runtime, test, bench), so
# switching between them never reinstalls, and a changed pyproject.toml installs again.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PROJECT := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
RUNTIME := $(VENV)/.installed-runtime-$(PROJECT)
TESTING := $(VENV)/.installed-test-$(PROJECT)
BENCHING := $(VENV)/.installed-bench-$(PROJECT)
DEMO_PEOPLE ?= 2000
DEMO_SEED ?= 7
DEMO_PORT ?= 8000

.PHONY: demo screenshots test test-fast lint bench docs vectors venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The package and its runtime dependencies only: what `make demo` needs.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	rm -f $(VENV)/.installed-runtime-*
	touch $@

# The test extras (pytest, mypy, ruff, Playwright, PySpark …) on top of the runtime.
$(TESTING): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-runtime-* $(VENV)/.installed-test-*
	touch $@ $(RUNTIME)

# What the benchmark scripts need on top of the runtime.
$(BENCHING): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	rm -f $(VENV)/.installed-runtime-* $(VENV)/.installed-bench-*
	touch $@ $(RUNTIME)

venv: $(TESTING)

demo: $(RUNTIME)
	BRIGHTLINE_HOME=$${BRIGHTLINE_HOME:-./brightline-data} $(BIN)/brightline demo --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --port $(DEMO_PORT)

# Every PNG of docs/ from a served demo in Chromium: 100,000 people unless DEMO_PEOPLE is given
# (make screenshots DEMO_PEOPLE=300 to try it), SCREENSHOT_HOME=DIR to reuse a demo's data.
SCREENSHOT_PEOPLE = $(if $(filter file,$(origin DEMO_PEOPLE)),100000,$(DEMO_PEOPLE))
screenshots: $(TESTING)
	$(BIN)/python scripts/screenshots.py --people $(SCREENSHOT_PEOPLE) --seed $(DEMO_SEED) $(if $(SCREENSHOT_HOME),--home $(SCREENSHOT_HOME))

lint: $(TESTING)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy src/brightline scripts/screenshots.py
	# The architecture's contract: the import rules and the size of modules and functions.
	$(BIN)/pytest -q -p no:xdist tests/test_architecture.py tests/test_code_shape.py

# The one full gate (.ci/run calls exactly this).
test: lint
	$(BIN)/pytest -n 2 --dist loadfile

# The same gates without the tests marked slow, for the edit-test loop.
test-fast: lint
	$(BIN)/pytest -n 2 --dist loadfile -m "not slow"

# The offline app's test vectors, regenerated from acuity.py and triage.py (a test fails while stale).
vectors: $(RUNTIME)
	$(BIN)/python -m brightline.device_vectors > tests/web/device_vectors.json

docs: $(RUNTIME)
	$(BIN)/python -c "from pathlib import Path; from brightline.cli import app; from brightline.cli.reference import write_reference_pages; write_reference_pages(app, Path('.'))"

bench: $(BENCHING)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) brightline-data .pytest_cache .mypy_cache .ruff_cache
