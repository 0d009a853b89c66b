from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self) -> None:
        from audit import history  # noqa: F401  (connects the admin-change receiver)
