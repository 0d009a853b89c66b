"""Every list endpoint refuses a query parameter it does not know, instead of listing everything."""

from __future__ import annotations

import pytest

from orgs.models import Org

pytestmark = pytest.mark.django_db

# (path, a filter it knows with a valid value)
LISTS = [
    ("/cp/orgs", "status=ready"),
    ("/cp/orgs/{org}/workspaces", None),
    ("/cp/admin/partners", None),
    ("/cp/admin/partner-keys", "partner=acme"),
    ("/cp/admin/audit-events", "action=org.create"),
]


@pytest.fixture
def org(partner) -> Org:
    return Org.objects.create(name="Acme", slug="acme-org", plan="standard", partner=partner)


def make_org(partner, external_id: str) -> Org:
    return Org.objects.create(
        name=external_id,
        slug=external_id,
        plan="standard",
        partner=partner,
        external_id=external_id,
    )


@pytest.mark.parametrize(("path", "known"), LISTS)
def test_an_unknown_query_parameter_is_400_naming_it(master, org, path, known):
    response = master.get(path.format(org=org.pk) + "?colour=blue")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "The query string is not valid; see fields."
    assert list(error["fields"]) == ["colour"]
    message = error["fields"]["colour"][0]
    assert message.startswith("Unknown query parameter.")
    assert "cursor" in message and "limit" in message


@pytest.mark.parametrize(("path", "known"), LISTS)
def test_known_filters_and_the_page_parameters_are_accepted(master, org, path, known):
    query = "limit=1" + (f"&{known}" if known else "")
    response = master.get(path.format(org=org.pk) + "?" + query)
    assert response.status_code == 200, response.content
    page = response.json()
    assert len(page["data"]) <= 1
    if page["has_more"]:
        cursor = page["next_cursor"]
        following = master.get(path.format(org=org.pk) + f"?{query}&cursor={cursor}")
        assert following.status_code == 200


@pytest.mark.parametrize(("path", "known"), LISTS)
@pytest.mark.parametrize("limit", ["0", "-1", "ten", ""])
def test_a_limit_that_is_not_a_positive_integer_is_400(master, org, path, known, limit):
    response = master.get(path.format(org=org.pk) + f"?limit={limit}")
    assert response.status_code == 400
    assert "limit" in response.json()["error"]["fields"]


def test_the_external_id_lookup_before_it_existed_would_have_listed_every_org(
    partner, make_key, as_key
):
    make_org(partner, "cust-1")
    make_org(partner, "cust-2")
    _, token = make_key(partner=partner)
    client = as_key(token)
    assert [o["external_id"] for o in client.get("/cp/orgs?external_id=cust-2").json()["data"]] == [
        "cust-2"
    ]
    typo = client.get("/cp/orgs?externalid=cust-2")
    assert typo.status_code == 400
    assert "externalid" in typo.json()["error"]["fields"]


def test_a_filter_given_twice_is_400(partner, make_key, as_key):
    make_org(partner, "cust-1")
    _, token = make_key(partner=partner)
    response = as_key(token).get("/cp/orgs?external_id=cust-1&external_id=cust-2")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"external_id": ["Give this parameter once."]}


def test_a_partner_key_gets_the_same_400_on_its_lists(partner, make_key, org, as_key):
    _, token = make_key(partner=partner)
    client = as_key(token)
    for path in ("/cp/orgs", f"/cp/orgs/{org.pk}/workspaces", "/cp/admin/partner-keys"):
        response = client.get(path + "?q=x")
        assert response.status_code == 400, path
        assert "q" in response.json()["error"]["fields"]


def test_a_partner_key_filtering_keys_by_another_partner_gets_none(
    partner, other_partner, make_key, as_key
):
    make_key(partner=other_partner, name="theirs")
    _, token = make_key(partner=partner)
    client = as_key(token)
    assert client.get("/cp/admin/partner-keys?partner=globex").json()["data"] == []
    assert len(client.get("/cp/admin/partner-keys?partner=acme").json()["data"]) == 1
