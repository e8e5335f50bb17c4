"""A minimal Django project serving django-helpdesk (from PyPI) as the test peer of the
django-helpdesk connector: its staff pages and its REST API (``/api/tickets/``,
``/api/followups/``), on 127.0.0.1 only, with SQLite in the folder the fixture gives it.

Settings are the ones django-helpdesk documents for a site of its own; the API is on
(``HELPDESK_API_ENABLED``) and answers HTTP basic authentication, as a helpdesk that SocialHub
connects to is set up (docs/helpdesks.md).
"""

import os
from pathlib import Path

STATE = Path(os.environ.get("HELPDESK_PEER_STATE", Path(__file__).resolve().parent.parent))

SECRET_KEY = os.environ.get("HELPDESK_PEER_SECRET_KEY", "helpdesk-peer-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
SITE_ID = 1

MIDDLEWARE = [
    "helpdesk_site.faults.FaultMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "helpdesk_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": STATE / "helpdesk.sqlite3",
        # The API serves several requests at once (a look-up while a slow create finishes).
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
MEDIA_ROOT = STATE / "media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}
HELPDESK_API_ENABLED = True
# Teams need pinax-teams (the "teams" extra); a helpdesk of one support team does without.
# Staff see every queue, as in a helpdesk of one support team.
HELPDESK_ENABLE_PER_QUEUE_STAFF_PERMISSION = False
HELPDESK_TEAMS_MODE_ENABLED = False
