# flexhub: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GOVUK := node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test test-browser lint typecheck api-fuzz audit wheel bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,server]'
	touch $(STAMP)

$(GOVUK): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(GOVUK)

install: $(STAMP) $(GOVUK)

# Links in the emails the demo server sends point at the address it serves.
run: export FLEXHUB_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	@$(BIN)/flexhub migrate --no-input -v0
	@$(BIN)/flexhub demo
	@echo
	@echo "flexhub is serving on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@FLEXHUB_SECURE_COOKIES=0 FLEXHUB_REQUIRE_2FA=0 $(BIN)/flexhub runserver --noreload $(HOST):$(PORT)

test: install
	$(BIN)/pytest -q -n auto

test-browser: install
	$(BIN)/pytest -q -m browser

lint: install
	$(BIN)/ruff check src tests bench conftest.py gunicorn.conf.py
	$(BIN)/ruff format --check src tests bench conftest.py gunicorn.conf.py
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy src/flexhub

# schemathesis against the API's own schema, as an authority admin and a member's user, on a
# scratch demo database served by gunicorn (API_FUZZ_SECONDS each, default 75).
api-fuzz: install
	BIN=$(BIN) .ci/api-fuzz

# Known vulnerabilities in the installed packages (.ci/audit-deps says why not pip-audit).
audit: install
	$(BIN)/python .ci/audit-deps

# A wheel that carries everything its commands need, GOV.UK Frontend's compiled files included.
wheel: install
	rm -rf src/flexhub/core/govuk_frontend build dist
	mkdir -p src/flexhub/core/govuk_frontend
	cp -r node_modules/govuk-frontend/dist/govuk/assets node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css \
	    node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js src/flexhub/core/govuk_frontend/
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .
	rm -rf src/flexhub/core/govuk_frontend build
	@ls dist/*.whl

bench: install
	for script in bench/bench_load.py bench/bench_billing.py bench/bench_servicedesk.py bench/bench_directory.py; do \
	    $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules var build dist src/flexhub/core/govuk_frontend
