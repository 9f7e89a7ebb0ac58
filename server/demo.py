"""Demo data: realistic customers, suppliers, partners and employees, written through the
service layer (audit and change log too)."""

from __future__ import annotations

import random
import unicodedata
from typing import Any, cast

import phonenumbers
import sqlalchemy as sa

from common.customers import AddressCreate, CustomerCreate
from common.kit import NoArgs
from common.parties import (
    EmployeeCreate,
    PartnerCreate,
    PartyAddress,
    PartyCreate,
    SupplierCreate,
)
from server.context import AppContext
from server.customers import service as customers
from server.customers.models import Customer
from server.kit import Resource

SEED = 20260101
BATCH = 100

# country code, currency, cities (city, region, postal code pattern), company suffixes
PLACES: list[tuple[str, str, list[tuple[str, str]], str, list[str]]] = [
    (
        "US",
        "USD",
        [("New York", "NY"), ("Boston", "MA"), ("Austin", "TX"), ("Seattle", "WA")],
        "#####",
        ["Inc.", "LLC", "Corp."],
    ),
    (
        "CA",
        "CAD",
        [("Toronto", "ON"), ("Vancouver", "BC"), ("Montreal", "QC")],
        "A#A #A#",
        ["Ltd.", "Inc."],
    ),
    (
        "GB",
        "GBP",
        [("London", "England"), ("Manchester", "England"), ("Edinburgh", "Scotland")],
        "AA# #AA",
        ["Ltd", "PLC"],
    ),
    (
        "DE",
        "EUR",
        [("Berlin", "Berlin"), ("München", "Bayern"), ("Hamburg", "Hamburg")],
        "#####",
        ["GmbH", "AG", "KG"],
    ),
    (
        "FR",
        "EUR",
        [("Paris", "Île-de-France"), ("Lyon", "Auvergne-Rhône-Alpes")],
        "#####",
        ["SARL", "SA"],
    ),
    (
        "NL",
        "EUR",
        [("Amsterdam", "Noord-Holland"), ("Rotterdam", "Zuid-Holland")],
        "#### AA",
        ["B.V."],
    ),
    ("ES", "EUR", [("Madrid", "Madrid"), ("Barcelona", "Cataluña")], "#####", ["S.L.", "S.A."]),
    ("IT", "EUR", [("Milano", "Lombardia"), ("Roma", "Lazio")], "#####", ["S.r.l.", "S.p.A."]),
    (
        "PL",
        "PLN",
        [("Warszawa", "Mazowieckie"), ("Kraków", "Małopolskie")],
        "##-###",
        ["Sp. z o.o.", "S.A."],
    ),
    (
        "UA",
        "UAH",
        [("Kyiv", "Kyiv"), ("Lviv", "Lvivska"), ("Odesa", "Odeska")],
        "#####",
        ["LLC", "PrJSC"],
    ),
    ("SE", "SEK", [("Stockholm", "Stockholm"), ("Göteborg", "Västra Götaland")], "### ##", ["AB"]),
    ("CH", "CHF", [("Zürich", "ZH"), ("Genève", "GE")], "####", ["AG", "SA", "GmbH"]),
    ("JP", "JPY", [("Tokyo", "Tokyo"), ("Osaka", "Osaka")], "###-####", ["K.K."]),
    ("AU", "AUD", [("Sydney", "NSW"), ("Melbourne", "VIC")], "####", ["Pty Ltd"]),
    ("BR", "BRL", [("São Paulo", "SP"), ("Rio de Janeiro", "RJ")], "#####-###", ["Ltda."]),
    ("IN", "INR", [("Mumbai", "Maharashtra"), ("Bengaluru", "Karnataka")], "######", ["Pvt. Ltd."]),
]
FIRST = [
    "Anna",
    "James",
    "Olena",
    "Lukas",
    "Sofia",
    "Mateo",
    "Emma",
    "Noah",
    "Yuki",
    "Priya",
    "Oliver",
    "Chloé",
    "Marek",
    "Ingrid",
    "Diego",
    "Hannah",
    "Taras",
    "Lucía",
    "Ravi",
    "Mia",
]
LAST = [
    "Smith",
    "Kovalenko",
    "Müller",
    "Dubois",
    "García",
    "Rossi",
    "Nowak",
    "Johansson",
    "Tanaka",
    "Silva",
    "Sharma",
    "Brown",
    "Schmidt",
    "Martin",
    "Jansen",
    "Bondarenko",
    "Wilson",
    "Lefebvre",
    "Fischer",
    "Andersson",
]
WORDS = [
    "Northwind",
    "Bluebird",
    "Granite",
    "Silverline",
    "Harbor",
    "Summit",
    "Evergreen",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Redwood",
    "Sterling",
    "Tidewater",
    "Vertex",
    "Willow",
    "Zephyr",
]
TRADES = [
    "Logistics",
    "Foods",
    "Software",
    "Textiles",
    "Builders",
    "Analytics",
    "Motors",
    "Pharma",
    "Design",
    "Energy",
    "Consulting",
    "Retail",
    "Printing",
    "Optics",
]
STREETS = ["Main St", "Oak Ave", "Market St", "High St", "Park Rd", "Station Rd", "Mill Lane"]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum()) or "customer"


def _pattern(rng: random.Random, pattern: str) -> str:
    return "".join(
        str(rng.randint(0, 9))
        if ch == "#"
        else rng.choice("ABCEGHJKLMNPRSTVXY")
        if ch == "A"
        else ch
        for ch in pattern
    )


def phone_for(rng: random.Random, region: str) -> str:
    """A number valid for ``region``: its example mobile number with random last digits."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"phonenumbers has no example number for {region}")
    national = str(example.national_number)
    for _ in range(20):
        tail = "".join(str(rng.randint(0, 9)) for _ in range(4))
        candidate = phonenumbers.parse(f"+{example.country_code}{national[:-4]}{tail}")
        if phonenumbers.is_valid_number(candidate):
            return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def demo_customer(rng: random.Random, n: int) -> tuple[CustomerCreate, bool]:
    """The ``n``-th demo customer and whether it should end up deactivated."""
    code, currency, cities, postal, suffixes = rng.choice(PLACES)
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if rng.random() < 0.7:
        company = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {rng.choice(suffixes)}"
        name, email = company, f"{person.split()[0].lower()}.{n}@{_slug(company[:-4])}.example"
    else:
        company, name = None, person
        email = f"{_slug(person)}{n}@mail.example"
    city, region = rng.choice(cities)
    addresses = [
        AddressCreate(
            type="billing",
            street=f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
            city=city,
            region=region,
            postal_code=_pattern(rng, postal),
            country=code,
        )
    ]
    if rng.random() < 0.3:
        city2, region2 = rng.choice(cities)
        addresses.append(
            AddressCreate(
                type="shipping",
                street=f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
                city=city2,
                region=region2,
                postal_code=_pattern(rng, postal),
                country=code,
            )
        )
    data = CustomerCreate(
        name=name,
        email=email,
        phone=phone_for(rng, code) if rng.random() < 0.9 else None,
        company=company,
        tax_id=f"{code}{rng.randint(10**8, 10**9 - 1)}" if company and rng.random() < 0.6 else None,
        website=f"https://www.{_slug(name)}.example" if company and rng.random() < 0.5 else None,
        social_media={"linkedin": _slug(name)} if rng.random() < 0.3 else None,
        notes=rng.choice([None, None, "Prefers email", "Pays on time", "Key account"]),
        credit_limit=rng.choice([0, 100_000, 250_000, 500_000, 1_000_000, 5_000_000]),
        currency=currency,
        addresses=addresses,
    )
    return data, rng.random() < 0.1


def fill_demo_customers(ctx: AppContext, count: int, *, seed: int = SEED) -> int:
    """Create ``count`` demo customers in an empty customer table; return how many were made.

    Raises ``RuntimeError`` if customers already exist (demo data never mixes with real data).
    """
    with ctx.db.session(write=False) as session:
        existing = session.scalar(sa.select(sa.func.count()).select_from(Customer)) or 0
    if existing:
        raise RuntimeError(
            f"the database already has {existing} customers; demo data is only added to an empty one"
        )
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    made = 0
    while made < count:
        with ctx.unit_of_work() as session:
            for _ in range(min(BATCH, count - made)):
                data, deactivate = demo_customer(rng, made + 1)
                customer = customers.create(session=session, actor=None, data=data)
                if deactivate:
                    customers.deactivate(session=session, actor=None, id=customer.id, args=NoArgs())
                made += 1
    return made


# ---------------------------------------------------------------- suppliers, partners, employees

PARTY_TRADES = {
    "supplier": ["Components", "Packaging", "Paper Mills", "Electronics", "Office Supplies"],
    "partner": ["Consulting", "Marketing", "Integrations", "Resellers"],
}
POSITIONS = ["Sales Manager", "Account Executive", "Support Engineer", "Buyer", "Accountant"]
# How many of each kind; which of them (by position) end up inactive or blacklisted.
PARTIES = {"supplier": 8, "partner": 5, "employee": 8}
INACTIVE = {"supplier": {2}, "partner": {3}, "employee": {4}}
BLACKLISTED = {"supplier": {5}}


def demo_party(rng: random.Random, kind: str, name: str) -> PartyCreate:
    """A demo party of ``kind``: for employees ``name`` is the person's ("Anna Smith", with a
    position); for suppliers and partners the word that starts the company's name. The
    address and phone are of one place."""
    code, _currency, cities, postal, suffixes = rng.choice(PLACES)
    city, region = rng.choice(cities)
    address = PartyAddress(
        street=f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
        city=city,
        region=region,
        postal_code=_pattern(rng, postal),
        country=code,
    )
    fields: dict[str, Any] = {
        "phone": phone_for(rng, code),
        "tax_id": f"{code}{rng.randint(10**8, 10**9 - 1)}",
        "address": address,
    }
    if kind == "employee":
        return EmployeeCreate(
            name=name,
            email=".".join(_slug(part) for part in name.split()) + "@skeleton-crm.example",
            position=rng.choice(POSITIONS),
            **fields,
        )
    trade = rng.choice(PARTY_TRADES[kind])
    domain = _slug(f"{name}{trade}")
    schema = SupplierCreate if kind == "supplier" else PartnerCreate
    mailbox = "orders" if kind == "supplier" else "partners"
    return schema(
        name=f"{name} {trade} {rng.choice(suffixes)}",
        email=f"{mailbox}@{domain}.example",
        website=f"https://www.{domain}.example",
        **fields,
    )


def _party_names(rng: random.Random, kind: str, count: int) -> list[str]:
    """Distinct names (so distinct emails): people for employees, company words otherwise."""
    if kind == "employee":
        people = zip(rng.sample(FIRST, count), rng.sample(LAST, count), strict=True)
        return [f"{first} {last}" for first, last in people]
    return rng.sample(WORDS, count)


def fill_demo_parties(ctx: AppContext, *, seed: int = SEED) -> dict[str, int]:
    """A few suppliers, partners and employees (some inactive, one supplier blacklisted),
    through their services; only into a database without parties. Returns the count per kind."""
    from server.employees import RESOURCE as EMPLOYEES
    from server.parties.models import Party
    from server.parties.service import PartyService
    from server.partners import RESOURCE as PARTNERS
    from server.suppliers import RESOURCE as SUPPLIERS

    with ctx.db.session(write=False) as session:
        if session.scalar(sa.select(sa.func.count()).select_from(Party)):
            raise RuntimeError(
                "the database already has suppliers, partners or employees; "
                "demo ones go only into an empty one"
            )
    resources: dict[str, Resource[Any]] = {
        "supplier": SUPPLIERS,
        "partner": PARTNERS,
        "employee": EMPLOYEES,
    }
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    with ctx.unit_of_work() as session:
        for kind, count in PARTIES.items():
            service = cast(PartyService[Party], resources[kind].service)
            for n, name in enumerate(_party_names(rng, kind, count)):
                data = demo_party(rng, kind, name)
                party = service.create(session=session, actor=None, data=data)
                if n in INACTIVE.get(kind, ()):
                    service.deactivate(session=session, actor=None, id=party.id, args=NoArgs())
                if n in BLACKLISTED.get(kind, ()):
                    service.blacklist(session=session, actor=None, id=party.id, args=NoArgs())
    return dict(PARTIES)
