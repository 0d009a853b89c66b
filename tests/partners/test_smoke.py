def test_the_seed_body_creates_a_key_shown_once(master, db):
    response = master.post(
        "/cp/admin/partner-keys",
        {"name": "acme-ci-pipeline", "scopes": ["orgs:create", "orgs:list"], "org_id": None},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"].startswith("mol_pk_")
    assert body["scopes"] == ["orgs:create", "orgs:list"]
    assert response["X-Request-Id"].startswith("req_")
    listing = master.get("/cp/admin/partner-keys").json()
    assert body["key"] not in str(listing)
    assert listing["data"][0]["id"] == body["id"]
