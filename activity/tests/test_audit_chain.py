"""The audit trail's hash chain: written by the database in the event's own INSERT, verified
end to end, and any row changed or removed afterwards is found."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from accounts.models import Department, User
from activity.audit import audit_record
from activity.chain import GENESIS, chain_verify, content_digest, link_hash
from activity.models import AuditChainHead, AuditEvent


def _head_seq() -> int:
    head = AuditChainHead.objects.filter(pk=1).first()
    return head.seq if head else 0


def _record(n: int, actor: User | None, department: Department) -> list[AuditEvent]:
    return [
        audit_record(
            actor=actor,
            action="test.done",
            target=department,
            department=department,
            note=f"event {i} \u2013 \u201cquoted\u201d \u00fcn\u00efcode",
            data={"i": i, "nested": {"b": [1, 2.5, None], "a": True}},
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_each_event_is_chained_in_its_own_insert(
    sme: User, sales: Department, django_assert_num_queries: object
) -> None:
    before = AuditEvent.objects.count()  # the fixtures' own events
    assert _head_seq() == before
    with django_assert_num_queries(1):  # type: ignore[operator]
        # 1. INSERT the event: the trigger moves the head and chains the row
        audit_record(actor=sme, action="test.done", target=sales, department=sales)
    _record(3, sme, sales)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, before + 5))
    prev = GENESIS
    for event in events:
        # The documented definition, recomputed from what is stored.
        assert event.digest == content_digest(
            action=event.action,
            actor_id=event.actor_id,
            created_at=event.created_at,
            data=event.data,
            department_id=event.department_id,
            from_state=event.from_state,
            note=event.note,
            target_id=event.target_id,
            target_label=event.target_label,
            target_type=event.target_type,
            to_state=event.to_state,
        )
        assert event.prev_hash == prev
        assert event.hash == link_hash(prev, event.digest)
        prev = event.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash, head.prev_hash) == (before + 4, prev, events[-2].hash)
    report = chain_verify()
    assert report.ok
    assert report.checked == before + 4


@pytest.mark.django_db
def test_command_says_the_chain_is_intact(sme: User, sales: Department) -> None:
    _record(5, sme, sales)
    total = AuditEvent.objects.count()
    out = StringIO()
    call_command("audit_verify", "--chunk-size", "2", stdout=out)
    assert f"Audit chain intact: {total} events, head seq {total}" in out.getvalue()


@pytest.mark.django_db
def test_command_refuses_a_bad_chunk_size() -> None:
    with pytest.raises(CommandError, match="chunk-size"):
        call_command("audit_verify", "--chunk-size", "0")


@pytest.mark.django_db
def test_a_row_changed_in_the_database_is_named(sme: User, sales: Department) -> None:
    base = _head_seq()
    events = _record(6, sme, sales)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE approvals_auditevent SET note = %s WHERE id = %s", ["rewritten", events[3].pk]
        )
    report = chain_verify(chunk_size=2)
    assert report.mismatch is not None
    assert (report.mismatch.event_id, report.mismatch.seq) == (events[3].pk, base + 4)
    assert "content does not match" in report.mismatch.reason
    assert report.checked == base + 3
    with pytest.raises(CommandError, match=rf"Event #{events[3].pk} \(seq {base + 4}\)"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_row_whose_hashes_were_recomputed_is_still_found(sme: User, sales: Department) -> None:
    # A careful forger rewrites the content and its digest and hash: the next link breaks.
    events = _record(4, sme, sales)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    new_digest = content_digest(
        action=forged.action,
        actor_id=forged.actor_id,
        created_at=forged.created_at,
        data=forged.data,
        department_id=forged.department_id,
        from_state=forged.from_state,
        note="forged",
        target_id=forged.target_id,
        target_label=forged.target_label,
        target_type=forged.target_type,
        to_state=forged.to_state,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE approvals_auditevent SET note = %s, digest = %s, hash = %s WHERE id = %s",
            ["forged", new_digest, link_hash(forged.prev_hash, new_digest), forged.pk],
        )
    report = chain_verify()
    assert report.mismatch is not None
    assert report.mismatch.event_id == events[2].pk
    assert "prev_hash" in report.mismatch.reason


@pytest.mark.django_db
def test_a_deleted_row_is_found(sme: User, sales: Department) -> None:
    base = _head_seq()
    events = _record(5, sme, sales)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM approvals_auditevent WHERE id = %s", [events[2].pk])
    report = chain_verify()
    assert report.mismatch is not None
    assert report.mismatch.event_id == events[3].pk
    assert f"missing (seq {base + 3})" in report.mismatch.reason


@pytest.mark.django_db
def test_the_newest_rows_deleted_are_found(sme: User, sales: Department) -> None:
    base = _head_seq()
    events = _record(3, sme, sales)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM approvals_auditevent WHERE id = %s", [events[-1].pk])
    report = chain_verify()
    assert report.mismatch is not None
    assert report.mismatch.event_id is None
    assert f"ends at seq {base + 2} but its head says seq {base + 3}" in str(report.mismatch)


@pytest.mark.django_db
def test_an_empty_trail_is_intact() -> None:
    report = chain_verify()
    assert report.ok
    assert report.checked == 0
    assert report.head.hash == GENESIS


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_chain(sme: User, sales: Department) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; PostgreSQL shows the head's row lock")
    per_thread, errors = 25, []
    barrier = threading.Barrier(2)

    def write(name: str) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=None, action=f"test.{name}", target=sales, data={"i": i})
                    # A second event in the same transaction, as the services write them.
                    audit_record(actor=None, action=f"test.{name}", target=sales, data={"i": -i})
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    # Both events of one transaction are neighbours: the head stays locked until commit.
    ours = AuditEvent.objects.filter(action__in=("test.a", "test.b")).order_by("seq")
    actions = list(ours.values_list("action", flat=True))
    assert len(actions) == 4 * per_thread
    assert all(actions[i] == actions[i + 1] for i in range(0, len(actions), 2))
    assert chain_verify().ok
