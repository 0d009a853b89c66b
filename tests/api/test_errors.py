"""Every error under /cp/ is the JSON envelope with the request id: never HTML, never a bare 500."""

import json

import pytest
from django.urls import path

from partners.models import PartnerKey

pytestmark = pytest.mark.django_db


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = json.loads(response.content)["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response["X-Request-Id"]
    assert error["request_id"].startswith("req_")
    return error


def test_malformed_json_is_400(master):
    response = master.post("/cp/admin/partner-keys", '{"name": "x", ')
    assert_envelope(response, 400, "malformed_json")
    assert PartnerKey.objects.count() == 0


def test_a_json_array_instead_of_an_object_is_400_validation_error(master):
    error = assert_envelope(
        master.post("/cp/admin/partner-keys", ["name"]), 400, "validation_error"
    )
    assert "non_field_errors" in error["fields"]


def test_a_wrong_content_type_is_415(master):
    response = master.post(
        "/cp/admin/partner-keys",
        "name=x&scopes=orgs:list",
        content_type="application/x-www-form-urlencoded",
    )
    assert_envelope(response, 415, "unsupported_media_type")


def test_a_body_over_the_limit_is_413_before_it_is_read(master, settings):
    big = {"name": "x" * (settings.CP_MAX_BODY_BYTES + 1), "scopes": []}
    assert_envelope(master.post("/cp/admin/partner-keys", big), 413, "payload_too_large")
    assert PartnerKey.objects.count() == 0


def test_an_unknown_cp_path_is_a_json_404(master):
    assert_envelope(master.get("/cp/nothing/here"), 404, "not_found")


def test_a_wrong_method_is_405_with_allow(master, make_key):
    key, _ = make_key()
    response = master.call("put", f"/cp/admin/partner-keys/{key.id}", {})
    assert_envelope(response, 405, "method_not_allowed")
    assert "DELETE" in response["Allow"] and "GET" in response["Allow"]


def test_not_acceptable_accept_header_is_406(master):
    response = master.get("/cp/admin/partner-keys", headers={"Accept": "text/html"})
    assert_envelope(response, 406, "not_acceptable")


def boom(request):
    raise RuntimeError("kaboom with a secret mol_pk_should_not_leak")


urlpatterns = [path("cp/boom", boom)]


def test_an_unhandled_error_is_a_json_500_that_hides_the_details(anon, settings, caplog):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    response = anon.get("/cp/boom")
    error = assert_envelope(response, 500, "internal_error")
    assert "kaboom" not in response.content.decode()
    assert error["request_id"] in caplog.text


def test_every_response_carries_a_request_id(anon):
    assert anon.get("/healthz")["X-Request-Id"].startswith("req_")
