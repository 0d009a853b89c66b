"""A call refused before its view ran (missing scope) is named in the trail as an accepted one is,
so `?action=billing.read` finds the refused reads of billing too."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from orgs.models import Org


def _action(response) -> str:
    return AuditEvent.objects.get(request_id=response["X-Request-Id"]).action


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "suffix", "action"),
    [
        ("get", "", "org.read"),
        ("get", "/status", "org.status"),
        ("get", "/workspaces", "workspace.list"),
        ("post", "/workspaces", "workspace.create"),
        ("get", "/billing", "billing.read"),
        ("delete", "", "org.delete"),
        ("patch", "", "org.update"),
    ],
)
def test_a_refused_org_call_has_the_name_of_an_accepted_one(
    make_key, as_key, method, suffix, action
):
    owner, owner_token = make_key()
    _, bare_token = make_key(scopes=["webhooks:manage"])
    org = Org.objects.create(name="Acme", slug="acme-corp", plan="standard", created_by_key=owner)
    path = f"/cp/orgs/{org.pk}{suffix}"
    body = {"name": "x"} if method in ("post", "patch") else None

    def call(token: str):
        client = as_key(token)
        return getattr(client, method)(path, body) if body else getattr(client, method)(path)

    refused = call(bare_token)
    accepted = call(owner_token)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert _action(refused) == action
    assert _action(accepted) == action
