# skal: `make demo` and `make test` each set everything up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

DATA   ?= $(CURDIR)/.data
SHARED ?= $(CURDIR)/../shared/datasets
SUITES := $(wildcard benchmarks/suites/*.json)

.PHONY: install demo test label lint data bench bench-quick peers-venv bench-peers clean browser labelstudio test-parts \
        check-parts lock freeze

# Every environment installs from a constraints file committed in constraints/ (pip's -c): a fresh machine
# gets the versions `make test` last passed with, not whatever was released that day. `make lock` moves
# them, deliberately (README, "Dependencies"). LOCKED=0 installs without them (what `make lock` does).
LOCKED ?= 1
pin     = $(if $(filter 1,$(LOCKED)),-c constraints/$(1).txt)

# torch 2.14.1 / torchvision 0.29.1 are installed first from pip's local wheel store
# (see README, "Dependencies"); installing them first keeps pip from resolving
# another torch build for skorch.
$(STAMP): pyproject.toml constraints/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip $(call pin,dev)
	$(BIN)/pip install --quiet "torch==2.14.1" "torchvision==0.29.1" $(call pin,dev)
	$(BIN)/pip install --quiet -e ".[dev,ray]" $(call pin,dev)
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
# sentry-sdk<3: label-studio 1.23 asks for sentry-sdk without an upper bound, and sentry-sdk 3.0 removed an
# option it passes (`TypeError: Unknown option 'send_default_pii'`: the server exits at start).
labelstudio: .venv-labelstudio/.installed
.venv-labelstudio/.installed: constraints/labelstudio.txt
	$(PYTHON) -m venv .venv-labelstudio
	.venv-labelstudio/bin/pip install --quiet --upgrade pip $(call pin,labelstudio)
	.venv-labelstudio/bin/pip install --quiet "label-studio==1.23.*" "sentry-sdk<3" $(call pin,labelstudio)
	touch $@

# Start each real part once (Ray, Label Studio, the browser); one line names any that cannot start, and why.
check-parts: install
	$(BIN)/python -m tests.check_parts

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
.venv-peers/.installed: pyproject.toml constraints/peers.txt
	$(PYTHON) -m venv .venv-peers
	.venv-peers/bin/pip install --quiet --upgrade pip $(call pin,peers)
	.venv-peers/bin/pip install --quiet "torch==2.14.1" "torchvision==0.29.1" $(call pin,peers)
	.venv-peers/bin/pip install --quiet scikit-activeml baal modAL-python cardinal alipy tqdm matplotlib "setuptools<81" \
	  $(call pin,peers)
	.venv-peers/bin/pip install --quiet -e . --no-deps
	touch $@

bench-peers: data peers-venv
	SKAL_DATA=$(DATA) .venv-peers/bin/python benchmarks/peers_side_by_side.py
	.venv-peers/bin/python benchmarks/bald_vs_baal.py --sizes 10000 100000 1000000
	$(BIN)/python benchmarks/query_speed.py

# Move the pinned versions on purpose: rebuild each environment from today's releases, freeze it into
# constraints/, then run `make test` and commit constraints/ if it passes.
lock:
	rm -rf $(VENV) .venv-labelstudio .venv-peers
	$(MAKE) --no-print-directory install labelstudio peers-venv LOCKED=0
	$(MAKE) --no-print-directory freeze

# Write constraints/<env>.txt from each environment as it is (pip freeze --all, the editable skal left out).
freeze:
	@for pair in dev:$(VENV) labelstudio:.venv-labelstudio peers:.venv-peers; do \
	  name=$${pair%%:*}; venv=$${pair#*:}; \
	  [ -x $$venv/bin/pip ] || { echo "make freeze: $$venv is missing (make lock builds it)"; exit 1; }; \
	  { echo "# Constraints for $$venv: the versions its environment held when it was frozen."; \
	    echo "# Made by \`make lock\` with $$($$venv/bin/pip --version | cut -d' ' -f1-2) freeze --all --exclude-editable"; \
	    echo "# on $$(date -u +%Y-%m-%d), $$($$venv/bin/python -c 'import platform; print("Python", platform.python_version(), platform.system(), platform.machine())')."; \
	    echo "# Move a version on purpose: make lock, make test, commit. Hand edits are lost at the next lock."; \
	    $$venv/bin/pip freeze --all --exclude-editable; } > constraints/$$name.txt; \
	  echo "constraints/$$name.txt: $$(grep -vc '^#' constraints/$$name.txt) packages"; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
