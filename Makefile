# Two commands do everything on a fresh machine: `make run` and `make test`.
# Setup finds a Python >= 3.12 (on PATH, else under pyenv), makes .venv and installs the
# project with its dev extras. Reinstalls only when pyproject.toml changes.

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# One core per replicate: parallelism comes from running replicates side by side.
SINGLE_CORE := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

# The first of python3.13, python3.12, python3 on PATH that is >= 3.12, else the newest 3.12+
# that pyenv has installed.
FIND_PYTHON := for p in $$(command -v python3.13 python3.12 python3 2>/dev/null) \
	$$(ls -d "$$(pyenv root 2>/dev/null || echo $${PYENV_ROOT:-$$HOME/.pyenv})"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; exit 0; }; \
	done; echo "No Python >= 3.12 found: install one (for example with pyenv) and retry." >&2; exit 1

# The dashboard listens on this machine only; `make dashboard HOST=0.0.0.0` opens it to others.
HOST ?= 127.0.0.1
PORT ?= 8765
# Debian's Chromium, for the dashboard's browser test (installed once, with apt-get).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run test lint bench lock clean dashboard browser

setup: $(STAMP)

$(STAMP): pyproject.toml
	@py="$$($(FIND_PYTHON))" || exit 1; \
	echo "Using $$py"; \
	rm -rf $(VENV); \
	"$$py" -m venv $(VENV) && \
	{ $(PY) -m pip install --upgrade pip && $(PY) -m pip install -e '.[dev]'; } \
		> $(VENV)/install.log 2>&1 \
		|| { tail -n 30 $(VENV)/install.log; echo "Setup failed: see $(VENV)/install.log"; exit 1; }; \
	touch $(STAMP); echo "Installed into $(VENV)"

run: setup
	$(SINGLE_CORE) $(PY) -m experiments.study

test: setup browser
	$(PY) -m ruff check .
	$(PY) -m pytest -n auto --dist loadfile

# Chromium for the end-to-end test of the dashboard.
browser:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser test"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
		chromium > /dev/null; } || { echo "Could not install chromium (apt-get)"; exit 1; }

dashboard: setup
	$(VENV)/bin/solara run experiments/dashboard.py --host $(HOST) --port $(PORT) --no-open

# Style and types. mypy checks abm, agents, analysis and experiments ([tool.mypy]); it is not
# part of make test because a cold run costs about a minute on two cores.
lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# `make bench AGAINST=<rev>` compares with another git revision (AGAINST=none skips it);
# BENCH_ARGS passes any other flag of experiments.bench.
bench: setup
	$(SINGLE_CORE) $(PY) -m experiments.bench $(if $(AGAINST),--against $(AGAINST)) $(BENCH_ARGS)

# Exact versions of every dependency, for results that are to be published.
lock: setup
	$(PY) -m pip freeze --exclude-editable | grep -v '^hybrid-resilience-abm' > requirements-lock.txt

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache .mypy_cache
