"""Signing secrets at rest: encrypted under a key from settings, readable after a key rotation."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from webhooks import vault
from webhooks.models import WebhookEndpoint


def test_a_secret_is_stored_encrypted_and_decrypts_to_itself(settings):
    secret = vault.new_secret()
    stored = vault.encrypt(secret)
    assert secret not in stored and secret.removeprefix("whsec_") not in stored
    assert vault.decrypt(stored) == secret


def test_the_key_derives_from_secret_key_unless_one_is_configured(settings):
    secret = vault.new_secret()
    from_secret_key = vault.encrypt(secret)
    settings.CP_WEBHOOK_SECRET_KEY = "a-dedicated-webhook-encryption-key"
    dedicated = vault.encrypt(secret)
    settings.SECRET_KEY = "a-new-secret-key-for-sessions-0123456789"
    # SECRET_KEY changed: only the dedicated key opens what it sealed.
    assert vault.decrypt(dedicated) == secret
    with pytest.raises(vault.SecretUnreadable):
        vault.decrypt(from_secret_key)


def test_after_a_key_rotation_old_secrets_open_with_the_fallback_and_reencrypt(settings, db):
    settings.CP_WEBHOOK_SECRET_KEY = "old-webhook-key"
    secret = vault.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        url="https://93.184.215.14/h", secret_encrypted=vault.encrypt(secret)
    )

    settings.CP_WEBHOOK_SECRET_KEY = "new-webhook-key"
    with pytest.raises(vault.SecretUnreadable):
        vault.decrypt(endpoint.secret_encrypted)
    settings.CP_WEBHOOK_SECRET_KEY_FALLBACKS = ["old-webhook-key"]
    assert vault.decrypt(endpoint.secret_encrypted) == secret

    call_command("reencrypt_webhook_secrets", verbosity=0)
    settings.CP_WEBHOOK_SECRET_KEY_FALLBACKS = []
    endpoint.refresh_from_db()
    assert vault.decrypt(endpoint.secret_encrypted) == secret


def test_an_unreadable_retry_schedule_or_a_lease_shorter_than_the_timeout_fails_the_checks(
    settings,
):
    from webhooks.checks import webhook_settings_are_readable

    assert webhook_settings_are_readable() == []
    settings.CP_WEBHOOK_RETRY_SCHEDULE = "0,5,soon"
    settings.CP_WEBHOOK_LEASE_SECONDS = 5
    assert [error.id for error in webhook_settings_are_readable()] == ["cp.E101", "cp.E102"]
