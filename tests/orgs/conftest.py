"""Org fixtures: orgs made directly in a given state, and the real worker run once."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from orgs.models import Org
from orgs.provisioning import create_default_workspace, start_subscription

OrgFactory = Callable[..., Org]


@pytest.fixture
def make_org(db: None) -> OrgFactory:
    """make_org(slug=..., partner=..., created_by_key=..., status="ready") -> Org.

    A ready org gets what provisioning would have made (default workspace, subscription).
    """
    counter = iter(range(1, 10_000))

    def make(status: str = Org.Status.READY, **fields: Any) -> Org:
        n = next(counter)
        fields.setdefault("slug", f"org-{n}")
        fields.setdefault("name", f"Org {n}")
        fields.setdefault("plan", "standard")
        org = Org.objects.create(status=status, **fields)
        if status == Org.Status.READY:
            create_default_workspace(org)
            start_subscription(org)
        return org

    return make


def run_worker(*args: str) -> str:
    """`manage.py worker --batch`: one sweep, then every ready task, on the real code path."""
    out = StringIO()
    call_command(
        "worker", "--batch", "--no-startup-delay", "--no-reload", *args, stdout=out, verbosity=0
    )
    return out.getvalue()


@pytest.fixture
def worker() -> Callable[..., str]:
    return run_worker


@pytest.fixture
def fast_retries(settings: Any) -> None:
    """Retries due at once, so one batch run goes through every attempt."""
    settings.ORG_RETRY_BASE_SECONDS = 0
    settings.ORG_RETRY_MAX_SECONDS = 0
    settings.ORG_MAX_ATTEMPTS = 3
