"""The audit trail's hash chain (docs/governance.md, "Audit chain").

Every event stores three SHA-256 values, hex encoded:

- `digest`: of the event's content, computed here before the insert (`content_digest`);
- `prev_hash`: the `hash` of the event before it in the chain (64 zeros for the first);
- `hash`: SHA-256 of the ASCII text `prev_hash + digest` (128 hex characters).

The chain itself is written by the database: a trigger on the audit table (migration 0006)
updates the one-row `activity_auditchainhead` table and copies its new `seq`, `prev_hash` and
`hash` onto the event, inside the INSERT statement. Updating the head row locks it until the
transaction ends, so concurrent events are chained one after the other, in one order, and the
chain costs no statement of its own. On SQLite the trigger calls `sha256(text)`, which
`sqlite_functions_register` adds to each connection.

`chain_verify` reads the trail in chain order, a chunk at a time (constant memory), recomputes
every digest and link and names the first event that does not match.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

# The stored fields that make up an event's content, in the names the digest uses.
CONTENT_FIELDS = (
    "action",
    "actor_id",
    "created_at",
    "data",
    "department_id",
    "from_state",
    "note",
    "target_id",
    "target_label",
    "target_type",
    "to_state",
)


def timestamp_text(value: datetime) -> str:
    """`created_at` in the digest: UTC, ISO 8601 with microseconds, e.g.
    2030-05-20T08:00:00.000000+00:00."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_content(content: dict[str, Any]) -> bytes:
    """The event's content as canonical JSON: sorted keys, no spaces, UTF-8, no ASCII escaping."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_digest(
    *,
    action: str,
    actor_id: int | None,
    created_at: datetime,
    data: Any,
    department_id: int | None,
    from_state: str,
    note: str,
    target_id: str,
    target_label: str,
    target_type: str,
    to_state: str,
) -> str:
    content = {
        "action": action,
        "actor_id": actor_id,
        "created_at": timestamp_text(created_at),
        "data": data,
        "department_id": department_id,
        "from_state": from_state,
        "note": note,
        "target_id": target_id,
        "target_label": target_label,
        "target_type": target_type,
        "to_state": to_state,
    }
    return hashlib.sha256(canonical_content(content)).hexdigest()


def digest_of(event: Any) -> str:
    """content_digest of an event (or a historical model's row) from its own attributes."""
    return content_digest(**{field: getattr(event, field) for field in CONTENT_FIELDS})


def link_hash(prev_hash: str, digest: str) -> str:
    """An event's `hash`: SHA-256 of the previous event's hash followed by its own digest."""
    return hashlib.sha256((prev_hash + digest).encode("ascii")).hexdigest()


def sqlite_sha256(value: str | bytes | None) -> str | None:
    """`sha256(text)` for SQLite's trigger: the hex SHA-256 of the UTF-8 text."""
    if value is None:
        return None
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return hashlib.sha256(raw).hexdigest()


def sqlite_functions_register(raw_connection: Any) -> None:
    raw_connection.create_function("sha256", 1, sqlite_sha256, deterministic=True)


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        sqlite_functions_register(connection.connection)


# --- The trigger ---------------------------------------------------------------------------------

# PostgreSQL: before each insert, move the head on (an upsert, so an emptied table restarts the
# chain at seq 1) and copy its new values onto the row. SET sees the head's old values.
_POSTGRESQL_TRIGGER = (
    """
CREATE OR REPLACE FUNCTION activity_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_prev varchar(64);
    head_hash varchar(64);
    head_seq bigint;
BEGIN
    INSERT INTO activity_auditchainhead AS h (id, seq, prev_hash, hash)
    VALUES (1, 1, '{genesis}',
            encode(sha256(convert_to('{genesis}' || NEW.digest, 'UTF8')), 'hex'))
    ON CONFLICT (id) DO UPDATE SET
        prev_hash = h.hash,
        hash = encode(sha256(convert_to(h.hash || NEW.digest, 'UTF8')), 'hex'),
        seq = h.seq + 1
    RETURNING h.prev_hash, h.hash, h.seq INTO head_prev, head_hash, head_seq;
    NEW.seq := head_seq;
    NEW.prev_hash := head_prev;
    NEW.hash := head_hash;
    RETURN NEW;
END
$$""".replace("{genesis}", GENESIS),
    """
CREATE TRIGGER activity_audit_chain BEFORE INSERT ON approvals_auditevent
FOR EACH ROW EXECUTE FUNCTION activity_audit_chain()""",
)
# SQLite cannot change NEW: after each insert it moves the head on and copies it onto the row.
_SQLITE_TRIGGER = (
    """
CREATE TRIGGER activity_audit_chain AFTER INSERT ON approvals_auditevent
BEGIN
    INSERT INTO activity_auditchainhead (id, seq, prev_hash, hash)
    VALUES (1, 1, '{genesis}', sha256('{genesis}' || NEW.digest))
    ON CONFLICT (id) DO UPDATE SET
        prev_hash = hash, hash = sha256(hash || NEW.digest), seq = seq + 1;
    UPDATE approvals_auditevent SET
        seq = (SELECT seq FROM activity_auditchainhead WHERE id = 1),
        prev_hash = (SELECT prev_hash FROM activity_auditchainhead WHERE id = 1),
        hash = (SELECT hash FROM activity_auditchainhead WHERE id = 1)
    WHERE id = NEW.id;
END""".replace("{genesis}", GENESIS),
)


def trigger_create(connection: Any) -> None:
    """Install the chain trigger. On SQLite a migration that rebuilds the audit table drops its
    triggers: such a migration must call this again."""
    statements = _POSTGRESQL_TRIGGER if connection.vendor == "postgresql" else _SQLITE_TRIGGER
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        sqlite_functions_register(connection.connection)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def trigger_drop(connection: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER IF EXISTS activity_audit_chain ON approvals_auditevent"
            if connection.vendor == "postgresql"
            else "DROP TRIGGER IF EXISTS activity_audit_chain"
        )
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS activity_audit_chain()")


# --- Verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


@dataclass(frozen=True)
class Mismatch:
    """The first event that breaks the chain (event_id None: the break is after the last one)."""

    event_id: int | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        if self.event_id is None:
            return self.reason
        return f"Event #{self.event_id} (seq {self.seq}): {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: ChainHead
    mismatch: Mismatch | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.mismatch is None


def chain_head() -> ChainHead:
    """The head as stored (seq 0 and the genesis hash before the first event)."""
    from activity.models import AuditChainHead

    row = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return ChainHead(seq=row[0], hash=row[1]) if row else ChainHead(seq=0, hash=GENESIS)


_ROW_FIELDS = ("id", "seq", "digest", "prev_hash", "hash", *CONTENT_FIELDS)


def _rows(chunk_size: int) -> Iterator[tuple[Any, ...]]:
    from activity.models import AuditEvent

    # A server-side cursor on PostgreSQL, fetchmany on SQLite: a chunk in memory at a time.
    yield from (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values_list(*_ROW_FIELDS)
        .iterator(chunk_size=chunk_size)
    )


def _check_row(row: tuple[Any, ...], expected_seq: int, prev_hash: str) -> str:
    (_id, seq, digest, stored_prev, stored_hash, *content) = row
    if seq != expected_seq:
        if seq > expected_seq:
            missing = expected_seq if seq == expected_seq + 1 else f"{expected_seq} to {seq - 1}"
            return f"the event(s) before it are missing (seq {missing})"
        return f"its seq repeats (expected {expected_seq})"
    fields = dict(zip(CONTENT_FIELDS, content, strict=True))
    if content_digest(**fields) != digest:
        return "its content does not match its stored digest (changed after it was written)"
    if stored_prev != prev_hash:
        return "its prev_hash is not the hash of the event before it"
    if link_hash(stored_prev, digest) != stored_hash:
        return "its hash is not SHA-256(prev_hash + digest)"
    return ""


def chain_verify(*, chunk_size: int = 5_000) -> ChainReport:
    """Walk the whole chain in order; stop at the first event that does not match."""
    from activity.models import AuditEvent

    started = time.perf_counter()
    head = chain_head()
    unchained = AuditEvent.objects.filter(seq__isnull=True).values_list("id", flat=True).first()
    checked = 0
    prev_hash, expected_seq = GENESIS, 1
    mismatch: Mismatch | None = None
    if unchained is not None:
        mismatch = Mismatch(unchained, None, "it is not in the chain (no seq)")
    else:
        for row in _rows(chunk_size):
            reason = _check_row(row, expected_seq, prev_hash)
            if reason:
                mismatch = Mismatch(row[0], row[1], reason)
                break
            checked += 1
            prev_hash, expected_seq = row[4], expected_seq + 1
        if mismatch is None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
            mismatch = Mismatch(
                None,
                None,
                f"The chain ends at seq {expected_seq - 1} but its head says seq {head.seq}: "
                "the newest events are missing or the head was changed.",
            )
    return ChainReport(
        checked=checked, head=head, mismatch=mismatch, seconds=time.perf_counter() - started
    )
