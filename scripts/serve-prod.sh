#!/usr/bin/env bash
# Try the production setup locally: gunicorn + PostgreSQL (database grants_demo on 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
DB=${GRANTS_PROD_DB:-grants_demo}
PGURL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/test}
psql "$PGURL" -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 || psql "$PGURL" -qc "CREATE DATABASE \"$DB\""
mkdir -p instance
[[ -s instance/prod-secret-key ]] || .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > instance/prod-secret-key
chmod 600 instance/prod-secret-key
export GRANTS_ENV=production
export SECRET_KEY=$(cat instance/prod-secret-key)
export DATABASE_URL=${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/$DB}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
# Links and QR codes on PDFs are built from it; production refuses to start without it.
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:8000}
export GRANTS_QUEUE_URL=${GRANTS_QUEUE_URL:-$REDIS_URL}
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-4}
JOB_WORKERS=${JOB_WORKERS:-2}   # job worker processes here; more can run on other machines (README)
.venv/bin/flask --app run db upgrade
.venv/bin/flask --app run seed-demo --if-empty
echo "Serving with gunicorn on http://127.0.0.1:8000 (PostgreSQL $DB, Redis rate limits and job queue)"
echo "and $JOB_WORKERS job worker process(es). Ctrl+C stops everything."
workers=()
for _ in $(seq "$JOB_WORKERS"); do
    .venv/bin/flask --app run worker --workers 2 &
    workers+=($!)
done
stop() {
    trap - INT TERM EXIT
    kill -TERM "$web" 2>/dev/null       # gunicorn: graceful stop
    kill -INT "${workers[@]}" 2>/dev/null  # job workers: finish the running jobs, then stop
    wait "$web" "${workers[@]}" 2>/dev/null
}
trap stop INT TERM EXIT
.venv/bin/gunicorn -c gunicorn.conf.py run:app &
web=$!
wait -n "$web" "${workers[@]}"   # any one stopping stops them all
