"""Regressions from the security review: each once let a bad input through or leaked something."""

import pytest

from audit.models import AuditEvent
from partners.models import Partner, PartnerKey

pytestmark = pytest.mark.django_db

DEEP = "[" * 20000 + "]" * 20000


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "deep-1"}])
def test_json_nested_too_deep_is_a_400_not_a_500(master, headers):
    response = master.post("/cp/admin/partner-keys", DEEP, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert AuditEvent.objects.filter(status_code=400).count() == 1


def test_a_key_pasted_into_a_url_never_reaches_the_audit_trail(master, make_key):
    _, token = make_key()
    response = master.get(f"/cp/admin/partner-keys/{token}", headers={"User-Agent": token})
    assert response.status_code == 404
    event = AuditEvent.objects.get(status_code=404)
    assert token not in event.path and token not in event.user_agent
    assert "[redacted]" in event.path


@pytest.mark.parametrize("rate", ["1/0s", "0/m", "5/0m", "1234567890/s"])
def test_rates_that_mean_nothing_are_refused(master, rate):
    body = {"name": "x", "scopes": [], "org_id": None, "rate_limit": rate}
    response = master.post("/cp/admin/partner-keys", body)
    assert response.status_code == 400
    assert "rate_limit" in response.json()["error"]["fields"]
    assert not PartnerKey.objects.exists()


@pytest.mark.parametrize("slug", ["prt_01abc", "Acme", "-acme", "acme-", "a"])
def test_partner_slugs_are_lower_case_words_that_cannot_pose_as_ids(master, slug):
    response = master.post("/cp/admin/partners", {"name": "X", "slug": slug})
    assert response.status_code == 400
    assert "slug" in response.json()["error"]["fields"]
    assert not Partner.objects.exists()


def test_a_key_is_rotated_once_then_its_successor_is(make_key, as_key):
    key, token = make_key()
    first = as_key(token).post(f"/cp/admin/partner-keys/{key.id}/rotate", {})
    assert first.status_code == 201 and first.json()["expires_at"] is None
    again = as_key(token).post(f"/cp/admin/partner-keys/{key.id}/rotate", {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "key_already_rotated"
    assert PartnerKey.objects.count() == 2


def test_options_is_not_a_way_around_the_scope_check(make_key, as_key):
    _, token = make_key(scopes=[])
    response = as_key(token).call("options", "/cp/orgs")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_bearer_scheme_is_case_insensitive(make_key, anon):
    key, token = make_key()
    response = anon.get("/cp/admin/partner-keys", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200
    assert response.json()["data"][0]["id"] == key.id


def test_a_bad_cursor_is_400(master):
    response = master.get("/cp/admin/partner-keys?cursor=zzz")
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


def test_an_org_bound_key_sees_only_itself_and_its_own_calls(partner, make_key, as_key, master):
    from orgs.models import Org

    org = Org.objects.create(name="One", slug="one", plan="standard", partner=partner)
    Org.objects.create(name="Secret", slug="another-secret", plan="standard", partner=partner)
    sibling, sibling_token = make_key(partner=partner)
    bound, bound_token = make_key(partner=partner, org_id=org.id)
    as_key(sibling_token).get("/cp/orgs")
    client = as_key(bound_token)
    keys_seen = client.get("/cp/admin/partner-keys").json()["data"]
    assert [k["id"] for k in keys_seen] == [bound.id]
    assert client.get(f"/cp/admin/partner-keys/{sibling.id}").status_code == 404
    events = client.get("/cp/admin/audit-events").json()["data"]
    assert events and {e["actor"]["key_id"] for e in events} == {bound.id}
    assert "another-secret" not in str(events)


def test_a_partner_sees_that_staff_acted_but_not_who_or_from_where(
    partner, make_key, as_key, master
):
    _, token = make_key(partner=partner)
    master.patch(
        f"/cp/admin/partners/{partner.slug}",
        {"name": "Acme Inc"},
        headers={"User-Agent": "Internal-Ops/1.0"},
    )
    events = as_key(token).get("/cp/admin/audit-events?action=partner.update").json()["data"]
    (event,) = events
    assert event["actor"]["type"] == "master_key"
    assert (event["ip"], event["user_agent"], event["actor"]["admin_user"]) == (None, None, None)
    full = master.get("/cp/admin/audit-events?action=partner.update").json()["data"][0]
    assert full["user_agent"] == "Internal-Ops/1.0"


@pytest.mark.parametrize(
    "path", ["/cp/orgs/org_%00x", "/cp/admin/partner-keys?partner=%00", "/cp/orgs?status=%00"]
)
def test_a_nul_byte_in_the_url_is_a_clean_4xx_and_audited(master, path):
    response = master.get(path)
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["request_id"] == response["X-Request-Id"]
    assert AuditEvent.objects.filter(request_id=response["X-Request-Id"]).count() == 1
