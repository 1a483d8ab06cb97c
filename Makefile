# The front door. `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-from-lock
# Stages run `python -m pipeline.…`: the virtual environment's Python must come first.
RUN := PATH="$(CURDIR)/$(BIN):$$PATH"

.PHONY: help setup repro test clean-venv

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(INSTALLED): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/python -m pip check
	touch $@

setup: $(INSTALLED)  ## create .venv and install the exactly pinned dependencies

repro: setup  ## build the dataset and the report from what is in the repository (no network)
	$(RUN) dvc repro
	@echo
	@echo "Dataset: processed/models.csv (and .parquet); provenance: processed/provenance.csv"
	@echo "Report:  reports/index.html (and reports/summary.md); trend metrics: reports/metrics.json"

test: setup  ## run the test suite
	$(RUN) python -m pytest -q

clean-venv:  ## remove the virtual environment
	rm -rf $(VENV)
