VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A venv with only what runs on Lambda (and Zappa, which packages from it).
LAMBDA_VENV := build/lambda-venv
LAMBDA_STAMP := $(LAMBDA_VENV)/.installed
STAGE ?= dev

.PHONY: run test package clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,deploy]'
	touch $(STAMP)

$(LAMBDA_STAMP): pyproject.toml
	python3 -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/python -m pip install --quiet -e '.[deploy]'
	touch $(LAMBDA_STAMP)

run: $(STAMP)
	$(VENV)/bin/triage-line serve

test: $(STAMP) $(LAMBDA_STAMP)
	$(VENV)/bin/triage-line validate
	$(PY) -m pytest

package: $(LAMBDA_STAMP)
	VIRTUAL_ENV=$(abspath $(LAMBDA_VENV)) $(LAMBDA_VENV)/bin/zappa package $(STAGE) -o build/triage-line-$(STAGE).zip

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
