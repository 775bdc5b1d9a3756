# One command for each job. `make help` lists them.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
ROLE ?= digital-product-owner

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

.PHONY: install
install: $(VENV)/.installed ## Create .venv and install interviewer with its dev tools

.PHONY: practice
practice: install ## Start a mock interview on the offline grader (ROLE=product-operations-manager to switch)
	$(VENV)/bin/interviewer practice --role $(ROLE)

.PHONY: test
test: install ## Run the whole test suite, offline
	$(PY) -m pytest

.PHONY: lint
lint: install ## ruff, mypy --strict, and check that the JSON Schemas match the models
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/interviewer corpus schema --out schemas --check
	$(VENV)/bin/interviewer corpus check

.PHONY: format
format: install ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: embeddings
embeddings: install ## After editing rubrics: recompute the bundled rubric vectors and the schemas
	$(PY) -m interviewer.graders.offline._vectors
	$(VENV)/bin/interviewer corpus schema --out schemas

.PHONY: bench
bench: install ## Compare the embedding models (quality on labelled pairs, and speed)
	$(PY) -m pip install --quiet -e '.[dev,use]'
	$(PY) benchmarks/embedders.py
	$(PY) benchmarks/offline_speed.py

.PHONY: check-install
check-install: ## Build the wheel, install it in a fresh venv, run it from another folder
	bash .ci/check-install
