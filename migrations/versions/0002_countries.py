"""countries, seeded from ISO 3166 (pycountry) with en/uk/de names

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from datetime import UTC, datetime

import phonenumbers
import pycountry
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from common.ids import new_id

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# pycountry has no country -> currency mapping; this is the official currency of
# each territory (territories using another country's money name that money).
_CURRENCIES = {
    "EUR": "AD AT AX BE BG BL CY DE EE ES FI FR GF GP GR HR IE IT LT LU LV MC ME MF MQ MT NL PM PT RE SI SK SM TF VA YT",
    "USD": "AS BQ EC FM GU IO MH MP PR PW SV TC TL UM US VG VI",
    "GBP": "GB GG GS IM JE",
    "XOF": "BF BJ CI GW ML NE SN TG",
    "XAF": "CF CG CM GA GQ TD",
    "XCD": "AG AI DM GD KN LC MS VC",
    "XPF": "NC PF WF",
    "AUD": "AU CC CX HM KI NF NR TV",
    "NZD": "CK NU NZ PN TK",
    "DKK": "DK FO GL",
    "NOK": "BV NO SJ",
    "CHF": "CH LI",
    "XCG": "CW SX",
    "MAD": "EH MA",
    "ILS": "IL PS",
}
_OWN_CURRENCY = (
    "AE:AED AF:AFN AL:ALL AM:AMD AO:AOA AR:ARS AW:AWG AZ:AZN BA:BAM BB:BBD BD:BDT "
    "BH:BHD BI:BIF BM:BMD BN:BND BO:BOB BR:BRL BS:BSD BT:BTN BW:BWP BY:BYN BZ:BZD CA:CAD "
    "CD:CDF CL:CLP CN:CNY CO:COP CR:CRC CU:CUP CV:CVE CZ:CZK DJ:DJF DO:DOP DZ:DZD EG:EGP "
    "ER:ERN ET:ETB FJ:FJD FK:FKP GE:GEL GH:GHS GI:GIP GM:GMD GN:GNF GT:GTQ GY:GYD HK:HKD "
    "HN:HNL HT:HTG HU:HUF ID:IDR IN:INR IQ:IQD IR:IRR IS:ISK JM:JMD JO:JOD JP:JPY KE:KES "
    "KG:KGS KH:KHR KM:KMF KP:KPW KR:KRW KW:KWD KY:KYD KZ:KZT LA:LAK LB:LBP LK:LKR LR:LRD "
    "LS:LSL LY:LYD MD:MDL MG:MGA MK:MKD MM:MMK MN:MNT MO:MOP MR:MRU MU:MUR MV:MVR MW:MWK "
    "MX:MXN MY:MYR MZ:MZN NA:NAD NG:NGN NI:NIO NP:NPR OM:OMR PA:PAB PE:PEN PG:PGK PH:PHP "
    "PK:PKR PL:PLN PY:PYG QA:QAR RO:RON RS:RSD RU:RUB RW:RWF SA:SAR SB:SBD SC:SCR SD:SDG "
    "SE:SEK SG:SGD SH:SHP SL:SLE SO:SOS SR:SRD SS:SSP ST:STN SY:SYP SZ:SZL TH:THB TJ:TJS "
    "TM:TMT TN:TND TO:TOP TR:TRY TT:TTD TW:TWD TZ:TZS UA:UAH UG:UGX UY:UYU UZ:UZS VE:VES "
    "VN:VND VU:VUV WS:WST YE:YER ZA:ZAR ZM:ZMW ZW:ZWG"
)
# Continent of each alpha-2 code (Cyprus, Turkey, Russia and the Caucasus by convention).
_REGIONS = {
    "Europe": "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM "
    "IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA",
    "Asia": "AE AF AM AZ BD BH BN BT CN GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB "
    "LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE",
    "Africa": "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR "
    "LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA "
    "ZM ZW",
    "North America": "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY "
    "LC MF MQ MS MX NI PA PM PR SV SX TC TT UM US VC VG VI",
    "South America": "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
    "Oceania": "AS AU CC CK CX FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV VU WF WS",
    "Antarctica": "AQ BV GS HM TF",
}


def _currency_map() -> dict[str, str]:
    out = {code: cur for cur, codes in _CURRENCIES.items() for code in codes.split()}
    out.update(pair.split(":") for pair in _OWN_CURRENCY.split())  # type: ignore[arg-type]
    # Keep only codes this pycountry release knows, so the API's own validation agrees.
    return {k: v for k, v in out.items() if pycountry.currencies.get(alpha_3=v) is not None}


def _flag(code: str) -> str:
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in code)


def country_rows(now: datetime) -> list[dict[str, object]]:
    """One row per ISO 3166-1 country, names in English, Ukrainian and German."""
    uk = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["uk"])
    de = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])
    currencies = _currency_map()
    regions = {code: r for r, codes in _REGIONS.items() for code in codes.split()}
    rows: list[dict[str, object]] = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        phone = phonenumbers.country_code_for_region(c.alpha_2)
        rows.append(
            {
                "id": new_id(),
                "code": c.alpha_2,
                "alpha3": c.alpha_3,
                "numeric_code": c.numeric,
                "name": {"en": c.name, "uk": uk.gettext(c.name), "de": de.gettext(c.name)},
                "phone_code": f"+{phone}" if phone else None,
                "currency_code": currencies.get(c.alpha_2),
                "region": regions.get(c.alpha_2),
                "flag_emoji": _flag(c.alpha_2),
                "is_active": True,
                "created_at": now,
                "updated_at": now,
                "version": 0,
            }
        )
    return rows


def upgrade() -> None:
    op.create_table('countries',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('alpha3', sa.String(length=3), nullable=True),
    sa.Column('numeric_code', sa.String(length=3), nullable=True),
    sa.Column('name', JSON, nullable=False),
    sa.Column('phone_code', sa.String(length=8), nullable=True),
    sa.Column('currency_code', sa.String(length=3), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('flag_emoji', sa.String(length=16), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_countries')),
    sa.UniqueConstraint('code', name=op.f('uq_countries_code'))
    )
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_countries_version'), ['version'], unique=False)

    countries = sa.table(
        "countries",
        sa.column("id"), sa.column("code"), sa.column("alpha3"), sa.column("numeric_code"),
        sa.column("name", JSON), sa.column("phone_code"), sa.column("currency_code"),
        sa.column("region"), sa.column("flag_emoji"), sa.column("is_active", sa.Boolean()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)), sa.column("version"),
    )
    op.bulk_insert(countries, country_rows(datetime.now(UTC)))


def downgrade() -> None:
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_countries_version'))

    op.drop_table('countries')
