"""In-app notifications and their e-mails.

Rows are written in the caller's transaction (they exist exactly when the change does); the
e-mails leave on commit. Nobody is told about their own action. Each app words its own
notices and calls `notify`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core import mail
from django.db import models, transaction

from activity.models import Notification, target_key
from core.links import absolute_url

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    message: str,
    subject: str,
    target: models.Model | None = None,
    url: str = "",
    actor: Any = None,
) -> list[Notification]:
    people = {
        person.pk: person
        for person in recipients
        if person is not None and person.is_active and (actor is None or person.pk != actor.pk)
    }
    if not people:
        return []
    target_type, target_id = target_key(target) if target is not None else ("", "")
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=person,
                kind=kind,
                target_type=target_type,
                target_id=target_id,
                message=message[:300],
                url=url,
            )
            for person in people.values()
        ]
    )
    addresses = [person.email for person in people.values() if person.email]
    # Made absolute now, while the request that caused the notice (if any) is known.
    link = absolute_url(url)
    transaction.on_commit(lambda: _send(addresses, subject, message, link))
    return rows


def _send(addresses: list[str], subject: str, message: str, link: str) -> None:
    """Runs after the commit: a mail server that is down must not turn a saved decision into an
    error page (the in-app notification exists already), so failures are logged."""
    text = f"{message}\n\n{link}\n\n— SocialHub" if link else f"{message}\n\n— SocialHub"
    subject = f"[SocialHub] {subject}"
    try:
        mail.send_mass_mail(
            [(subject, text, None, [address]) for address in addresses], fail_silently=False
        )
    except Exception:
        logger.exception("Could not e-mail %d notification(s): %s", len(addresses), subject)
