# AURA-GDPR — `make dev` runs everything, `make test` tests everything.
# Both work on a fresh machine with Python 3.11+ and make: no database, no .env needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PYTEST := $(PY) -m pytest

.PHONY: dev test migrate lint install test-common test-auth test-gdpr test-ai test-gateway \
        test-e2e test-deploy test-parts bench lock clean-db

$(STAMP): pyproject.toml requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

dev: $(STAMP)
	$(PY) scripts/dev.py

migrate: $(STAMP)
	$(PY) scripts/migrate.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy libs/common/aura_common services/auth/aura_auth services/gdpr/aura_gdpr \
	    services/ai/aura_ai gateway/aura_gateway

# Every part's suite in its own pytest process, so same-named test modules never meet.
test: $(STAMP)
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory test-parts

test-parts: test-common test-auth $(if $(wildcard services/gdpr/tests),test-gdpr) \
            $(if $(wildcard services/ai/tests),test-ai) $(if $(wildcard gateway/tests),test-gateway) \
            $(if $(wildcard tests/test_*.py),test-e2e) test-deploy

test-common: $(STAMP)
	$(PYTEST) libs/common/tests
test-auth: $(STAMP)
	$(PYTEST) services/auth/tests
test-gdpr: $(STAMP)
	$(PYTEST) services/gdpr/tests
test-ai: $(STAMP)
	$(PYTEST) services/ai/tests
test-gateway: $(STAMP)
	$(PYTEST) gateway/tests
test-e2e: $(STAMP)
	$(PYTEST) tests
# systemd units (systemd-analyze verify and security) and deploy/install.sh
test-deploy: $(STAMP)
	$(PYTEST) deploy/tests

bench: $(STAMP)
	$(PY) bench/run_all.py

# Re-pin requirements*.txt from pyproject.toml (run when dependencies change).
lock:
	$(PYTHON) -m venv /tmp/aura-lock && /tmp/aura-lock/bin/pip install --quiet --upgrade pip
	/tmp/aura-lock/bin/pip install --quiet .
	/tmp/aura-lock/bin/pip freeze --exclude aura-gdpr > requirements.txt
	/tmp/aura-lock/bin/pip install --quiet '.[dev]'
	(echo "-r requirements.txt"; /tmp/aura-lock/bin/pip freeze --exclude aura-gdpr \
	  | grep -v -x -F -f requirements.txt) > requirements-dev.txt
	rm -rf /tmp/aura-lock

clean-db:
	-$(PY) -c "from aura_common.devdb import stop_embedded; stop_embedded()"
	rm -rf .data/pg
