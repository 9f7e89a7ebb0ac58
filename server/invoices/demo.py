"""Demo sales: a catalog, orders and invoices in several states and currencies.

Written through the catalog's, orders' and invoices' services and commands (so
numbers, totals, audit and change log are real); only into a database without
catalog items. Orders and invoices go to existing active customers.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from common.catalog import CategoryCreate, ItemCreate
from common.invoices import CancelInvoice, InvoiceCreate, InvoiceLineInput, RecordPayment
from common.kit import NoArgs
from common.orders import InvoiceOrder, OrderCreate, OrderLineInput, SetOrderStatus
from server.catalog.models import Item
from server.catalog.service import CATEGORIES, ITEMS
from server.context import AppContext
from server.customers.models import Customer
from server.invoices import service as invoices
from server.orders import service as orders

SEED = 20261127
# category -> (sku, name, price in minor units of USD, tax rate)
CATALOG: dict[str, list[tuple[str, str, int, str | None]]] = {
    "Software": [
        ("SW-CRM-SEAT", "CRM seat, yearly", 24_000, "vat_20"),
        ("SW-SYNC", "Sync server licence", 150_000, "vat_20"),
        ("SW-API", "Integration API add-on", 60_000, "vat_20"),
    ],
    "Services": [
        ("SRV-CONSULT", "Consulting, per hour", 15_000, None),
        ("SRV-TRAIN", "Training day", 90_000, "vat_19"),
        ("SRV-MIGR", "Data migration", 250_000, "vat_19"),
    ],
    "Hardware": [
        ("HW-SCAN", "Barcode scanner", 12_900, "vat_20"),
        ("HW-PRN", "Receipt printer", 21_500, "vat_20"),
        ("HW-TAB", "Tablet 10 inch", 39_900, "vat_7"),
    ],
}
# The same items priced in other currencies (factor to USD, SKU suffix, name suffix).
PRICE_LISTS = {"USD": (1.0, "", ""), "EUR": (0.92, "-EU", " (EU)"), "UAH": (41.0, "-UA", " (UA)")}
WORK = [
    ("Website maintenance", 45_000),
    ("Annual support", 120_000),
    ("Консультація з впровадження", 30_000),
    ("Schulung vor Ort", 80_000),
    ("Cloud hosting, quarter", 36_000),
    ("Custom report", 18_000),
]
INVOICE_STATES = ["draft", "sent", "overdue", "partly paid", "paid", "paid", "cancelled"]
ORDER_PATHS: list[list[str]] = [
    [],
    ["pending"],
    ["pending", "confirmed"],
    ["pending", "confirmed", "shipped"],
    ["pending", "confirmed", "shipped", "delivered"],
    ["pending", "cancelled"],
]


def fill_demo_sales(
    ctx: AppContext, *, orders_count: int = 24, invoices_count: int = 40, seed: int = SEED
) -> dict[str, int]:
    """Categories, items in USD/EUR/UAH, orders along every path, invoices in every state."""
    with ctx.db.session(write=False) as session:
        if session.scalar(sa.select(sa.func.count()).select_from(Item)):
            raise RuntimeError(
                "the database already has catalog items; demo sales go only into an empty catalog"
            )
        customers = list(
            session.execute(
                sa.select(Customer.id, Customer.currency)
                .where(Customer.active.is_(True))
                .order_by(Customer.id)
            )
        )
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    made = {"items": 0, "orders": 0, "invoices": 0}
    with ctx.unit_of_work() as session:
        items: dict[str, list[str]] = {currency: [] for currency in PRICE_LISTS}
        for category, entries in CATALOG.items():
            cat = CATEGORIES.create(session=session, actor=None, data=CategoryCreate(name=category))
            for sku, name, usd, tax in entries:
                for currency, (factor, sku_suffix, name_suffix) in PRICE_LISTS.items():
                    item = ITEMS.create(
                        session=session,
                        actor=None,
                        data=ItemCreate(
                            sku=sku + sku_suffix,
                            name=name + name_suffix,
                            category_id=cat.id,
                            unit_price=round(usd * factor / 100) * 100,
                            currency=currency,
                            tax_rate=tax,
                            status="discontinued"
                            if sku == "HW-TAB" and currency == "UAH"
                            else "active",
                        ),
                    )
                    if item.status == "active":
                        items[currency].append(item.id)
                    made["items"] += 1
        buyers = [c for c in customers if c.currency in items]
        for n in range(orders_count if buyers else 0):
            customer = rng.choice(buyers)
            chosen = rng.sample(items[customer.currency], k=rng.randint(1, 3))
            order = orders.create(
                session=session,
                actor=None,
                data=OrderCreate(
                    customer_id=customer.id,
                    lines=[OrderLineInput(item_id=i, quantity=rng.randint(1, 6)) for i in chosen],
                    notes=f"Demo order {n + 1}",
                ),
            )
            for status in ORDER_PATHS[n % len(ORDER_PATHS)]:
                orders.set_status(
                    session=session, actor=None, id=order.id, args=SetOrderStatus(status=status)
                )
            if order.status in ("shipped", "delivered") and n % 2 == 0:
                orders.invoice(session=session, actor=None, id=order.id, args=InvoiceOrder())
                made["invoices"] += 1
            made["orders"] += 1
        today = invoices.today()
        for n in range(invoices_count if customers else 0):
            customer = rng.choice(customers)
            state = INVOICE_STATES[n % len(INVOICE_STATES)]
            due = today + timedelta(
                days=rng.randint(-45, -3) if state == "overdue" else rng.randint(7, 60)
            )
            scale = 100 if customer.currency in ("JPY", "INR", "UAH") else 1
            work = rng.sample(WORK, k=rng.randint(1, 3))
            invoice = invoices.create(
                session=session,
                actor=None,
                data=InvoiceCreate(
                    customer_id=customer.id,
                    due_date=due,
                    currency=customer.currency,
                    lines=[
                        InvoiceLineInput(
                            description=text,
                            quantity=rng.randint(1, 4),
                            unit_price=price * scale // (100 if customer.currency == "JPY" else 1),
                            tax_rate=rng.choice([None, "vat_20", "vat_19"]),
                        )
                        for text, price in work
                    ],
                ),
            )
            made["invoices"] += 1
            if state == "draft":
                continue
            if state == "cancelled":
                invoices.cancel(
                    session=session,
                    actor=None,
                    id=invoice.id,
                    args=CancelInvoice(reason="Duplicate"),
                )
                continue
            invoices.send(session=session, actor=None, id=invoice.id, args=NoArgs())
            if state in ("partly paid", "paid"):
                amount = invoice.total if state == "paid" else invoice.total // 3
                invoices.record_payment(
                    session=session,
                    actor=None,
                    id=invoice.id,
                    args=RecordPayment(
                        amount=amount,
                        currency=customer.currency,
                        method=rng.choice(["bank_transfer", "card", "cash"]),
                        reference=f"DEMO-{n + 1:04d}",
                    ),
                )
    return made
