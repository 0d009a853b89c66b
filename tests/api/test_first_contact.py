"""A partner's first calls: `/cp/` says where to start, and the usual first mistakes get messages
that say what to send instead."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from core import tokens

pytestmark = pytest.mark.django_db

SEND_BEARER = 'Send "Authorization: Bearer mol_pk_…" (a partner key, or the admin master key).'


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    return error


def test_the_api_root_is_a_small_index_of_where_to_start_without_a_key(anon, settings):
    settings.CP_PARTNER_GUIDE_URL = "https://docs.example.com/partner-guide"
    response = anon.get("/cp/")
    assert response.status_code == 200
    assert response.json() == {
        "name": "Molecule AI control plane (/cp/)",
        "docs": "/cp/docs/",
        "openapi": "/cp/openapi.json",
        "health": "/healthz",
        "guide": "https://docs.example.com/partner-guide",
    }
    assert AuditEvent.objects.get(request_id=response["X-Request-Id"]).action == "api.index"


def test_the_index_links_lead_somewhere(anon):
    index = anon.get("/cp/").json()
    assert anon.get(index["docs"]).status_code == 200
    assert anon.get(index["openapi"]).json()["openapi"] == "3.1.0"
    assert anon.get(index["health"]).json() == {"status": "ok"}


def test_a_call_without_a_key_says_how_to_send_one(anon):
    response = anon.get("/cp/orgs")
    error = error_of(response, 401, "unauthenticated")
    assert error["message"] == f"No API key. {SEND_BEARER}"
    assert response["WWW-Authenticate"] == 'Bearer realm="cp"'


@pytest.mark.parametrize("scheme", ["Basic", "Token", "bearer-token"])
def test_another_authorization_scheme_is_named_and_bearer_asked_for(anon, scheme):
    response = anon.get("/cp/orgs", headers={"Authorization": f"{scheme} abc123"})
    error = error_of(response, 401, "unauthenticated")
    assert error["message"] == (
        f"The Authorization header uses the {scheme} scheme, not Bearer. {SEND_BEARER}"
    )


def test_a_key_sent_without_the_bearer_word_is_not_echoed_back(anon):
    token = tokens.generate()
    response = anon.get("/cp/orgs", headers={"Authorization": token})
    error = error_of(response, 401, "unauthenticated")
    assert error["message"] == f'The Authorization header is not "Bearer <key>". {SEND_BEARER}'
    assert token not in response.content.decode()


def test_a_body_that_is_not_json_is_415_saying_which_content_type_to_send(master):
    response = master.post("/cp/admin/partners", "name=Acme", content_type="text/plain")
    error = error_of(response, 415, "unsupported_media_type")
    assert error["message"] == (
        'Unsupported media type "text/plain" in request. Send Content-Type: application/json.'
    )


@pytest.mark.parametrize(
    ("path", "bare"),
    [("/cp/orgs/", "/cp/orgs"), ("/cp/admin/partner-keys/pak_x/", "/cp/admin/partner-keys/pak_x")],
)
def test_a_trailing_slash_is_a_404_that_names_the_path_without_it(master, path, bare):
    for response in (master.get(path), master.post(path, {})):
        error = error_of(response, 404, "not_found")
        assert error["message"] == (
            f"No such endpoint: /cp/ paths have no trailing slash. Use {bare} instead."
        )


def test_a_trailing_slash_on_a_path_that_does_not_exist_either_is_a_plain_404(master):
    error = error_of(master.get("/cp/nothing/here/"), 404, "not_found")
    assert error["message"] == "No such endpoint or resource."


def test_a_trailing_slash_hint_never_repeats_a_key_in_the_path(master):
    token = tokens.generate()
    error = error_of(master.get(f"/cp/admin/partner-keys/{token}/"), 404, "not_found")
    assert token not in error["message"]
    assert tokens.hint(token) in error["message"]


def test_a_bad_cursor_says_to_pass_next_cursor_unchanged(master):
    error = error_of(master.get("/cp/admin/partner-keys?cursor=zzz"), 400, "validation_error")
    assert error["fields"] == {
        "cursor": [
            "Not a cursor this API issued: pass the next_cursor of the previous page unchanged, "
            "or leave cursor out for the first page."
        ]
    }


def test_413_says_the_limit_in_bytes(master, settings):
    settings.CP_MAX_BODY_BYTES = 1000
    response = master.post("/cp/admin/partners", {"name": "x" * 2000, "slug": "big"})
    error = error_of(response, 413, "payload_too_large")
    assert error["message"] == (
        "The request body is larger than this API accepts (at most 1000 bytes)."
    )
