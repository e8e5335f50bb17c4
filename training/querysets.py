"""Reusable query building for courses, certificates and policies."""

from __future__ import annotations

from datetime import datetime

from django.db import models


class CourseQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def published(self) -> CourseQuerySet:
        return self.filter(is_published=True)


class CertificationQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def active(self) -> CertificationQuerySet:
        """Not revoked: the one row per person and course that can be valid or expired."""
        return self.filter(revoked_at__isnull=True)

    def valid_at(self, now: datetime) -> CertificationQuerySet:
        """Counts at the instant now: not revoked and expiring strictly after it."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class PolicyQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def published(self) -> PolicyQuerySet:
        return self.filter(published_at__isnull=False)

    def in_force_at(self, now: datetime) -> PolicyQuerySet:
        """Published versions already in effect, newest first: .first() is the current one."""
        return self.filter(published_at__isnull=False, effective_at__lte=now).order_by(
            "-effective_at", "-version"
        )
