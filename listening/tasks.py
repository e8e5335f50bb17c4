"""Celery tasks of listening: call one service."""

from __future__ import annotations

from celery import shared_task

from listening.collection import streams_read


@shared_task(name="listening.read_streams", ignore_result=True)
def read_streams() -> int:
    """Beat (every SOCIALHUB_LISTENING_SWEEP_INTERVAL seconds): read every stream term whose
    next read is due. Returns how many new matches were stored."""
    return streams_read()
