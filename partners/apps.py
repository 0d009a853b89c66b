from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"

    def ready(self) -> None:
        from partners import checks, schema  # noqa: F401  (settings checks, OpenAPI auth scheme)
