"""The product's URLs plus the bench-only targets under /bench/ (never in the product's urls)."""

from __future__ import annotations

from django.urls import path

from bench import views
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/ceiling", views.ceiling),
    path("bench/floor/<str:org_id>", views.floor),
    path("bench/peer/<str:org_id>", views.PeerStatus.as_view()),
    path("bench/peer-audit/<str:org_id>", views.PeerStatusWithAudit.as_view()),
    *product_urlpatterns,
]
