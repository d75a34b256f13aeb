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

.PHONY: setup run test lint bench lock clean

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

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: setup
	$(SINGLE_CORE) $(PY) -m experiments.bench

# Exact versions of every dependency, for results that are to be published.
lock: setup
	$(PY) -m pip freeze --exclude-editable | grep -v '^hybrid-resilience-abm' > requirements-lock.txt

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache
