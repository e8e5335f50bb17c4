"""`audit/verify/` and `exports/evidence/` (docs/design.md §7), with the pages' rules."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from activity.chain import chain_verify
from core.errors import InvalidInput, NotFound
from dashboards.governance import evidence
from dashboards.governance.permissions import can_export_evidence, can_verify_audit_chain
from dashboards.governance.views import zip_response
from dashboards.reports.periods import viewer_zone


@extend_schema(
    responses=inline_serializer(
        "AuditChainVerification",
        {
            "ok": serializers.BooleanField(),
            "checked": serializers.IntegerField(help_text="Events that matched, in chain order."),
            "head": inline_serializer(
                "AuditChainHead",
                {"seq": serializers.IntegerField(), "hash": serializers.CharField()},
            ),
            "first_mismatch": inline_serializer(
                "AuditChainMismatch",
                {
                    "event_id": serializers.IntegerField(allow_null=True),
                    "seq": serializers.IntegerField(allow_null=True),
                    "reason": serializers.CharField(),
                },
                allow_null=True,
            ),
            "seconds": serializers.FloatField(),
        },
    ),
    summary="Verify the audit chain (org admins)",
)
@api_view(["GET"])
def audit_verify(request: Request) -> Response:
    if not can_verify_audit_chain(request.user):
        raise NotFound()
    report = chain_verify()
    mismatch: dict[str, Any] | None = None
    if report.mismatch is not None:
        mismatch = {
            "event_id": report.mismatch.event_id,
            "seq": report.mismatch.seq,
            "reason": report.mismatch.reason,
        }
    return Response(
        {
            "ok": report.ok,
            "checked": report.checked,
            "head": {"seq": report.head.seq, "hash": report.head.hash},
            "first_mismatch": mismatch,
            "seconds": round(report.seconds, 3),
        }
    )


# The JSON types the request documents. The page's form sends text and shares the parser, so
# the API checks the types here: "7" for brand_account or an object anywhere is a 400.
_EVIDENCE_TYPES: dict[str, tuple[type, str]] = {
    "from": (str, "Give a date as a string (YYYY-MM-DD)."),
    "to": (str, "Give a date as a string (YYYY-MM-DD)."),
    "department": (str, "Give a department's slug as a string, or null."),
    "brand_account": (int, "Give a brand account's id as a number, or null."),
}


def _check_json_types(data: Any) -> None:
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object with from, to, department and brand_account.")
    for field, (kind, message) in _EVIDENCE_TYPES.items():
        value = data.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
            raise InvalidInput(message, field=field)
    if data.get("department") == "":
        # The page's "every department" is an empty choice; in JSON that is null.
        raise InvalidInput(
            "Give a department's slug, or null for every department.", field="department"
        )


@extend_schema(
    request=inline_serializer(
        "EvidenceExportRequest",
        {
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            "department": serializers.SlugField(
                required=False, allow_null=True, help_text="A department's slug; null for all."
            ),
            "brand_account": serializers.IntegerField(
                required=False, allow_null=True, help_text="A brand account's id; null for all."
            ),
        },
    ),
    responses={(200, "application/zip"): OpenApiTypes.BINARY},
    summary="Export evidence as a ZIP of JSON Lines with a SHA-256 manifest (org admins, legal)",
)
@api_view(["POST"])
def evidence_export(request: Request) -> Any:
    if not can_export_evidence(request.user):
        raise NotFound()
    _check_json_types(request.data)
    filters = evidence.evidence_filters_parse(request.data, zone=viewer_zone(request.user))
    export = evidence.evidence_export_start(actor=request.user, filters=filters)  # type: ignore[arg-type]
    return zip_response(export)
