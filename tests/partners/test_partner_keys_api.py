"""/cp/admin/partner-keys: issue, list, read, revoke, rotate, and who may do each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import tokens as keys
from partners.models import PartnerKey
from tests.conftest import plain_sql

pytestmark = pytest.mark.django_db

SEED = {"name": "acme-ci-pipeline", "scopes": ["orgs:create", "orgs:list"], "org_id": None}


def every_stored_value(key: PartnerKey) -> str:
    return " ".join(str(getattr(key, f.attname)) for f in PartnerKey._meta.concrete_fields)


def test_the_seed_body_issues_a_key_whose_plaintext_is_shown_exactly_once(master):
    response = master.post("/cp/admin/partner-keys", SEED)
    assert response.status_code == 201
    body = response.json()
    token = body["key"]
    assert keys.is_well_formed(token)
    assert body["id"].startswith("pak_")
    assert body["hint"] == keys.hint(token)
    assert body["scopes"] == ["orgs:create", "orgs:list"]
    assert body["partner"] is None and body["org_id"] is None and body["status"] == "active"

    stored = PartnerKey.objects.get(pk=body["id"])
    assert stored.key_hash == keys.hash_token(token)
    assert token not in every_stored_value(stored)
    for path in ("/cp/admin/partner-keys", f"/cp/admin/partner-keys/{body['id']}"):
        page = master.get(path)
        assert page.status_code == 200
        assert token not in page.content.decode()
        assert stored.key_hash not in page.content.decode()
        assert b'"key"' not in page.content


def test_a_key_is_issued_for_a_partner_by_slug_with_expiry_and_rate(master, partner):
    expires = (timezone.now() + timedelta(days=30)).isoformat()
    response = master.post(
        "/cp/admin/partner-keys",
        {**SEED, "partner": "acme", "expires_at": expires, "rate_limit": "120/m"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["partner"], body["partner_id"], body["rate_limit"]) == (
        "acme",
        partner.id,
        "120/m",
    )
    assert body["expires_at"] is not None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"scopes": ["orgs:create", "orgs:destroy"]}, "scopes"),
        ({"partner": "no-such-partner"}, "partner"),
        ({"org_id": "org_nope"}, "org_id"),
        ({"rate_limit": "lots"}, "rate_limit"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"name": 42}, "name"),
        ({"scopes": "orgs:create"}, "scopes"),
        ({"unexpected": True}, "unexpected"),
    ],
)
def test_bad_key_requests_are_400_validation_error_naming_the_field(master, change, field):
    response = master.post("/cp/admin/partner-keys", {**SEED, **change})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert error["request_id"] == response["X-Request-Id"]
    assert PartnerKey.objects.count() == 0


def test_only_the_master_key_issues_keys(partner, make_key, as_key):
    _, token = make_key(partner=partner)
    response = as_key(token).post("/cp/admin/partner-keys", SEED)
    assert response.status_code == 403
    assert PartnerKey.objects.count() == 1


def test_a_partner_key_lists_its_partners_keys_only(partner, other_partner, make_key, as_key):
    mine, token = make_key(partner=partner, name="mine")
    sibling, _ = make_key(partner=partner, name="sibling")
    make_key(partner=other_partner, name="theirs")
    make_key(name="partner-less")
    listing = as_key(token).get("/cp/admin/partner-keys").json()
    assert sorted(k["id"] for k in listing["data"]) == sorted([mine.id, sibling.id])
    assert as_key(token).get(f"/cp/admin/partner-keys/{sibling.id}").status_code == 200


def test_a_partner_less_key_sees_only_itself(partner, make_key, as_key):
    loner, token = make_key()
    other_loner, _ = make_key()
    make_key(partner=partner)
    listing = as_key(token).get("/cp/admin/partner-keys").json()
    assert [k["id"] for k in listing["data"]] == [loner.id]
    assert as_key(token).get(f"/cp/admin/partner-keys/{other_loner.id}").status_code == 404


def test_another_partners_key_is_404_for_read_revoke_and_rotate(
    partner, other_partner, make_key, as_key
):
    _, token = make_key(partner=partner)
    theirs, their_token = make_key(partner=other_partner)
    client = as_key(token)
    for response in (
        client.get(f"/cp/admin/partner-keys/{theirs.id}"),
        client.delete(f"/cp/admin/partner-keys/{theirs.id}"),
        client.post(f"/cp/admin/partner-keys/{theirs.id}/rotate", {}),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert as_key(their_token).get("/cp/admin/partner-keys").status_code == 200


def test_the_master_key_filters_keys_by_partner(master, partner, other_partner, make_key):
    mine, _ = make_key(partner=partner)
    make_key(partner=other_partner)
    for ref in (partner.slug, partner.id):
        listing = master.get(f"/cp/admin/partner-keys?partner={ref}").json()
        assert [k["id"] for k in listing["data"]] == [mine.id]


def test_keys_are_cursor_paginated_newest_first(master, make_key):
    made = [make_key(name=f"k{i}")[0].id for i in range(5)]
    first = master.get("/cp/admin/partner-keys?limit=2").json()
    assert [k["id"] for k in first["data"]] == made[::-1][:2]
    assert first["has_more"] is True
    second = master.get(f"/cp/admin/partner-keys?limit=2&cursor={first['next_cursor']}").json()
    assert [k["id"] for k in second["data"]] == made[::-1][2:4]


def test_a_key_revokes_itself_and_is_refused_on_the_next_request(partner, make_key, as_key):
    key, token = make_key(partner=partner)
    client = as_key(token)
    response = client.delete(f"/cp/admin/partner-keys/{key.id}")
    assert response.status_code == 204
    refused = client.get("/cp/admin/partner-keys")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="cp"'
    assert refused.json()["error"]["code"] == "unauthenticated"
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == key.id


def test_revoking_is_idempotent_and_keeps_the_key_for_audit(master, make_key):
    key, _ = make_key()
    assert master.delete(f"/cp/admin/partner-keys/{key.id}").status_code == 204
    first = PartnerKey.objects.get(pk=key.pk).revoked_at
    assert master.delete(f"/cp/admin/partner-keys/{key.id}").status_code == 204
    assert PartnerKey.objects.get(pk=key.pk).revoked_at == first
    assert master.get(f"/cp/admin/partner-keys/{key.id}").json()["status"] == "revoked"


def test_a_sibling_key_may_read_but_not_revoke_or_rotate_another_key(partner, make_key, as_key):
    sibling, sibling_token = make_key(partner=partner)
    _, token = make_key(partner=partner)
    for response in (
        as_key(token).delete(f"/cp/admin/partner-keys/{sibling.id}"),
        as_key(token).post(f"/cp/admin/partner-keys/{sibling.id}/rotate", {}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert as_key(sibling_token).get("/cp/admin/partner-keys").status_code == 200
    assert PartnerKey.objects.count() == 2


def test_rotation_with_no_grace_refuses_the_old_key_at_once(partner, make_key, as_key):
    old, old_token = make_key(partner=partner, scopes=["orgs:list"], rate_limit="60/m")
    response = as_key(old_token).post(
        f"/cp/admin/partner-keys/{old.id}/rotate", {"grace_seconds": 0}
    )
    assert response.status_code == 201
    new = response.json()
    assert new["key"] != old_token and keys.is_well_formed(new["key"])
    assert (new["scopes"], new["partner_id"], new["rate_limit"], new["rotated_from"]) == (
        ["orgs:list"],
        partner.id,
        "60/m",
        old.id,
    )
    assert as_key(old_token).get("/cp/admin/partner-keys").status_code == 401
    assert as_key(new["key"]).get("/cp/admin/partner-keys").status_code == 200


def test_rotation_with_the_default_grace_keeps_both_keys_working(master, make_key, as_key):
    old, old_token = make_key()
    response = master.post(f"/cp/admin/partner-keys/{old.id}/rotate")
    assert response.status_code == 201
    new_token = response.json()["key"]
    assert as_key(old_token).get("/cp/admin/partner-keys").status_code == 200
    assert as_key(new_token).get("/cp/admin/partner-keys").status_code == 200
    old.refresh_from_db()
    grace = old.expires_at - timezone.now()
    assert timedelta(hours=23, minutes=59) < grace <= timedelta(hours=24)


def test_a_revoked_key_cannot_be_rotated(master, make_key):
    key, _ = make_key()
    master.delete(f"/cp/admin/partner-keys/{key.id}")
    response = master.post(f"/cp/admin/partner-keys/{key.id}/rotate", {})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "key_revoked"
    assert PartnerKey.objects.count() == 1


def test_an_expired_key_cannot_be_rotated_into_a_dead_successor(master, make_key):
    key, _ = make_key()
    PartnerKey.objects.filter(pk=key.pk).update(expires_at=timezone.now())

    response = master.post(f"/cp/admin/partner-keys/{key.id}/rotate", {})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "key_expired"
    assert PartnerKey.objects.count() == 1


@pytest.mark.parametrize("grace", [-1, "10", 1.5, None])
def test_a_bad_grace_is_400(master, make_key, grace):
    key, _ = make_key()
    response = master.post(f"/cp/admin/partner-keys/{key.id}/rotate", {"grace_seconds": grace})
    assert response.status_code == 400
    assert "grace_seconds" in response.json()["error"]["fields"]
    assert PartnerKey.objects.count() == 1


def test_an_expired_key_is_refused(make_key, as_key):
    key, token = make_key()
    PartnerKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = as_key(token).get("/cp/admin/partner-keys")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The API key has expired."


def statements(captured) -> list[str]:
    """The SQL a request ran, less the savepoints of its transaction (free in production)."""
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()]


def test_a_key_with_a_bad_checksum_is_refused_without_reading_any_key(
    make_key, as_key, django_assert_max_num_queries
):
    _, token = make_key()
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    with django_assert_max_num_queries(10) as captured:
        response = as_key(forged).get("/cp/admin/partner-keys")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("The API key is malformed")
    # The only statement is the audit event of the refused call.
    (only,) = statements(captured)
    assert plain_sql(only).startswith('INSERT INTO "audit_auditevent"')


def test_an_unknown_well_formed_key_is_refused(as_key):
    response = as_key(keys.generate()).get("/cp/admin/partner-keys")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The API key is not recognised."


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-the-master-key", "bearer x"],
)
def test_missing_or_foreign_credentials_are_401_with_the_bearer_challenge(anon, header, db):
    headers = {"Authorization": header} if header else {}
    response = anon.get("/cp/admin/partner-keys", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="cp"'
    assert response.json()["error"]["code"] == "unauthenticated"


def test_master_key_access_is_off_when_it_is_not_configured(settings, anon):
    configured = settings.CP_ADMIN_MASTER_KEY
    settings.CP_ADMIN_MASTER_KEY = ""
    assert anon.get("/cp/admin/partners", token=configured).status_code == 401
    assert anon.get("/cp/admin/partners", token="").status_code == 401


def test_an_authenticated_read_runs_three_statements(
    make_key, as_key, django_assert_max_num_queries
):
    key, token = make_key()
    client = as_key(token)
    client.get("/cp/admin/partner-keys")  # the first use writes last_used_at
    with django_assert_max_num_queries(10) as captured:
        assert client.get(f"/cp/admin/partner-keys/{key.id}").status_code == 200
    lookup, read, audit = statements(captured)
    assert 'FROM "partners_partnerkey"' in lookup and "key_hash" in lookup
    assert 'FROM "partners_partnerkey"' in read
    assert plain_sql(audit).startswith('INSERT INTO "audit_auditevent"')
