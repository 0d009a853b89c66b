"""POST /cp/secret-scanning/reports: GitHub's signed report revokes our leaked keys and is answered
with a label per match; anything unsigned, mis-signed or unknown is 401 and changes nothing."""

from __future__ import annotations

import json
import logging

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core import tokens
from partners.models import PartnerKey
from tests.leaks.conftest import LEAK_URL, REPORTS_URL, TOKEN_TYPE, GitHubKey, match, sha256
from tests.scanner.conftest import look_alike

pytestmark = pytest.mark.django_db


def assert_refused(response, code: str = "invalid_signature", status: int = 401) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response["X-Request-Id"]
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="cp"'
    return error


def test_a_signed_report_revokes_a_live_key_and_its_next_call_is_refused(
    report, make_key, as_key, partner
):
    key, token = make_key(partner=partner)
    assert as_key(token).get("/cp/admin/partner-keys").status_code == 200

    response = report([match(token)])

    assert response.status_code == 200, response.content
    assert response.json() == [
        {"token_hash": sha256(token), "token_type": TOKEN_TYPE, "label": "true_positive"}
    ]
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.revoked_by == "github_secret_scanning"
    refused = as_key(token).get("/cp/admin/partner-keys")
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "The API key has been revoked."


def test_the_leak_is_in_the_partners_trail_with_the_url_and_the_call_in_ours(
    report, make_key, as_key, partner
):
    key, token = make_key(partner=partner)
    _, colleague = make_key(partner=partner, name="compliance")

    response = report([match(token)], headers={"User-Agent": "GitHub-Hookshot/abc"})

    events = AuditEvent.objects.filter(request_id=response["X-Request-Id"])
    leaked = events.get(action="partner_key.leaked")
    assert (leaked.actor_type, leaked.key_id, leaked.key_hint, leaked.partner_id) == (
        "github",
        key.id,
        key.hint,
        partner.id,
    )
    assert (leaked.target_type, leaked.target_id) == ("partnerkey", key.id)
    assert leaked.details == {"url": LEAK_URL, "source": "content", "token_type": TOKEN_TYPE}
    assert leaked.user_agent == "GitHub-Hookshot/abc"
    call = events.get(action="secret_scanning.report")
    assert (call.actor_type, call.status_code, call.path) == ("github", 200, REPORTS_URL)
    assert call.details == {"reported": 1, "true_positives": 1, "revoked": 1, "failed_key_ids": []}

    trail = as_key(colleague).get(f"/cp/admin/audit-events?key={key.id}&action=partner_key.leaked")
    (seen,) = trail.json()["data"]
    assert seen["actor"]["type"] == "github"
    assert seen["details"]["url"] == LEAK_URL


def test_a_wrong_signature_is_401_and_changes_nothing(report, make_key, github_key):
    key, token = make_key()
    impostor = GitHubKey(github_key.identifier, GitHubKey.new().private)

    response = report([match(token)], key=impostor)

    assert_refused(response)
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None
    event = AuditEvent.objects.get(request_id=response["X-Request-Id"])
    assert (event.actor_type, event.action, event.status_code) == (
        "anonymous",
        "secret_scanning.report",
        401,
    )


def test_a_body_changed_after_signing_is_401(report, make_key, github_key, anon):
    key, token = make_key()
    signed = json.dumps([match(tokens.generate())]).encode()
    forged = json.dumps([match(token)]).encode()

    response = anon.post(
        REPORTS_URL,
        forged,
        headers={
            "Github-Public-Key-Identifier": github_key.identifier,
            "Github-Public-Key-Signature": github_key.sign(signed),
        },
    )

    assert_refused(response)
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Github-Public-Key-Identifier": "IDENTIFIER"},
        {"Github-Public-Key-Signature": "SIGNATURE"},
        {
            "Github-Public-Key-Identifier": "IDENTIFIER",
            "Github-Public-Key-Signature": "not base64!",
        },
    ],
    ids=["unsigned", "no-signature", "no-identifier", "signature-not-base64"],
)
def test_an_unsigned_or_half_signed_call_is_401(keys_file, github_key, make_key, anon, headers):
    key, token = make_key()
    body = json.dumps([match(token)]).encode()
    named = {
        name: github_key.identifier
        if value == "IDENTIFIER"
        else github_key.sign(body)
        if value == "SIGNATURE"
        else value
        for name, value in headers.items()
    }

    assert_refused(anon.post(REPORTS_URL, body, headers=named))
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None


def test_an_unknown_key_identifier_is_401(report, make_key):
    key, token = make_key()
    stranger = GitHubKey.new()  # a valid signature, by a key that is not in the list

    error = assert_refused(report([match(token)], key=stranger))

    assert "Github-Public-Key-Identifier" in error["message"]
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None


def test_when_no_keys_are_configured_the_endpoint_is_off(report, make_key, settings, anon):
    key, token = make_key()
    settings.CP_SECRET_SCANNING_PUBLIC_KEYS = ""

    response = report([match(token)])

    assert_refused(response, "not_found", 404)
    assert (
        response.json()["error"]["message"]
        == (anon.get("/cp/no-such-route").json()["error"]["message"])
    )
    assert not response.has_header("RateLimit-Policy")
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None


def test_the_same_report_twice_is_answered_the_same_and_changes_nothing_the_second_time(
    report, make_key, partner
):
    key, token = make_key(partner=partner)
    body = [match(token), match(tokens.generate())]

    first = report(body)
    revoked = PartnerKey.objects.get(pk=key.pk)
    second = report(body)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    again = PartnerKey.objects.get(pk=key.pk)
    assert (again.revoked_at, again.revoked_by) == (revoked.revoked_at, revoked.revoked_by)
    assert AuditEvent.objects.filter(action="partner_key.leaked").count() == 1
    second_call = AuditEvent.objects.get(request_id=second["X-Request-Id"])
    assert second_call.details["revoked"] == 0


def test_a_batch_is_labelled_match_by_match_and_only_the_live_key_changes(
    report, make_key, partner, master
):
    live, live_token = make_key(partner=partner, name="live")
    revoked, revoked_token = make_key(partner=partner, name="revoked")
    assert master.delete(f"/cp/admin/partner-keys/{revoked.id}").status_code == 204
    revoked.refresh_from_db()
    bad_checksum = look_alike(tokens.generate())
    unknown = tokens.generate()
    workspace_token = tokens.generate(tokens.WORKSPACE_TOKEN_PREFIX)

    response = report(
        [
            match(revoked_token),
            match(bad_checksum),
            match(live_token, type="other_type"),
            match(unknown),
            match(workspace_token),
            match(live_token),
        ]
    )

    assert response.status_code == 200
    assert [(r["token_hash"], r["token_type"], r["label"]) for r in response.json()] == [
        (sha256(revoked_token), TOKEN_TYPE, "true_positive"),
        (sha256(bad_checksum), TOKEN_TYPE, "false_positive"),
        (sha256(live_token), "other_type", "true_positive"),
        (sha256(unknown), TOKEN_TYPE, "false_positive"),
        (sha256(workspace_token), TOKEN_TYPE, "false_positive"),
        (sha256(live_token), TOKEN_TYPE, "true_positive"),
    ]
    live.refresh_from_db()
    assert live.revoked_by == "github_secret_scanning"
    still = PartnerKey.objects.get(pk=revoked.pk)
    assert (still.revoked_at, still.revoked_by) == (revoked.revoked_at, "master")
    assert PartnerKey.objects.count() == 2
    assert list(
        AuditEvent.objects.filter(action="partner_key.leaked").values_list("key_id", flat=True)
    ) == [live.id]


def test_an_expired_key_or_one_of_a_deactivated_partner_is_revoked_too(
    report, make_key, partner, master
):
    """Neither authenticates today, but a reactivated partner would revive the leaked key."""
    expired, expired_token = make_key(partner=partner)
    PartnerKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    dormant, dormant_token = make_key(partner=partner)
    assert master.patch("/cp/admin/partners/acme", {"active": False}).status_code == 200

    response = report([match(expired_token), match(dormant_token)])

    assert [r["label"] for r in response.json()] == ["true_positive", "true_positive"]
    assert PartnerKey.objects.filter(revoked_by="github_secret_scanning").count() == 2
    assert master.patch("/cp/admin/partners/acme", {"active": True}).status_code == 200
    assert PartnerKey.objects.get(pk=dormant.pk).status == "revoked"


def test_fields_github_adds_later_are_ignored_but_wrong_types_are_400(report, make_key):
    _, token = make_key()

    wrong = report([{"token": 12345, "type": TOKEN_TYPE}])
    newer = report([match(token, repository="octocat/Hello-World"), {"token": "x", "type": "t"}])

    assert_refused(wrong, "validation_error", 400)
    assert newer.status_code == 200
    assert [r["label"] for r in newer.json()] == ["true_positive", "false_positive"]


@pytest.mark.parametrize("body", [b'[{"token": "x", ', b"NaN", b'{"token": "x"}'])
def test_a_signed_body_that_is_not_a_json_array_of_matches_is_400(report, body):
    response = report(body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"malformed_json", "validation_error"}


def test_an_empty_report_is_an_empty_answer(report):
    response = report([])

    assert (response.status_code, response.json()) == (200, [])


def test_reports_are_limited_per_client_ip_with_the_ietf_headers(report, settings):
    settings.CP_SECRET_SCANNING_RATE = "2/m"

    answers = [report([], REMOTE_ADDR="192.0.2.1") for _ in range(3)]
    elsewhere = report([], REMOTE_ADDR="192.0.2.2")

    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[2]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "address" in refused.json()["error"]["message"]
    assert int(refused["Retry-After"]) > 0
    assert refused["RateLimit-Policy"] == '"ip";q=2;w=60'
    assert refused["RateLimit"].startswith('"ip";r=0;t=')
    assert answers[0]["RateLimit"].startswith('"ip";r=1;t=')
    assert elsewhere.status_code == 200
    event = AuditEvent.objects.get(request_id=refused["X-Request-Id"])
    assert (event.action, event.status_code) == ("rate_limit.exceeded", 429)


def test_no_token_reaches_a_log_line_an_audit_event_or_the_answer(
    report, make_key, partner, caplog
):
    _, token = make_key(partner=partner)
    unknown = tokens.generate()
    caplog.set_level(logging.DEBUG)

    response = report([match(token), match(unknown), match(f"junk {token} junk")])

    assert response.status_code == 200
    written = json.dumps(list(AuditEvent.objects.values()), default=str)
    for secret in (token, unknown):
        assert secret not in caplog.text
        assert secret not in written
        assert secret not in response.content.decode()


def test_a_get_is_405_with_allow(report, anon):
    response = anon.get(REPORTS_URL)

    assert response.status_code == 405
    assert "POST" in response["Allow"]


def test_a_reported_key_is_announced_once_as_leaked_to_its_partners_webhooks(
    report, make_key, partner
):
    from webhooks.models import Event

    key, token = make_key(partner=partner)

    report([match(token)])
    report([match(token)])  # the same report again changes nothing

    events = Event.objects.filter(type__startswith="partner_key.")
    assert [event.type for event in events] == ["partner_key.leaked"]
    assert events[0].partner_id == partner.pk
    assert token not in events[0].body and events[0].data["id"] == key.id
