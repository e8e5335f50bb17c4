from __future__ import annotations

from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening"

    def ready(self) -> None:
        from listening import tasks  # noqa: F401  (registers the Celery tasks)
