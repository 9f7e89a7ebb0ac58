"""What the packaging files promise an administrator, checked against the real tools and settings."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from server.config import Settings

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def test_the_systemd_unit_is_rated_ok_or_better_by_systemd_analyze() -> None:
    done = subprocess.run(
        [
            "systemd-analyze",
            "security",
            "--offline=true",
            str(PACKAGING / "server/crm-server.service"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(
        r"Overall exposure level for crm-server\.service: ([\d.]+) (\w+)", done.stdout
    )
    assert found, done.stdout + done.stderr
    exposure, rating = float(found.group(1)), found.group(2)
    assert rating in ("PERFECT", "SAFE", "OK"), (exposure, rating)


def test_the_example_settings_are_settings_the_server_knows() -> None:
    known = {f"CRM_{name.upper()}" for name in Settings.model_fields}
    named = re.findall(
        r"^#?(CRM_[A-Z_]+)=", (PACKAGING / "server/server.env.example").read_text(), re.M
    )
    unit = (PACKAGING / "server/crm-server.service").read_text()
    named += re.findall(r"^Environment=(CRM_[A-Z_]+)=", unit, re.M)
    assert named and set(named) <= known, set(named) - known
