"""The ``crm-server`` command's entry: one line, not a traceback, when the server is not installed.

The desktop installs ``skeleton-crm[desktop]`` without the server's packages;
the command is there all the same, so it says what to install.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(
            f"crm-server: the server's packages are not installed ({exc.name}): "
            "pip install 'skeleton-crm[server]'",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    from server.cli import main as run

    run()
