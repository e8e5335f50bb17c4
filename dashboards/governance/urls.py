from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dashboards.governance import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("governance/audit-chain/", views.audit_chain, name="audit_chain"),
    path("governance/evidence/", views.evidence_export, name="evidence_export"),
]
