from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The /cp/ platform every domain app builds on: call context, errors, limits, idempotency."""

    name = "core"
    verbose_name = "Control plane platform"

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the settings checks)
