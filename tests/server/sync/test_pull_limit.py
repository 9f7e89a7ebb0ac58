"""Pull ``limit`` as docs/sync-protocol.md says: records in the snapshot, change-log entries after."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.factories import create_customer
from tests.server.sync.test_pull import pull_all

pytestmark = pytest.mark.engines  # pages are cut by the change log's versions


def test_limit_counts_change_log_entries_so_a_page_may_carry_fewer_records(admin: Api) -> None:
    customer = create_customer(admin)
    _, cursor, _ = pull_all(admin)
    for n in range(5):
        r = admin.put(f"/api/v1/customers/{customer['id']}", json={"notes": f"call {n}"})
        assert r.status_code == 200, r.text
    pages = []
    while True:
        page = admin.get("/api/v1/sync/pull", params={"cursor": cursor, "limit": 3}).json()
        pages.append(page)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    # Five versions of one record: three entries, then two; one record on each page.
    assert [len(p["changes"]) for p in pages] == [1, 1]
    assert pages[0]["has_more"] is True
    assert pages[0]["changes"][0]["data"]["notes"] == "call 4"  # its current row, every time
    # In the snapshot the limit counts records.
    for _ in range(3):
        create_customer(admin)
    first = admin.get("/api/v1/sync/pull", params={"limit": 3}).json()
    assert len(first["changes"]) == 3 and first["has_more"] is True
