"""/cp/admin/partners: master key only; create, list, detail by id or slug, deactivate."""

import pytest

from partners.models import Partner

pytestmark = pytest.mark.django_db


def test_the_master_key_creates_a_partner(master):
    response = master.post(
        "/cp/admin/partners", {"name": "Acme", "slug": "acme", "plan": "enterprise"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("prt_")
    assert {k: body[k] for k in ("name", "slug", "plan", "active")} == {
        "name": "Acme",
        "slug": "acme",
        "plan": "enterprise",
        "active": True,
    }
    assert Partner.objects.get(pk=body["id"]).slug == "acme"


def test_a_duplicate_partner_slug_is_409_slug_taken(master, partner):
    response = master.post("/cp/admin/partners", {"name": "Other", "slug": partner.slug})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slug_taken"
    assert Partner.objects.count() == 1


def test_partners_are_listed_and_read_by_id_or_slug(master, partner, other_partner):
    listing = master.get("/cp/admin/partners").json()
    assert [p["slug"] for p in listing["data"]] == ["globex", "acme"]
    assert master.get(f"/cp/admin/partners/{partner.id}").json()["slug"] == "acme"
    assert master.get("/cp/admin/partners/acme").json()["id"] == partner.id
    missing = master.get("/cp/admin/partners/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_deactivating_a_partner_refuses_all_its_keys_at_once(master, partner, make_key, as_key):
    _, token = make_key(partner=partner)
    assert as_key(token).get("/cp/admin/partner-keys").status_code == 200
    response = master.patch(f"/cp/admin/partners/{partner.slug}", {"active": False})
    assert response.status_code == 200
    assert response.json()["active"] is False
    refused = as_key(token).get("/cp/admin/partner-keys")
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "The API key's partner has been deactivated."


@pytest.mark.parametrize(
    "body, field",
    [
        ({"active": "false"}, "active"),
        ({"active": 0}, "active"),
        ({"plan": "gold"}, "plan"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_partner_updates_are_400_with_fields(master, partner, body, field):
    response = master.patch(f"/cp/admin/partners/{partner.id}", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    partner.refresh_from_db()
    assert partner.active is True and partner.plan == "partner"


def test_a_partner_key_cannot_manage_partners(partner, make_key, as_key):
    _, token = make_key(partner=partner)
    client = as_key(token)
    assert client.get("/cp/admin/partners").status_code == 403
    created = client.post("/cp/admin/partners", {"name": "Evil", "slug": "evil"})
    assert created.status_code == 403
    assert created.json()["error"]["code"] == "forbidden"
    assert not Partner.objects.filter(slug="evil").exists()
