"""``crm-desktop`` entry point."""

from __future__ import annotations

import sys


def main() -> None:
    """Start the desktop app."""
    print(
        "crm-desktop: the desktop app arrives with the desktop issue; start the server with crm-server serve"
    )
    sys.exit(1)
