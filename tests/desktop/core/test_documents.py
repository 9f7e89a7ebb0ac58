"""Sales documents in the replica, without Qt: the list's totals (SQL) agree with the server's
arithmetic (``common.lines.totals``) for lines of either shape; a draft made offline prints
through the server's renderer; the sync client keeps the seller the server names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2
from hypothesis import given, settings
from hypothesis import strategies as st

from common.lines import totals
from common.sync import Change, PullResponse
from common.taxes import TAX_CODES, TAX_RATES
from desktop.core import invoices
from desktop.core.kit.documents import document_totals
from desktop.core.kit.listing import EntityList
from desktop.core.replica import Replica
from tests.desktop.core.conftest import ClientFactory

line_inputs = st.lists(
    st.fixed_dictionaries(
        {
            "quantity": st.integers(1, 1_000_000),
            "unit_price": st.integers(0, 10_000_000_000),
            "tax_rate": st.sampled_from([None, *TAX_CODES]),
        }
    ),
    max_size=8,
)


def _pull(replica: Replica, records: list[dict[str, Any]], version: int) -> None:
    replica.apply_pull_page(
        PullResponse(
            changes=[
                Change(entity="invoice", id=r["id"], op="upsert", version=version, data=r)
                for r in records
            ],
            cursor=f"c{version}",
            has_more=False,
            phase="incremental",
            reset=False,
            server_version=version,
        )
    )


@settings(max_examples=60, deadline=None)
@given(lines=line_inputs, stored_rates=st.booleans())
def test_the_lists_total_is_the_servers_arithmetic_for_either_shape_of_lines(
    tmp_path_factory: Any, lines: list[dict[str, Any]], stored_rates: bool
) -> None:
    replica = Replica(tmp_path_factory.mktemp("r") / "replica.sqlite3")
    rows = EntityList(invoices.PROJECTION, replica)
    try:
        if stored_rates:  # as the server reads them: the rate as issued (not the table's now)
            shaped = [
                {**line, "tax_basis_points": 1234 if line["tax_rate"] else 0} for line in lines
            ]
            bp = [1234 if line["tax_rate"] else 0 for line in lines]
        else:  # as a draft made here holds them
            shaped = lines
            bp = [TAX_RATES[line["tax_rate"]].basis_points if line["tax_rate"] else 0 for line in lines]  # fmt: skip
        expected = totals(
            (line["quantity"], line["unit_price"], line["tax_rate"], b)
            for line, b in zip(lines, bp, strict=True)
        )
        record = {"id": "inv-1", "customer_id": "c", "lines": shaped, "amount_paid": 7}
        _pull(replica, [record], 1)
        row = rows.get("inv-1")
        assert row is not None
        assert row["total"] == expected.total == document_totals(shaped).total
        assert row["balance_due"] == expected.total - 7
    finally:
        rows.close()
        replica.close()


def test_an_offline_draft_prints_as_a_draft_with_its_customer_and_computed_totals(
    tmp_path: Path,
) -> None:
    replica = Replica(tmp_path / "replica.sqlite3")
    try:
        replica.apply_pull_page(
            PullResponse(
                changes=[Change(entity="customer", id="c1", op="upsert", version=1, data={
                    "id": "c1", "name": "Київ Трейд", "currency": "EUR",
                    "address": {"street": "Хрещатик 1", "city": "Київ", "country_code": "UA"},
                })],
                cursor="c", has_more=False, phase="snapshot", reset=True, server_version=1,
            )
        )  # fmt: skip
        made = replica.create(
            entity="invoice",
            data={
                "customer_id": "c1",
                "currency": "EUR",
                "lines": [
                    {
                        "description": "Beratung",
                        "quantity": 3,
                        "unit_price": 12000,
                        "tax_rate": "vat_19",
                    },
                ],
            },
        )
        record = replica.get(entity="invoice", id=made)
        assert record is not None
        read = invoices.as_read(record, replica.get(entity="customer", id="c1"))
        assert (read.number, read.status, read.subtotal, read.tax_total, read.total) == (
            None,
            "draft",
            36000,
            6840,
            42840,
        )
        from common.documents import Company

        pdf = invoices.pdf(
            record,
            lambda entity, id: replica.get(entity=entity, id=id),
            Company("Skeleton GmbH", "Hafenstraße 1\n20457 Hamburg"),
            "de_DE",
        )
        document = pypdfium2.PdfDocument(pdf)
        text = document[0].get_textpage().get_text_range()
        document.close()
        for expected in ("DRAFT", "Invoice Draft", "Київ Трейд", "Хрещатик 1", "Beratung",
                         "Skeleton GmbH", "428,40\u00a0€"):  # fmt: skip
            assert expected in text, (expected, text)
    finally:
        replica.close()


def test_the_sync_client_keeps_the_seller_the_server_names(make_client: ClientFactory) -> None:
    sync_client = make_client()
    assert sync_client.replica.company() is None
    sync_client.sync_once()
    company = sync_client.replica.company()
    assert company is not None
    assert company.name == "Skeleton CRM"  # the server's default setting
