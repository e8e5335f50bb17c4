"""The workflow's demo posts: one at every stage, added once."""

from __future__ import annotations

from accounts.models import Department
from approvals.models import Post, ReviewComment
from approvals.tests.factories import make_account
from socialhub.demo import seed_demo


def test_demo_posts_cover_the_workflow_and_are_added_once(db: None) -> None:
    seed_demo()  # people and departments; no brand account yet, so no posts and no error
    assert not Post.objects.exists()
    sales = Department.objects.get(slug="sales")
    comms = Department.objects.get(slug="communications")
    make_account(
        sales,
        display_name="Sales internal",
        drafters=[sales],
        reviewers=[comms],
        publishers=[comms],
    )

    seed_demo()
    seed_demo()

    states = sorted(Post.objects.values_list("state", flat=True))
    assert states == ["changes_requested", "draft", "in_review", "in_review", "scheduled"]
    assert Post.objects.get(state="in_review", legal_required=True)
    comment = ReviewComment.objects.get()
    assert (comment.quote, comment.suggestion) == (
        "We are pleased to announce",
        "Good news for Lyon:",
    )
