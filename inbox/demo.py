"""The demo inbox: employees' questions under internal-feed entries, read by the internal
feed's connector as any platform's items are, and conversations that arrived on the Mastodon
demo account (as a poll would have stored them), at least one in each outcome and in a
realistic state. Idempotent: once the demo has conversations, a second run does nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Department, User
from channels_app.connectors import IncomingItem, IncomingKind
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import DomainError
from inbox import ingestion
from inbox.models import Conversation, Outcome, RoutingRule, SavedReply
from inbox.routing import active_rules
from inbox.services import ownership, triage
from publishing.feed_comments import feed_comment_add
from publishing.models import FeedEntry

logger = logging.getLogger(__name__)

# Seconds after seeding: the worker `make run` starts has published the feed's posts by then.
FEED_QUESTIONS_DELAY = 20

FEED_QUESTIONS = (
    ("sme.rnd", "Will the kick-off slides also be shared with the R&D team?"),
    ("hr", "Great work everyone, congratulations to the sales team!"),
)

# (thread, kind, author, text, minutes ago, private)
MASTODON_ITEMS: tuple[tuple[str, str, str, str, int, bool], ...] = (
    (
        "demo-1",
        IncomingKind.MENTION,
        "happy_customer",
        "Congratulations on the launch, love it!",
        300,
        False,
    ),
    (
        "demo-2",
        IncomingKind.DIRECT_MESSAGE,
        "jane_doe",
        "My order #4711 has not arrived yet. Can you check?",
        50,
        True,
    ),
    (
        "demo-3",
        IncomingKind.MENTION,
        "it_buyer",
        "@socialhubdemo does the Pro plan support single sign-on?",
        200,
        False,
    ),
    (
        "demo-4",
        IncomingKind.MENTION,
        "bargain_hunter",
        "@socialhubdemo is your pricing changing next month?",
        20,
        False,
    ),
)


def _user(local: str) -> User | None:
    return User.objects.filter(email=demo_email(local)).first()


def seed_feed_questions() -> int:
    """Employees' questions under the newest feed entry, read into the inbox by a poll of its
    account, and the first triaged for sales. The entries are published by the worker after
    the demo is seeded, so this runs as a task a little later (tasks.demo_feed_questions).
    Idempotent; returns how many conversations the feed brought."""
    entry = FeedEntry.objects.order_by("-published_at", "-id").first()
    if entry is None or entry.comments.exists():
        return 0
    for local, text in FEED_QUESTIONS:
        person = _user(local)
        if person is not None:
            feed_comment_add(actor=person, entry=entry, text=text)
    ingestion.account_poll(account=entry.brand_account)
    feed = list(Conversation.objects.filter(brand_account=entry.brand_account, state="new"))
    triager, sales = _user("comms"), Department.objects.filter(slug="sales").first()
    if feed and triager is not None and sales is not None:
        _try(
            "the feed question's triage",
            lambda: triage.conversation_triage(
                actor=triager, conversation=feed[0], outcome=Outcome.PUBLIC_RESPONSE,
                department=sales,
            ),
        )  # fmt: skip
    return len(feed)


def _mastodon_conversations(account: BrandAccount) -> dict[str, Conversation]:
    now = timezone.now()
    items = [
        IncomingItem(
            platform_item_id=f"{thread}-item",
            kind=kind,
            thread_key=thread,
            text=text,
            created_at=now - timedelta(minutes=minutes),
            author_id=author,
            author_handle=f"@{author}@mastodon.social",
            author_name=author.replace("_", " ").title(),
            author_url=f"https://mastodon.social/@{author}",
            is_private=private,
        )
        for thread, kind, author, text, minutes, private in MASTODON_ITEMS
    ]
    ingestion.store_items(account, items, rules=active_rules())
    return {c.thread_key: c for c in Conversation.objects.filter(brand_account=account)}


def _try(what: str, action: Callable[[], object]) -> None:
    try:
        action()
    except DomainError as exc:  # a demo step that the demo's rules refuse: leave it there
        logger.info("Demo inbox: %s not done (%s).", what, exc.message)


def seed_inbox() -> None:
    if Conversation.objects.exclude(platform=Platform.INTERNAL).exists():
        seed_feed_questions()  # a later run: the feed's entries may be there now
        return
    # The comms reviewer holds the triage role in the demo.
    triager, sme, agent = _user("comms"), _user("sme.sales"), _user("support")
    sales = Department.objects.filter(slug="sales").first()
    mastodon = BrandAccount.objects.filter(platform=Platform.MASTODON).first()
    if triager is None or sme is None or agent is None or sales is None or mastodon is None:
        return
    comms = triager
    if not RoutingRule.objects.exists():
        RoutingRule.objects.create(
            name="Prices and plans go to sales",
            priority=10,
            keywords="price, pricing, plan",
            outcome=Outcome.PUBLIC_RESPONSE,
            department=sales,
        )
        RoutingRule.objects.create(
            name="Orders go to support",
            priority=20,
            keywords="order, delivery, refund",
            outcome=Outcome.CUSTOMER_SERVICE,
        )
    if not SavedReply.objects.exists():
        SavedReply.objects.create(
            title="We are looking into it",
            text="Thank you for letting us know. Our support team is looking into it and will "
            "get back to you today.",
            approved_by=comms,
            approved_at=timezone.now(),
        )

    threads = _mastodon_conversations(mastodon)
    praise, order, sso = threads["demo-1"], threads["demo-2"], threads["demo-3"]
    _try(
        "praise",
        lambda: triage.conversation_triage(
            actor=triager, conversation=praise, outcome=Outcome.NO_RESPONSE, reason="praise"
        ),
    )
    _try(
        "the order",
        lambda: triage.conversation_triage(
            actor=triager, conversation=order, outcome=Outcome.CUSTOMER_SERVICE, assignee=agent
        ),
    )
    _try(
        "the single sign-on question",
        lambda: triage.conversation_triage(
            actor=triager, conversation=sso, outcome=Outcome.PUBLIC_RESPONSE, department=sales
        ),
    )
    sso.refresh_from_db()
    _try("claiming", lambda: ownership.conversation_claim(actor=sme, conversation=sso))
    # sme.sales answers it: the reply composer on the conversation page (with live guidance).
    # "demo-4" stays new: a routing rule suggests public response by sales; triage confirms.
    _queue_feed_questions()


def _queue_feed_questions() -> None:
    def queue() -> None:
        try:
            # By name: the task module imports this one.
            current_app.send_task("inbox.demo_feed_questions", countdown=FEED_QUESTIONS_DELAY)
        except Exception as exc:  # no broker: `manage.py seed_demo` again adds them
            logger.info("Demo inbox: feed questions not queued (%s).", type(exc).__name__)

    transaction.on_commit(queue)
