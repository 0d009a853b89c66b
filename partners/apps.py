from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners and keys"

    def ready(self) -> None:
        from partners import checks, schema  # noqa: F401  (settings checks, OpenAPI auth scheme)
