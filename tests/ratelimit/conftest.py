"""Fixtures for the rate-limit tests: keys with a given rate, and the headers read back."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from partners.models import Partner, PartnerKey
from tests.conftest import CPClient

KEYS_URL = "/cp/admin/partner-keys"
# The cache on a closed port: a real refused connection, not a mock.
UNREACHABLE_CACHE = override_settings(
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
)
_POLICY = re.compile(r'"(?P<name>\w+)";q=(?P<q>\d+);w=(?P<w>\d+)')
_STATE = re.compile(r'"(?P<name>\w+)";r=(?P<r>\d+);t=(?P<t>\d+)')


def policy_of(response: Any) -> tuple[str, int, int]:
    """RateLimit-Policy as (name, quota, window seconds); fails on any other shape."""
    match = _POLICY.fullmatch(response["RateLimit-Policy"])
    assert match, response["RateLimit-Policy"]
    return match["name"], int(match["q"]), int(match["w"])


def state_of(response: Any) -> tuple[str, int, int]:
    """RateLimit as (name, remaining, seconds to reset)."""
    match = _STATE.fullmatch(response["RateLimit"])
    assert match, response["RateLimit"]
    return match["name"], int(match["r"]), int(match["t"])


def assert_rate_limited(response: Any) -> None:
    """A 429 in the JSON envelope with a whole, positive Retry-After."""
    assert response.status_code == 429, response.content
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"]
    assert error["request_id"] == response["X-Request-Id"]
    assert response["Retry-After"].isdigit()
    assert int(response["Retry-After"]) > 0


KeyWithClient = Callable[..., tuple[PartnerKey, CPClient]]


@pytest.fixture
def key_client(make_key: Callable, partner: Partner) -> KeyWithClient:
    """key_client(rate_limit="5/m", **fields) -> (key, a client calling with it)."""

    def make(**fields: Any) -> tuple[PartnerKey, CPClient]:
        fields.setdefault("partner", partner)
        key, plaintext = make_key(**fields)
        return key, CPClient(plaintext)

    return make
