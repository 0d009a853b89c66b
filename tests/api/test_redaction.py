"""No log line holds a key or token: a request carrying one in its path, a header and its body,
and an exception whose message holds one, leave only hints in the logs (issue 10)."""

from __future__ import annotations

import io
import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path

from core import tokens
from core.redaction import RedactingFilter, redact

pytestmark = pytest.mark.django_db

SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"


def leaky(request: HttpRequest, token: str) -> HttpResponse:
    """A view with a bug that puts what the caller sent into its exception."""
    raise RuntimeError(f"cannot use {request.headers['X-Api-Key']} with body {request.body!r}")


urlpatterns = [path("cp/leaky/<str:token>", leaky)]


def test_a_key_in_the_path_a_header_and_the_body_reaches_the_logs_only_as_its_hint(
    anon, settings, caplog
):
    settings.ROOT_URLCONF = __name__
    token = tokens.generate()
    caplog.set_level(logging.INFO)

    response = anon.post(
        f"/cp/leaky/{token}?access_token={token}",
        {"key": token},
        headers={"X-Api-Key": token, "User-Agent": token},
    )

    assert response.status_code == 500
    assert caplog.records, "the failure was logged"
    assert token not in caplog.text
    assert tokens.hint(token) in caplog.text  # people can still tell which key it was
    assert "cannot use mol_pk_" in caplog.text and "Traceback" in caplog.text


def test_the_filter_redacts_arguments_exception_text_and_stack_on_its_handler():
    token, workspace = tokens.generate(), tokens.generate(tokens.WORKSPACE_TOKEN_PREFIX)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("tests.redaction")
    log.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad secret {SECRET}")
        except ValueError:
            log.error("key %s, token %s", token, workspace, exc_info=True, stack_info=True)
    finally:
        log.removeHandler(handler)

    text = stream.getvalue()
    assert token not in text and workspace not in text and SECRET not in text
    assert tokens.hint(token) in text
    assert tokens.hint(workspace, tokens.WORKSPACE_TOKEN_PREFIX) in text
    assert "ValueError: bad secret whsec_QUJD…VldY" in text
    assert "Stack (most recent call last)" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /cp/orgs?access_token=mol_pk_abcdefghijklmnopqrstuvwxyz", "mol_pk_abcd…wxyz"),
        ("already a hint: mol_pk_abcd…wxyz", "already a hint: mol_pk_abcd…wxyz"),
        ("too short to be a key: mol_pk_abc", "too short to be a key: mol_pk_abc"),
    ],
)
def test_redact_replaces_token_shapes_with_hints_and_leaves_the_rest(text, expected):
    assert expected in redact(text)
    assert redact(redact(text)) == redact(text)


def test_every_record_is_redacted_even_on_a_handler_we_never_configured():
    token = tokens.generate()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # as a library or an error tracker would add one
    log = logging.getLogger("tests.redaction.unconfigured")
    log.addHandler(handler)
    try:
        log.warning("leaked %s", token)
    finally:
        log.removeHandler(handler)
    assert stream.getvalue() == f"leaked {tokens.hint(token)}\n"
