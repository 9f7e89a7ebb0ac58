"""Countries over HTTP: the seeded list, create, the countries' own update rule, activation."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.factories import country, expect_error, user_with_role

POLAND = {
    "code": "pl",
    "name": {"en": "Poland", "uk": "Польща", "de": "Polen"},
    "alpha3": "POL",
    "numeric_code": "616",
    "phone_code": "+48",
    "currency_code": "PLN",
    "region": "Europe",
    "flag_emoji": "🇵🇱",
}


def test_seeded_list_is_flat_and_complete(admin: Api) -> None:
    r = admin.get("/api/v1/countries")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert len(data) == 249
    ua = next(c for c in data if c["code"] == "UA")
    assert ua["alpha3"] == "UKR"
    assert ua["numeric_code"] == "804"
    assert ua["name"] == {"en": "Ukraine", "uk": "Україна", "de": "Ukraine"}
    assert ua["phone_code"] == "+380"
    assert ua["currency_code"] == "UAH"
    assert ua["region"] == "Europe"
    assert ua["flag_emoji"] == "🇺🇦"
    assert ua["is_active"] is True
    de = next(c for c in data if c["code"] == "DE")
    assert de["name"]["de"] == "Deutschland" and de["currency_code"] == "EUR"
    assert admin.get(f"/api/v1/countries/{ua['id']}").json() == ua


def test_search_matches_code_and_names_in_any_language(admin: Api) -> None:
    codes = {c["code"] for c in admin.get("/api/v1/countries?search=Німеч").json()["data"]}
    assert codes == {"DE"}
    codes = {c["code"] for c in admin.get("/api/v1/countries?search=ukr").json()["data"]}
    assert "UA" in codes


def test_create_update_and_activation(admin: Api) -> None:
    # Poland is seeded; change the code so the create is new.
    r = admin.post("/api/v1/countries", json={**POLAND, "code": "xq"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["code"] == "XQ" and created["name"]["uk"] == "Польща"
    cid = created["id"]

    # null = unchanged, "" = clear, name merged per language.
    r = admin.put(
        f"/api/v1/countries/{cid}",
        json={"alpha3": None, "phone_code": "", "name": {"de": "Polen (neu)", "uk": ""}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["alpha3"] == "POL"
    assert body["phone_code"] is None
    assert body["name"] == {"en": "Poland", "de": "Polen (neu)"}
    assert body["currency_code"] == "PLN"

    r = admin.patch(f"/api/v1/countries/{cid}/deactivate")
    assert r.status_code == 200 and r.json()["is_active"] is False
    expect_error(admin.patch(f"/api/v1/countries/{cid}/deactivate"), 409, "conflict")
    active = {c["code"] for c in admin.get("/api/v1/countries?active=false").json()["data"]}
    assert active == {"XQ"}
    assert admin.patch(f"/api/v1/countries/{cid}/activate").json()["is_active"] is True
    expect_error(admin.patch(f"/api/v1/countries/{cid}/activate"), 409, "conflict")

    audit = admin.get(f"/api/v1/audit?entity=country&entity_id={cid}&sort_order=asc").json()
    assert [a["action"] for a in audit["items"]] == ["create", "update", "deactivate", "activate"]
    assert audit["items"][1]["changes"]["phone_code"] == ["+48", None]


def test_duplicate_code_is_409(admin: Api) -> None:
    body = expect_error(admin.post("/api/v1/countries", json=POLAND), 409, "conflict")
    assert "code" in body["details"]
    ua = country(admin, "UA")
    expect_error(admin.put(f"/api/v1/countries/{ua['id']}", json={"code": "PL"}), 409, "conflict")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**POLAND, "code": "POL"}, "code"),
        ({**POLAND, "code": "1x"}, "code"),
        ({**POLAND, "name": {"uk": "Польща"}}, "name"),
        ({**POLAND, "name": {"en": "  "}}, "name"),
        ({"code": "XQ"}, "name"),
        ({**POLAND, "code": "XQ", "currency_code": "ZZZ"}, "currency_code"),
        ({**POLAND, "code": "XQ", "phone_code": "48"}, "phone_code"),
        ({**POLAND, "code": "XQ", "colour": "red"}, "colour"),
    ],
)
def test_bad_create_is_422_naming_the_field(admin: Api, body: dict, field: str) -> None:
    r = admin.post("/api/v1/countries", json=body)
    assert field in expect_error(r, 422, "validation_error")["details"]


def test_bad_update_and_missing_id(admin: Api) -> None:
    ua = country(admin, "UA")
    for body, field in [
        ({"code": ""}, "code"),
        ({"name": {"en": ""}}, "name"),
        ({"numeric_code": "8a4"}, "numeric_code"),
    ]:
        r = admin.put(f"/api/v1/countries/{ua['id']}", json=body)
        assert field in expect_error(r, 422, "validation_error")["details"]
    missing = "01972b15-8000-7000-8000-000000000099"
    expect_error(admin.get(f"/api/v1/countries/{missing}"), 404, "not_found")
    expect_error(admin.put(f"/api/v1/countries/{missing}", json={}), 404, "not_found")
    expect_error(admin.patch(f"/api/v1/countries/{missing}/activate"), 404, "not_found")


def test_permissions(admin: Api) -> None:
    viewer, _ = user_with_role(admin, "viewer")
    assert viewer.get("/api/v1/countries").status_code == 200
    expect_error(viewer.post("/api/v1/countries", json=POLAND), 403, "forbidden")
    ua = country(admin, "UA")
    expect_error(viewer.patch(f"/api/v1/countries/{ua['id']}/deactivate"), 403, "forbidden")
    nobody, _ = user_with_role(admin, None)
    expect_error(nobody.get("/api/v1/countries"), 403, "forbidden")
