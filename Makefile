# Everything a newcomer needs: `make run` serves the app, `make test` passes the suite.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test install clean lint translations vendor-check fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# The .mo files are build output (not committed): compiled here from the .po catalogues.
translations: $(STAMP)
	$(BIN)/python -c "from app.platform.i18n import compile_catalogs; compile_catalogs()"

run: install translations
	$(BIN)/python -m app.cli.serve

# One test process per core (pytest-xdist): every fixture that touches a service makes its own
# database, queue and port, so the processes never share state.
test: install translations
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# Release checks: the fuzz suites with hundreds of random examples per operation and surface
# (`make test` runs them small and derandomized). Needs PostgreSQL and Redis, like integration tests.
FUZZ_EXAMPLES ?= 300
fuzz: install translations
	AFTERWORD_REQUIRE_SERVICES=1 AFTERWORD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -s --timeout=3600 \
		tests/integration/test_fuzz_pg.py tests/api/test_openapi_conformance.py $(PYTEST_ARGS)

# Style and architecture: ruff (lint and format) and import-linter (imports run one way).
lint: install
	$(BIN)/ruff check app workers tests benchmarks scripts migrations/env.py
	$(BIN)/ruff format --check app workers tests benchmarks scripts migrations/env.py
	$(BIN)/lint-imports

# The vendored files (vendor.json) against their pinned npm tarballs, fetched anew: needs npm and
# the registry. Standard library only, so it needs the venv's Python but nothing installed in it.
vendor-check: | $(BIN)/python
	$(BIN)/python scripts/vendor_check.py

clean:
	rm -rf $(VENV) instance/outbox instance/*.db instance/broker
