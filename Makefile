VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/triage-line serve

test: $(STAMP)
	$(VENV)/bin/triage-line validate
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
