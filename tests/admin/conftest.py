"""Admin fixtures: reading a key off the reveal page, and forms with their one-time token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from orgs.models import Org
from partners.models import Partner

KEY_PATTERN = re.compile(r"mol_pk_[0-9A-Za-z]{49}")
ONCE_PATTERN = re.compile(r'name="once" value="([^"]+)"')

ADD_URL = "/admin/partners/partnerkey/add/"
CHANGELIST_URL = "/admin/partners/partnerkey/"


def change_url(key_id: str) -> str:
    return f"/admin/partners/partnerkey/{key_id}/change/"


def keys_in(html: str) -> list[str]:
    """Every plaintext partner key that appears in a page."""
    return KEY_PATTERN.findall(html)


def form_token(client: Client, url: str) -> str:
    """GET a form and return its one-time token."""
    page = client.get(url)
    assert page.status_code == 200
    return ONCE_PATTERN.search(page.content.decode()).group(1)


def issue(client: Client, **fields: Any) -> Any:
    """Submit the admin's "Add partner key" form as a person would (GET, then POST)."""
    data = {"once": form_token(client, ADD_URL), "name": "acme-ci", "scopes": ["orgs:list"]}
    data.update(fields)
    return client.post(ADD_URL, {k: v for k, v in data.items() if v is not None})


@pytest.fixture
def ready_org(partner: Partner) -> Org:
    return Org.objects.create(
        name="Acme prod", slug="acme-prod", plan="standard", partner=partner, status="ready"
    )
