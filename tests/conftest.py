"""Shared fixtures: partners, keys with given scopes, and an HTTP client speaking the /cp/ API."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from partners import services
from partners.models import Partner, PartnerKey

ALL_SCOPES = [
    "orgs:create",
    "orgs:list",
    "orgs:update",
    "orgs:delete",
    "workspaces:create",
    "billing:read",
]


def services_required() -> bool:
    """CI sets CP_REQUIRE_SERVICES=1: a test needing PostgreSQL/Redis fails there, never skips."""
    return os.environ.get("CP_REQUIRE_SERVICES") == "1"


def needs_postgres() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        if services_required():
            pytest.fail("This test needs PostgreSQL (DATABASE_URL) and CI requires it.")
        pytest.skip("needs PostgreSQL: set DATABASE_URL")


def needs_redis() -> None:
    if not settings.REDIS_URL:
        if services_required():
            pytest.fail("This test needs Redis (REDIS_URL) and CI requires it.")
        pytest.skip("needs Redis: set REDIS_URL")


# On PostgreSQL a read call (GET, HEAD) commits its audit event without waiting for the disk
# (CP_AUDIT_ASYNC_COMMIT_READS): the event's INSERT carries the SET LOCAL, in the same round trip.
ASYNC_COMMIT_PREFIX = "SET LOCAL synchronous_commit = off; "


def reads_commit_async() -> bool:
    postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    return postgres and settings.CP_AUDIT_ASYNC_COMMIT_READS


def plain_sql(sql: str) -> str:
    """A statement without the asynchronous-commit prefix of a read call's audit INSERT."""
    return sql.removeprefix(ASYNC_COMMIT_PREFIX)


class CPClient:
    """Django's test client, speaking JSON with a bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        token = kwargs.pop("token", self.token)
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        content_type = kwargs.pop("content_type", "application/json")
        return getattr(self.client, method)(
            path, data=body, content_type=content_type, headers=headers, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self._headers(kwargs), **kwargs)

    def _headers(self, kwargs: dict) -> dict:
        headers = dict(kwargs.pop("headers", {}))
        token = kwargs.pop("token", self.token)
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        return headers

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("post", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("patch", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self._headers(kwargs), **kwargs)


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    """Rate-limit counters live in the cache; every test starts from zero."""
    cache.clear()


@pytest.fixture
def master() -> CPClient:
    return CPClient(settings.CP_ADMIN_MASTER_KEY)


@pytest.fixture
def anon() -> CPClient:
    return CPClient()


@pytest.fixture
def partner(db: None) -> Partner:
    return Partner.objects.create(name="Acme", slug="acme")


@pytest.fixture
def other_partner(db: None) -> Partner:
    return Partner.objects.create(name="Globex", slug="globex")


KeyFactory = Callable[..., tuple[PartnerKey, str]]


@pytest.fixture
def make_key(db: None) -> KeyFactory:
    """make_key(scopes=[...], partner=..., org_id=..., **fields) -> (key, plaintext)."""

    def make(scopes: list[str] | None = None, **fields: Any) -> tuple[PartnerKey, str]:
        issued = services.partner_key_issue(
            name=fields.pop("name", "test key"),
            scopes=ALL_SCOPES if scopes is None else scopes,
            **fields,
        )
        return issued.key, issued.plaintext

    return make


@pytest.fixture
def as_key() -> Callable[[str], CPClient]:
    return CPClient
