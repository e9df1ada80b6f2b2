# The two set-up commands of the README: `make demo` and `make test`.
# Each creates .venv with the project installed, so a fresh clone needs only Python 3.11+.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast install lint

$(BIN)/landplan: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/landplan

demo: install
	$(BIN)/landplan validate scenarios/daxing-demo.yaml
	$(BIN)/landplan evaluate scenarios/daxing-demo.yaml --out out/daxing-demo-evaluation
	$(BIN)/landplan run scenarios/daxing-demo.yaml --out out/daxing-demo --importance
	$(BIN)/landplan alternatives scenarios/daxing-demo.yaml --count 4 --within 0.01 --min-diff 20 --out out/daxing-demo-alternatives -q
	$(BIN)/landplan sweep scenarios/daxing-demo.yaml --set costshare.cap_ratio=0.5,0.7,0.9 --set costshare.shortfall=subsidy,spread --gap 0.001 --out out/daxing-demo-sweep -q
	# the annual supply plan 2025-2030, and the battle map of its major projects on a fixed date
	$(BIN)/landplan run scenarios/daxing-demo-phasing.yaml --out out/daxing-demo-phasing
	$(BIN)/landplan track out/daxing-demo-phasing scenarios/tracking-demo.csv --as-of 2026-11-22

lint: install
	$(BIN)/ruff check landplan tests bench gis tools
	$(BIN)/ruff format --check landplan tests bench gis tools
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest exits 5 when it collects no test, which fails this target (and CI) as it should.
test: lint
	bash tests/system-deps.sh
	$(BIN)/python -m pytest

# The developer's loop: everything but the browser, database and cluster tests, on two
# processes (pytest-xdist; each runs the shared demo fixtures once).
test-fast: install
	$(BIN)/python -m pytest -n 2 -m "not browser and not postgres and not cluster"
