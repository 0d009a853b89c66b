"""The console's frame: its name, no dead "View site" link, and an index of what the team uses."""

from __future__ import annotations

import re

from django.test import Client

from tests.admin.test_permissions import logged_in


def headings(page: str) -> list[str]:
    """The index's section captions, in order."""
    return re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', page)


def test_the_header_names_the_console_and_there_is_no_view_site_link(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert '<div id="site-name"><a href="/admin/">Molecule control plane</a></div>' in page
    assert "<title>Account team console | Molecule control plane</title>" in page
    assert "Django administration" not in page
    assert "View site" not in page


def test_the_index_shows_the_teams_sections_in_order(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert headings(page) == ["Partners and keys", "Orgs", "Webhooks", "Audit", "Staff accounts"]
    assert "Tasks Database Backend" not in page and "Db task results" not in page
    assert "Audit log" not in page
    for model in ["Partner keys", "Workspaces", "Subscriptions", "Audit events", "Field history"]:
        assert f">{model}</a>" in page


def test_a_teammate_sees_no_staff_accounts_section(account_team_user):
    page = logged_in(account_team_user).get("/admin/").content.decode()

    assert headings(page) == ["Partners and keys", "Orgs", "Webhooks", "Audit"]


def test_the_console_stylesheet_is_served_by_the_web_process(admin_client):
    page = admin_client.get("/admin/partners/partnerkey/").content.decode()
    assert '<link rel="stylesheet" href="/static/core/console.css">' in page

    css = Client().get("/static/core/console.css")

    assert css.status_code == 200
    assert b".cp-badge-in_grace" in b"".join(css.streaming_content)
