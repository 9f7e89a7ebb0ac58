"""Orders on replicas: the REST read with its lines, merged like a document.

An update's ``lines`` replace a draft's lines; ``shipping_address`` is sent
whole. Lines, customer and address never merge automatically; once an order
left draft, an edit someone else changed since is not merged at all (each
contested field a conflict record). Status and totals are the server's.
"""

from __future__ import annotations

from common.sync import Row
from server.kit import BASE_READ_ONLY, SyncSpec
from server.kit.lines import lines_as_sent
from server.kit.sync import row
from server.orders.models import Order
from server.orders.reads import order_read


def merge_view(o: Order) -> Row:
    data = row(order_read, o)
    data["lines"] = lines_as_sent(o.lines)  # type: ignore[assignment]
    address = data.get("shipping_address")
    if isinstance(address, dict):
        data["shipping_address"] = {
            "street": address.get("street"),
            "city": address.get("city"),
            "region": address.get("region"),
            "postal_code": address.get("postal_code"),
            "country": address.get("country_code"),
        }
    return data


SYNC = SyncSpec(
    merge_view=merge_view,
    policies={
        "lines": "manual",
        "customer_id": "manual",
        "shipping_address": "manual",
        "warehouse_id": "manual",
    },
    read_only=BASE_READ_ONLY
    | {
        "number",
        "status",
        "currency",
        "customer_name",
        "taxes",
        "subtotal",
        "tax_total",
        "total",
        "invoice_id",
    },
    never_merge=lambda o: o.status != "draft",
)
