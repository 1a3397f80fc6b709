# The front door. `make run` and `make test` are the two commands in README.md.
PYTHON ?= python3
BIN := .venv/bin
# make run DB=postgres uses the PostgreSQL at PG_URL (one database per service).
DB ?= sqlite
PG_URL ?= postgresql://postgres@127.0.0.1:5432
# make test creates its own databases on this server and drops them afterwards.
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
SERVICE_TESTS := service_kit/tests collections_service/tests locations_service/tests analytics_service/tests tests/test_every_service.py

.PHONY: venv bootstrap monitoring-packages run up down status deploy rollback canary release history lock seed token contract openapi bench bench-bulk bench-analytics bench-dashboard soak test coverage test-postgres test-sqlite lint format check-gateway clean

# The pinned Python packages in .venv (again when a requirements file changes).
venv:
	@bash deploy/bootstrap.sh $(PYTHON)

# Everything run and test need: the venv, nginx and the gateway's npm assets.
bootstrap: venv
	@bash deploy/ensure-debian.sh nginx
	@bash deploy/ensure-npm.sh

# make run MONITOR=1 (or make up MONITOR=1) also runs Prometheus and
# Alertmanager (docs/operations.md).
MONITOR_FLAG = $(if $(MONITOR),--monitor)

run: bootstrap $(if $(MONITOR),monitoring-packages)
	$(BIN)/python -m deploy run --database $(DB) --postgres-url $(PG_URL) $(MONITOR_FLAG)

# The same system in the background, and the blue-green commands on it
# (deploy/README.md): make deploy SERVICE=collections, make canary SERVICE=analytics PERCENT=10.
up: bootstrap $(if $(MONITOR),monitoring-packages)
	$(BIN)/python -m deploy up --database $(DB) --postgres-url $(PG_URL) $(MONITOR_FLAG)

# Debian's Prometheus, Alertmanager (and promtool) and exporters.
monitoring-packages:
	@bash deploy/ensure-debian.sh prometheus
	@bash deploy/ensure-debian.sh prometheus-alertmanager
	@bash deploy/ensure-debian.sh prometheus-nginx-exporter
	@bash deploy/ensure-debian.sh prometheus-postgres-exporter

down: venv
	$(BIN)/python -m deploy down

status: venv
	$(BIN)/python -m deploy status

# REF=v1.4.2 (any git ref) deploys that version; without it, the current
# commit (ALLOW_DIRTY=1: the working tree with its uncommitted changes).
SOURCE_FLAGS = $(if $(REF),--ref $(REF)) $(if $(filter 1 yes true,$(ALLOW_DIRTY)),--allow-dirty)

deploy: venv
	$(BIN)/python -m deploy deploy $(SERVICE) $(SOURCE_FLAGS)

rollback: venv
	$(BIN)/python -m deploy rollback $(SERVICE)

canary: venv
	$(BIN)/python -m deploy canary $(SERVICE) $(PERCENT) $(SOURCE_FLAGS)

# A progressive release, judged from Prometheus (a platform started with
# MONITOR=1): promoted, or rolled back and a non-zero exit (deploy/README.md).
release: venv
	$(BIN)/python -m deploy release $(SERVICE) $(SOURCE_FLAGS)

# The deploy log (var/run/deploys.jsonl): every service's, or SERVICE's.
history: venv
	$(BIN)/python -m deploy history $(SERVICE)

# Rewrite each service's hashed lock file (what its releases install) from
# its requirements.txt, at the versions constraints.txt pins.
lock: venv
	@for service in collections locations analytics; do \
		$(BIN)/uv pip compile --quiet --generate-hashes --no-annotate --no-header \
			--python-version 3.11 --python-platform x86_64-manylinux_2_28 -c constraints.txt \
			-o $${service}_service/requirements.lock $${service}_service/requirements.txt || exit 1; \
	done

# Demo data into a running system (start it with `make run` first).
seed: venv
	$(BIN)/python -m deploy seed --base-url http://127.0.0.1:8080

# One line: a token for the system `make run` started, every scope for 12
# hours; SCOPE="collections:read analytics:read" narrows it, SUB=crew-7 names it.
token: venv
	@$(BIN)/python -m deploy token $(if $(SCOPE),--scope "$(SCOPE)") $(if $(SUB),--sub "$(SUB)")

# The docs page's browser test drives Debian's chromium. The PostgreSQL run
# is measured by coverage.py, in every Python process it starts
# (pyproject.toml, [tool.coverage]); the report ends the run and fails it
# below 90%. The SQLite run repeats the services' own tests and is not
# measured: it would add a minute (the suite must stay under 20) for a few
# SQLite-only lines.
test: bootstrap monitoring-packages
	@bash deploy/ensure-debian.sh chromium
	@bash deploy/ensure-debian.sh chromedriver chromium-driver
	@rm -rf var/coverage/data && mkdir -p var/coverage/data
	$(MAKE) --no-print-directory test-postgres PYTEST="$(BIN)/python -m coverage run -m pytest"
	$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory coverage

# Combine what every process measured; deploy/ and tests/performance/ are
# reported on their own (not counted in the 90%); HTML in var/coverage/html/.
coverage: venv
	@if ls var/coverage/data/coverage.* >/dev/null 2>&1; then $(BIN)/python -m coverage combine --quiet; fi
	@$(BIN)/python -m coverage html --quiet
	@echo "Coverage of deploy/ and tests/performance/ (reported, not counted):"
	@$(BIN)/python -m coverage report --include='deploy/*,tests/performance/*'
	@echo "Coverage of the services and service_kit (fails below 90%; var/coverage/html/index.html):"
	@$(BIN)/python -m coverage report --fail-under=90 \
		--include='service_kit/*,collections_service/*,locations_service/*,analytics_service/*'

# The contract suite (tests/contract) against any implementation of the public
# API: make contract BASE_URL=http://host:port TOKEN=... (a token with every
# scope). Without BASE_URL it starts the local system on PostgreSQL and mints one.
contract: bootstrap
	CONTRACT_BASE_URL=$(BASE_URL) CONTRACT_TOKEN=$(TOKEN) TEST_DATABASE_URL=$(TEST_DATABASE_URL) \
		$(BIN)/python -m pytest tests/contract

# Rewrite docs/openapi.json, the checked-in public API, from this tree.
openapi: venv
	$(BIN)/python -m deploy openapi

# The whole suite: services in process and the system through nginx, on PostgreSQL.
PYTEST ?= $(BIN)/python -m pytest
test-postgres:
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST)

# The same services' tests on the zero-configuration SQLite database.
test-sqlite:
	TEST_DATABASE_URL=sqlite $(PYTEST) $(SERVICE_TESTS)

# The performance harness (docs/performance.md): the system on
# PostgreSQL, 100,000 collections, a fixed mix under wrk and k6, two floors.
# make bench BENCH_ARGS="--large" for 1,000,000; BENCH_ARGS="--base-url URL" for another system.
bench: bootstrap
	@bash deploy/ensure-debian.sh wrk
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	$(BIN)/python -m tests.performance.harness $(BENCH_ARGS)

# Older, narrower benchmarks; see docs/performance.md (a few minutes each).
bench-bulk: bootstrap
	$(BIN)/python -m tests.performance.bulk

bench-analytics: bootstrap
	$(BIN)/python -m tests.performance.analytics

# How soon the dashboard is usable in headless chromium, over repeated loads.
bench-dashboard: bootstrap
	@bash deploy/ensure-debian.sh chromium
	@bash deploy/ensure-debian.sh chromedriver chromium-driver
	$(BIN)/python -m tests.performance.dashboard $(BENCH_ARGS)

# A steady mixed load for SOAK_MINUTES (docs/performance.md): fails on any
# failed request or steady growth of a service's memory or descriptors.
SOAK_MINUTES ?= 10
soak: bootstrap
	$(BIN)/python -m tests.performance.soak --minutes $(SOAK_MINUTES)

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet -c pyproject.toml -r service_kit collections_service locations_service analytics_service deploy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-gateway: bootstrap
	$(BIN)/python -m deploy check-gateway

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis
