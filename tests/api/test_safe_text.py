"""Names people read refuse control, format and bidi-override characters (Trojan-Source style)."""

from __future__ import annotations

import pytest

from orgs.models import Org, Workspace
from partners.models import Partner, PartnerKey

pytestmark = pytest.mark.django_db

ORG = {"name": "Acme Corp", "slug": "acme-corp", "plan": "standard"}
UNSAFE = [
    "\u001b[31mred",  # ANSI escape (Cc)
    "Acme\u202etxt.exe",  # right-to-left override
    "Acme\u2066x\u2069",  # isolates
    "Ac\u200bme",  # zero-width space (Cf)
    "Acme\u200f",  # right-to-left mark
    "Acme\ufeff",  # byte order mark
    "Acme\u2028Corp",  # line separator
    "Acme\u0085Corp",  # next line (Cc)
    "line\nbreak",
    "tab\tinside",
]
# Text that writing needs: ZWJ emoji sequences, ZWNJ in Persian, accents, right-to-left script.
SAFE = [
    "👩\u200d💻 Lab",
    "می\u200cخواهم",  # noqa: RUF001 (Persian is the point)
    "Société Générale",
    "שלום",
    "Acme 株式会社",
]


def refused(response, *path: str) -> None:
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    for name in path:
        fields = fields[name]
    assert "control, format or bidirectional-override" in fields[0]


@pytest.mark.parametrize("text", UNSAFE)
def test_an_org_name_with_an_unsafe_character_is_refused(master, text):
    refused(master.post("/cp/orgs", {**ORG, "name": text}), "name")
    assert not Org.objects.exists()


def test_the_error_names_the_code_point_not_the_raw_character(master):
    response = master.post("/cp/orgs", {**ORG, "name": "Acme\u202etxt"})
    message = response.json()["error"]["fields"]["name"][0]
    assert "U+202E" in message
    assert "\u202e" not in response.content.decode()


@pytest.mark.parametrize("text", SAFE)
def test_names_in_any_script_are_accepted_as_sent(master, text):
    response = master.post("/cp/orgs", {**ORG, "name": text, "branding": {"display_name": text}})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == text
    assert response.json()["branding"]["display_name"] == text


@pytest.mark.parametrize("text", UNSAFE[:4])
def test_branding_metadata_and_external_id_refuse_unsafe_characters(master, text):
    refused(
        master.post("/cp/orgs", {**ORG, "branding": {"display_name": text}}),
        "branding",
        "display_name",
    )
    refused(master.post("/cp/orgs", {**ORG, "metadata": {"note": text}}), "metadata", "note")
    refused(master.post("/cp/orgs", {**ORG, "external_id": text}), "external_id")
    key_response = master.post("/cp/orgs", {**ORG, "metadata": {text: "v"}})
    assert key_response.status_code == 400
    assert "bidirectional-override" in key_response.json()["error"]["fields"]["metadata"][0]
    assert not Org.objects.exists()


def test_a_lone_surrogate_in_metadata_is_refused_not_a_500(master):
    refused(master.post("/cp/orgs", {**ORG, "metadata": {"note": "a\ud800"}}), "metadata", "note")
    assert master.post("/cp/orgs", {**ORG, "metadata": {"\udfff": "v"}}).status_code == 400
    assert not Org.objects.exists()


def test_an_org_rename_refuses_unsafe_characters(master):
    org = Org.objects.create(name="Acme", slug="acme-org", plan="standard", status="ready")
    refused(master.patch(f"/cp/orgs/{org.pk}", {"name": "\u202eemca"}), "name")
    assert Org.objects.get(pk=org.pk).name == "Acme"


def test_a_workspace_name_refuses_unsafe_characters(master):
    org = Org.objects.create(name="Acme", slug="acme-org", plan="standard", status="ready")
    refused(master.post(f"/cp/orgs/{org.pk}/workspaces", {"name": "ci\u001b[2J"}), "name")
    assert not Workspace.objects.exists()


def test_key_and_partner_names_refuse_unsafe_characters(master):
    body = {"name": "ci\u202e", "scopes": ["orgs:list"], "org_id": None}
    refused(master.post("/cp/admin/partner-keys", body), "name")
    assert not PartnerKey.objects.exists()
    refused(master.post("/cp/admin/partners", {"name": "Acme\u2067", "slug": "acme"}), "name")
    assert not Partner.objects.exists()
