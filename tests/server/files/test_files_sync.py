"""Files' metadata reaches the replicas of those who may read them, and their deletes too."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import create_customer
from tests.micro_factories import key_client, make_key
from tests.server.files.test_files_api import PDF, upload
from tests.server.sync.test_pull import pull_all


def test_file_metadata_is_pulled_by_those_who_may_read_it(admin: Api) -> None:
    customer = create_customer(admin)
    attached = upload(admin, "offer.pdf", PDF, entity="customer", entity_id=customer["id"]).json()
    loose = upload(admin, "mine.txt", b"only mine\n").json()

    changes, cursor, _ = pull_all(admin)
    files = {c["id"]: c["data"] for c in changes if c["entity"] == "file"}
    assert set(files) == {attached["id"], loose["id"]}
    assert {k: v for k, v in files[attached["id"]].items() if k != "version"} == attached

    # A key without customers:read: only the owner's loose file.
    key = key_client(admin, make_key(admin, ["files:read"])["key"])
    seen, _, _ = pull_all(key)
    assert [c["id"] for c in seen if c["entity"] == "file"] == [loose["id"]]

    assert admin.delete(f"/api/v1/files/{attached['id']}").status_code == 200
    later, _, _ = pull_all(admin, cursor)
    assert [(c["entity"], c["id"], c["op"]) for c in later] == [("file", attached["id"], "delete")]
