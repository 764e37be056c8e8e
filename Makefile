# ranpe-pipeline. Every target creates the virtual environment on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PERIOD ?= 2026-S1
INBOX  ?= inbox
OUTBOX ?= outbox

.PHONY: demo test lint format templates validate consolidate review bench eval lock clean

# The environment is exactly the two locks (versions and hashes), then the project itself.
$(STAMP): pyproject.toml requirements.lock requirements-test.lock
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Refresh the locks from pyproject.toml (uv kept in .tools/, outside the environment):
# requirements.lock holds the runtime dependencies only (what an officer installs beside the
# wheel); requirements-test.lock the tests' whole environment, held to the runtime versions.
COMPILE := PYTHONPATH=.tools .tools/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet
lock:
	$(PYTHON) -m pip install --quiet --target .tools uv
	$(COMPILE) -o requirements.lock
	$(COMPILE) --extra test --constraint requirements.lock -o requirements-test.lock

demo: $(STAMP)
	$(BIN)/ranpe demo --period $(PERIOD)

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

templates: $(STAMP)
	$(BIN)/ranpe templates --period $(PERIOD) --outbox $(OUTBOX)

# exit code 1 means "problems found" (listed in the outputs): not a failure of make
validate: $(STAMP)
	$(BIN)/ranpe validate --period $(PERIOD) --inbox $(INBOX) --outbox $(OUTBOX) || [ $$? -eq 1 ]

consolidate: $(STAMP)
	$(BIN)/ranpe consolidate --period $(PERIOD) --inbox $(INBOX) --outbox $(OUTBOX) || [ $$? -eq 1 ]

# read the decisions typed into outbox/<period>/tinjauan_<period>.xlsx and consolidate with them
review: $(STAMP)
	$(BIN)/ranpe review --period $(PERIOD) --inbox $(INBOX) --outbox $(OUTBOX) || [ $$? -eq 1 ]

bench: $(STAMP)
	-$(MAKE) eval  # the labelled sets' figures, printed whether or not their targets are met
	$(BIN)/python bench/bench.py

eval: $(STAMP)
	$(BIN)/python bench/overlap_eval.py
	$(BIN)/python bench/obstacle_eval.py
	$(BIN)/python bench/obstacle_eval.py --set uji2

clean:
	rm -rf $(VENV) demo .tools
