"""Dates and times in the words of messages and notices, written as the pages write them
(core/formats): "20 Dec 2026", "20 Dec 2026, 14:30 CET"."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone


def date_text(value: dt.date) -> str:
    """A day: "20 Dec 2026"."""
    return formats.date_format(value, "DATE_FORMAT")


def datetime_text(value: dt.datetime, *, zone: dt.tzinfo | None = None) -> str:
    """A moment in the current time zone (or the one given), named: "20 Dec 2026, 14:30 CET"."""
    local = timezone.localtime(value, zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local:%Z}"
