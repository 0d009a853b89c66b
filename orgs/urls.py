"""/cp/orgs… (filled in by the orgs issue)."""

urlpatterns: list = []
