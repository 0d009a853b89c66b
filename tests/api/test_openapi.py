"""The OpenAPI schema is public JSON that describes every /cp/ endpoint and the bearer scheme."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_lists_the_contract_endpoints_and_bearer_auth(anon):
    response = anon.get("/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = response.json()
    for path in (
        "/cp/admin/partners",
        "/cp/admin/partner-keys",
        "/cp/admin/partner-keys/{id}/rotate",
        "/cp/orgs",
        "/cp/orgs/{id}/status",
        "/cp/orgs/{id}/workspaces",
        "/cp/orgs/{id}/billing",
        "/cp/admin/audit-events",
        "/cp/secret-scanning/reports",
        "/cp/credentials/revoke",
    ):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["partnerKey"]["scheme"] == "bearer"
