"""Request examples of the org operations in the OpenAPI schema.

The schema test tool sends them as they are, so each must be a valid request."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

NEW_ORG = OpenApiExample(
    "A customer's org",
    value={
        "name": "Acme Corp",
        "slug": "acme-corp",
        "plan": "standard",
        "external_id": "cus_8412",
        "seats": 25,
    },
    request_only=True,
)
ORG_CHANGE = OpenApiExample(
    "More seats", value={"seats": 40, "metadata": {"crm_id": "8412"}}, request_only=True
)
NEW_WORKSPACE = OpenApiExample("A workspace", value={"name": "Research"}, request_only=True)
