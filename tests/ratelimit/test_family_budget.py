"""One budget per rotation family: a rotated key and its successors spend the same counter."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from partners import services
from partners.models import PartnerKey
from tests.commands.conftest import run
from tests.conftest import CPClient
from tests.ratelimit.conftest import KEYS_URL, assert_rate_limited, policy_of, state_of

pytestmark = pytest.mark.django_db


def successor_of(key: PartnerKey) -> tuple[PartnerKey, CPClient]:
    """Rotate `key` out of band (no call spent), with a grace period: both keys keep working."""
    issued = services.partner_key_rotate(key=key, grace_seconds=600, rotated_by="test")
    return issued.key, CPClient(issued.plaintext)


def test_a_successor_starts_with_what_is_left_of_its_predecessors_budget(key_client):
    key, old = key_client(rate_limit="4/m")
    assert [state_of(old.get(KEYS_URL))[1] for _ in range(3)] == [3, 2, 1]
    _, new = successor_of(key)

    last = new.get(KEYS_URL)
    refused = new.get(KEYS_URL)

    assert last.status_code == 200
    assert policy_of(last) == ("key", 4, 60)
    assert state_of(last)[1] == 0
    assert_rate_limited(refused)
    assert policy_of(refused) == ("key", 4, 60)


def test_a_successor_that_spent_the_budget_leaves_nothing_to_its_predecessor(key_client):
    key, old = key_client(rate_limit="3/m")
    _, new = successor_of(key)
    assert [new.get(KEYS_URL).status_code for _ in range(3)] == [200] * 3

    refused = old.get(KEYS_URL)

    assert_rate_limited(refused)
    assert state_of(refused)[1] == 0
    event = AuditEvent.objects.get(key_id=key.id, status_code=429)
    assert event.action == "rate_limit.exceeded"


def test_every_generation_of_a_family_shares_the_budget(key_client):
    key, first = key_client(rate_limit="3/m")
    child, second = successor_of(key)
    _, third = successor_of(child)

    answers = [client.get(KEYS_URL) for client in (first, second, third, first)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [state_of(a)[1] for a in answers] == [2, 1, 0, 0]


def test_keys_of_other_families_keep_their_own_budget(key_client):
    key, old = key_client(rate_limit="1/m")
    _, new = successor_of(key)
    _, stranger = key_client(rate_limit="1/m")
    assert old.get(KEYS_URL).status_code == 200

    assert new.get(KEYS_URL).status_code == 429
    assert stranger.get(KEYS_URL).status_code == 200


def test_rate_limit_status_shows_the_familys_count_for_any_of_its_keys(key_client):
    key, old = key_client(rate_limit="5/m")
    successor, new = successor_of(key)
    old.get(KEYS_URL), new.get(KEYS_URL), new.get(KEYS_URL)

    out = run("rate_limit_status", successor.id).stdout

    assert f"budget: shared by its rotation family {key.id}" in out
    assert f"{successor.id}: 3 requests this window (limit 5), 2 remaining" in out
