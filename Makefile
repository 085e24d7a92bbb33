# devkg: two commands on a fresh machine (Python 3.11+, pip):
#   make run    install into .venv, build the graph (and its dumps) from data/ and serve it on http://127.0.0.1:8000
#   make test   install with test extras into .venv (and, with npm, the LDES client the harvest test
#               replays the feed with: `npm ci`), lint (ruff) and run the test suite on every core
PYTHON ?= python3
NPM ?= npm
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install node run build test export bench clean

$(BIN)/devkg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/devkg

# The npm packages of package-lock.json: browser assets and, for tests, ldes-client (tests/web/test_feed_live.py)
# and axe-core (tests/web/test_accessibility.py); a changed lock file runs `npm ci` again.
node_modules/.bin/ldes-client: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

# Without npm the harvest test fails, or is skipped when node is missing too: say so before it runs.
node:
	@if command -v $(NPM) >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.bin/ldes-client; \
	else echo "warning: npm not found; tests/web/test_feed_live.py needs node and \`npm ci\`" >&2; fi

build: install
	$(BIN)/devkg build

run: build
	$(BIN)/devkg serve --host $(HOST) --port $(PORT)

test: install node
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n auto --dist loadfile

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf var .pytest_cache
