"""What schemathesis found (tests/live/test_schemathesis.py), each pinned by a plain test: the API
and its schema now agree on these requests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.pagination import CURSOR_PATTERN
from core.uris import HTTPS_URL_PATTERN
from tests.conftest import ALL_SCOPES, CPClient

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


@pytest.fixture
def hooks(partner, make_key) -> CPClient:
    return CPClient(make_key(partner=partner, scopes=[*ALL_SCOPES, "webhooks:manage"])[1])


def component(name: str) -> dict:
    return SCHEMA["components"]["schemas"][name]


@pytest.mark.parametrize("path", ["/cp/webhook-endpoints", "/cp/events"])
@pytest.mark.parametrize("query", ["limit=null&limit=null", "bogus=1", "limit=0"])
def test_the_webhook_lists_refuse_a_query_they_do_not_know(hooks, path, query):
    """They ignored their query string (and `limit=null` twice answered 200)."""
    response = hooks.get(f"{path}?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"


def test_the_event_list_still_filters_by_type_and_since(hooks):
    assert hooks.get("/cp/events?type=org.ready&since=2026-01-01T00:00:00Z").status_code == 200


def test_a_page_larger_than_200_is_refused_as_the_schema_says(master):
    """`limit` above 200 was silently 200 rows; the schema's maximum is now the API's."""
    error = master.get("/cp/orgs?limit=201").json()["error"]
    assert error["code"] == "validation_error" and "limit" in error["fields"]
    assert master.get("/cp/orgs?limit=200").status_code == 200


def test_any_cursor_of_the_documented_shape_is_a_page(master, make_key):
    """A cursor the schema allows was a 400 (only DRF's base64 cursors decoded)."""
    make_key(), make_key()
    assert CURSOR_PATTERN.match("a0.pak_zzzz")
    response = master.get("/cp/admin/partner-keys?cursor=a0.pak_zzzz")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 2
    first = master.get("/cp/admin/partner-keys?limit=1").json()
    assert CURSOR_PATTERN.match(first["next_cursor"])


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://hooks.example.com/molecule?x=1", True),
        ("https://hooks.example.com/%7Euser", True),
        ("https://hooks.example.com/%r", False),  # was stored, and answered as a non-URI
        ("https://hooks.example.com/<script>", False),
        ("https://hooks.example.com/a#frag", False),
    ],
)
def test_a_webhook_url_must_be_a_uri(hooks, url, accepted):
    response = hooks.post("/cp/webhook-endpoints", {"url": url, "events": ["*"]})
    assert response.status_code == (201 if accepted else 400), response.content
    if accepted:
        assert response.json()["url"] == url
        assert re.match(HTTPS_URL_PATTERN, url)
    else:
        assert "url" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("logo", "accepted"),
    [
        ("https://cdn.example.com/logo.png", True),
        ("https://" + "a" * 63 + ".example.com/", True),
        ("https://" + ".".join(["a" * 63] * 5) + ".com/", False),  # a host past 253 characters
        ("https://0.a/logo.png", False),
        ("http://cdn.example.com/logo.png", False),
    ],
)
def test_a_logo_url_is_accepted_exactly_when_the_schema_pattern_matches(master, logo, accepted):
    """The schema said `format: uri` only, and the API refused long host names."""
    org = {"name": "Acme", "slug": "acme-corp", "plan": "standard", "branding": {"logo_url": logo}}
    response = master.post("/cp/orgs", org)
    assert response.status_code == (201 if accepted else 400), response.content
    assert bool(re.match(HTTPS_URL_PATTERN, logo)) is accepted


def test_a_whole_number_written_as_a_float_is_an_integer(master):
    """JSON Schema counts 886.0 as an integer; the API answered 400."""
    org = {"name": "Acme", "slug": "acme-corp", "plan": "standard", "seats": 886.0}
    response = master.post("/cp/orgs", org)
    assert response.status_code == 201, response.content
    assert response.json()["seats"] == 886
    assert master.post("/cp/orgs", {**org, "slug": "acme-2", "seats": 2.5}).status_code == 400


@pytest.mark.parametrize(
    ("status", "accepted"),
    [("ready", True), ("ready, failed", True), ("", True), ("0", False), ("readyfailed", False)],
)
def test_the_status_filter_is_accepted_exactly_when_the_schema_pattern_matches(
    master, status, accepted
):
    """`?status=` was a free string in the schema."""
    parameter = next(
        p for p in SCHEMA["paths"]["/cp/orgs"]["get"]["parameters"] if p["name"] == "status"
    )
    assert bool(re.match(parameter["schema"]["pattern"], status)) is accepted
    assert master.get(f"/cp/orgs?status={status}").status_code == (200 if accepted else 400)


def test_the_schema_says_a_sandbox_org_needs_a_short_ttl():
    """A cross-field rule the schema did not state: sandbox without ttl_seconds was 'valid'."""
    rules = component("OrgCreateRequest")
    assert rules["if"] == {"required": ["sandbox"], "properties": {"sandbox": {"const": True}}}
    assert rules["then"]["required"] == ["ttl_seconds"]
    assert rules["then"]["properties"]["ttl_seconds"]["maximum"] == 7 * 86400
    assert component("OrgCreateRequest")["properties"]["ttl_seconds"]["maximum"] == 30 * 86400


def test_an_unsafe_method_on_the_health_check_is_405_not_a_csrf_page(anon):
    response = anon.client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_every_201_names_what_it_created_in_location(master):
    partner = master.post("/cp/admin/partners", {"name": "Acme", "slug": "acme"})
    assert partner["Location"] == f"/cp/admin/partners/{partner.json()['id']}"
    key = master.post("/cp/admin/partner-keys", {"name": "ci", "scopes": [], "partner": "acme"})
    assert key["Location"] == f"/cp/admin/partner-keys/{key.json()['id']}"
    rotated = master.post(f"/cp/admin/partner-keys/{key.json()['id']}/rotate", {})
    assert rotated["Location"] == f"/cp/admin/partner-keys/{rotated.json()['id']}"


def test_a_text_field_refuses_what_its_schema_pattern_refuses(master):
    """Names with control or bidi characters were 'valid' in the schema and refused by the API."""
    pattern = component("PartnerCreateRequest")["properties"]["name"]["pattern"]
    for name, accepted in [("Acme", True), (" Acme ", True), ("  ", False), ("Ac\u202eme", False)]:
        assert bool(re.match(pattern, name)) is accepted, repr(name)
        response = master.post("/cp/admin/partners", {"name": name, "slug": f"p-{len(name)}x"})
        assert (response.status_code == 201) is accepted, (repr(name), response.content)
