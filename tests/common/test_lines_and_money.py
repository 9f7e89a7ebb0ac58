"""Line arithmetic (tax half-up per line, summed per rate) and money as documents print it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from common.documents import money
from common.lines import MAX_QUANTITY, MAX_UNIT_PRICE, line_amounts, totals
from common.taxes import TAX_RATES, tax_of


@given(st.integers(0, MAX_QUANTITY * MAX_UNIT_PRICE), st.sampled_from(sorted(TAX_RATES)))
def test_tax_is_half_up_to_the_cent(amount: int, code: str) -> None:
    bp = TAX_RATES[code].basis_points
    exact = Decimal(amount) * bp / 10_000
    assert tax_of(amount, bp) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_half_cents_round_up() -> None:
    assert [tax_of(a, 1000) for a in (4, 5, 14, 15, 25)] == [0, 1, 1, 2, 3]


@given(
    st.lists(
        st.tuples(
            st.integers(1, MAX_QUANTITY),
            st.integers(0, MAX_UNIT_PRICE),
            st.sampled_from([None, *sorted(TAX_RATES)]),
        ),
        max_size=20,
    )
)
def test_totals_are_the_sum_of_rounded_lines(lines: list[tuple[int, int, str | None]]) -> None:
    rows = [(q, p, c, TAX_RATES[c].basis_points if c else 0) for q, p, c in lines]
    t = totals(rows)
    amounts = [line_amounts(q, p, bp) for q, p, _, bp in rows]
    assert t.subtotal == sum(a.subtotal for a in amounts)
    assert t.tax_total == sum(a.tax for a in amounts) == sum(x.tax for x in t.taxes)
    assert t.total == t.subtotal + t.tax_total


def test_money_follows_the_currency_and_locale() -> None:
    assert money(155000, "USD") == "$1,550.00"
    assert money(155000, "EUR", "de_DE") == "1.550,00\xa0€"
    assert money(155000, "UAH", "uk_UA") == "1\xa0550,00\xa0₴"
    assert money(1500, "JPY") == "¥1,500"  # no minor unit: 1500 is 1500 yen
