"""Signatures as the Standard Webhooks specification says: the reference package verifies them."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks import signing, vault

BODY = '{"type":"org.ready","timestamp":"2026-01-01T00:00:00Z","data":{"id":"org_1"}}'


def test_a_new_secret_is_whsec_and_base64_of_32_random_bytes():
    secret = vault.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert vault.new_secret() != secret


def test_the_standardwebhooks_package_verifies_what_we_sign():
    secret = vault.new_secret()
    headers = signing.headers(
        secrets=[secret], msg_id="msg_01abc", timestamp=int(time.time()), body=BODY
    )
    assert headers["webhook-id"] == "msg_01abc"
    assert headers["content-type"] == "application/json"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(BODY, headers) == {
        "type": "org.ready",
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {"id": "org_1"},
    }


def test_our_signature_is_the_reference_implementations():
    secret, now = vault.new_secret(), int(time.time())
    ours = signing.signature(secret=secret, msg_id="msg_1", timestamp=now, body=BODY)
    from datetime import UTC, datetime

    theirs = Webhook(secret).sign("msg_1", datetime.fromtimestamp(now, tz=UTC), BODY)
    assert ours == theirs


def test_two_secrets_give_two_signatures_and_either_secret_verifies():
    old, new = vault.new_secret(), vault.new_secret()
    headers = signing.headers(
        secrets=[new, old], msg_id="msg_2", timestamp=int(time.time()), body=BODY
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, headers)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b.replace("org_1", "org_2")),
        lambda h, b: ({**h, "webhook-id": "msg_other"}, b),
        lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, b),
    ],
    ids=["body", "id", "timestamp"],
)
def test_a_changed_body_id_or_timestamp_fails_verification(tamper):
    secret = vault.new_secret()
    headers = signing.headers(
        secrets=[secret], msg_id="msg_3", timestamp=int(time.time()), body=BODY
    )
    changed_headers, changed_body = tamper(headers, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(changed_body, changed_headers)


def test_another_secret_does_not_verify():
    headers = signing.headers(
        secrets=[vault.new_secret()], msg_id="msg_4", timestamp=int(time.time()), body=BODY
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(vault.new_secret()).verify(BODY, headers)
