"""The workflow's demo posts: one at every stage, added once; the worker publishes the ones
handed over to the internal feeds."""

from __future__ import annotations

from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import User
from approvals import permissions, services
from approvals.models import ApprovalRule, Post, QuietPeriod, ReviewComment, StageReviewer
from dashboards.demo import seed_demo
from publishing import tasks
from publishing.models import FeedEntry


def test_demo_posts_cover_the_workflow_and_are_added_once(db: None) -> None:
    seed_demo()
    first = Post.objects.count()
    assert first > 0
    seed_demo()
    assert Post.objects.count() == first

    states = sorted(Post.objects.values_list("state", flat=True))
    assert states == [
        "changes_requested",
        "draft",
        "in_review",
        "in_review",
        "publishing",
        "publishing",
        "scheduled",
        "scheduled",
    ]
    assert Post.objects.get(state="in_review", legal_required=True)
    comment = ReviewComment.objects.get()
    assert (comment.quote, comment.suggestion) == (
        "We are pleased to announce",
        "Good news for Lyon:",
    )

    # What `make run`'s worker does with the posts handed over: one on the sales feed, one on
    # the organisation's.
    for post in Post.objects.filter(state="publishing"):
        assert tasks.publish_post(post.pk) == "published"
    feed = sorted(FeedEntry.objects.values_list("department__slug", "org_wide"))
    assert feed == [("communications", True), ("sales", False)]


def test_the_demo_plans_one_upcoming_quiet_period_once(db: None) -> None:
    seed_demo()
    seed_demo()

    period = QuietPeriod.objects.get()
    assert period.is_org_wide
    assert period.starts_at > timezone.now()
    assert period.created_by.email == demo_email("legal")
    # It holds none of the demo's scheduled posts.
    scheduled = Post.objects.filter(state="scheduled").values_list("scheduled_at", flat=True)
    assert all(not (period.starts_at <= at < period.ends_at) for at in scheduled)


def test_the_demo_sends_recruiting_posts_to_hr_after_comms(db: None) -> None:
    seed_demo()
    seed_demo()

    rule = ApprovalRule.objects.get()
    assert (rule.name, rule.stage_name, rule.content_rules) == (
        "Recruiting posts need HR",
        "HR",
        ["recruiting"],
    )
    assert [u.email for u in rule.reviewers.all()] == [demo_email("hr")]
    # None of the demo's own posts is a recruiting post: they keep comms (and legal) only.
    assert not StageReviewer.objects.exists()

    sme = User.objects.get(email=demo_email("sme.sales"))
    comms = User.objects.get(email=demo_email("comms"))
    hr = User.objects.get(email=demo_email("hr"))
    account = permissions.draftable_accounts(sme).filter(department__slug="sales").first()
    post = services.post_create(
        actor=sme, brand_account=account, body="We're hiring: join our team in Lyon."
    )
    services.post_submit(post=post, actor=sme)
    services.post_approve(post=post, actor=comms)
    assert Post.objects.get(pk=post.pk).state == "in_review"
    services.post_approve(post=post, actor=hr)
    assert Post.objects.get(pk=post.pk).state == "approved"
