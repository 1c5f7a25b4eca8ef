# Alongside: `make run` serves the app; `make test` runs every check. Both install what they need.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
HOST ?= 127.0.0.1
PORT ?= 8000
DATA ?= data
PACKAGES := server sync crypto

.PHONY: run test lint types test-py test-js bench deps deps-test clean clean-tree screenshots

$(STAMPS):
	mkdir -p $(STAMPS)

# Python: a venv with the package (editable) and its dev tools.
$(STAMPS)/venv: pyproject.toml | $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Node packages the tests drive (real PouchDB, pouchdb-server). No install scripts: leveldown loads the prebuilt
# binary it ships, and the only other script would compile sqlite3 from source for pouchdb-server's websql
# adapter (an optional dependency these tests never use), a minute of both cores.
$(STAMPS)/node-tests: tests/package.json tests/package-lock.json | $(STAMPS)
	cd tests && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
	touch $@

# Debian's Chromium for the browser tests (never a downloaded browser): chromium-headless-shell, Chromium's
# headless build, drives the tests; chromium, the full browser, the benchmarks. apt waits for its lock.
APT = apt-get -o DPkg::Lock::Timeout=600
$(STAMPS)/chromium: | $(STAMPS)
	command -v chromium >/dev/null && test -x /usr/lib/chromium/chromium-headless-shell || { \
		for try in $$(seq 60); do $(APT) update -qq && break; sleep 5; done; \
		$(APT) install -y -qq chromium chromium-headless-shell; }
	touch $@

# mypy cannot follow setuptools' editable import hook: give it the installed layout as symlinks.
build/typing/alongside:
	mkdir -p $@
	for p in $(PACKAGES); do ln -sfn ../../../$$p $@/$$p; done

# The web app: npm packages and the esbuild bundle in pwa/dist (served by the server).
PWA_SOURCES := $(shell find pwa/src pwa/public -type f 2>/dev/null) $(wildcard pwa/package.json pwa/package-lock.json)
$(STAMPS)/pwa: $(PWA_SOURCES) | $(STAMPS)
	@if [ -f pwa/package-lock.json ]; then cd pwa && npm ci --no-audit --no-fund --loglevel=error && npm run build; fi
	touch $@

deps: $(STAMPS)/venv $(STAMPS)/pwa
deps-test: deps $(STAMPS)/node-tests $(STAMPS)/chromium build/typing/alongside

run: deps
	$(BIN)/alongside serve --host $(HOST) --port $(PORT) --data $(DATA)

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: deps build/typing/alongside
	MYPYPATH=build/typing $(BIN)/mypy --strict $(foreach p,$(PACKAGES),-p alongside.$(p))
	MYPYPATH=build/typing:tests $(BIN)/mypy --strict loadtests tests/support

# Most tests wait on browsers and servers, so three workers share the two cores; the tests that time the
# server (load gates, /healthz under abuse, the cluster) run alone afterwards. PYTEST_WORKERS=0 runs everything
# in one process.
PYTEST_WORKERS ?= 3
PYTEST_PARALLEL = $(BIN)/pytest -m "not serial" $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)
PYTEST_SERIAL = $(BIN)/pytest -m serial
NODE_TESTS = node --test --test-concurrency=$(1) tests/pwa/
test-py: deps-test
	$(PYTEST_PARALLEL)
	$(PYTEST_SERIAL)

# Two test files at a time: Node's default on two cores is one, which leaves a core idle.
test-js: deps-test
	$(call NODE_TESTS,2)

# `make test`: the installs side by side with lint and types; then the JS tests (one file at a time, their
# output kept until they end) beside the parallel Python tests, which leave some of the two cores idle; then
# the serial Python tests alone, even after a failure (one run reports every failing test), then the tree check.
test:
	@$(MAKE) --no-print-directory -j4 --output-sync=target lint types deps-test
	@mkdir -p build
	@($(call NODE_TESTS,1) > build/test-js.log 2>&1; echo $$? > build/test-js.status) & \
		status=0; $(PYTEST_PARALLEL) || status=$$?; wait; cat build/test-js.log; \
		echo "JS tests: exit $$(cat build/test-js.status)"; \
		[ "$$(cat build/test-js.status)" = 0 ] || status=1; \
		echo "$(PYTEST_SERIAL)"; $(PYTEST_SERIAL) || status=$$?; \
		$(MAKE) --no-print-directory clean-tree || status=$$?; \
		exit $$status

# A test run leaves the work tree as it found it (screenshots are written only by `make screenshots`).
clean-tree:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ -n "$$(git status --porcelain)" ]; then \
		echo "make test changed the work tree:"; git status --porcelain; exit 1; fi

# Re-take the screenshots in docs/screenshots (the browser tests that write them).
screenshots: deps-test
	ALONGSIDE_SCREENSHOTS=1 $(BIN)/pytest tests/browser -q

bench: deps-test
	@for b in tests/bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(STAMPS) build .mypy_cache .ruff_cache .pytest_cache

# Load tests (loadtests/run.py): a server of their own, locust headless, convergence check and gate;
# CSV/HTML reports in loadtests/reports/. COUCHDB=url: Alongside over that CouchDB; COUCHDB=local: over a
# pouchdb-server of the run's own, which loadtest-fault also pauses (SIGSTOP) mid-run. MAX_P95="sync cycle=300"
# sets p95 limits (ms); WORKERS=2 runs two server processes; LOADTEST_ARGS passes other options
# (loadtests/run.py --help).
.PHONY: loadtest loadtest-smoke loadtest-fault
LOADTEST = $(BIN)/python loadtests/run.py $(if $(COUCHDB),--couchdb $(COUCHDB)) $(if $(MAX_P95),--max-p95 "$(MAX_P95)") \
	$(if $(WORKERS),--workers $(WORKERS))
loadtest: $(STAMPS)/venv $(STAMPS)/node-tests
	$(LOADTEST) --profile standard $(LOADTEST_ARGS)
loadtest-smoke: $(STAMPS)/venv $(STAMPS)/node-tests
	$(LOADTEST) --profile smoke $(LOADTEST_ARGS)
loadtest-fault: $(STAMPS)/venv $(STAMPS)/node-tests
	$(LOADTEST) --profile fault $(LOADTEST_ARGS)
