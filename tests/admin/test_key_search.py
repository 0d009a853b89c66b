"""The key list's search and filters: by id, name, hint, partner, scope, and by a pasted whole key.

A pasted key is posted, matched by its hash, and never shown, logged, audited or put in a URL.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import pytest
from django.utils.http import urlencode

from audit.models import AuditEvent
from core import tokens
from partners.models import PartnerKey
from tests.admin.conftest import CHANGELIST_URL

SEARCH_URL = "/admin/partners/partnerkey/search/"


@pytest.fixture
def three_keys(make_key, partner, other_partner) -> dict[str, tuple[PartnerKey, str]]:
    return {
        "ci": make_key(name="acme-ci", partner=partner, scopes=["orgs:create", "orgs:list"]),
        "billing": make_key(name="acme-billing", partner=partner, scopes=["billing:read"]),
        "globex": make_key(name="globex-prod", partner=other_partner, scopes=["orgs:list"]),
    }


def names_in(page: str, keys: dict[str, tuple[PartnerKey, str]]) -> set[str]:
    return {key.name for key, _ in keys.values() if key.name in page}


def search(client, term: str, **filters: str):
    """Type `term` into the search box and press Search (the form posts, then redirects)."""
    return client.post(SEARCH_URL, {"q": term, **filters}, follow=True)


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("acme", {"acme-ci", "acme-billing"}),
        ("globex-prod", {"globex-prod"}),
        ("globex", {"globex-prod"}),  # the partner's slug
    ],
)
def test_searching_by_name_and_partner(admin_client, three_keys, term, found):
    response = search(admin_client, term)

    assert response.redirect_chain[-1][0] == f"{CHANGELIST_URL}?q={term}"
    assert names_in(response.content.decode(), three_keys) == found


def test_searching_by_id_and_by_hint(admin_client, three_keys):
    ci, _ = three_keys["ci"]

    for term in [ci.pk, ci.hint]:
        page = search(admin_client, term).content.decode()
        assert names_in(page, three_keys) == {"acme-ci"}


def test_a_pasted_whole_key_finds_its_key_by_id_and_is_never_echoed(
    admin_client, three_keys, caplog
):
    ci, plaintext = three_keys["billing"]
    events_before = AuditEvent.objects.count()

    with caplog.at_level(logging.DEBUG):
        response = search(admin_client, f"  {plaintext}\n", state="active")

    url = response.redirect_chain[-1][0]
    path, _, query = url.partition("?")
    assert (path, parse_qs(query)) == (CHANGELIST_URL, {"state": ["active"], "q": [ci.pk]})
    page = response.content.decode()
    assert names_in(page, three_keys) == {"acme-billing"}
    assert f"The pasted key is {ci.pk} ({ci.hint}), active." in page
    assert f'value="{ci.pk}" id="searchbar"' in page
    assert plaintext not in page
    assert plaintext not in url
    assert plaintext not in caplog.text
    for event in AuditEvent.objects.all()[: AuditEvent.objects.count() - events_before]:
        assert plaintext not in f"{event.path} {event.details}"
    assert plaintext not in str(dict(admin_client.session.items()))


def test_a_key_in_a_typed_url_is_answered_by_a_redirect_to_the_key_id(admin_client, three_keys):
    ci, plaintext = three_keys["ci"]

    response = admin_client.get(CHANGELIST_URL, {"q": plaintext})

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST_URL}?q={ci.pk}"


def test_a_pasted_key_that_is_not_ours_finds_nothing_and_says_so(admin_client, three_keys):
    stranger = tokens.generate()

    response = search(admin_client, stranger)

    page = response.content.decode()
    assert (
        response.redirect_chain[-1][0]
        == f"{CHANGELIST_URL}?{urlencode({'q': tokens.hint(stranger)})}"
    )
    assert f"No key matches {tokens.hint(stranger)}: it is not one of ours." in page
    assert f'value="{tokens.hint(stranger)}" id="searchbar"' in page
    assert names_in(page, three_keys) == set()
    assert stranger not in page


def test_a_mistyped_key_lists_the_keys_with_its_hint(admin_client, three_keys):
    _, plaintext = three_keys["ci"]
    middle = len(plaintext) // 2
    mistyped = (
        plaintext[:middle] + ("a" if plaintext[middle] != "a" else "b") + plaintext[middle + 1 :]
    )

    page = search(admin_client, mistyped).content.decode()

    assert "is not a whole partner key (its checksum does not match)" in page
    assert mistyped not in page and plaintext not in page
    assert names_in(page, three_keys) == {"acme-ci"}


def test_get_search_results_matches_a_whole_key_by_hash_only(admin_client, three_keys):
    """Any caller of the admin's search (the list, autocomplete) gets the same rule."""
    from django.contrib import admin

    model_admin = admin.site._registry[PartnerKey]
    _, plaintext = three_keys["globex"]
    found, _ = model_admin.get_search_results(None, PartnerKey.objects.all(), plaintext)
    assert [k.name for k in found] == ["globex-prod"]
    part, _ = model_admin.get_search_results(None, PartnerKey.objects.all(), plaintext[:30])
    assert list(part) == []


def test_filters_by_scope_and_partner(admin_client, three_keys, partner):
    by_scope = admin_client.get(f"{CHANGELIST_URL}?scope=orgs:list").content.decode()
    assert names_in(by_scope, three_keys) == {"acme-ci", "globex-prod"}

    by_partner = admin_client.get(f"{CHANGELIST_URL}?partner__id__exact={partner.pk}")
    assert names_in(by_partner.content.decode(), three_keys) == {"acme-ci", "acme-billing"}

    both = admin_client.get(f"{CHANGELIST_URL}?scope=billing:read&partner__id__exact={partner.pk}")
    assert names_in(both.content.decode(), three_keys) == {"acme-billing"}


def test_the_search_box_posts_so_a_pasted_key_never_travels_in_a_url(admin_client, three_keys):
    page = admin_client.get(CHANGELIST_URL).content.decode()

    assert f'method="post" action="{SEARCH_URL}"' in page
    assert "paste the whole key" in page


def test_searching_needs_the_view_permission(client, staff_user, three_keys):
    client.force_login(staff_user)
    _, plaintext = three_keys["ci"]

    assert client.post(SEARCH_URL, {"q": plaintext}).status_code == 403
