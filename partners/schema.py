"""The bearer scheme in the OpenAPI schema (drf-spectacular), so clients see how to authenticate."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CPBearerScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.CPBearerAuthentication"
    name = "partnerKey"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A `mol_pk_…` partner key, or the admin master key for /cp/admin/.",
        }
