#!/usr/bin/env bash
# Set up and run the product: the server on an embedded SQLite file in .run-data/ with demo
# data, and the desktop app signed in to it. Without a display the server stays in the
# foreground and the script prints how to open the desktop.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=dev,desktop scripts/setup.sh
export CRM_DATA_DIR=${CRM_DATA_DIR:-$PWD/.run-data}
# The desktop's profiles (replica, sign-in token) for this demo live next to the server's data.
export CRM_DESKTOP_DATA_DIR=${CRM_DESKTOP_DATA_DIR:-$CRM_DATA_DIR/desktop}
# The local demo signs in with the API document's demo password; a real server
# never has a default (unset, crm-server generates one and prints it once).
export CRM_ADMIN_PASSWORD=${CRM_ADMIN_PASSWORD:-03041965}
export CRM_DEMO_PASSWORD=$CRM_ADMIN_PASSWORD
EMAIL=${CRM_ADMIN_EMAIL:-admin@skeleton.local}
HOST=${CRM_HOST:-127.0.0.1}
PORT=${CRM_PORT:-8080}
URL="http://$HOST:$PORT"
if [ ! -f "$CRM_DATA_DIR/.demo-loaded" ]; then
    .venv/bin/crm-server demo --customers "${CRM_DEMO_CUSTOMERS:-300}"
    touch "$CRM_DATA_DIR/.demo-loaded"
fi
DESKTOP=(.venv/bin/crm-desktop --server "$URL" --email "$EMAIL" --password-env CRM_DEMO_PASSWORD)

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No display (\$DISPLAY and \$WAYLAND_DISPLAY are unset): running the server only."
    echo "Open the desktop from a graphical session with:"
    echo "    CRM_DEMO_PASSWORD=$CRM_ADMIN_PASSWORD CRM_DESKTOP_DATA_DIR=$CRM_DESKTOP_DATA_DIR ${DESKTOP[*]}"
    echo "Sign in as $EMAIL with password $CRM_ADMIN_PASSWORD (API: $URL/api/v1)"
    exec .venv/bin/crm-server serve --host "$HOST" --port "$PORT"
fi

.venv/bin/crm-server serve --host "$HOST" --port "$PORT" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true' EXIT INT TERM
# Wait until the server answers (it migrates the database on the first start).
.venv/bin/python - "$URL" "$SERVER_PID" <<'PY'
import os, sys, time, httpx
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("run: the server exited; see the output above")
    try:
        if httpx.get(url + "/health", timeout=1).status_code == 200:
            sys.exit(0)
    except httpx.TransportError:
        pass
    time.sleep(0.2)
sys.exit("run: the server did not start within 60 s")
PY
echo "Server on $URL (signed in as $EMAIL); opening the desktop. Close it to stop the server."
"${DESKTOP[@]}"
