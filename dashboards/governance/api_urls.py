from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dashboards.governance import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("audit/verify/", api.audit_verify, name="api_audit_verify"),
    path("exports/evidence/", api.evidence_export, name="api_evidence_export"),
]
