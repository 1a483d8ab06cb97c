# The front door. `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-from-lock
# Stages run `python -m pipeline.…`: the virtual environment's Python must come first.
RUN := PATH="$(CURDIR)/$(BIN):$$PATH"

.PHONY: help setup repro update test bench clean-venv release diff verify

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

# `make update AS_OF=YYYY-MM-DD` (default: today, UTC). collect is forced: DVC skips a stage
# whose params it has seen, so a date whose collect failed would never be tried again.
update: setup  ## fetch new snapshots of the enabled live sources (sets their as_of), then rebuild
	$(RUN) python -m pipeline.collect --bump-as-of $(or $(AS_OF),$(shell date -u +%F))
	$(RUN) dvc repro --force --single-item collect
	$(RUN) dvc repro

# `make release VERSION=YYYY.MM.N [DATE=YYYY-MM-DD]` (see docs/releases.md)
release: setup  ## tag a citable data release: changelog, datapackage.json, CITATION.cff, git tag
	$(if $(VERSION),,$(error VERSION=YYYY.MM.N is required, e.g. make release VERSION=2026.11.0))
	$(RUN) python -m pipeline.release $(VERSION) $(if $(DATE),--date $(DATE))

# `make diff OLD=v2026.11.0 [NEW=REV_OR_FILE]` (NEW: the working table)
diff: setup  ## what changed in processed/models.csv since OLD (a release tag, revision or file)
	$(if $(OLD),,$(error OLD=<tag, revision or file> is required, e.g. make diff OLD=v2026.11.0))
	$(RUN) python -m pipeline.diff $(OLD) $(NEW)

# `make verify SOURCES=DIR` (saved copies) and/or `ONLINE=1` (fetch what DIR lacks); see README.md
verify: setup  ## check the registry's quotes and table cells against their sources -> processed/evidence_check.csv
	$(if $(SOURCES)$(ONLINE),,$(error SOURCES=DIR or ONLINE=1 is required, e.g. make verify SOURCES=../sources))
	$(RUN) python -m pipeline.verify $(if $(SOURCES),--sources $(SOURCES)) $(if $(ONLINE),--online)

# One worker per core: the suite's time is mostly whole-pipeline rebuilds in temporary copies, each on one core.
# --dist loadfile keeps a file's tests on one worker, so a module's built project is built once.
test: setup  ## run the test suite
	$(RUN) python -m pytest -q -n auto --dist loadfile

bench: setup  ## scale benchmark at 1e4, 1e5 and 1e6 observations -> reports/bench.json (long)
	$(RUN) python -m bench.run

clean-venv:  ## remove the virtual environment
	rm -rf $(VENV)
