"""schemathesis hooks of the live contract test (SCHEMATHESIS_HOOKS=tests.live.schemathesis_hooks).

The schema says what a request looks like, not which ids exist (a drawn `partner` or
`endpoint_id` names nothing, and the API rightly answers 400), nor how two fields relate
(`since` after `until`), nor what "now" is (`expires_at` must be in the future). Before each call
such values are pointed at things the test made (schemathesis re-validates the case afterwards,
so a negative case that became valid is judged as a valid one). The run's own key is never
revoked or rotated (an id that names it is swapped for a sibling key's, which a partner key may
not touch: 403), and the endpoint it redelivers to is never deleted (a spare one is instead).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import schemathesis

PARTNER = "CP_SCHEMATHESIS_PARTNER"  # slug of the partner the test made
ENDPOINT = "CP_SCHEMATHESIS_ENDPOINT"  # a webhook endpoint of that partner
OWN_KEY = "CP_SCHEMATHESIS_OWN_KEY"  # the key this run calls with ("" for the master key)
SIBLING_KEY = "CP_SCHEMATHESIS_SIBLING_KEY"  # another key of the same partner
SPARE_ENDPOINT = "CP_SCHEMATHESIS_SPARE_ENDPOINT"  # another endpoint, free to delete

# operationId → (where, field, environment variable holding the value to send; "" sends null)
REFERENCES: dict[str, list[tuple[str, str, str]]] = {
    "partner_keys_create": [("body", "partner", PARTNER), ("body", "org_id", "")],
    "audit_events_list": [("query", "partner", PARTNER)],
    "events_redeliver": [("body", "endpoint_id", ENDPOINT)],
}
FUTURE = "2999-01-01T00:00:00Z"
# What the run needs to the end, never revoked or deleted: operationId → (the id the run needs,
# the stand-in a call naming it is sent to instead).
KEPT: dict[str, tuple[str, str]] = {
    "partner_keys_revoke": (OWN_KEY, SIBLING_KEY),
    "partner_keys_rotate": (OWN_KEY, SIBLING_KEY),
    "webhook_endpoints_delete": (ENDPOINT, SPARE_ENDPOINT),
}


# Two DELETEs keep their resource readable, as the contract says: revoking a key is soft (it
# stays, `status: "revoked"`, for the audit trail), and deleting an org answers 202 and shows it
# `deleting`, then `deleted`. "Still there after DELETE" (ST301) is that promise kept.
SOFT_DELETES = frozenset({"DELETE /cp/admin/partner-keys/{id}", "DELETE /cp/orgs/{id}"})


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but the use-after-free of a soft delete."""
    return not (failure.code == "ST301" and failure.operation in SOFT_DELETES)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    operation_id = case.operation.definition.raw.get("operationId", "")
    for where, field, variable in REFERENCES.get(operation_id, []):
        container = case.body if where == "body" else case.query
        if isinstance(container, dict) and isinstance(container.get(field), str):
            container[field] = os.environ[variable] if variable else None
    if operation_id == "audit_events_list" and isinstance(case.query, dict):
        since, until = case.query.get("since"), case.query.get("until")
        if isinstance(since, str) and isinstance(until, str) and since > until:
            case.query["since"], case.query["until"] = until, since  # (a 400 the schema can't say)
    if operation_id == "partner_keys_create" and isinstance(case.body, dict):
        expires = case.body.get("expires_at")
        if isinstance(expires, str) and _in_the_past(expires):
            case.body["expires_at"] = FUTURE  # (a key must expire in the future)
    if operation_id in KEPT:
        kept, stand_in = KEPT[operation_id]
        if os.environ.get(kept) and (case.path_parameters or {}).get("id") == os.environ[kept]:
            case.path_parameters["id"] = os.environ[stand_in]


def _in_the_past(value: str) -> bool:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False  # not a date-time: the server's 400 is the right answer
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment <= datetime.now(UTC)
