"""Audit fixtures: the test routes and a way to find the one event of a response."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent


@pytest.fixture(autouse=True)
def _test_routes(settings: Any) -> None:
    """The real URLs plus test-only ones (a 500, a scoped view, failures after a change)."""
    settings.ROOT_URLCONF = "tests.audit.urls"


def event_of(response: Any) -> AuditEvent:
    """The single event written for `response` (fails if there are none or several)."""
    events = list(AuditEvent.objects.filter(request_id=response["X-Request-Id"]))
    assert len(events) == 1, f"{len(events)} events for {response['X-Request-Id']}"
    return events[0]
