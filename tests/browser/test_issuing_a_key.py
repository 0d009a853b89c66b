"""A new account-team member's day in Chromium (1280 x 900), clicking only what a person clicks.

Sign in, create a partner, issue a key and read it off the reveal page, call the API with it,
reload the reveal page (the key is gone), rotate from the key's page, read the lineage and both
states, revoke from the key's page (both keys) and watch the API refuse them.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, Shots

KEY = re.compile(r"^mol_pk_[0-9A-Za-z]{49}$")


def content(page: Page):
    """The page's own content (not the header or the breadcrumbs)."""
    return page.locator("#content")


def assert_the_list_fits(page: Page) -> None:
    """No column of the list is cut off or behind a scrollbar at 1280 px."""
    results, visible, page_width = page.evaluate(
        "() => { const r = document.querySelector('#changelist .results');"
        " return [r.scrollWidth, r.clientWidth, document.documentElement.scrollWidth]; }"
    )
    assert results <= visible, f"the list is {results} px wide in a {visible} px box"
    assert page_width <= 1280


def test_a_new_teammate_issues_rotates_and_revokes_a_key(page: Page, server: Server, shots: Shots):
    page.goto("/admin/")  # the only URL typed: everything else is a click
    expect(page.locator("#site-name")).to_have_text("Molecule control plane")

    # Create a partner.
    content(page).get_by_role("link", name="Partners", exact=True).click()
    page.get_by_role("link", name="Add partner").click()
    page.get_by_role("textbox", name="Name").fill("Acme Corp")
    page.get_by_label("Slug").fill("acme-corp")
    page.get_by_label("Plan").select_option("enterprise")
    shots("new-partner-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Next: issue it a key")
    shots("partner-created")

    # Issue it a key; the reveal page shows it once.
    page.get_by_role("link", name="Issue a key for this partner").click()
    expect(page.get_by_label("Partner")).to_have_value(re.compile("^prt_"))
    page.get_by_role("textbox", name="Name").fill("acme-ci-pipeline")
    page.get_by_label("orgs:create: Create orgs").check()
    page.get_by_label("orgs:list: List and read orgs").check()
    shots("issue-form")
    page.get_by_role("button", name="Issue key").click()
    expect(page.locator(".errornote")).to_contain_text("only time this key is shown")
    first_key = page.locator("#issued-key").input_value()
    assert KEY.match(first_key)
    shots("reveal")

    # The partner's integration calls the API with it.
    status, listing = server.api("GET", "/cp/admin/partner-keys", first_key)
    assert status == 200
    assert [k["name"] for k in listing["data"]] == ["acme-ci-pipeline"]
    first_id = listing["data"][0]["id"]

    # Reloading the reveal page shows no key (the form was already used).
    page.reload()
    expect(page.locator(".messagelist")).to_contain_text("already submitted")
    expect(page.locator("#issued-key")).to_have_count(0)
    assert first_key not in page.content()
    shots("reveal-reloaded")

    # To the key's page: active, with Rotate and Revoke.
    page.locator(".breadcrumbs").get_by_role("link", name="Partner keys").click()
    shots("key-list-one-key")
    content(page).get_by_role("link", name="acme-ci-pipeline").click()
    expect(page.locator(".field-state .cp-badge")).to_have_text("active")
    shots("key-page-active")

    # Rotate from the key's page.
    page.locator(".object-tools").get_by_role("link", name="Rotate").click()
    expect(page.get_by_label("Grace seconds")).to_have_value("86400")
    shots("rotate-confirmation")
    page.get_by_role("button", name="Yes, rotate this key").click()
    second_key = page.locator("#issued-key").input_value()
    assert KEY.match(second_key) and second_key != first_key
    expect(page.locator("#content-main")).to_contain_text("keeps working until")
    shots("reveal-rotated")
    assert server.api("GET", "/cp/admin/partner-keys", second_key)[0] == 200
    assert server.api("GET", "/cp/admin/partner-keys", first_key)[0] == 200  # in grace

    # Lineage, both ways, and both states.
    page.get_by_role("link", name="I have stored the key").click()
    expect(page.locator(".field-state .cp-badge")).to_have_text("active")
    expect(page.locator(".field-rotated_from_key")).to_contain_text(first_id)
    expect(page.locator(".field-rotated_from_key .cp-badge")).to_have_text("in grace")
    shots("new-key-page-rotated-from")
    page.locator(".field-rotated_from_key").get_by_role("link", name=first_id).click()
    expect(page.locator(".field-state .cp-badge")).to_have_text("in grace")
    expect(page.locator(".field-rotated_to_key")).to_contain_text("This key keeps working until")
    expect(page.locator(".object-tools").get_by_role("link", name="Rotate")).to_have_count(0)
    shots("old-key-page-rotated-to")
    page.locator(".breadcrumbs").get_by_role("link", name="Partner keys").click()
    page.locator("#changelist-filter").get_by_role("link", name="Acme Corp (acme-corp)").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator(".cp-badge")).to_have_text(["active", "in grace"])
    shots("key-list-after-rotation")
    assert_the_list_fits(page)

    # Revoke the new key from its page: the page offers to revoke the old one too.
    rows.first.get_by_role("link", name="acme-ci-pipeline").click()
    page.locator(".object-tools").get_by_role("link", name="Revoke").click()
    expect(page.locator(".cp-callout")).to_contain_text("This key replaced a key that still works")
    shots("revoke-confirmation-both")
    page.get_by_role("button", name=re.compile("^Revoke both")).click()
    expect(page.locator(".messagelist")).to_contain_text("Revoked 2 key(s)")
    expect(page.locator(".field-state .cp-badge")).to_have_text("revoked")
    expect(page.locator(".object-tools").get_by_role("link", name="Revoke")).to_have_count(0)
    shots("revoked")

    # The API refuses both keys from now on.
    for key in [first_key, second_key]:
        status, body = server.api("GET", "/cp/admin/partner-keys", key)
        assert (status, body["error"]["code"]) == (401, "unauthenticated")
    page.locator(".breadcrumbs").get_by_role("link", name="Partner keys").click()
    page.locator("#changelist-filter").get_by_role("link", name="Acme Corp (acme-corp)").click()
    expect(rows.locator(".cp-badge")).to_have_text(["revoked", "revoked"])
    shots("key-list-both-revoked")

    log = server.log_text()
    assert first_key not in log and second_key not in log
