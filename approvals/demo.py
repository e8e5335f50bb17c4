"""The workflow's part of the demo organisation: a few posts of Sam Sales at every stage, so
each demo person finds something to do (docs/design.md §7). Idempotent: once Sam has posts, nothing
is added.

It builds on the brand accounts, grants and certifications that earlier demo steps create;
where those are missing it adds what it can and logs what it skipped, so `make run` never
fails because of the demo.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from io import BytesIO

from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.demo import demo_email
from accounts.models import User
from approvals import permissions, services
from approvals.models import ApprovalRule, Post, QuietPeriod
from approvals.services import approval_rules
from core.errors import DomainError

logger = logging.getLogger(__name__)


def seed_posts() -> None:
    sme = User.objects.filter(email=demo_email("sme.sales")).first()
    comms = User.objects.filter(email=demo_email("comms")).first()
    if sme is None or comms is None or Post.objects.filter(author=sme).exists():
        return
    accounts = permissions.draftable_accounts(sme)
    account = accounts.filter(department__slug="sales").first() or accounts.first()
    if account is None:
        logger.info("Demo posts skipped: sme.sales may not draft on any brand account yet.")
        return
    try:
        _seed(sme, comms, account)
    except DomainError as exc:
        logger.warning("Demo posts stopped early: %s", exc.message)


# An upcoming organisation-wide quiet period, well after the demo's scheduled posts (in two
# minutes and in three days), so every demo journey still schedules freely until then.
QUIET_PERIOD_IN_DAYS = 10
QUIET_PERIOD_REASON = (
    "Annual results quiet period: nothing is published until the results are announced."
)


def seed_quiet_period() -> None:
    """Lena Legal's quiet period, planned once (idempotent: none is added while one exists)."""
    legal = User.objects.filter(email=demo_email("legal")).first()
    if legal is None or QuietPeriod.objects.exists():
        return
    day = timezone.localdate() + timedelta(days=QUIET_PERIOD_IN_DAYS)
    starts = datetime.combine(day, time(7, 0), tzinfo=timezone.get_current_timezone())
    try:
        services.quiet_period_create(
            actor=legal,
            reason=QUIET_PERIOD_REASON,
            starts_at=starts,
            ends_at=starts + timedelta(hours=26),
        )
    except DomainError as exc:
        logger.warning("Demo quiet period skipped: %s", exc.message)


RECRUITING_RULE = "Recruiting posts need HR"


def seed_approval_rule() -> None:
    """Ada Admin's rule: a post whose text reads as recruiting (content guidance's recruiting
    language: "we're hiring", "join our team", "job opening"…) waits, after comms, for Harriet
    HR. Added once (idempotent), after the demo posts, none of which it matches."""
    admin = User.objects.filter(email=demo_email("admin")).first()
    hr = User.objects.filter(email=demo_email("hr")).first()
    if admin is None or hr is None or ApprovalRule.objects.filter(name=RECRUITING_RULE).exists():
        return
    try:
        approval_rules.approval_rule_create(
            actor=admin,
            name=RECRUITING_RULE,
            content_rules=["recruiting"],
            stage_name="HR",
            reviewers=[hr],
            approval=ApprovalRule.Approval.ANY,
            order=ApprovalRule.Order.SEQUENCE,
        )
    except DomainError as exc:
        logger.warning("Demo approval rule skipped: %s", exc.message)


def _picture(caption: str, colour: tuple[int, int, int]) -> bytes:
    """A simple banner for the demo posts' images, drawn here (nothing downloaded)."""
    image = Image.new("RGB", (800, 450), colour)
    drawing = ImageDraw.Draw(image)
    drawing.rectangle((40, 40, 760, 410), outline=(255, 255, 255), width=6)
    drawing.text((80, 200), caption, fill=(255, 255, 255), font_size=40)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _seed(sme: User, comms: User, account: object) -> None:
    def draft(body: str, image: tuple[str, str, tuple[int, int, int]] | None = None) -> Post:
        uploads = [(_picture(image[0], image[2]), "banner.png")] if image else []
        return services.post_create(
            actor=sme,
            brand_account=account,  # type: ignore[arg-type]
            body=body,
            uploads=uploads,
            alt_texts=[image[1]] if image else [],
        )

    draft("Our revolutionary new pricing page is live — tell us what you think!")

    waiting = draft(
        "Join our webinar on Thursday at 15:00 CET: three ways to cut onboarding time. "
        "Sign up: https://example.com/webinar",
        image=(
            "Webinar: Thursday 15:00 CET",
            "Banner: webinar on Thursday at 15:00 CET, three ways to cut onboarding time",
            (30, 90, 160),
        ),
    )
    services.post_submit(post=waiting, actor=sme)

    legal = draft("We expect Q4 revenue to grow as our new product line launches.")
    services.post_submit(post=legal, actor=sme)

    if not permissions.can_review(comms, legal.brand_account):
        logger.info("Demo reviews skipped: comms does not review %s yet.", account)
        return
    to_change = draft(
        "We are pleased to announce that our Lyon office now offers same-day repairs."
    )
    services.post_submit(post=to_change, actor=sme)
    services.comment_add(
        post=to_change,
        actor=comms,
        body="Lead with the news itself: what changes for the customer?",
        quote="We are pleased to announce",
        suggestion="Good news for Lyon:",
    )
    services.post_request_changes(
        post=to_change, actor=comms, note="See my comment on the opening, then resubmit."
    )

    ready = draft(
        "Our support desk now opens at 8:00 on weekdays. Questions? Reply here.",
        image=("Support desk: from 8:00", "", (20, 130, 90)),  # no alt text: a finding to see
    )
    services.post_submit(post=ready, actor=sme)
    services.post_approve(post=ready, actor=comms, note="Clear and useful.")
    if not permissions.can_publish(comms, ready.brand_account):
        return
    day = timezone.localdate() + timedelta(days=3)
    when = datetime.combine(day, time(9, 0), tzinfo=timezone.get_current_timezone())
    services.post_schedule(post=ready, actor=comms, scheduled_at=when)

    # Published on the internal feeds by the worker `make run` starts: one now, one in two
    # minutes (at its scheduled time), and one for the whole organisation.
    kickoff = draft("The sales kick-off slides are on the intranet: thanks to everyone who came!")
    services.post_submit(post=kickoff, actor=sme)
    services.post_approve(post=kickoff, actor=comms)
    services.post_publish_now(post=kickoff, actor=comms)

    soon = draft("Reminder: the Lyon team hosts the customer breakfast tomorrow at 8:30.")
    services.post_submit(post=soon, actor=sme)
    services.post_approve(post=soon, actor=comms)
    services.post_schedule(
        post=soon, actor=comms, scheduled_at=timezone.now() + timedelta(minutes=2)
    )

    company_news = (
        permissions.draftable_accounts(sme).filter(platform="internal", org_wide_feed=True).first()
    )
    if company_news is None:
        return
    everyone = services.post_create(
        actor=sme,
        brand_account=company_news,
        body="Open day at the Lyon office on Saturday: families welcome from 10:00. "
        "Sign up at the front desk.",
    )
    services.post_submit(post=everyone, actor=sme)
    services.post_approve(post=everyone, actor=comms)
    if permissions.can_publish(comms, company_news):
        services.post_publish_now(post=everyone, actor=comms)
