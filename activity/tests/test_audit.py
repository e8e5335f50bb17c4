"""The audit trail is append-only: no code path updates or deletes an event."""

from __future__ import annotations

import pytest

from accounts.models import Department, User
from activity.audit import audit_record
from activity.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted(sme: User, sales: Department) -> None:
    event = audit_record(actor=sme, action="test.done", target=sales, department=sales)
    event.note = "rewritten history"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.note == ""
    assert (stored.target_type, stored.target_id) == ("accounts.department", str(sales.pk))


def test_admin_offers_no_way_to_change_events(org_admin: User, sales: Department) -> None:
    from django.test import Client

    User.objects.filter(pk=org_admin.pk).update(is_staff=True)
    event = audit_record(actor=org_admin, action="test.done", target=sales)
    client = Client()
    client.force_login(org_admin)
    listing = client.get("/admin/activity/auditevent/")
    assert listing.status_code == 200
    assert client.get("/admin/activity/auditevent/add/").status_code == 403
    response = client.post(f"/admin/activity/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
