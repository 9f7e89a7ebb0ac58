"""``/api/v1/clients``: the Micro CRM shape over the customers' records."""

from __future__ import annotations

from tests.conftest import Api
from tests.micro_factories import client_payload, create_client, key_client, make_key


def test_create_client_with_an_api_key_is_a_customer(admin: Api) -> None:
    api = key_client(admin, make_key(admin)["key"])
    r = api.post(
        "/api/v1/clients",
        json={
            "name": "Jane Smith",
            "email": "Jane@Example.com",
            "phone": "+1 212 555 0456",
            "company": "Tech Corp",
            "notes": "Interested in premium plan",
            "source": "website",  # unknown fields are ignored, as the original API did
        },
    )
    assert r.status_code == 201, r.text
    client = r.json()["data"]
    assert set(client) == {
        "id",
        "name",
        "email",
        "phone",
        "company",
        "notes",
        "createdAt",
        "updatedAt",
    }
    assert client["email"] == "jane@example.com"
    assert client["phone"] == "+1 212-555-0456"
    assert client["createdAt"].endswith("Z")
    # The desktop's customers list shows the same record.
    customer = admin.get(f"/api/v1/customers/{client['id']}").json()
    assert customer["name"] == "Jane Smith" and customer["company"] == "Tech Corp"
    assert customer["phone"] == "+12125550456"


def test_duplicate_email_is_409_with_existing_id(admin: Api) -> None:
    api = key_client(admin, make_key(admin)["key"])
    first = create_client(api, email="lead@example.com")
    r = api.post("/api/v1/clients", json=client_payload(email="LEAD@example.com"))
    assert r.status_code == 409
    assert r.json() == {
        "error": "A client with this email already exists",
        "existingId": first["id"],
    }


def test_bad_input_is_400_with_the_documents_error_body(admin: Api) -> None:
    api = key_client(admin, make_key(admin)["key"])
    cases = [
        ({"email": "a@example.com"}, "Name is required"),
        ({"name": "   ", "email": "a@example.com"}, "Name is required"),
        ({"name": 42, "email": "a@example.com"}, "Name must be a string"),
        ({"name": "Jane", "email": "not-an-email"}, "Invalid email format"),
    ]
    for body, message in cases:
        r = api.post("/api/v1/clients", json=body)
        assert r.status_code == 400, (body, r.text)
        assert set(r.json()) == {"error"}
        assert r.json()["error"].startswith(message), (body, r.json())
    r = api.post("/api/v1/clients", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json() == {"error": "Request body is not valid JSON"}
    r = api.post("/api/v1/clients", json=["Jane"])
    assert r.status_code == 400 and r.json() == {"error": "Request body must be a JSON object"}
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}):
        r = api.get("/api/v1/clients", params=params)
        assert r.status_code == 400 and set(r.json()) == {"error"}, r.text


def test_only_name_is_required_and_the_documents_phone_is_kept(admin: Api) -> None:
    api = key_client(admin, make_key(admin)["key"])
    r = api.post("/api/v1/clients", json={"name": "Walk-in Lead"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["name"] == "Walk-in Lead" and r.json()["data"].get("email") is None
    # Two leads without email do not collide.
    assert api.post("/api/v1/clients", json={"name": "Second Lead"}).status_code == 201
    # The document's own example phone is accepted.
    r = api.post("/api/v1/clients", json={"name": "Jane Smith", "phone": "+1 555-0456"})
    assert r.status_code == 201 and r.json()["data"]["phone"].startswith("+1 555")
    # A phone that is no number at all is kept as typed rather than losing the lead.
    r = api.post("/api/v1/clients", json={"name": "Jim", "phone": "12"})
    assert r.status_code == 201 and r.json()["data"]["phone"] == "12"
    customer = admin.get(f"/api/v1/customers/{r.json()['data']['id']}").json()
    assert customer["phone"] is None and customer["phone_display"] == "12"


def test_list_limit_offset_search_and_pagination(admin: Api) -> None:
    api = key_client(admin, make_key(admin)["key"])
    for i in range(5):
        create_client(api, name=f"Search Target {i}", company="Globex" if i % 2 else "Initech")
    create_client(api, name="Other", email="zed@globex-mail.com", company=None)
    r = api.get("/api/v1/clients", params={"search": "globex"})
    body = r.json()
    assert r.status_code == 200
    assert body["pagination"] == {"total": 3, "limit": 50, "offset": 0, "hasMore": False}
    assert {c["name"] for c in body["data"]} == {"Search Target 1", "Search Target 3", "Other"}

    page = api.get("/api/v1/clients", params={"search": "target", "limit": 2, "offset": 3}).json()
    assert [c["name"] for c in page["data"]] == ["Search Target 3", "Search Target 4"]
    assert page["pagination"] == {"total": 5, "limit": 2, "offset": 3, "hasMore": False}
    page = api.get("/api/v1/clients", params={"search": "target", "limit": 2, "offset": 1}).json()
    assert page["pagination"]["hasMore"] is True
    far = api.get("/api/v1/clients", params={"offset": 10**12}).json()
    assert far["data"] == [] and far["pagination"]["offset"] == 10**12


def test_permissions(admin: Api) -> None:
    reader = key_client(admin, make_key(admin, ["clients:read"])["key"])
    assert reader.get("/api/v1/clients").status_code == 200
    r = reader.post("/api/v1/clients", json=client_payload())
    assert r.status_code == 403
    assert r.json() == {"error": "Missing permission: clients:write"}
    r = key_client(admin, "mcrm_nope").get("/api/v1/clients")
    assert r.status_code == 401
    assert r.json() == {
        "error": "Invalid or missing API key. Include Authorization: Bearer <api_key>"
    }
    r = Api(base_url=str(admin.base_url)).get("/api/v1/clients")
    assert r.status_code == 401 and set(r.json()) == {"error"}
    # A signed-in user with the permission uses the same endpoints (same RBAC).
    assert admin.get("/api/v1/clients").status_code == 200
