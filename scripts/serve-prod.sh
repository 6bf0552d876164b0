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
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-4}
.venv/bin/flask --app run db upgrade
.venv/bin/flask --app run seed-demo --if-empty
echo "Serving with gunicorn on http://127.0.0.1:8000 (PostgreSQL $DB, Redis rate limits). Ctrl+C to stop."
exec .venv/bin/gunicorn -c gunicorn.conf.py run:app
