"""GET /cp/admin/audit-events: filters, scoping to a partner, cursor pages newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent

URL = "/cp/admin/audit-events"


def _event(**fields: object) -> AuditEvent:
    defaults = {"request_id": "req_x", "actor_type": "partner_key", "action": "org.create"}
    return AuditEvent.objects.create(**{**defaults, **fields})


@pytest.fixture
def trail(partner, other_partner):
    old = timezone.now() - timedelta(days=10)
    return {
        "acme_old": _event(partner_id=partner.id, key_id="pak_a", occurred_at=old),
        "acme": _event(partner_id=partner.id, key_id="pak_a", action="org.delete"),
        "globex": _event(partner_id=other_partner.id, key_id="pak_g"),
        "loner": _event(key_id="pak_loner"),
    }


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["data"] if row["action"] != "audit_event.list"]


@pytest.mark.django_db
def test_the_master_key_sees_every_event_newest_first_in_the_public_shape(master, trail):
    response = master.get(URL)

    rows = [r for r in response.json()["data"] if r["action"] != "audit_event.list"]
    assert [r["id"] for r in rows] == sorted((e.id for e in trail.values()), reverse=True)
    assert rows[0] == {
        "id": trail["loner"].id,
        "occurred_at": trail["loner"].occurred_at.isoformat().replace("+00:00", "Z"),
        "request_id": "req_x",
        "partner_id": None,
        "actor": {
            "type": "partner_key",
            "key_id": "pak_loner",
            "key_hint": None,
            "partner_id": None,
            "admin_user": None,
        },
        "action": "org.create",
        "target": None,
        "method": None,
        "path": None,
        "status": None,
        "ip": None,
        "user_agent": None,
        "details": {},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("partner=acme", ["acme", "acme_old"]),
        ("key=pak_g", ["globex"]),
        ("action=org.delete", ["acme"]),
        ("until={recent}", ["acme_old"]),
        ("since={recent}&partner=acme", ["acme"]),
    ],
)
def test_the_master_key_filters_by_partner_key_action_and_time(master, trail, query, expected):
    recent = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = master.get(f"{URL}?{query.format(recent=recent)}")

    assert _ids(response) == [trail[name].id for name in expected]


@pytest.mark.django_db
def test_partner_filter_takes_the_partner_id_too(master, trail, partner):
    assert _ids(master.get(f"{URL}?partner={partner.id}")) == [
        trail["acme"].id,
        trail["acme_old"].id,
    ]


@pytest.mark.django_db
def test_a_partner_key_sees_only_its_partners_events(as_key, make_key, partner, trail):
    _key, token = make_key(partner=partner)
    client = as_key(token)

    assert _ids(client.get(URL)) == [trail["acme"].id, trail["acme_old"].id]
    assert _ids(client.get(f"{URL}?key=pak_g")) == []
    refused = client.get(f"{URL}?partner=globex")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"partner": ["Unknown partner."]}


@pytest.mark.django_db
def test_a_partner_less_key_sees_only_its_own_events(as_key, make_key, trail):
    key, token = make_key()
    _event(key_id=key.id)

    response = as_key(token).get(URL)

    assert {row["actor"]["key_id"] for row in response.json()["data"]} == {key.id}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=yesterday", "since"),
        ("until=2025-13-01T00:00:00Z", "until"),
        ("since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z", "until"),
        ("key=not-a-key", "key"),
        ("action=DROP%20TABLE", "action"),
        ("partner=nobody", "partner"),
    ],
)
def test_a_bad_filter_is_a_400_validation_error_naming_it(master, trail, query, field):
    response = master.get(f"{URL}?{query}")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]


@pytest.mark.django_db
def test_pages_follow_the_cursor_without_gaps_or_repeats(master, partner):
    made = [_event(partner_id=partner.id).id for _ in range(7)]

    seen, url = [], f"{URL}?partner=acme&limit=3"
    while url:
        body = master.get(url).json()
        seen += [row["id"] for row in body["data"]]
        url = body["next"]

    assert seen == sorted(made, reverse=True)


@pytest.mark.django_db
def test_the_trail_cannot_be_written_through_the_api(master, trail):
    for response in (
        master.post(URL, {"action": "x"}),
        master.delete(f"{URL}/{trail['acme'].id}"),
        master.patch(URL, {}),
    ):
        assert response.status_code in (404, 405)
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in trail.values()]).count() == 4


@pytest.mark.django_db
def test_no_key_no_events(anon, trail):
    response = anon.get(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="cp"'
