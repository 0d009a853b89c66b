"""Request examples of the webhook operations in the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

NEW_ENDPOINT = OpenApiExample(
    "Org lifecycle events",
    value={
        "url": "https://hooks.example.com/molecule",
        "events": ["org.ready", "org.failed", "org.deleted"],
        "description": "Provisioning pipeline",
    },
    request_only=True,
)
