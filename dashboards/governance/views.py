"""The audit chain page (org admins) and the evidence export page (org admins, legal)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Department
from activity.chain import chain_head, chain_verify
from channels_app.models import BrandAccount
from core.errors import InvalidInput, NotFound
from dashboards.governance import evidence
from dashboards.governance.permissions import can_export_evidence, can_verify_audit_chain
from dashboards.reports.periods import viewer_zone


def zip_response(export: evidence.EvidenceExport) -> StreamingHttpResponse:
    response = StreamingHttpResponse(evidence.evidence_zip(export), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def audit_chain(request: HttpRequest) -> HttpResponse:
    if not can_verify_audit_chain(request.user):
        raise NotFound()
    report = chain_verify() if request.GET.get("verify") == "1" else None
    return render(
        request,
        "dashboards/governance/audit_chain.html",
        {"head": report.head if report else chain_head(), "report": report},
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_export(request: HttpRequest) -> HttpResponseBase:
    if not can_export_evidence(request.user):
        raise NotFound()
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        try:
            filters = evidence.evidence_filters_parse(values, zone=viewer_zone(request.user))
        except InvalidInput as exc:
            errors[exc.field or "from"] = exc.message
        else:
            export = evidence.evidence_export_start(actor=request.user, filters=filters)  # type: ignore[arg-type]
            return zip_response(export)
    return render(
        request,
        "dashboards/governance/evidence.html",
        {
            "values": {
                key: values.get(key, "") for key in ("from", "to", "department", "brand_account")
            },
            "errors": errors,
            "departments": Department.objects.order_by("name").only("slug", "name"),
            "accounts": BrandAccount.objects.order_by("display_name").only(
                "pk", "display_name", "platform", "handle"
            ),
        },
        status=400 if errors else 200,
    )
