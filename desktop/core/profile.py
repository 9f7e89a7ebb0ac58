"""Where a desktop profile lives: one replica per server + user under the platform data dir.

A profile is the pair (server URL, user email). Its directory holds the
replica file and the per-profile UI state (column widths); ``profiles.json``
in the data dir remembers which profile to open on the next start, so a later
start needs neither the network nor the password. No Qt here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "skeleton-crm-desktop"
DATA_DIR_ENV = "CRM_DESKTOP_DATA_DIR"


def data_dir(override: str | Path | None = None) -> Path:
    """The desktop's data dir: ``override``, else ``$CRM_DESKTOP_DATA_DIR``, else platformdirs."""
    chosen = override or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME)
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path


def normalize_server_url(url: str) -> str:
    """``host:8080`` -> ``http://host:8080``; no trailing slash. Raises ValueError when unusable."""
    url = url.strip()
    if not url:
        raise ValueError("Enter the server address, e.g. http://127.0.0.1:8080")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The server address must look like http://host:port")
    return url.rstrip("/")


@dataclass(frozen=True)
class Profile:
    server_url: str
    email: str
    root: Path

    @property
    def key(self) -> str:
        """Stable name of this server + user (the credential store's key too)."""
        return profile_key(self.server_url, self.email)

    @property
    def directory(self) -> Path:
        return self.root / "profiles" / self.key

    @property
    def replica_path(self) -> Path:
        return self.directory / "replica.sqlite3"

    @property
    def ui_state_path(self) -> Path:
        return self.directory / "ui.json"

    def ensure(self) -> Profile:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    def exists(self) -> bool:
        return self.replica_path.exists()

    def wipe(self) -> None:
        """Delete the replica and everything else of this profile (logout)."""
        shutil.rmtree(self.directory, ignore_errors=True)

    # ---------------------------------------------------------- UI state (not QSettings)

    def load_ui_state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.ui_state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_ui_state(self, state: dict[str, Any]) -> None:
        self.ensure()
        tmp = self.ui_state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.ui_state_path)


def profile_key(server_url: str, email: str) -> str:
    """A readable, file-system-safe and unique name: ``host_port-user-<hash>``."""
    parts = urlsplit(server_url)
    host = f"{parts.hostname}_{parts.port}" if parts.port else str(parts.hostname)
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{host}-{email.split('@')[0]}")[:60]
    digest = hashlib.sha256(f"{server_url}\n{email.lower()}".encode()).hexdigest()[:12]
    return f"{readable}-{digest}"


def open_profile(server_url: str, email: str, root: Path) -> Profile:
    return Profile(normalize_server_url(server_url), email.strip().lower(), root)


def _index_path(root: Path) -> Path:
    return root / "profiles.json"


def last_profile(root: Path) -> Profile | None:
    """The profile signed in last, if its replica is still there."""
    try:
        data = json.loads(_index_path(root).read_text(encoding="utf-8"))
        profile = Profile(str(data["server_url"]), str(data["email"]), root)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return profile if profile.exists() else None


def remember(profile: Profile) -> None:
    path = _index_path(profile.root)
    path.write_text(
        json.dumps({"server_url": profile.server_url, "email": profile.email}), encoding="utf-8"
    )


def forget(root: Path) -> None:
    _index_path(root).unlink(missing_ok=True)
