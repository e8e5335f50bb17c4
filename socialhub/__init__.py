"""SocialHub project package: settings, URLs, the Celery app, WSGI/ASGI — nothing else (the
apps, lowest layer first: core, accounts, activity, channels_app, training, approvals, publishing,
dashboards)."""

from socialhub.celery import app as celery_app

__all__ = ["celery_app"]
