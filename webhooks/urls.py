"""/cp/webhook-endpoints, …/{id}, …/{id}/rotate-secret, /cp/events, …/{id}, …/{id}/redeliver."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from webhooks.api import EventViewSet, WebhookEndpointViewSet

router = SimpleRouter(trailing_slash=False)
router.register("cp/webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("cp/events", EventViewSet, basename="event")

urlpatterns = router.urls
