"""A customer's total_purchases across currencies: what was paid, per currency, never converted.

The spec's customer object has one ``total_purchases`` beside one ``currency``, and the
server keeps no exchange rates. So ``total_purchases`` is what the customer paid in its
own currency, and ``purchases`` lists what it paid in each currency; a change of the
customer's currency makes ``total_purchases`` the entry in the new one.
"""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import create_customer
from tests.sales_factories import create_invoice


def pay(admin: Api, invoice: dict, amount: int) -> None:
    r = admin.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        json={"amount": amount, "currency": invoice["currency"]},
    )
    assert r.status_code in (200, 201), r.text


def one_line(currency: str, cents: int) -> list[dict]:
    return [{"description": "Work", "quantity": 1, "unit_price": cents, "currency": currency}]


def test_total_purchases_is_the_customers_currency_and_purchases_lists_every_currency(
    shared_admin: Api,
) -> None:
    admin = shared_admin
    customer = create_customer(admin, currency="USD")
    assert (customer["total_purchases"], customer["purchases"]) == (0, [])
    usd = create_invoice(admin, customer["id"], lines=one_line("USD", 30000))
    eur = create_invoice(admin, customer["id"], lines=one_line("EUR", 70000))
    uah = create_invoice(admin, customer["id"], lines=one_line("UAH", 5000))
    for invoice in (usd, eur, uah):
        assert admin.post(f"/api/v1/invoices/{invoice['id']}/send").status_code == 200
    pay(admin, usd, 10000)
    pay(admin, usd, 20000)
    pay(admin, eur, 25000)
    after = admin.get(f"/api/v1/customers/{customer['id']}").json()
    assert after["total_purchases"] == 30000  # USD only; 250.00 EUR is not added to it
    assert after["purchases"] == [
        {"currency": "EUR", "amount": 25000},
        {"currency": "USD", "amount": 30000},
    ]
    # The customer now deals in euros: its total is what it paid in euros.
    r = admin.put(f"/api/v1/customers/{customer['id']}", json={"currency": "EUR"})
    assert r.status_code == 200, r.text
    assert (r.json()["total_purchases"], r.json()["currency"]) == (25000, "EUR")
    pay(admin, eur, 45000)
    after = admin.get(f"/api/v1/customers/{customer['id']}").json()
    assert after["total_purchases"] == 70000
    assert after["purchases"][0] == {"currency": "EUR", "amount": 70000}
    # In a currency it never paid in, the total is 0 (nothing converted), the list unchanged.
    r = admin.put(f"/api/v1/customers/{customer['id']}", json={"currency": "GBP"})
    assert (r.json()["total_purchases"], len(r.json()["purchases"])) == (0, 2)
    # Neither is the client's to set.
    for body in ({"total_purchases": 1}, {"purchases": []}):
        r = admin.put(f"/api/v1/customers/{customer['id']}", json=body)
        assert r.status_code == 422, r.text
