"""Request examples of the partner and key operations in the OpenAPI schema.

The schema test tool sends them as they are, so each must be a valid request."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

NEW_PARTNER = OpenApiExample(
    "A reseller",
    value={"name": "Acme Cloud", "slug": "acme-cloud", "plan": "partner"},
    request_only=True,
)
ISSUE_KEY = OpenApiExample(
    "A CI pipeline's key",
    value={"name": "acme-ci-pipeline", "scopes": ["orgs:create", "orgs:list"], "org_id": None},
    request_only=True,
)
