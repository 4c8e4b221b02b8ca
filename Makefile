# The two README commands:
#   make demo   set up (when needed) and run the main job
#   make test   set up (when needed) and run the test suite
# Set-up: a virtual environment in $(VENV), the package installed in editable
# mode with its test extras (which include the docs toolchain), under the pins
# in constraints.txt. `make docs` builds the documentation (warnings are errors)
# and runs the example gallery (a few minutes); `make screenshots` then takes
# screenshots of a few pages with a headless Chromium (installed by hand, e.g.
# `apt-get install chromium`; see docs/install.rst).
# `make test-avx2` runs the tests as a CPU without native bfloat16 would (AVX2
# kernels, oneDNN capped at AVX2), on any newer x86-64 CPU.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: test test-avx2 demo docs screenshots install lint clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable ".[$(EXTRAS)]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The switches torch and oneDNN read; emnist_estimators._hardware honours both.
SIMULATE_AVX2 := ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2

test-avx2: $(STAMP)
	$(SIMULATE_AVX2) $(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/emnist-estimators compare --dataset digits --overwrite $(DEMO_ARGS)

docs: $(STAMP)
	$(BIN)/python -m sphinx -b html -W --keep-going docs docs/_build/html
	@echo "Documentation: docs/_build/html/index.html"

screenshots: docs
	$(BIN)/python docs/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check emnist_estimators tests examples benchmarks docs
	$(BIN)/ruff format --check emnist_estimators tests examples benchmarks docs

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
	rm -rf docs/_build docs/gen_modules docs/auto_examples docs/sg_execution_times.rst
