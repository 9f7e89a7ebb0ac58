#!/usr/bin/env bash
# Set everything up and run every test, on SQLite and on a throwaway PostgreSQL server.
# Extra arguments go to pytest (e.g. `scripts/test.sh -k auth`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    # Qt's offscreen platform and the screenshots need these; ~1 s when already present.
    # poppler-utils: pdftotext, which the invoice PDF tests read the PDF with.
    # systemd: systemd-analyze, which rates the packaged unit (tests/e2e/test_packaging.py).
    pkgs=(libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core poppler-utils systemd)
    missing=()
    for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "test: installing ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

EXTRAS=dev,desktop scripts/setup.sh

export QT_QPA_PLATFORM=offscreen
pgdir=$(mktemp -d /tmp/crm-pg.XXXXXX)
port=${CRM_TEST_PG_PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
cleanup() { scripts/pg.sh stop "$pgdir" || true; }
trap cleanup EXIT
CRM_TEST_PG_URL=$(scripts/pg.sh start "$pgdir" "$port")
export CRM_TEST_PG_URL
echo "test: PostgreSQL at $CRM_TEST_PG_URL"

start=$(date +%s)
set +e
# Two workers on this 2-core machine (xdist); each builds its own template databases.
# worksteal: a worker that runs out takes queued tests from the other, so neither idles
# at the end (the longest tests are queued first: LONG_FIRST in tests/conftest.py).
# CRM_TEST_WORKERS=0 runs in one process (easier to debug); later -n/--dist arguments win.
.venv/bin/python -m pytest -n "${CRM_TEST_WORKERS:-auto}" --dist worksteal "$@"
rc=$?
set -e
echo "test: pytest finished in $(( $(date +%s) - start )) s with exit code $rc"
exit $rc
