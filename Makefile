# Tandem: `make run` to try it, `make test` to check it. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PWA_STAMP := pwa/node_modules/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test test-sqlite test-postgres lint types check-types pwa install clean bench bench-pwa bench-sync bench-push bench-alerts bench-export

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(PWA_STAMP): pwa/package.json pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	touch $@

install: $(STAMP) $(PWA_STAMP) ## install Python and npm dependencies

pwa: $(PWA_STAMP) ## build the PWA into pwa/dist
	cd pwa && npm run build

run: install pwa ## install, migrate, seed the demo and serve on http://127.0.0.1:8000
	$(BIN)/tandem demo
	$(BIN)/tandem serve --host 127.0.0.1 --port 8000

test: install pwa check-types lint test-sqlite test-postgres ## everything CI checks: lint, types, SQLite and PostgreSQL suites with e2e

# The API suite and the browser suite run as separate pytest processes: Playwright's sync
# API and pytest-asyncio's event loop must not share one.
define suite
	TANDEM_TEST_DB=$(1) $(BIN)/pytest tests
	TANDEM_TEST_DB=$(1) $(BIN)/pytest e2e --tracing=retain-on-failure --output=test-results/$(1)
endef

test-sqlite: $(STAMP) ## the suite (unit, API, e2e) on SQLite
	$(call suite,sqlite)

test-postgres: $(STAMP) ## the suite on PostgreSQL (TANDEM_TEST_PG_URL, default 127.0.0.1:5432/test)
	$(call suite,postgres)

lint: $(STAMP) $(PWA_STAMP) ## ruff, mypy --strict, import contracts, tsc
	$(BIN)/ruff check server shared_schemas tests e2e benchmarks
	$(BIN)/ruff format --check server shared_schemas tests e2e benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd pwa && npm run typecheck

types: $(STAMP) $(PWA_STAMP) ## regenerate the OpenAPI document and the PWA's TypeScript types
	$(BIN)/tandem openapi > pwa/src/api/openapi.json
	cd pwa && npm run gen:api

check-types: $(STAMP) $(PWA_STAMP) ## fail when the committed OpenAPI document or TS types are stale
	@tmp=$$(mktemp -d); \
	$(BIN)/tandem openapi > $$tmp/openapi.json; \
	(cd pwa && npx openapi-typescript $$tmp/openapi.json -o $$tmp/schema.d.ts >/dev/null); \
	diff -q $$tmp/openapi.json pwa/src/api/openapi.json && diff -q $$tmp/schema.d.ts pwa/src/api/schema.d.ts \
	  || { echo "The API contract changed: run 'make types' and commit the result."; exit 1; }

clean: ## remove build output and the local database
	rm -rf pwa/dist var test-results

bench: $(STAMP) ## the scenarios at 100,000 people on PostgreSQL, with a 30-minute memory soak (needs wrk; see docs/performance.md)
	$(BIN)/python benchmarks/scale.py --people 100000 --soak-minutes 30

BENCH_PWA_STAMP := benchmarks/pwa/node_modules/.installed
$(BENCH_PWA_STAMP): benchmarks/pwa/package.json benchmarks/pwa/package-lock.json
	cd benchmarks/pwa && npm ci --no-audit --no-fund
	touch $@

bench-pwa: install pwa $(BENCH_PWA_STAMP) ## Lighthouse on the Today and check-in screens, mobile emulation, system Chromium (see docs/performance.md)
	$(BIN)/python benchmarks/pwa_lighthouse.py

bench-sync: $(STAMP) ## benchmark the sync push on SQLite and PostgreSQL (needs wrk; see docs/performance.md)
	$(BIN)/python benchmarks/sync_push.py --backend sqlite
	$(BIN)/python benchmarks/sync_push.py --backend postgres

bench-push: $(STAMP) ## benchmark sending Web Push against pywebpush (see docs/performance.md)
	$(BIN)/python benchmarks/push_send.py

bench-alerts: $(STAMP) ## benchmark an alert round over 100,000 key results on PostgreSQL (see docs/performance.md)
	$(BIN)/python benchmarks/alert_rules.py --backend postgres

bench-export: $(STAMP) ## benchmark my data export for five years of history on SQLite and PostgreSQL (see docs/performance.md)
	$(BIN)/python benchmarks/export.py --backend sqlite
	$(BIN)/python benchmarks/export.py --backend postgres
