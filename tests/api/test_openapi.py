"""The OpenAPI 3.1 schema: served at /cp/openapi.json (and /openapi.json), committed as
docs/openapi.json, and describing what each operation really answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from drf_spectacular.generators import EndpointEnumerator

from audit.models import AuditEvent
from core.errors import STATUS_BY_CODE
from core.schema_errors import ERROR_MESSAGES
from orgs.api import OrgViewSet
from webhooks.api import EventViewSet, WebhookEndpointViewSet

pytestmark = pytest.mark.django_db

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
METHODS = {"get", "post", "patch", "put", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(COMMITTED.read_text())


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def response_ref(operation: dict, status: str) -> str:
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]


def test_the_committed_schema_is_what_the_code_generates(tmp_path):
    generated = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--validate", "--file", str(generated))
    assert generated.read_text() == COMMITTED.read_text(), (
        "docs/openapi.json is out of date: run `make schema` and commit it."
    )


def test_the_schema_is_served_at_both_addresses_without_a_key(anon):
    served = anon.get("/cp/openapi.json")
    assert served.status_code == 200
    assert served["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert served["X-Request-Id"].startswith("req_")
    assert served.json() == json.loads(COMMITTED.read_text())
    assert anon.get("/openapi.json").json() == served.json()


def test_a_bad_key_does_not_stop_anyone_reading_the_schema_and_the_read_is_audited(anon):
    served = anon.get("/cp/openapi.json", token="mol_pk_not-a-key")
    assert served.status_code == 200
    event = AuditEvent.objects.get(request_id=served["X-Request-Id"])
    assert (event.action, event.status_code, event.path) == ("api.schema", 200, "/cp/openapi.json")


def test_it_is_openapi_3_1_with_the_bearer_scheme_and_the_error_envelope(schema):
    assert schema["openapi"] == "3.1.0"
    assert schema["components"]["securitySchemes"]["partnerKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A `mol_pk_…` partner key, or the admin master key for /cp/admin/.",
    }
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "request_id"}
    assert "fields" in error["properties"]


def test_every_operation_of_the_api_is_documented(schema):
    documented = {(path, method) for path, method, _ in operations(schema)}
    served = {
        (path.replace("{pk}", "{id}"), method.lower())
        for path, _, method, _ in EndpointEnumerator().get_api_endpoints()
        if path not in ("/cp/openapi.json", "/openapi.json", "/cp/docs/")  # the schema itself
    }
    assert served == documented - {("/healthz", "get")}
    assert len(documented) == 32


def test_every_operation_answers_the_envelope_with_a_request_id_on_every_status(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            assert "X-Request-Id" in response["headers"], (method, path, status)
            if status >= "400":
                assert response_ref(operation, status) == "#/components/schemas/Error"


def test_every_bearer_operation_documents_401_429_and_503_with_their_headers(schema):
    for path, method, operation in operations(schema):
        if {"partnerKey": []} not in operation.get("security", []):
            continue
        responses = operation["responses"]
        assert {"400", "401", "429", "503"} <= set(responses), (method, path)
        assert "WWW-Authenticate" in responses["401"]["headers"]
        assert responses["429"]["headers"]["Retry-After"]["required"] is True
        assert "RateLimit" in responses["200" if "200" in responses else min(responses)]["headers"]


SCOPED = {
    "orgs_create": (OrgViewSet, "create"),
    "orgs_list": (OrgViewSet, "list"),
    "orgs_retrieve": (OrgViewSet, "retrieve"),
    "orgs_status": (OrgViewSet, "org_status"),
    "orgs_update": (OrgViewSet, "partial_update"),
    "orgs_delete": (OrgViewSet, "destroy"),
    "orgs_workspaces_list": (OrgViewSet, "workspaces"),
    "orgs_workspaces_create": (OrgViewSet, "create_workspace"),
    "orgs_billing": (OrgViewSet, "billing"),
    "webhook_endpoints_create": (WebhookEndpointViewSet, "create"),
    "webhook_endpoints_rotate_secret": (WebhookEndpointViewSet, "rotate_secret"),
    "events_list": (EventViewSet, "list"),
    "events_redeliver": (EventViewSet, "redeliver"),
}


def test_the_scopes_each_operation_needs_come_from_the_views(schema):
    by_id = {op["operationId"]: op for _, _, op in operations(schema)}
    for operation_id, (view, action) in SCOPED.items():
        needed = list(view.required_scopes[action])
        assert by_id[operation_id]["x-required-scopes"] == needed, operation_id
        assert " or ".join(f"`{s}`" for s in needed) in by_id[operation_id]["description"]
    assert by_id["orgs_status"]["x-required-scopes"] == ["orgs:list", "orgs:create"]
    assert by_id["partner_keys_list"]["x-required-scopes"] == []  # any key
    assert "the admin master key only" in by_id["partners_create"]["description"]
    assert "x-required-scopes" not in by_id["credentials_revoke"]  # no key at all


def test_the_six_operations_the_old_schema_got_wrong_are_described_as_they_answer(schema):
    paths = schema["paths"]
    org = "/cp/orgs/{id}"
    assert response_ref(paths[f"{org}/status"]["get"], "200").endswith("/OrgStatus")
    assert response_ref(paths[f"{org}/billing"]["get"], "200").endswith("/Billing")
    assert response_ref(paths[f"{org}/workspaces"]["get"], "200").endswith(
        "/PaginatedWorkspaceList"
    )
    assert response_ref(paths[f"{org}/workspaces"]["post"], "201").endswith("/IssuedWorkspace")
    for path in ("/cp/admin/partner-keys", "/cp/admin/partner-keys/{id}/rotate"):
        responses = paths[path]["post"]["responses"]
        assert "200" not in responses
        assert response_ref(paths[path]["post"], "201").endswith("/IssuedKey")
        assert responses["201"]["headers"]["Location"]["required"] is True


def test_fields_that_can_be_null_say_so(schema):
    components = schema["components"]["schemas"]
    for component, field in [
        ("PartnerKey", "org_id"),
        ("PartnerKey", "partner"),
        ("PartnerKey", "expires_at"),
        ("IssuedKey", "key"),  # null in an idempotent replay
        ("IssuedWorkspace", "token"),
        ("IssuedEndpoint", "secret"),
        ("OrgStatus", "ready_at"),
        ("OrgStatus", "login_url"),
        ("Billing", "current_period_start"),
    ]:
        assert "null" in components[component]["properties"][field]["type"], (component, field)
    billing_status = components["Billing"]["properties"]["status"]["oneOf"]
    assert {"$ref": "#/components/schemas/NullEnum"} in billing_status


def test_requests_refuse_unknown_fields_and_name_their_enums(schema):
    components = schema["components"]["schemas"]
    assert components["OrgCreateRequest"]["additionalProperties"] is False
    assert components["PartnerKeyCreateRequest"]["additionalProperties"] is False
    assert components["ScopesEnum"]["enum"] == [
        "orgs:create",
        "orgs:list",
        "orgs:update",
        "orgs:delete",
        "workspaces:create",
        "billing:read",
        "webhooks:manage",
    ]
    assert components["OrgStatusEnum"]["enum"] == [
        "provisioning",
        "ready",
        "failed",
        "deleting",
        "deleted",
    ]
    assert components["OrgPlanEnum"]["enum"] == ["standard", "enterprise"]


def test_every_error_code_has_words_in_the_schema():
    assert set(ERROR_MESSAGES) == set(STATUS_BY_CODE)


def test_idempotent_posts_document_the_header_and_the_answers_it_adds(schema):
    create = schema["paths"]["/cp/orgs"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert {"409", "422"} <= set(create["responses"])
    assert "Idempotent-Replayed" in create["responses"]["201"]["headers"]


def test_the_docs_page_is_swagger_ui_from_our_own_static_files(anon, client):
    page = anon.get("/cp/docs/")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "/cp/openapi.json" in html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert not re.search(r'(?:src|href)="https?://', html), "assets must be served by us"
    event = AuditEvent.objects.get(request_id=page["X-Request-Id"])
    assert event.action == "api.docs"
