# Tracklane: `make run` runs the portal with demo data; `make test` runs every test.
# Each setup step is a stamp that depends on what it installs from, so repeated runs are cheap.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: setup run test browser chromium npm clean

setup: $(VENV)/.installed static/vendor/htmx.min.js static/vendor/pico.min.css

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Node.js and npm only build static/vendor/ from the npm registry; nothing is served from a CDN.
npm:
	@command -v npm >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm; }

node_modules/.installed: package.json package-lock.json | npm
	npm ci --no-audit --no-fund
	touch $@

static/vendor/htmx.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

static/vendor/pico.min.css: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/@picocss/pico/css/pico.min.css $@

run: setup
	$(VENV)/bin/flask --app app run-portal

# Browser tests drive Debian's Chromium through Playwright (no browser download).
chromium:
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

test: setup chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

browser: setup chromium
	$(VENV)/bin/pytest tests/browser $(PYTEST_ARGS)

clean:
	rm -rf node_modules static/vendor $(VENV)/.installed
