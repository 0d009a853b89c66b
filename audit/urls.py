"""/cp/admin/audit-events."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from audit.api import AuditEventViewSet

router = SimpleRouter(trailing_slash=False)
router.register("cp/admin/audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
