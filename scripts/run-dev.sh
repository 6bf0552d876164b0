#!/usr/bin/env bash
# `make run`: the development web server and a job worker together, on the SQLite job queue in the
# instance folder (no service to start by hand). Ctrl+C stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/flask --app run worker --workers "${WORKERS:-2}" &
worker=$!
stop() {
    trap - INT TERM EXIT
    kill -TERM "$web" 2>/dev/null   # a background job of a script ignores SIGINT: TERM stops the server
    kill -INT "$worker" 2>/dev/null  # the worker finishes its running jobs (a second Ctrl+C: at once)
    wait "$web" "$worker" 2>/dev/null
}
trap stop INT TERM EXIT
.venv/bin/python run.py &
web=$!
wait -n "$web" "$worker"  # either one stopping stops the other
