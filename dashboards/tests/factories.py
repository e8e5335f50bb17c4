"""A department with known activity at fixed instants, made through the real services.

The clock is Django's own `timezone.now` set to each instant in turn (auto_now_add fields and
every service read it), so the audit trail holds exactly the times below. The viewer's zone in
the tests is Europe/Paris, where summer time starts on Sunday 30 March 2025 at 02:00 (01:00
UTC): 29 March 12:00 to 30 March 12:00 local is 23 hours.

Sales drafts on two accounts: "Sales news" (internal) and "Sales on Mastodon". Comms reviews and
publishes both. Times are UTC; the local (Paris) reading is given where it matters.

P6  sme    news      submitted 10 Mar 10:00, approved 16 Mar 23:30 (= Mon 17 Mar 00:30 local)
P1  sme    news      created 18 Mar 09:00, submitted 10:00, approved 14:00, published 19 Mar 08:00
P2  sme    news      created 23 Mar 21:30 (Sun 22:30 local), submitted 23:30 (Mon 24 Mar 00:30
                     local: the next week), changes requested 24 Mar 09:30, revised 10:00,
                     resubmitted 11:00, rejected 12:00
P3  sme2   mastodon  created 29 Mar 10:00, submitted 11:00 (12:00 CET), approved 30 Mar 10:00
                     (12:00 CEST: 23 h later), published now 11:00, failed 11:05
P4  sme    news      created 1 Apr 08:00, submitted 09:00: still waiting
P5  manager news     created 2 Apr 08:00: a draft
P7  outsider (R&D)   created and submitted 20 Mar: another department, never counted
P8  sme    news      created 6 Apr 22:30 (7 Apr 00:30 local): after the range 17 Mar - 6 Apr
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from approvals import services
from approvals.models import Post
from approvals.tests.factories import make_account
from channels_app.models import BrandAccount
from channels_app.tests.factories import store_connection
from training import services as training_services
from training.tests.factories import certify, make_course, make_policy

PARIS = "Europe/Paris"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


class Clock:
    """Django's timezone.now, set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime) -> None:
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when: datetime) -> None:
        self.now = when

    @contextmanager
    def at(self, when: datetime) -> Iterator[None]:
        self.now = when
        yield


@dataclass
class KnownActivity:
    sales: Department
    news: BrandAccount
    mastodon: BrandAccount
    sme: User
    sme2: User
    manager: User
    comms: User
    posts: dict[str, Post]


def build_known_activity(
    clock: Clock,
    *,
    sales: Department,
    rnd: Department,
    comms_department: Department,
    sme: User,
    manager: User,
    outsider: User,
    comms_reviewer: User,
) -> KnownActivity:
    clock.set(utc(3, 1, 8))
    sme2 = UserFactory.create(email="sme2@example.test", full_name="Sue Second")
    add_member(sme2, sales)
    news = make_account(
        sales,
        display_name="Sales news",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    mastodon = make_account(
        sales,
        platform="mastodon",
        display_name="Sales on Mastodon",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    store_connection(mastodon)  # scheduled posts need a connected account (channels_app.readiness)
    rnd_account = make_account(rnd, display_name="R&D notes", reviewers=[comms_department])

    # Every account needs "Basics"; Mastodon accounts also need "Mastodon". sme2's Mastodon
    # certificate runs out on 3 April: valid when P3 was submitted, expired by the time the
    # dashboard is read.
    basics = make_course("Basics", everywhere=True)
    on_mastodon = make_course("Mastodon", platforms=("mastodon",))
    policy = make_policy(effective_at=utc(2, 1, 0))
    for person in (sme, sme2, outsider):
        certify(person, basics, issued_at=utc(2, 1, 9), expires_at=utc(12, 31, 0))
        training_services.policy_acknowledge(actor=person, policy=policy)
    certify(sme, on_mastodon, issued_at=utc(2, 1, 9), expires_at=utc(12, 31, 0))
    certify(sme2, on_mastodon, issued_at=utc(2, 1, 9), expires_at=utc(4, 3, 0))

    posts: dict[str, Post] = {}

    def create(key: str, author: User, account: BrandAccount, when: datetime) -> Post:
        clock.set(when)
        posts[key] = services.post_create(actor=author, brand_account=account, body=f"Post {key}.")
        return posts[key]

    def act(when: datetime, call: Any, **kwargs: Any) -> None:
        clock.set(when)
        call(**kwargs)

    def fresh(key: str) -> Post:
        posts[key] = Post.objects.get(pk=posts[key].pk)
        return posts[key]

    p6 = create("P6", sme, news, utc(3, 10, 9))
    act(utc(3, 10, 10), services.post_submit, post=p6, actor=sme)
    act(utc(3, 16, 23, 30), services.post_approve, post=fresh("P6"), actor=comms_reviewer)

    p1 = create("P1", sme, news, utc(3, 18, 9))
    act(utc(3, 18, 10), services.post_submit, post=p1, actor=sme)
    act(utc(3, 18, 14), services.post_approve, post=fresh("P1"), actor=comms_reviewer)
    act(utc(3, 18, 15), services.post_publish_now, post=fresh("P1"), actor=comms_reviewer)
    act(utc(3, 19, 8), services.post_mark_published, post_id=p1.pk, external_id="int-1")

    p7 = create("P7", outsider, rnd_account, utc(3, 20, 9))
    act(utc(3, 20, 10), services.post_submit, post=p7, actor=outsider)

    p2 = create("P2", sme, news, utc(3, 23, 21, 30))
    act(utc(3, 23, 23, 30), services.post_submit, post=p2, actor=sme)
    act(
        utc(3, 24, 9, 30),
        services.post_request_changes,
        post=fresh("P2"),
        actor=comms_reviewer,
        note="Say what changes for customers.",
    )
    act(utc(3, 24, 10), services.post_revise, post=fresh("P2"), actor=sme, body="Post P2, v2.")
    act(utc(3, 24, 11), services.post_submit, post=fresh("P2"), actor=sme)
    act(
        utc(3, 24, 12),
        services.post_reject,
        post=fresh("P2"),
        actor=comms_reviewer,
        note="Not for this account.",
    )

    p3 = create("P3", sme2, mastodon, utc(3, 29, 10))
    act(utc(3, 29, 11), services.post_submit, post=p3, actor=sme2)
    act(utc(3, 30, 10), services.post_approve, post=fresh("P3"), actor=comms_reviewer)
    act(utc(3, 30, 11), services.post_publish_now, post=fresh("P3"), actor=comms_reviewer)
    act(utc(3, 30, 11, 5), services.post_mark_failed, post_id=p3.pk, error="Instance down.")

    p4 = create("P4", sme, news, utc(4, 1, 8))
    act(utc(4, 1, 9), services.post_submit, post=p4, actor=sme)

    create("P5", manager, news, utc(4, 2, 8))
    create("P8", sme, news, utc(4, 6, 22, 30))

    clock.set(utc(4, 10, 12))  # "now" for the dashboard: after everything above
    for key in list(posts):
        fresh(key)
    return KnownActivity(
        sales=sales,
        news=news,
        mastodon=mastodon,
        sme=sme,
        sme2=sme2,
        manager=manager,
        comms=comms_reviewer,
        posts=posts,
    )


def known_period_query() -> str:
    return "from=2025-03-17&to=2025-04-06"


def more_posts(
    clock: Clock, author: User, account: BrandAccount, reviewer: User, count: int
) -> None:
    """count more posts inside the range, in several states (for query-count tests)."""
    now = clock.now
    for i in range(count):
        clock.set(utc(3, 20, 6) + timedelta(minutes=7 * i))
        post = services.post_create(actor=author, brand_account=account, body=f"More {i}.")
        if i % 3:
            clock.set(clock.now + timedelta(minutes=1))
            services.post_submit(post=post, actor=author)
        if i % 3 == 2:
            clock.set(clock.now + timedelta(minutes=2))
            services.post_approve(post=Post.objects.get(pk=post.pk), actor=reviewer)
    clock.set(now)
