"""``/api/v1/deals``: the Micro CRM shape, money in cents inside, stage rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.context import AppContext
from tests.conftest import Api
from tests.micro_factories import create_client, create_deal, key_client, make_key

PROBABILITY = {
    "LEAD": 10,
    "QUALIFIED": 25,
    "PROPOSAL": 50,
    "NEGOTIATION": 75,
    "WON": 100,
    "LOST": 0,
}


@pytest.fixture
def api(admin: Api) -> Api:
    return key_client(admin, make_key(admin)["key"])


def test_create_deal_as_the_document_shows(api: Api, ctx: AppContext) -> None:
    client = create_client(api)
    r = api.post(
        "/api/v1/deals",
        json={
            "title": "Website Redesign Project",
            "clientId": client["id"],
            "value": 5000.25,
            "stage": "QUALIFIED",
            "notes": "Client wants modern design",
            "expectedClose": "2024-03-15",
        },
    )
    assert r.status_code == 201, r.text
    deal = r.json()["data"]
    assert deal["value"] == 5000.25
    assert deal["stage"] == "QUALIFIED" and deal["probability"] == 25
    assert deal["expectedClose"] == "2024-03-15T00:00:00Z"
    assert deal["closedAt"] is None
    assert deal["client"] == {"id": client["id"], "name": client["name"], "email": client["email"]}
    with ctx.db.engine.connect() as conn:
        cents, currency = conn.execute(
            sa.text("SELECT value, currency FROM deals WHERE id = :id"), {"id": deal["id"]}
        ).one()
    assert (cents, currency) == (500025, "USD")
    assert api.get(f"/api/v1/deals/{deal['id']}").json()["data"] == deal


def test_value_defaults_whole_dollars_and_decimals(api: Api) -> None:
    client = create_client(api)
    assert create_deal(api, client["id"])["value"] == 0
    r = api.post("/api/v1/deals", json={"title": "x", "clientId": client["id"], "value": 5000})
    assert r.text.count('"value":5000,') == 1  # a whole amount reads as 5000, not 5000.0
    assert create_deal(api, client["id"], value=0.1)["value"] == 0.1
    assert create_deal(api, client["id"], value=19.99)["value"] == 19.99
    for value, message in [
        (1.005, "Value must have at most 2 decimal places"),
        (-1, "Value must not be negative"),
        ("100", "Value must be a number"),
        (True, "Value must be a number"),
        (1e16, "Value must be at most"),
    ]:
        r = api.post("/api/v1/deals", json={"title": "x", "clientId": client["id"], "value": value})
        assert r.status_code == 400, (value, r.text)
        assert r.json()["error"].startswith(message), (value, r.json())


@pytest.mark.parametrize("stage", list(PROBABILITY))
def test_probability_defaults_from_the_stage(api: Api, stage: str) -> None:
    client = create_client(api)
    deal = create_deal(api, client["id"], stage=stage)
    assert deal["probability"] == PROBABILITY[stage]
    assert (deal["closedAt"] is not None) == (stage in ("WON", "LOST"))
    explicit = create_deal(api, client["id"], stage=stage, probability=33)
    assert explicit["probability"] == 33


def test_unknown_client_is_404(api: Api) -> None:
    r = api.post("/api/v1/deals", json={"title": "Lost lead", "clientId": "clx1234567890"})
    assert r.status_code == 404
    assert r.json() == {"error": "Client not found"}


def test_bad_input_is_400(api: Api) -> None:
    client = create_client(api)
    for body, message in [
        ({"clientId": client["id"]}, "Title is required"),
        ({"title": "x"}, "Client ID is required"),
        ({"title": "x", "clientId": client["id"], "stage": "DONE"}, "Invalid Stage"),
        ({"title": "x", "clientId": client["id"], "probability": 101}, "Probability must be"),
        ({"title": "x", "clientId": client["id"], "expectedClose": "soon"}, "Invalid Expected"),
    ]:
        r = api.post("/api/v1/deals", json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"].startswith(message), (body, r.json())


def test_list_filters_and_pagination(api: Api) -> None:
    one, two = create_client(api), create_client(api)
    for stage in ("LEAD", "LEAD", "WON"):
        create_deal(api, one["id"], stage=stage)
    create_deal(api, two["id"], stage="LEAD")
    body = api.get("/api/v1/deals", params={"stage": "LEAD"}).json()
    assert body["pagination"] == {"total": 3, "limit": 50, "offset": 0, "hasMore": False}
    body = api.get("/api/v1/deals", params={"clientId": one["id"], "limit": 2}).json()
    assert len(body["data"]) == 2 and body["pagination"]["hasMore"] is True
    assert {d["client"]["id"] for d in body["data"]} == {one["id"]}
    newest_first = [d["createdAt"] for d in api.get("/api/v1/deals").json()["data"]]
    assert newest_first == sorted(newest_first, reverse=True)
    assert api.get("/api/v1/deals", params={"clientId": "nobody"}).json()["data"] == []
    assert api.get("/api/v1/deals", params={"stage": "NOPE"}).status_code == 400


def test_patch_is_partial_and_stage_moves_follow_the_table(api: Api) -> None:
    client = create_client(api)
    deal = create_deal(api, client["id"], value=100, notes="first call")
    url = f"/api/v1/deals/{deal['id']}"

    r = api.patch(url, json={"stage": "PROPOSAL"})
    moved = r.json()["data"]
    assert moved["stage"] == "PROPOSAL" and moved["probability"] == 50
    assert moved["value"] == 100 and moved["notes"] == "first call"  # untouched

    changed = api.patch(url, json={"value": 250.5, "notes": None, "probability": 60}).json()["data"]
    assert (changed["value"], changed["notes"], changed["probability"]) == (250.5, None, 60)

    won = api.patch(url, json={"stage": "WON"}).json()["data"]
    assert won["closedAt"] is not None and won["probability"] == 100
    r = api.patch(url, json={"stage": "LEAD"})
    assert r.status_code == 409
    assert r.json() == {"error": "A deal in stage WON cannot move to LEAD"}
    assert api.patch(url, json={"title": None}).status_code == 400
    assert api.patch("/api/v1/deals/nope", json={"notes": "x"}).status_code == 404

    lost = create_deal(api, client["id"], stage="LOST")
    reopened = api.patch(f"/api/v1/deals/{lost['id']}", json={"stage": "QUALIFIED"}).json()["data"]
    assert reopened["closedAt"] is None and reopened["probability"] == 25


def test_a_key_without_deals_write_is_403(admin: Api) -> None:
    reader = key_client(admin, make_key(admin, ["deals:read", "clients:read"])["key"])
    client = create_client(admin)
    r = reader.post("/api/v1/deals", json={"title": "x", "clientId": client["id"]})
    assert r.status_code == 403
    assert r.json() == {"error": "Missing permission: deals:write"}
    assert reader.get("/api/v1/deals").status_code == 200
