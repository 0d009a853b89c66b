"""/cp/admin/audit-events (filled in by the audit issue)."""

urlpatterns: list = []
