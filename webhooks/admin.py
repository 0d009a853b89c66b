"""Read-only screens for webhook endpoints, events and deliveries, with one write: redeliver.

Signing secrets are never shown (not even encrypted). Redelivering makes a new delivery of the
same event (same `webhook-id`) to the same endpoint, sent by the worker.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.admin_readonly import ReadOnly, ReadOnlyInline
from webhooks.models import Delivery, DeliveryAttempt, Event, WebhookEndpoint
from webhooks.outbox import deliveries_create
from webhooks.selectors import endpoints_receiving

RECENT = 20


def _deliveries_table(deliveries: QuerySet[Delivery]) -> str:
    rows = format_html_join(
        "",
        "<tr><td><a href='{}'>{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>",
        (
            (
                reverse("admin:webhooks_delivery_change", args=[item.pk]),
                item.pk,
                item.event.type,
                item.status,
                item.attempts,
                item.last_status_code or "—",
                item.last_error or "",
            )
            for item in deliveries[:RECENT]
        ),
    )
    head = mark_safe(
        "<tr><th>delivery</th><th>event</th><th>status</th><th>attempts</th><th>HTTP</th>"
        "<th>error</th></tr>"
    )
    return format_html("<table>{}{}</table>", head, rows)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["url", "partner", "owner_family_id", "enabled", "disabled_reason", "created_at"]
    list_filter = ["enabled", "partner"]
    list_select_related = ["partner"]
    search_fields = ["=id", "url", "partner__slug", "owner_family_id"]
    exclude = ["secret_encrypted", "previous_secret_encrypted"]
    readonly_fields = [
        "id",
        "partner",
        "owner_family_id",
        "created_by_key",
        "url",
        "events",
        "description",
        "enabled",
        "disabled_at",
        "disabled_reason",
        "failing_since",
        "secret_rotated_at",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
        "recent_deliveries",
    ]

    @admin.display(description=f"recent deliveries (last {RECENT})")
    def recent_deliveries(self, endpoint: WebhookEndpoint) -> str:
        return _deliveries_table(endpoint.deliveries.select_related("event").order_by("-id"))


class DeliveryAttemptInline(ReadOnlyInline, admin.TabularInline):
    model = DeliveryAttempt
    readonly_fields = (
        "number",
        "started_at",
        "duration_ms",
        "status_code",
        "error",
        "next_attempt_at",
    )
    fields = readonly_fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "endpoint__partner", "event__type"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["=id", "=event__id", "endpoint__url", "endpoint__partner__slug"]
    readonly_fields = [
        "id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_expires_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    ]
    inlines = [DeliveryAttemptInline]
    actions = ["redeliver"]

    @admin.display(description="event")
    def event_type(self, item: Delivery) -> str:
        return item.event.type

    @admin.action(description="Redeliver selected (same event, same endpoint)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        items = list(queryset.select_related("event", "endpoint"))
        sendable = [item for item in items if item.endpoint.enabled]
        with transaction.atomic():
            for item in sendable:
                deliveries_create(event=item.event, endpoints=[item.endpoint])
                self.log_change(request, item, "Redelivered.")
        skipped = len(items) - len(sendable)
        note = f" ({skipped} skipped: endpoint disabled)" if skipped else ""
        self.message_user(request, f"Queued {len(sendable)} redelivery(ies){note}.")


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "type", "partner", "subject_id", "created_at"]
    list_filter = ["type", "partner"]
    list_select_related = ["partner"]
    search_fields = ["=id", "=subject_id", "partner__slug"]
    readonly_fields = ["id", "type", "partner", "key_family_id", "subject_id", "body", "created_at"]
    exclude = ["dedupe_key"]
    actions = ["redeliver"]

    @admin.action(description="Redeliver selected (to every enabled endpoint that wants them)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        queued = 0
        with transaction.atomic():
            for event in queryset:
                endpoints = endpoints_receiving(
                    partner_id=event.partner_id,
                    key_family_id=event.key_family_id,
                    event_type=event.type,
                )
                queued += len(deliveries_create(event=event, endpoints=endpoints))
                self.log_change(request, event, f"Redelivered to {len(endpoints)} endpoint(s).")
        level = messages.SUCCESS if queued else messages.WARNING
        self.message_user(request, f"Queued {queued} delivery(ies).", level)
