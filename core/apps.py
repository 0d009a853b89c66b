from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The /cp/ platform every domain app builds on: call context, errors, limits, idempotency."""

    name = "core"
    verbose_name = "Control plane platform"

    def ready(self) -> None:
        # Importing `checks` registers the settings checks.
        from core import checks, database, redaction  # noqa: F401

        redaction.install()  # no log record of this process holds a key or token
        database.install()  # every PostgreSQL connection bounds how long it waits for an answer
