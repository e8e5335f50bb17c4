"""Celery tasks of the inbox."""

from __future__ import annotations
