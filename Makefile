VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A venv with only what runs on Lambda (and Zappa, which packages from it).
LAMBDA_VENV := build/lambda-venv
LAMBDA_STAMP := $(LAMBDA_VENV)/.installed
STAGE ?= dev
# Every environment installs from a lock with hashes (pip-tools; `make lock` refreshes them):
# requirements/dev.txt for .venv (runtime, dev, deploy and console extras), requirements/lambda.txt for
# the Lambda venv (runtime and deploy). Both pin setuptools too, so the project itself is
# installed without build isolation and nothing comes in unhashed.
LOCK_DEV := requirements/dev.txt
LOCK_LAMBDA := requirements/lambda.txt
PIP_INSTALL_LOCKED := -m pip install --quiet --require-hashes --no-deps -r
PIP_INSTALL_PROJECT := -m pip install --quiet --no-deps --no-build-isolation -e .
LOCK_TOOLS := build/lock-tools
PIP_TOOLS_VERSION := 7.6.2
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --upgrade \
	--generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host
# dynalite: a second, independent DynamoDB (Node, on LevelDB) the store's tests also run
# against. Exact version, installed with `npm ci` from tests/dynalite/package-lock.json
# (integrity hashes; no registry URL in it: tests/dynalite/.npmrc omits them).
DYNALITE_VERSION := 4.0.0
DYNALITE_SOURCE := tests/dynalite
DYNALITE_DIR := build/dynalite
DYNALITE_STAMP := $(DYNALITE_DIR)/.installed-$(DYNALITE_VERSION)

.PHONY: run test check package loadtest clean dynalite lock

$(STAMP): $(LOCK_DEV) pyproject.toml
	python3 -m venv $(VENV)
	$(PY) $(PIP_INSTALL_LOCKED) $(LOCK_DEV)
	$(PY) $(PIP_INSTALL_PROJECT)
	touch $(STAMP)

$(LAMBDA_STAMP): $(LOCK_LAMBDA) pyproject.toml
	python3 -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/python $(PIP_INSTALL_LOCKED) $(LOCK_LAMBDA)
	$(LAMBDA_VENV)/bin/python $(PIP_INSTALL_PROJECT)
	touch $(LAMBDA_STAMP)

$(DYNALITE_STAMP): $(DYNALITE_SOURCE)/package.json $(DYNALITE_SOURCE)/package-lock.json
	@command -v node >/dev/null || { echo "node (v18+) and npm are needed for the dynalite tests" >&2; exit 1; }
	rm -rf $(DYNALITE_DIR)
	mkdir -p $(DYNALITE_DIR)
	cp $(DYNALITE_SOURCE)/package.json $(DYNALITE_SOURCE)/package-lock.json $(DYNALITE_SOURCE)/.npmrc $(DYNALITE_DIR)/
	npm ci --prefix $(DYNALITE_DIR) --no-audit --no-fund
	node -e "require('./$(DYNALITE_DIR)/node_modules/dynalite')"
	touch $(DYNALITE_STAMP)

# Refresh both Python locks (newest versions within pyproject.toml's bounds) and dynalite's.
# A lock names no registry host: the check at the end fails the target if one does.
lock:
	python3 -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet pip-tools==$(PIP_TOOLS_VERSION)
	$(PIP_COMPILE) --extra dev --extra deploy --extra console -o $(LOCK_DEV) pyproject.toml
	$(PIP_COMPILE) --extra deploy -o $(LOCK_LAMBDA) pyproject.toml
	cd $(DYNALITE_SOURCE) && npm install --package-lock-only --no-audit --no-fund
	! grep -nE '^\s*--(index-url|extra-index-url|find-links|trusted-host)|"resolved"' \
		$(LOCK_DEV) $(LOCK_LAMBDA) $(DYNALITE_SOURCE)/package-lock.json

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
	rm -f build/free-text-summary.txt
	$(PY) -m pytest
	@echo "free-text vignettes (tests/channels/test_free_text_vignettes.py):"
	@cat build/free-text-summary.txt

# The cold start does not check the flows against their schema: they are validated here first.
package: $(STAMP) $(LAMBDA_STAMP)
	$(VENV)/bin/triage-line validate
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
