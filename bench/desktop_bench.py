"""Desktop customer list: start-up to an interactive list, filter time per keystroke, memory.

    python bench/desktop_bench.py                  # 10k customers (quick)
    python bench/desktop_bench.py --rows 100000    # the full run

The replica is filled once per size (cached under the temp dir) through
``Replica.apply_pull_page`` with pages shaped like the server's pull, made from
the demo data generator. The measured app runs in a subprocess, so the start
time includes the interpreter, the Qt import and opening the replica. Prints
numbers, not pass/fail. Goals (issue 6): start ≤ 1.5 s, keystroke ≤ 50 ms, RSS ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Typed one key at a time, the field cleared between words (each clear is a keystroke too).
WORDS = ["smith", "berlin", "north", "q", "mail.ex", "anna k", "zzz"]


def _rows(n: int, seed: int = 7) -> list[dict[str, object]]:
    from common.ids import new_id
    from server.demo import demo_customer

    rng = random.Random(seed)
    now = "2025-01-01T00:00:00+00:00"
    out: list[dict[str, object]] = []
    for i in range(n):
        data, inactive = demo_customer(rng, i + 1)
        addresses = [
            {
                "id": new_id(),
                "type": a.type,
                "street": a.street,
                "city": a.city,
                "region": a.region,
                "postal_code": a.postal_code,
                "country_id": None,
                "country_code": a.country,
            }
            for a in data.addresses
        ]
        out.append(
            {
                **data.model_dump(mode="json", exclude={"addresses"}),
                "id": new_id(),
                "phone_display": data.phone,
                "total_purchases": 0,
                "active": not inactive,
                "addresses": addresses,
                "address": addresses[0],
                "created_at": now,
                "updated_at": now,
                "version": i + 1,
            }
        )
    return out


def fill(path: Path, n: int) -> None:
    """A replica with ``n`` customers, applied page by page as a first sync would."""
    from common.sync import Change, PullResponse
    from desktop.core.modules import MODULES, open_list
    from desktop.core.replica import Replica

    rows = _rows(n)
    tmp = path.with_suffix(".partial")
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()
    replica = Replica(tmp)
    for module in MODULES:  # every list's side table and triggers, as the app makes them
        open_list(module, replica).close()
    started = time.perf_counter()
    page = 500
    for start in range(0, n, page):
        chunk = rows[start : start + page]
        replica.apply_pull_page(
            PullResponse(
                changes=[
                    Change(entity="customer", id=str(r["id"]), op="upsert", version=i, data=r)
                    for i, r in enumerate(chunk, start + 1)
                ],
                cursor=f"bench-{start}",
                has_more=start + page < n,
                phase="snapshot",
                reset=start == 0,
                server_version=n,
            )
        )
    elapsed = time.perf_counter() - started
    replica.close()
    tmp.rename(path)
    print(f"filled {n:,} customers in {elapsed:.1f} s ({n / elapsed:,.0f} rows/s applied)")


def child(path: str) -> None:
    """The measured app: open the page, report ready, then type into the filter."""
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from desktop.core.customers import ENTITY
    from desktop.core.replica import Replica
    from desktop.ui.kit.page import RecordPage

    settings = QSettings(str(Path(path).with_suffix(".ini")), QSettings.Format.IniFormat)
    page = RecordPage(ENTITY, Replica(path), settings=settings)
    page.resize(1280, 800)
    page.show()
    app.processEvents()
    page.list_view.table.viewport().repaint()
    print("READY", page.model.rowCount(), flush=True)

    edit = page.list_view.filter_edit
    edit.setFocus()
    times: list[float] = []
    for word in WORDS:
        for ch in word:
            t = time.perf_counter()
            QTest.keyClick(edit, ch)
            app.processEvents()  # the model reset and the repaint of the table
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(edit, Qt.Key.Key_Backspace)
        app.processEvents()
        times.append(time.perf_counter() - t)
    # Scroll to the end of the first pages (fetchMore) to see paging cost as well.
    t = time.perf_counter()
    for _ in range(10):
        page.model.fetchMore()
    fetch = (time.perf_counter() - t) / 10
    status = Path("/proc/self/status").read_text() if Path("/proc/self/status").exists() else ""
    mem = {
        line.split(":")[0]: int(line.split()[1]) // 1024
        for line in status.splitlines()
        if line.startswith(("VmRSS", "VmHWM"))
    }
    print(
        "RESULT",
        json.dumps({"keystrokes": times, "fetch_more": fetch, "rss_mb": mem}),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "crm-bench")
    parser.add_argument("--runs", type=int, default=3, help="start-up runs (the best and median)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"replica-{args.rows}.sqlite3"
    if not path.exists():
        fill(path, args.rows)
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    starts: list[float] = []
    result: dict[str, object] = {}
    for _ in range(args.runs):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", str(path)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("READY"):
                starts.append(time.perf_counter() - started)
            elif line.startswith("RESULT"):
                result = json.loads(line.split(" ", 1)[1])
        proc.wait()
    keys = sorted(result["keystrokes"])  # type: ignore[arg-type]
    p95 = keys[max(0, int(len(keys) * 0.95) - 1)]
    rss = result["rss_mb"]
    print(f"customers in the replica:        {args.rows:,}")
    print(
        f"start to interactive list:       median {statistics.median(starts):.2f} s, "
        f"best {min(starts):.2f} s over {len(starts)} runs (goal ≤ 1.5 s)"
    )
    print(
        f"filter per keystroke ({len(keys)} keys): median {statistics.median(keys) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {keys[-1] * 1000:.1f} ms (goal ≤ 50 ms)"
    )
    print(f"fetchMore (200 rows):            {result['fetch_more'] * 1000:.1f} ms")  # type: ignore[operator]
    print(
        f"resident memory:                 {rss.get('VmRSS')} MB now, "  # type: ignore[union-attr]
        f"{rss.get('VmHWM')} MB peak (goal ≤ 300 MB)"  # type: ignore[union-attr]
    )


if __name__ == "__main__":
    main()
