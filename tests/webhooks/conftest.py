"""Webhook fixtures: a receiver on 127.0.0.1, keys that manage webhooks, endpoints, the worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import CPClient, KeyFactory
from tests.orgs.conftest import fast_retries, run_worker  # noqa: F401  (fixture)
from tests.webhooks.receiver import Receiver, receiving

WEBHOOK_SCOPES = ["orgs:create", "orgs:list", "orgs:delete", "webhooks:manage"]
ORG = {"name": "Acme Corp", "slug": "acme-corp", "plan": "standard"}


@pytest.fixture(autouse=True)
def _fast_schedule(settings: Any) -> None:
    """Three attempts, all due at once: one batch run of the worker goes through them."""
    settings.CP_WEBHOOK_RETRY_SCHEDULE = "0,0,0"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.fixture
def hooks_key(partner: Any, make_key: KeyFactory) -> tuple[Any, str]:
    return make_key(partner=partner, scopes=WEBHOOK_SCOPES, name="hooks")


@pytest.fixture
def api(hooks_key: tuple[Any, str]) -> CPClient:
    return CPClient(hooks_key[1])


@pytest.fixture
def other_api(other_partner: Any, make_key: KeyFactory) -> CPClient:
    return CPClient(make_key(partner=other_partner, scopes=WEBHOOK_SCOPES)[1])


EndpointFactory = Callable[..., dict]


@pytest.fixture
def make_endpoint(api: CPClient) -> EndpointFactory:
    """make_endpoint(url, events=["*"], client=api) -> the 201 body (with its `secret`)."""

    def make(url: str, events: list[str] | None = None, client: CPClient | None = None) -> dict:
        response = (client or api).post(
            "/cp/webhook-endpoints", {"url": url, "events": events or ["*"]}
        )
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.fixture
def worker() -> Callable[..., str]:
    return run_worker
