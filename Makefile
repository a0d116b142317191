# skal: `make demo` and `make test` each set everything up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean

# torch 2.14.1 / torchvision 0.29.1 come from this machine's local wheel store
# through pip (see README, "Dependencies"); installing them first keeps pip from
# resolving another torch build for skorch.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.14.1" "torchvision==0.29.1"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python examples/quickstart.py

test: install
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check skal tests examples benchmarks
	$(BIN)/ruff format --check skal tests examples benchmarks

bench: install
	$(BIN)/python benchmarks/run_confidence_digits.py
	$(BIN)/python benchmarks/query_speed_uncertainty.py

clean:
	rm -rf $(VENV) build *.egg-info
