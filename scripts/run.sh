#!/usr/bin/env bash
# Set up and run the product: the server on an embedded SQLite file in .run-data/.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=dev scripts/setup.sh
export CRM_DATA_DIR=${CRM_DATA_DIR:-$PWD/.run-data}
exec .venv/bin/crm-server serve --host "${CRM_HOST:-127.0.0.1}" --port "${CRM_PORT:-8080}"
