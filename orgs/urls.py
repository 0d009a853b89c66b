"""/cp/orgs, /cp/orgs/{id}, …/status, …/workspaces, …/billing (no trailing slashes)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from orgs.api import OrgViewSet

router = SimpleRouter(trailing_slash=False)
router.register("cp/orgs", OrgViewSet, basename="org")

urlpatterns = router.urls
