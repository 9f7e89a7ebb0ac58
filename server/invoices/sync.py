"""Invoices on replicas: the REST read (lines, payments inside), merged as an issued document.

An invoice travels as one record with its lines and payments. An update's
``lines`` replace the draft's lines (the merge compares them as sent:
:func:`server.kit.lines.lines_as_sent`). Money, lines, customer and due date
never merge automatically, and once an invoice is issued (not a draft) an edit
of it that someone else changed since is not merged at all: each contested
field is a conflict record the user resolves. Numbers, statuses, totals and
payments are the server's: they change only by the commands.
"""

from __future__ import annotations

from common.sync import Row
from server.invoices.models import Invoice
from server.invoices.reads import invoice_read
from server.kit import BASE_READ_ONLY, SyncSpec
from server.kit.lines import lines_as_sent
from server.kit.sync import row


def merge_view(i: Invoice) -> Row:
    data = row(invoice_read, i)
    data["lines"] = lines_as_sent(i.lines)  # type: ignore[assignment]
    return data


SYNC = SyncSpec(
    merge_view=merge_view,
    policies={"lines": "manual", "customer_id": "manual", "due_date": "manual"},
    read_only=BASE_READ_ONLY
    | {
        "number",
        "status",
        "currency",
        "customer_name",
        "issue_date",
        "taxes",
        "subtotal",
        "tax_total",
        "total",
        "amount_paid",
        "balance_due",
        "payments",
        "order_id",
        "billing_address",
        "sent_at",
        "paid_at",
        "cancelled_at",
        "cancel_reason",
    },
    never_merge=lambda i: i.status != "draft",
)
