"""E-mailed links are absolute: SOCIALHUB_BASE_URL when set, else the address of the request that
caused the e-mail (captured when the notice is made, so sending later still knows it), else
SOCIALHUB_DEFAULT_BASE_URL for e-mails no request caused."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from approvals import notifications
from approvals.models import Post
from core.links import absolute_url, public_base_url
from training import tasks as training_tasks
from training.tests.factories import certify, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_configured_address(settings: Any) -> None:
    settings.SOCIALHUB_BASE_URL = ""
    settings.SOCIALHUB_DEFAULT_BASE_URL = "https://fallback.example"
    settings.ALLOWED_HOSTS = ["testserver", "socialhub.example.com"]


def links(body: object) -> list[str]:
    return re.findall(r"\S*/(?:posts|training|certifications)/\S*", str(body))


def test_a_submission_email_links_to_the_requests_own_address(
    api_as: Any,
    draft: Post,
    sme: User,
    comms_reviewer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The e-mail leaves after the request is over (on commit, run when the block ends).
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(sme).post(
            f"/api/v1/posts/{draft.pk}/submit/",
            HTTP_HOST="socialhub.example.com",
            **{"wsgi.url_scheme": "https"},
        )
    assert response.status_code == 200, response.content
    (message,) = mail.outbox
    assert links(message.body) == [f"https://socialhub.example.com/posts/{draft.pk}/review/"]


def test_the_configured_address_wins(
    api_as: Any,
    draft: Post,
    sme: User,
    comms_reviewer: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SOCIALHUB_BASE_URL = "https://social.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        api_as(sme).post(f"/api/v1/posts/{draft.pk}/submit/", HTTP_HOST="socialhub.example.com")
    (message,) = mail.outbox
    assert links(message.body) == [f"https://social.example.org/posts/{draft.pk}/review/"]


def test_an_email_no_request_caused_uses_the_default(
    draft: Post, sme: User, django_capture_on_commit_callbacks: Any
) -> None:
    """A publishing failure is noticed by a Celery worker: there is no request to ask."""
    with django_capture_on_commit_callbacks(execute=True):
        notifications.publish_failed(draft, error="The platform said no.")
    (message,) = mail.outbox
    assert links(message.body) == [f"https://fallback.example/posts/{draft.pk}/"]


def test_training_emails_link_absolutely(
    api_as: Any,
    hr_user: User,
    sme: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    course = make_course("Posting on X")
    cert = certify(sme, course)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(hr_user).post(
            f"/api/v1/certifications/{cert.pk}/revoke/",
            {"reason": "Posted a secret."},
            format="json",
            HTTP_HOST="socialhub.example.com",
        )
    assert response.status_code == 200
    (revoked,) = mail.outbox
    assert links(revoked.body) == [f"http://socialhub.example.com/training/courses/{course.pk}/"]

    # Reminders come from Celery beat: the default address.
    mail.outbox.clear()
    certify(
        hr_user, make_course("Posting on LinkedIn"), expires_at=timezone.now() + timedelta(days=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        training_tasks.send_reminders()
    assert mail.outbox
    for message in mail.outbox:
        assert links(message.body), message.body
        assert all(link.startswith("https://fallback.example/") for link in links(message.body))


def test_public_base_url_and_absolute_url(settings: Any) -> None:
    assert public_base_url() == "https://fallback.example"
    assert absolute_url("/posts/1/") == "https://fallback.example/posts/1/"
    assert absolute_url("") == ""
    assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert absolute_url("/posts/1/", base_url="http://a.example/") == "http://a.example/posts/1/"
