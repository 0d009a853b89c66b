"""The rest of the console in Chromium: the index, the API's validation, a full key list at 1280 px,
a leaked key found by pasting it into the search, and an org deprovisioned from its page."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, Shots
from tests.browser.test_issuing_a_key import assert_the_list_fits, content

ALL_SCOPES = ["orgs:create", "orgs:list", "orgs:delete", "workspaces:create", "billing:read"]


def open_keys(page: Page) -> None:
    page.goto("/admin/")
    content(page).get_by_role("link", name="Partner keys").click()


def test_the_index_names_the_console_and_shows_what_the_team_uses(page: Page, shots: Shots):
    page.goto("/admin/")

    expect(page.locator("#site-name")).to_have_text("Molecule control plane")
    expect(page).to_have_title("Account team console | Molecule control plane")
    expect(page.get_by_role("link", name="View site")).to_have_count(0)
    expect(page.locator("#content-main caption")).to_have_text(
        ["Partners and keys", "Orgs", "Webhooks", "Audit", "Staff accounts"]
    )
    expect(page.get_by_text("Tasks Database Backend")).to_have_count(0)
    expect(page.get_by_text("Audit log", exact=True)).to_have_count(0)
    shots("index")


def test_the_admin_refuses_the_partner_slugs_the_api_refuses(
    page: Page, server: Server, shots: Shots
):
    page.goto("/admin/")
    content(page).get_by_role("link", name="Partners", exact=True).click()
    page.get_by_role("link", name="Add partner").click()
    for slug in ["UPPER--", "under_score"]:
        status, body = server.master("POST", "/cp/admin/partners", {"name": "X", "slug": slug})
        assert status == 400
        [api_says] = body["error"]["fields"]["slug"]
        page.get_by_role("textbox", name="Name").fill("Shouty")
        page.get_by_label("Slug").fill(slug)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".field-slug .errorlist")).to_have_text(api_says)
        shots(f"slug-refused-{slug.strip('-').lower()}")
    assert server.master("GET", "/cp/admin/partners/under_score")[0] == 404


def test_a_key_without_scopes_is_issued_only_after_a_warning(page: Page, shots: Shots):
    open_keys(page)
    page.get_by_role("link", name="Add partner key").click()
    page.get_by_role("textbox", name="Name").fill("list-only")
    page.get_by_role("button", name="Issue key").click()
    expect(page.locator(".field-scopes .errorlist")).to_contain_text("A key with no scopes")
    expect(page.locator("#issued-key")).to_have_count(0)
    shots("no-scopes-warning")

    page.get_by_label("Issue it with no scopes").check()
    page.get_by_role("button", name="Issue key").click()
    expect(page.locator("#issued-key")).to_have_count(1)
    expect(page.locator(".cp-callout")).to_contain_text("This key has no scopes")
    shots("no-scopes-reveal")


def test_a_full_key_list_fits_1280_px_with_every_state(page: Page, server: Server, shots: Shots):
    server.master("POST", "/cp/admin/partners", {"name": "Globex International", "slug": "globex"})
    body = {"name": "globex-marketplace-reseller-prod", "scopes": ALL_SCOPES, "partner": "globex"}
    status, issued = server.master("POST", "/cp/admin/partner-keys", body)
    assert status == 201
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3 * 86400))
    server.master("POST", "/cp/admin/partner-keys", {**body, "name": "short", "expires_at": soon})
    server.master("POST", f"/cp/admin/partner-keys/{issued['id']}/rotate", {})

    open_keys(page)

    expect(page.locator("#result_list .cp-badge-in_grace").first).to_be_visible()
    expect(page.locator("#result_list .cp-badge-expiring").first).to_be_visible()
    shots("key-list")
    for column in ["Last used", "Expires", "Created"]:
        expect(
            page.locator(f"#result_list th.column-{column.lower().replace(' ', '_')}")
        ).to_be_in_viewport(ratio=1)
    assert_the_list_fits(page)
    page.get_by_role("link", name="in grace after rotation").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    shots("filtered-in-grace")


def test_a_leaked_key_pasted_into_the_search_is_found_and_revoked(
    page: Page, server: Server, shots: Shots
):
    status, issued = server.master(
        "POST", "/cp/admin/partner-keys", {"name": "leaky-ci", "scopes": ["orgs:list"]}
    )
    assert status == 201
    leaked = issued["key"]
    open_keys(page)

    page.locator("#searchbar").fill(leaked)
    page.get_by_role("button", name="Search").click()

    expect(page.locator(".messagelist")).to_contain_text(f"The pasted key is {issued['id']}")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#searchbar")).to_have_value(issued["id"])
    assert leaked not in page.url and leaked not in page.content()
    shots("found-by-pasting")

    content(page).get_by_role("link", name="leaky-ci").click()
    page.locator(".object-tools").get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Yes, revoke").click()
    expect(page.locator(".field-state .cp-badge")).to_have_text("revoked")
    shots("revoked")
    assert server.api("GET", "/cp/admin/partner-keys", leaked)[0] == 401
    assert leaked not in server.log_text()


def test_an_org_is_deprovisioned_from_its_page(page: Page, server: Server, shots: Shots):
    server.master("POST", "/cp/admin/partners", {"name": "Initech", "slug": "initech"})
    key_body = {"name": "initech-ci", "scopes": ALL_SCOPES, "partner": "initech"}
    key = server.master("POST", "/cp/admin/partner-keys", key_body)[1]["key"]
    org = {"name": "Initech Prod", "slug": "initech-prod", "plan": "standard"}
    status, created = server.api("POST", "/cp/orgs", key, org)
    assert status == 201
    wait_for_status(server, key, created["id"], "ready")

    page.goto("/admin/")
    content(page).get_by_role("link", name="Partners", exact=True).click()
    content(page).get_by_role("link", name="Initech").click()
    expect(page.locator(".field-org_list")).to_contain_text("initech-prod")
    shots("partner-page-with-org")
    page.locator(".field-org_list").get_by_role("link", name="initech-prod").click()
    expect(page.locator(".field-status").first).to_contain_text("Ready")
    expect(page.locator("#subscription-group")).to_contain_text("active")
    expect(page.locator("#workspaces-group")).to_contain_text("mol_ws_")
    shots("org-page-ready")

    page.locator(".object-tools").get_by_role("link", name="Deprovision").click()
    expect(page.locator(".errornote")).to_contain_text("Deprovisioning is one-way")
    shots("deprovision-confirmation")
    page.get_by_role("button", name="Yes, deprovision").click()
    expect(page.locator(".messagelist")).to_contain_text("is being deprovisioned")
    expect(page.locator("#subscription-group")).to_contain_text("canceled")
    shots("deprovisioning")
    wait_for_status(server, key, created["id"], "deleted")
    page.reload()
    expect(page.locator(".field-status").first).to_contain_text("Deleted")
    expect(page.locator(".object-tools").get_by_role("link", name="Deprovision")).to_have_count(0)
    shots("deleted")


def wait_for_status(server: Server, key: str, org_id: str, wanted: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, body = server.api("GET", f"/cp/orgs/{org_id}/status", key)
        if status == 200 and body["status"] == wanted:
            return
        time.sleep(0.3)
    raise AssertionError(f"org {org_id} did not become {wanted}: {body}")
