# RouteWatch: `make run` sets up and starts the app; `make test` runs the offline test suite.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
export ROUTEWATCH_DB ?= data/routewatch.duckdb

.PHONY: run setup db test test-fast lint bench fmt clean i18n i18n-check

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

# Builds the demo warehouse only when no warehouse exists (real data is never overwritten).
db: setup
	$(BIN)/python -m data init --demo-if-empty

run: db
	$(BIN)/streamlit run app.py --server.headless true --server.address 127.0.0.1 \
		--server.port $(PORT) --browser.gatherUsageStats false

test: setup
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test-fast: setup
	$(BIN)/python -m pytest -q -m "not e2e and not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy data geo analytics services export i18n
	$(BIN)/lint-imports --no-cache

# French catalogues (Babel): add new messages to the .po files, drop gone ones; then list the
# untranslated (i18n-check exits 1 while any is left).
i18n: setup
	$(BIN)/python -m scripts.i18n update

i18n-check: setup
	$(BIN)/python -m scripts.i18n check

bench: setup
	$(BIN)/python -m benchmarks.run --rows 100000

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
