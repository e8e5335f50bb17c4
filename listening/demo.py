"""The demo's listening: an organisation-wide stream (our hashtag, a competitor's account, a
phrase) searched through the Mastodon demo account, followed by sales, with the public posts a
read would have found. Idempotent: once the demo has a stream, a second run does nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Department, User
from channels_app.connectors import IncomingItem, IncomingKind, IncomingPage
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import DomainError
from listening import services
from listening.collection import store_matches
from listening.models import ListeningStream

logger = logging.getLogger(__name__)

# (author, text, hours ago)
FOUND: tuple[tuple[str, str, int], ...] = (
    ("widget_fan", "Three weeks with the new #acmewidgets and the battery still lasts all day.", 2),
    (
        "jo_builds",
        "Is anyone else waiting for their #acmewidgets order? Mine is two weeks late.",
        5,
    ),
    ("tech_weekly", "Review: Rivalco's new range against #acmewidgets, price for price.", 26),
    ("maker_sam", "Switched from Rivalco to #acmewidgets, setup took five minutes.", 50),
    ("ops_lead", "Our team's #acmewidgets keep dropping the connection after the update.", 74),
)


def seed_listening() -> None:
    if ListeningStream.objects.exists():
        return
    admin = User.objects.filter(email=demo_email("admin")).first()
    sales = Department.objects.filter(slug="sales").first()
    mastodon = BrandAccount.objects.filter(platform=Platform.MASTODON, is_active=True).first()
    if admin is None or sales is None or mastodon is None:
        return
    try:
        with transaction.atomic():
            stream = services.stream_save(
                actor=admin,
                name="Our widgets and Rivalco",
                description="What people say about our widgets and our main competitor.",
                department=None,
                accounts=[mastodon],
                terms=[
                    services.TermInput("hashtag", "acmewidgets"),
                    services.TermInput("handle", "rivalco@mastodon.social"),
                    services.TermInput("keyword", "acme widgets"),
                ],
            )
            services.stream_follow(actor=admin, stream=stream, department=sales, follow=True)
            hashtag = stream.terms.get(kind="hashtag")
            now = timezone.now()
            items = tuple(
                IncomingItem(
                    platform_item_id=f"demo-listening-{n}",
                    kind=IncomingKind.POST,
                    thread_key=f"demo-listening-{n}",
                    text=text,
                    created_at=now - timedelta(hours=hours),
                    author_id=author,
                    author_handle=f"@{author}@mastodon.social",
                    author_name=author.replace("_", " ").title(),
                    author_url=f"https://mastodon.social/@{author}",
                    url=f"https://mastodon.social/@{author}/{1000 + n}",
                )
                for n, (author, text, hours) in enumerate(FOUND)
            )
            store_matches(hashtag, mastodon, IncomingPage(items=items, cursor=None), now=now)
    except DomainError as exc:  # the demo's rules refused it: leave listening empty
        logger.info("Demo listening not seeded (%s).", exc.message)
