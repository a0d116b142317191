# skal: `make demo` and `make test` each set everything up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

DATA   ?= $(CURDIR)/.data
SHARED ?= $(CURDIR)/../shared/datasets
SUITES := $(wildcard benchmarks/suites/*.json)

.PHONY: install demo test label lint data bench bench-quick peers-venv bench-peers clean browser labelstudio test-parts

# torch 2.14.1 / torchvision 0.29.1 are installed first from pip's local wheel store
# (see README, "Dependencies"); installing them first keeps pip from resolving
# another torch build for skorch.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.14.1" "torchvision==0.29.1"
	$(BIN)/pip install --quiet -e ".[dev,ray]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python examples/quickstart.py

# The real parts some tests drive (a headless browser, a Label Studio server) are set up first when this
# machine allows it; where it does not (no root for apt-get), those tests skip and say why.
test: install
	@$(MAKE) --no-print-directory test-parts || echo "make test: browser or Label Studio not set up; their tests will skip"
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

# A labeling page for the bundled digits, with a journal: stop any time, run it again to continue.
label: install
	$(BIN)/python examples/label_digits.py --journal labels.db

test-parts: browser labelstudio

# Debian's chromium and chromedriver for the web page's browser tests (nothing downloads a browser).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	   chromium chromium-driver >/dev/null)

# Label Studio in its own venv (it pins Django and its own numpy); the tests start it on a free port.
labelstudio: .venv-labelstudio/.installed
.venv-labelstudio/.installed:
	$(PYTHON) -m venv .venv-labelstudio
	.venv-labelstudio/bin/pip install --quiet --upgrade pip
	.venv-labelstudio/bin/pip install --quiet "label-studio==1.23.*"
	touch $@

lint: install
	$(BIN)/ruff check skal tests examples benchmarks
	$(BIN)/ruff format --check skal tests examples benchmarks

# Offline datasets into .data/ (see ../shared/datasets/README.md). Fashion-MNIST comes from
# Debian's dataset-fashion-mnist package, installed here when apt-get may (root); without it the
# suites list Fashion-MNIST as missing.
data: install
	mkdir -p $(DATA)
	$(BIN)/python $(SHARED)/prepare.py --out $(DATA) mnist cifar10
	[ -d /usr/share/datasets/fashion-mnist ] || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null) || \
	  echo "make data: dataset-fashion-mnist not installed; Fashion-MNIST suites will list it as missing"
	if [ -d /usr/share/datasets/fashion-mnist ]; then $(BIN)/python $(SHARED)/prepare.py --out $(DATA) fashion-mnist; fi
	cp $(SHARED)/tabular/*.csv $(SHARED)/text/*.csv $(DATA)/

# Every suite in its quick mode: a smoke test (minutes); results go to the ignored benchmarks/output/.
# --allow-missing: without Debian's dataset-fashion-mnist, the Fashion-MNIST-only suites are listed as skipped
# instead of failing (skal bench exits 1 for a suite none of whose datasets is on disk).
bench-quick: data
	SKAL_DATA=$(DATA) $(BIN)/skal bench $(SUITES) --quick --out benchmarks/output --no-progress --allow-missing

# The full suites (resumable: finished runs are skipped) and the stand-alone benchmarks.
bench: data
	SKAL_DATA=$(DATA) $(BIN)/skal bench $(SUITES) --out benchmarks/results
	$(BIN)/python benchmarks/run_confidence_digits.py
	$(BIN)/python benchmarks/query_speed_uncertainty.py
	$(BIN)/python benchmarks/grad_norms_speed.py

# Peers for side-by-side benchmarks live in their own venv, never as skal dependencies.
peers-venv: .venv-peers/.installed
.venv-peers/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-peers
	.venv-peers/bin/pip install --quiet --upgrade pip
	.venv-peers/bin/pip install --quiet "torch==2.14.1" "torchvision==0.29.1"
	.venv-peers/bin/pip install --quiet scikit-activeml baal modAL-python cardinal alipy tqdm matplotlib "setuptools<81"
	.venv-peers/bin/pip install --quiet -e . --no-deps
	touch $@

bench-peers: data peers-venv
	SKAL_DATA=$(DATA) .venv-peers/bin/python benchmarks/peers_side_by_side.py
	.venv-peers/bin/python benchmarks/bald_vs_baal.py --sizes 10000 100000 1000000
	$(BIN)/python benchmarks/query_speed.py

clean:
	rm -rf $(VENV) build *.egg-info
