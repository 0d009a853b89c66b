"""Every key state: the badge (`PartnerKey.state()`) and the list's state filter agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partners import services
from partners.models import KeyState, PartnerKey
from partners.selectors import partner_keys_in_state
from tests.admin.conftest import CHANGELIST_URL


@pytest.fixture
def one_key_per_state(make_key, partner, other_partner) -> dict[str, PartnerKey]:
    now = timezone.now()
    keys = {
        "active": make_key(name="k-active", expires_at=now + timedelta(days=30))[0],
        "expiring": make_key(name="k-expiring", expires_at=now + timedelta(days=6))[0],
        "revoked": make_key(name="k-revoked")[0],
        "expired": make_key(name="k-expired", expires_at=now + timedelta(days=1))[0],
        "partner_inactive": make_key(name="k-partner-inactive", partner=other_partner)[0],
    }
    rotated = make_key(name="k-in-grace")[0]
    services.partner_key_rotate(key=rotated, grace_seconds=3600, rotated_by="test")
    keys["in_grace"] = rotated
    PartnerKey.objects.filter(pk=keys["revoked"].pk).update(revoked_at=now)
    PartnerKey.objects.filter(pk=keys["expired"].pk).update(expires_at=now)
    other_partner.active = False
    other_partner.save()
    return {state: PartnerKey.objects.get(pk=key.pk) for state, key in keys.items()}


def test_each_key_has_the_state_it_was_put_in(one_key_per_state):
    assert {state: key.state() for state, key in one_key_per_state.items()} == {
        state: KeyState(state) for state in one_key_per_state
    }
    assert set(one_key_per_state) == set(KeyState.values)


@pytest.mark.parametrize("state", KeyState.values)
def test_the_state_filter_finds_exactly_the_keys_in_that_state(
    admin_client, one_key_per_state, state
):
    in_state = partner_keys_in_state(PartnerKey.objects.all(), state)
    expected = {k.pk for k in PartnerKey.objects.with_successor() if k.state() == state}
    assert set(in_state.values_list("pk", flat=True)) == expected

    page = admin_client.get(f"{CHANGELIST_URL}?state={state}").content.decode()

    assert one_key_per_state[state].name in page
    assert f'class="cp-badge cp-badge-{state}"' in page
    others = {s for s in KeyState.values if s != state}
    for other in others:
        assert f'class="cp-badge cp-badge-{other}"' not in page


def test_expiring_and_in_grace_badges_say_until_when(admin_client, one_key_per_state):
    page = admin_client.get(CHANGELIST_URL).content.decode()

    for state in ["expiring", "in_grace"]:
        key = one_key_per_state[state]
        until = timezone.localtime(key.expires_at).strftime("%Y-%m-%d %H:%M")
        assert f' Works until {until} UTC.">' in page


def test_the_list_needs_one_query_per_page_not_per_key(
    admin_client, one_key_per_state, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        admin_client.get(CHANGELIST_URL)
