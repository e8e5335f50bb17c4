"""The evidence export (docs/governance.md, "Evidence export"): every post created in a date
range (optionally one department, one brand account) with its whole history, as JSON Lines
files in a ZIP with a manifest of SHA-256 sums and the audit chain's head.

The ZIP is written by the standard library's zipfile into a sink that the generator empties
after each line, so the export streams: memory stays constant whatever its size (one JSON line
and zlib's window), and each file is one query read through a server-side cursor on PostgreSQL.
Entries use data descriptors and ZIP64 sizes because their length is unknown when they start.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from django.db import models, transaction
from django.db.models.functions import Cast

from accounts.models import Department, User
from activity.audit import audit_record
from activity.chain import ChainHead, chain_head
from activity.models import AuditEvent
from approvals.models import Decision, MediaAttachment, Post, ReviewComment, Revision
from channels_app.models import BrandAccount
from core.errors import InvalidInput, NotFound, whole_number
from dashboards.governance.permissions import can_export_evidence
from dashboards.reports.periods import local_midnight
from publishing.models import PublishAttempt

FORMAT = "socialhub-evidence/1"
MANIFEST = "manifest.json"
CHUNK = 2_000
FLUSH_BYTES = 64 * 1024
MAX_DAYS = 3_660  # ten years
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


@dataclass(frozen=True)
class EvidenceFilters:
    first_day: date
    last_day: date
    zone: tzinfo
    department: Department | None = None
    brand_account: BrandAccount | None = None

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last_day + timedelta(days=1), self.zone)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "time_zone": str(self.zone),
            "department": self.department.slug if self.department else None,
            "brand_account": self.brand_account.pk if self.brand_account else None,
        }


def _scalar(params: Any, field: str) -> str:
    """The field as text, "" when absent. The form sends text; the API checked its JSON types
    before (dashboards/governance/api.py), so an empty {} never reads as "no filter"."""
    raw = params.get(field)
    return "" if raw is None else str(raw).strip()


def _day(params: Any, field: str) -> date:
    text = _scalar(params, field)
    if not text:
        raise InvalidInput("Give a date (YYYY-MM-DD).", field=field)
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text[:20]!r} is not a date (YYYY-MM-DD).", field=field) from None


def evidence_filters_parse(params: Any, *, zone: tzinfo) -> EvidenceFilters:
    """Read from, to (dates, both included, in the person's zone), department (slug) and
    brand_account (id), refusing anything else with the field's message."""
    first, last = _day(params, "from"), _day(params, "to")
    if last < first:
        raise InvalidInput("The end date must be on or after the start date.", field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"Choose a range of at most {MAX_DAYS} days.", field="to")
    department = None
    slug = _scalar(params, "department")
    if slug:
        # A slug's characters only: anything else (a NUL, which PostgreSQL refuses) is unknown.
        known = _SLUG.fullmatch(slug)
        department = Department.objects.filter(slug=slug).first() if known else None
        if department is None:
            raise InvalidInput("No such department.", field="department")
    account = None
    raw_account = _scalar(params, "brand_account")
    if raw_account:
        account_id = whole_number(raw_account, field="brand_account")
        account = BrandAccount.objects.filter(pk=account_id).first()
        if account is None:
            raise InvalidInput("No such brand account.", field="brand_account")
    return EvidenceFilters(first, last, zone, department, account)


def evidence_posts(filters: EvidenceFilters) -> models.QuerySet[Post]:
    posts = Post.objects.filter(created_at__gte=filters.start, created_at__lt=filters.end)
    if filters.department is not None:
        posts = posts.filter(department=filters.department)
    if filters.brand_account is not None:
        posts = posts.filter(brand_account=filters.brand_account)
    return posts


@dataclass(frozen=True)
class EvidenceExport:
    """What evidence_export_start recorded: the export's own audit event and the chain's head
    just after it (the export holds every event of its posts up to that head)."""

    filters: EvidenceFilters
    actor: User
    event_id: int
    head: ChainHead
    started_at: datetime

    @property
    def filename(self) -> str:
        return (
            f"evidence-{self.filters.first_day.isoformat()}-{self.filters.last_day.isoformat()}"
            f"-{self.event_id}.zip"
        )


def evidence_export_start(*, actor: User, filters: EvidenceFilters) -> EvidenceExport:
    """Record the export as an audit event, then read the chain's head (two statements).
    Legal reviewers and org admins only (NotFound for everyone else, as the pages answer)."""
    if not can_export_evidence(actor):
        raise NotFound()
    with transaction.atomic():
        event = audit_record(
            actor=actor,
            action="evidence.exported",
            target=filters.department or actor,
            department=filters.department,
            data=filters.as_dict(),
        )
    return EvidenceExport(filters, actor, event.pk, chain_head(), event.created_at)


# --- The JSON Lines files ----------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"Cannot write {type(value).__name__} as JSON")


def _line(row: dict[str, Any]) -> bytes:
    return (
        json.dumps(row, ensure_ascii=False, sort_keys=True, default=_json_default) + "\n"
    ).encode("utf-8")


def _rows(queryset: models.QuerySet[Any], *fields: str, **named: Any) -> Iterator[dict[str, Any]]:
    return queryset.values(*fields, **named).iterator(chunk_size=CHUNK)


def _files(export: EvidenceExport) -> Iterable[tuple[str, Iterator[dict[str, Any]]]]:
    posts = evidence_posts(export.filters)
    post_ids = posts.values("pk")
    yield (
        "posts.jsonl",
        _rows(
            posts.order_by("pk"),
            "id",
            "state",
            "legal_required",
            "created_at",
            "updated_at",
            "submitted_at",
            "first_submitted_at",
            "approved_at",
            "requested_at",
            "scheduled_at",
            "published_at",
            "external_id",
            "external_url",
            "last_error",
            "reply_to_item_id",
            "reply_private",
            "author_id",
            "brand_account_id",
            "scheduled_by_id",
            author_email=models.F("author__email"),
            department_slug=models.F("department__slug"),
            platform=models.F("brand_account__platform"),
            handle=models.F("brand_account__handle"),
            current_revision_number=models.F("current_revision__number"),
        ),
    )
    yield (
        "revisions.jsonl",
        _rows(
            Revision.objects.filter(post__in=post_ids).order_by("post_id", "number"),
            "id",
            "post_id",
            "number",
            "body",
            "created_by_id",
            "created_at",
            "stages",
            "planned_at",
            created_by_email=models.F("created_by__email"),
            rule_set_number=models.F("rule_set__number"),
        ),
    )
    yield (
        "images.jsonl",
        _rows(
            MediaAttachment.objects.filter(post__in=post_ids).order_by(
                "post_id", "revision_id", "order"
            ),
            "id",
            "post_id",
            "revision_id",
            "order",
            "checksum",
            "bytes",
            "content_type",
            "width",
            "height",
            "alt_text",
            "uploaded_by_id",
            "created_at",
            revision_number=models.F("revision__number"),
        ),
    )
    yield (
        "comments.jsonl",
        _rows(
            ReviewComment.objects.filter(post__in=post_ids).order_by("post_id", "id"),
            "id",
            "post_id",
            "revision_id",
            "parent_id",
            "author_id",
            "body",
            "quote",
            "quote_start",
            "suggestion",
            "resolved",
            "resolved_by_id",
            "resolved_at",
            "created_at",
            revision_number=models.F("revision__number"),
            author_email=models.F("author__email"),
        ),
    )
    yield (
        "decisions.jsonl",
        _rows(
            Decision.objects.filter(post__in=post_ids).order_by("post_id", "id"),
            "id",
            "post_id",
            "revision_id",
            "stage",
            "stage_name",
            "verdict",
            "reviewer_id",
            "created_at",
            "note",
            reason_slug=models.F("reason__slug"),
            revision_number=models.F("revision__number"),
            reviewer_email=models.F("reviewer__email"),
        ),
    )
    yield (
        "publish_attempts.jsonl",
        _rows(
            PublishAttempt.objects.filter(post__in=post_ids).order_by("post_id", "number"),
            "id",
            "post_id",
            "number",
            "kind",
            "started_at",
            "finished_at",
            "outcome",
            "message",
            "external_id",
            "external_url",
            "retry_after",
        ),
    )
    post_keys = posts.order_by().values(key=Cast("pk", models.CharField()))
    yield (
        "audit_events.jsonl",
        _rows(
            AuditEvent.objects.filter(
                target_type="approvals.post", target_id__in=post_keys, seq__lte=export.head.seq
            ).order_by("seq"),
            "id",
            "seq",
            "created_at",
            "actor_id",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "department_id",
            "from_state",
            "to_state",
            "note",
            "data",
            "digest",
            "prev_hash",
            "hash",
        ),
    )


# --- The ZIP, streamed -------------------------------------------------------------------------


class _Sink:
    """A write-only file for zipfile: collects what it writes until the generator takes it."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        self.size = 0
        return out


def evidence_zip(export: EvidenceExport) -> Iterator[bytes]:
    """The export's ZIP, a piece at a time: each JSON Lines file, then manifest.json."""
    sink = _Sink()
    files: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        for name, rows in _files(export):
            digest, size, lines = hashlib.sha256(), 0, 0
            with archive.open(name, "w", force_zip64=True) as entry:
                for row in rows:
                    data = _line(row)
                    entry.write(data)
                    digest.update(data)
                    size += len(data)
                    lines += 1
                    if sink.size >= FLUSH_BYTES:
                        yield sink.take()
            files[name] = {"sha256": digest.hexdigest(), "bytes": size, "lines": lines}
            yield sink.take()
        archive.writestr(MANIFEST, manifest_bytes(export, files))
    yield sink.take()


def manifest_bytes(export: EvidenceExport, files: dict[str, dict[str, Any]]) -> bytes:
    manifest = {
        "format": FORMAT,
        "generated_at": export.started_at,
        "generated_by": {"id": export.actor.pk, "email": export.actor.email},
        "filters": export.filters.as_dict(),
        "export_event_id": export.event_id,
        "audit_chain_head": {"seq": export.head.seq, "hash": export.head.hash},
        "files": files,
    }
    return (
        json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2, default=_json_default)
        + "\n"
    ).encode("utf-8")


# --- Checking an export ------------------------------------------------------------------------


def evidence_zip_verify(path: Any) -> list[str]:
    """Problems found in an export (empty when every file matches its manifest sum): each file
    is read back in pieces, so a large export needs little memory."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"Not a readable ZIP file: {exc}"]
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except KeyError:
            return [f"No {MANIFEST} in the archive."]
        except ValueError:
            return [f"{MANIFEST} is not JSON."]
        listed = manifest.get("files")
        if manifest.get("format") != FORMAT or not isinstance(listed, dict):
            return [f"{MANIFEST} is not a SocialHub evidence manifest ({FORMAT})."]
        present = set(archive.namelist()) - {MANIFEST}
        problems.extend(
            f"{name} is in the archive but not in the manifest."
            for name in sorted(present - set(listed))
        )
        for name, expected in sorted(listed.items()):
            if name not in present:
                problems.append(f"{name} is in the manifest but not in the archive.")
                continue
            digest, size = hashlib.sha256(), 0
            with archive.open(name) as entry:
                while piece := entry.read(FLUSH_BYTES):
                    digest.update(piece)
                    size += len(piece)
            if digest.hexdigest() != expected.get("sha256") or size != expected.get("bytes"):
                problems.append(f"{name}: its SHA-256 does not match the manifest.")
    return problems
