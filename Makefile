# Two commands: `make run` (serve the demo on http://127.0.0.1:5000, with a job worker) and `make test` (everything).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app run
STAMP  := $(VENV)/.installed
# pytest-xdist workers: one per core (3 on these 2 cores measured slower: 16.0 min against 15.6, the screenshot walk starved).
# --maxschedchunk 1: tests are handed out one at a time as workers free up; xdist's default first
# hands each worker a block of a quarter of its share in collection order, so every long test
# (they are collected first, see SLOW_FIRST in tests/conftest.py) landed on the first worker.
TEST_WORKERS ?= auto

.PHONY: run test setup setup-test db serve-prod i18n benchmarks load-test clean

run: setup db
	@$(FLASK) seed-demo --if-empty
	@echo "Serving on http://127.0.0.1:5000 with a job worker (Ctrl+C stops both)"
	@scripts/run-dev.sh

test: setup-test
	@scripts/ensure-postgres.sh
	$(VENV)/bin/ruff check grants tests benchmarks scripts run.py
	$(VENV)/bin/bandit -q -c pyproject.toml -r grants -ll
	$(VENV)/bin/pytest --db sqlite,postgresql -n $(TEST_WORKERS) --dist load --maxschedchunk 1

setup: $(STAMP) i18n
	@scripts/system-deps.sh app

setup-test: setup
	@scripts/system-deps.sh browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

i18n: $(STAMP)
	@$(PY) scripts/i18n.py compile

db: setup
	@$(FLASK) db upgrade

serve-prod: setup   ## gunicorn + job workers + PostgreSQL + Redis (rate limits, job queue), as in production (secure cookies: use http://127.0.0.1:8000)
	@scripts/serve-prod.sh

benchmarks: setup   ## every benchmarks/bench_*.py (each prints PASS/FAIL); fails when any fails
	@scripts/ensure-postgres.sh
	@$(PY) benchmarks/host_speed.py
	@failed=""; for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || failed="$$failed $$f"; done; \
	echo "== province-size assignment through the app (SQLite and PostgreSQL)"; \
	$(PY) benchmarks/bench_assignment_app.py --province --pg || failed="$$failed bench_assignment_app.py--province"; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi; echo "all benchmarks PASS"

load-test: setup   ## the deadline rush: gunicorn + PostgreSQL + job workers on Redis, 500 NGOs + 100 reviewers within 5 minutes (locust), ~6.5 minutes
	@scripts/ensure-postgres.sh
	@$(PY) benchmarks/load_deadline_rush.py --large

clean:
	rm -rf $(VENV) instance .pytest_cache
