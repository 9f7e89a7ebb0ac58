#!/usr/bin/env bash
# Set up and run the product: the server on an embedded SQLite file in .run-data/, with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=dev,desktop scripts/setup.sh
export CRM_DATA_DIR=${CRM_DATA_DIR:-$PWD/.run-data}
# The local demo signs in with the API document's demo password; a real server
# never has a default (unset, crm-server generates one and prints it once).
export CRM_ADMIN_PASSWORD=${CRM_ADMIN_PASSWORD:-03041965}
if [ ! -f "$CRM_DATA_DIR/.demo-loaded" ]; then
    .venv/bin/crm-server demo --customers "${CRM_DEMO_CUSTOMERS:-300}"
    touch "$CRM_DATA_DIR/.demo-loaded"
fi
echo "Sign in as admin@skeleton.local with password $CRM_ADMIN_PASSWORD"
exec .venv/bin/crm-server serve --host "${CRM_HOST:-127.0.0.1}" --port "${CRM_PORT:-8080}"
