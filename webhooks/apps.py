from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Events pushed to partners: endpoints, the outbox, signed delivery with retries."""

    name = "webhooks"

    def ready(self) -> None:
        from webhooks import checks  # noqa: F401  (registers the settings checks)
