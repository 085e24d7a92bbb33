# devkg: two commands on a fresh machine (Python 3.11+, pip):
#   make run    install into .venv, build the graph (and its dumps) from data/ and serve it on http://127.0.0.1:8000
#   make test   install with test extras into .venv, lint (ruff) and run the test suite on every core
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run build test export bench clean

$(BIN)/devkg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/devkg

build: install
	$(BIN)/devkg build

run: build
	$(BIN)/devkg serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n auto --dist loadfile

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf var .pytest_cache
