# The two README commands:
#   make demo   set up (when needed) and run the main job
#   make test   set up (when needed) and run the test suite
# Set-up: a virtual environment in $(VENV), the package installed in editable
# mode with its test extras, under the pins in constraints.txt.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: test demo install lint clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable ".[$(EXTRAS)]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/emnist-estimators compare --dataset digits $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check emnist_estimators tests examples benchmarks
	$(BIN)/ruff format --check emnist_estimators tests examples benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
