#!/usr/bin/env bash
# Until the first release, the schema is one migration: regenerate it from the models.
# (After a release, write a new migration instead: flask --app run db migrate -m "...".)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f grants/migrations/versions/0001_initial_schema.py
DATABASE_URL="sqlite:///$tmp/empty.sqlite" GRANTS_INSTANCE_PATH="$tmp" .venv/bin/flask --app run db migrate -m "initial schema" --rev-id 0001 >/dev/null 2>&1
rm -rf "$tmp"
echo "regenerated grants/migrations/versions/0001_initial_schema.py"
