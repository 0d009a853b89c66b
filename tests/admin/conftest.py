"""Admin fixtures: reading a key off the reveal page, and forms with their one-time token."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.test import Client

from orgs.models import Org
from partners.models import Partner

KEY_PATTERN = re.compile(r"mol_pk_[0-9A-Za-z]{49}")
ONCE_PATTERN = re.compile(r'name="once" value="([^"]+)"')

ADD_URL = "/admin/partners/partnerkey/add/"
CHANGELIST_URL = "/admin/partners/partnerkey/"


def change_url(key_id: str) -> str:
    """A key's page as the admin links it: ids are quoted in admin URLs (`_` is `_5F`)."""
    return f"/admin/partners/partnerkey/{quote(key_id)}/change/"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def link(html: str, text: str) -> str:
    """The href of the link a person would click: the one whose text is `text`."""
    parser = _Links()
    parser.feed(html)
    found = [href for href, label in parser.links if label == text]
    assert found, f"no link {text!r} on the page"
    return found[0]


def has_link(html: str, text: str) -> bool:
    parser = _Links()
    parser.feed(html)
    return any(label == text for _, label in parser.links)


def key_page_link(client: Client, key_id: str, text: str) -> str:
    """Open a key's page and return the href of its `text` button (Rotate, Revoke)."""
    page = client.get(change_url(key_id))
    assert page.status_code == 200
    return link(page.content.decode(), text)


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


@pytest.fixture
def staff_user(db: None) -> Any:
    """A staff account with no permissions at all."""
    from django.contrib.auth.models import User

    return User.objects.create_user("nobody", password="pw-not-checked", is_staff=True)


@pytest.fixture
def account_team_user(db: None) -> Any:
    """A staff account in the "Account team" group (created by a data migration)."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("teammate", password="pw-not-checked", is_staff=True)
    user.groups.add(Group.objects.get(name="Account team"))
    return user
