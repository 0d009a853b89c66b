"""A stalled Redis (paused with SIGSTOP): /cp/ fails open within a second, the admin login closed.

The cache is a private redis-server on its own port, with the settings' default timeouts (1 s).
"""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings

from audit.models import AuditEvent
from tests.conftest import CPClient

pytestmark = pytest.mark.django_db

KEYS_URL = "/cp/admin/partner-keys"


@pytest.fixture
def private_cache(redis_server):
    cache = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_server.url,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},  # REDIS_TIMEOUT_SECONDS
    }
    with override_settings(CACHES={"default": cache}):
        yield redis_server


def test_a_paused_redis_costs_a_call_one_timeout_then_limits_come_back(
    private_cache, make_key, partner, django_user_model
):
    _, token = make_key(partner=partner, rate_limit="100/m")
    client = CPClient(token)
    assert client.get(KEYS_URL).has_header("RateLimit")
    django_user_model.objects.create_superuser("ops", "ops@example.com", "right-password")

    private_cache.pause()
    try:
        started = time.monotonic()
        served = client.get(KEYS_URL)
        seconds = time.monotonic() - started
        login = Client().post(
            "/admin/login/", {"username": "ops", "password": "right-password", "next": "/admin/"}
        )
    finally:
        private_cache.resume()

    print(f"paused Redis: a /cp/ call took {seconds:.2f} s")
    assert served.status_code == 200 and not served.has_header("RateLimit")
    assert seconds < 2.5  # one socket timeout (1 s), then no more cache calls in this request
    event = AuditEvent.objects.get(request_id=served["X-Request-Id"])
    assert event.details["rate_limit"] == "unavailable"
    assert login.status_code == 503 and int(login["Retry-After"]) > 0

    again = client.get(KEYS_URL)  # Redis is back: the same process counts again
    assert again.status_code == 200 and again.has_header("RateLimit")
