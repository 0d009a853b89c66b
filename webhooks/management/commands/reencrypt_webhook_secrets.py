"""`manage.py reencrypt_webhook_secrets`: seal every signing secret under the current key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from webhooks import vault
from webhooks.models import WebhookEndpoint


class Command(BaseCommand):
    help = "Re-encrypt every webhook signing secret under CP_WEBHOOK_SECRET_KEY (after a rotation)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = unreadable = 0
        for endpoint_id in WebhookEndpoint.objects.values_list("pk", flat=True).iterator():
            try:
                self._reencrypt(endpoint_id)
                done += 1
            except vault.SecretUnreadable:
                unreadable += 1
                self.stderr.write(f"{endpoint_id}: no configured key opens its secret")
        if unreadable:
            raise CommandError(f"Re-encrypted {done} endpoint(s); {unreadable} unreadable.")
        self.stdout.write(f"Re-encrypted {done} endpoint(s).")

    @staticmethod
    @transaction.atomic
    def _reencrypt(endpoint_id: str) -> None:
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.secret_encrypted = vault.reencrypt(endpoint.secret_encrypted)
        if endpoint.previous_secret_encrypted:
            endpoint.previous_secret_encrypted = vault.reencrypt(endpoint.previous_secret_encrypted)
        endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted"])
