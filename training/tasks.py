"""Celery tasks of training: load ids, call one service each, nothing else."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from training import selectors, services


@shared_task(name="training.send_reminders")
def send_reminders() -> dict[str, int]:
    """Daily (CELERY_BEAT_SCHEDULE): certificates expiring within 30 and 7 days, and overdue
    assignments. Each person hears about each event once: the services skip what was sent."""
    now = timezone.now()
    today = timezone.localdate(now)
    reminded = [
        pk
        for pk in selectors.certification_ids_expiring(now=now)
        if services.certification_expiry_remind(certification_id=pk, now=now)
    ]
    # HR hears about the certificates that crossed a threshold in this run only: a second run
    # reminds nobody new, so it sends no second digest.
    services.hr_expiry_digest_send(certification_ids=reminded)
    expiring = len(reminded)
    overdue = sum(
        services.assignment_overdue_remind(
            assignment_id=assignment_id, user_id=user_id, today=today
        )
        for assignment_id, user_id in selectors.overdue_assignment_pairs(today=today, now=now)
    )
    return {"expiry_reminders": expiring, "overdue_reminders": overdue}
