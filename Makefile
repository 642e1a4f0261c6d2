VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A venv with only what runs on Lambda (and Zappa, which packages from it).
LAMBDA_VENV := build/lambda-venv
LAMBDA_STAMP := $(LAMBDA_VENV)/.installed
STAGE ?= dev
# dynalite: a second, independent DynamoDB (Node, on LevelDB) the store's tests also run
# against. Pinned to an exact version; no lock file is written (it would name a registry).
DYNALITE_VERSION := 4.0.0
DYNALITE_DIR := build/dynalite
DYNALITE_STAMP := $(DYNALITE_DIR)/.installed-$(DYNALITE_VERSION)

.PHONY: run test check package loadtest clean dynalite

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,deploy]'
	touch $(STAMP)

$(LAMBDA_STAMP): pyproject.toml
	python3 -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/python -m pip install --quiet -e '.[deploy]'
	touch $(LAMBDA_STAMP)

$(DYNALITE_STAMP):
	@command -v node >/dev/null || { echo "node (v18+) and npm are needed for the dynalite tests" >&2; exit 1; }
	rm -rf $(DYNALITE_DIR)
	npm install --prefix $(DYNALITE_DIR) --no-package-lock --no-audit --no-fund --save-exact dynalite@$(DYNALITE_VERSION)
	node -e "require('./$(DYNALITE_DIR)/node_modules/dynalite')"
	touch $(DYNALITE_STAMP)

dynalite: $(DYNALITE_STAMP)

run: $(STAMP)
	$(VENV)/bin/triage-line serve

# The lint gate: ruff (rules in pyproject.toml) and mypy. `make test` runs it first, so a
# change that fails it never gets as far as the slow tests.
check: $(STAMP)
	$(VENV)/bin/ruff check handler tests bench
	$(VENV)/bin/mypy handler

test: check $(STAMP) $(LAMBDA_STAMP) $(DYNALITE_STAMP)
	$(VENV)/bin/triage-line validate
	$(PY) -m pytest

package: $(LAMBDA_STAMP)
	VIRTUAL_ENV=$(abspath $(LAMBDA_VENV)) $(LAMBDA_VENV)/bin/zappa package $(STAGE) -o build/triage-line-$(STAGE).zip

# Speed and cost against a minimal baseline app, measured in the same run (a few minutes).
.PHONY: bench
bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis

# 60 s of mixed SMS traffic against the real server on 127.0.0.1 (not part of `make test`).
loadtest: $(STAMP)
	$(PY) -m tests.load.loopback --seconds 60 --clients 8
