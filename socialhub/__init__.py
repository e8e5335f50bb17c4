"""SocialHub project package: settings, URLs, the Celery app, authorisation and dashboards."""

from socialhub.celery import app as celery_app

__all__ = ["celery_app"]
