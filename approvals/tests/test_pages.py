"""The workflow's pages: who sees what, what each form does, and refusals with their status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, User
from activity.models import Notification
from approvals import services
from approvals.models import CrisisPause, Decision, Post, PostState, ReviewComment
from approvals.tests.factories import (
    approved_post,
    make_account,
    make_post,
    scheduled_post,
    submitted_post,
)
from channels_app.models import BrandAccount


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Compose ------------------------------------------------------------------------------------


def test_the_account_picker_offers_only_accounts_the_person_drafts_on(
    sme: User, account: BrandAccount, rnd: Department
) -> None:
    other = make_account(rnd, display_name="R&D lab notes")
    page = _client(sme).get(reverse("post_create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{account.pk}"' in html
    assert f'value="{other.pk}"' not in html
    assert "R&amp;D lab notes" not in html


def test_someone_without_any_account_is_told_whom_to_ask(outsider: User) -> None:
    page = _client(outsider).get(reverse("post_create"))
    assert "You may not draft on any brand account yet" in page.content.decode()


def test_compose_saves_a_draft(sme: User, account: BrandAccount) -> None:
    response = _client(sme).post(
        reverse("post_create"), {"brand_account": account.pk, "body": "Hello", "save": ""}
    )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("post_detail", args=[post.pk])
    assert (post.state, post.body) == (PostState.DRAFT, "Hello")


def test_compose_saves_and_submits(sme: User, account: BrandAccount) -> None:
    _client(sme).post(
        reverse("post_create"), {"brand_account": account.pk, "body": "Hello", "submit": ""}
    )
    assert Post.objects.get().state == PostState.IN_REVIEW


def test_a_refused_submit_keeps_the_draft_and_says_why(sme: User, account: BrandAccount) -> None:
    client = _client(sme)
    response = client.post(
        reverse("post_create"),
        {"brand_account": account.pk, "body": "Use code SAVE10 now", "submit": ""},
        follow=True,
    )
    post = Post.objects.get()
    assert post.state == PostState.DRAFT
    assert "not submitted" in response.content.decode()
    assert "no disclosure" in response.content.decode()


def test_compose_on_an_account_not_offered_is_bad_input(
    outsider: User, account: BrandAccount
) -> None:
    response = _client(outsider).post(
        reverse("post_create"), {"brand_account": account.pk, "body": "Hello"}
    )
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_the_live_check_shows_counter_findings_preview_and_legal_notice(
    sme: User, account: BrandAccount
) -> None:
    bluesky = make_account(account.department, platform="bluesky", display_name="Sky")
    response = _client(sme).post(
        reverse("post_check"),
        {"brand_account": bluesky.pk, "body": "A revolutionary quarter: earnings up #a"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "39 / 300" in html
    assert "graphemes on Bluesky" in html
    assert "“revolutionary” is hyperbole" in html
    assert "a legal review will be added" in html
    assert '<span class="tag">#a</span>' in html


def test_the_live_check_without_an_account_asks_for_one(sme: User) -> None:
    response = _client(sme).post(reverse("post_check"), {"body": "Hi"})
    assert "Choose an account" in response.content.decode()


def test_the_live_check_escapes_the_body(sme: User, account: BrandAccount) -> None:
    response = _client(sme).post(
        reverse("post_check"), {"brand_account": account.pk, "body": "<script>x()</script>"}
    )
    html = response.content.decode()
    assert "<script>x()" not in html
    assert "&lt;script&gt;x()" in html


def test_edit_saves_a_new_revision(sme: User, draft: Post) -> None:
    response = _client(sme).post(reverse("post_edit", args=[draft.pk]), {"body": "Changed"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.revision_number, draft.body) == (2, "Changed")


def test_only_the_author_reaches_the_edit_form(manager: User, draft: Post) -> None:
    response = _client(manager).post(reverse("post_edit", args=[draft.pk]), {"body": "Mine"})
    assert response.status_code == 403
    assert "Only the author can edit" in response.content.decode()
    draft.refresh_from_db()
    assert draft.revision_number == 1


def test_editing_a_scheduled_post_is_409(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer)
    response = _client(sme).get(reverse("post_edit", args=[post.pk]))
    assert response.status_code == 409
    assert "Unschedule it first" in response.content.decode()


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "post_detail"),
        ("get", "post_review"),
        ("get", "post_edit"),
        ("post", "post_edit"),
        ("post", "post_submit"),
        ("post", "post_decide"),
        ("post", "post_withdraw"),
        ("post", "post_schedule"),
        ("post", "post_unschedule"),
        ("post", "post_publish_now"),
        ("post", "post_retry"),
        ("post", "comment_create"),
    ],
)
def test_every_post_page_is_404_for_an_outsider(
    outsider: User, draft: Post, method: str, name: str
) -> None:
    response = getattr(_client(outsider), method)(reverse(name, args=[draft.pk]), {"body": "x"})
    assert response.status_code == 404
    draft.refresh_from_db()
    assert (draft.state, draft.revision_number) == (PostState.DRAFT, 1)


# --- Visibility ---------------------------------------------------------------------------------


def test_who_sees_a_draft(
    draft: Post, sme: User, manager: User, outsider: User, comms_reviewer: User, org_admin: User
) -> None:
    url = reverse("post_detail", args=[draft.pk])
    assert _client(sme).get(url).status_code == 200
    assert _client(manager).get(url).status_code == 200  # the department's activity
    assert _client(org_admin).get(url).status_code == 200
    assert _client(outsider).get(url).status_code == 404
    # Reviewers see posts once submitted, not drafts in the making.
    assert _client(comms_reviewer).get(url).status_code == 404
    services.post_submit(post=draft, actor=sme)
    assert _client(comms_reviewer).get(url).status_code == 200
    assert _client(outsider).get(url).status_code == 404


def test_a_missing_post_is_404(sme: User) -> None:
    assert _client(sme).get(reverse("post_detail", args=[999])).status_code == 404


# --- Review screen and decisions -----------------------------------------------------------------


def test_the_review_screen_shows_diff_findings_and_decision_buttons(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account, "Our desk opens at 8.")
    services.post_request_changes(post=post, actor=comms_reviewer, note="Add closing time")
    services.post_revise(post=post, actor=sme, body="Our revolutionary desk opens at 9.")
    services.post_submit(post=post, actor=sme)

    page = _client(comms_reviewer).get(reverse("post_review", args=[post.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "<del>8</del>" in html
    assert "<ins>9</ins>" in html
    assert "<ins> revolutionary</ins>" in html
    assert '<mark class="finding soft"' in html
    assert ">Approve</button>" in html
    assert ">Request changes</button>" in html


def test_the_author_sees_the_review_screen_without_decision_buttons(
    sme: User, account: BrandAccount
) -> None:
    post = submitted_post(sme, account)
    html = _client(sme).get(reverse("post_review", args=[post.pk])).content.decode()
    assert ">Approve</button>" not in html
    assert "another reviewer decides" in html


def test_request_changes_without_a_note_is_400_and_writes_nothing(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    response = _client(comms_reviewer).post(
        reverse("post_decide", args=[post.pk]),
        {"verdict": "changes", "note": "", "revision": 1, "reason": "tone"},
    )
    assert response.status_code == 400
    assert "Add a note" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_decision_from_the_review_screen(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    response = _client(comms_reviewer).post(
        reverse("post_decide", args=[post.pk]),
        {"verdict": "changes", "note": "Say when it closes.", "revision": 1, "reason": "accuracy"},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == PostState.CHANGES_REQUESTED


def test_deciding_on_ones_own_post_is_403(
    comms_reviewer: User, comms_department: Department
) -> None:
    own = make_account(comms_department, drafters=[comms_department], reviewers=[comms_department])
    post = submitted_post(comms_reviewer, own)
    response = _client(comms_reviewer).post(
        reverse("post_decide", args=[post.pk]), {"verdict": "approve", "revision": 1}
    )
    assert response.status_code == 403
    assert "separation of duties" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_decision_on_a_withdrawn_post_is_409(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    services.post_withdraw(post=post, actor=sme)
    response = _client(comms_reviewer).post(
        reverse("post_decide", args=[post.pk]), {"verdict": "approve", "revision": 1}
    )
    assert response.status_code == 409


# --- Comments ----------------------------------------------------------------------------------


def test_a_comment_anchored_to_the_second_occurrence_of_a_passage(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account, "Open at 8. Really, open at 8.")
    response = _client(comms_reviewer).post(
        reverse("comment_create", args=[post.pk]),
        {"body": "Which one?", "quote": "open at 8", "quote_occurrence": 0, "next": "review"},
    )
    comment = ReviewComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("post_review", args=[post.pk]) + f"#comment-{comment.pk}"
    assert comment.quote_start == post.body.index("open at 8")

    _client(comms_reviewer).post(
        reverse("comment_create", args=[post.pk]),
        {"body": "Twice", "quote": "at 8", "quote_occurrence": 1},
    )
    second = ReviewComment.objects.latest("id")
    assert second.quote_start == post.body.rindex("at 8")


def test_a_quote_not_in_the_post_is_400(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    response = _client(comms_reviewer).post(
        reverse("comment_create", args=[post.pk]), {"body": "Hm", "quote": "not there"}
    )
    assert response.status_code == 400
    assert not ReviewComment.objects.exists()


def test_the_author_applies_a_suggested_wording(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account, "Our world-class desk opens at 8.")
    services.post_request_changes(post=post, actor=comms_reviewer, note="Tone it down")
    comment = services.comment_add(
        post=post, actor=comms_reviewer, body="Simpler", quote="world-class ", suggestion=""
    )
    suggestion = services.comment_add(
        post=post, actor=comms_reviewer, body="Try", quote="world-class desk", suggestion="desk"
    )
    assert comment.suggestion == ""

    response = _client(sme).post(reverse("comment_apply", args=[post.pk, suggestion.pk]))

    assert response.status_code == 302
    post.refresh_from_db()
    suggestion.refresh_from_db()
    assert (post.revision_number, post.body) == (2, "Our desk opens at 8.")
    assert suggestion.resolved is True


def test_an_outsider_cannot_comment(outsider: User, draft: Post) -> None:
    response = _client(outsider).post(reverse("comment_create", args=[draft.pk]), {"body": "Hi"})
    assert response.status_code == 404
    assert not ReviewComment.objects.exists()


# --- Schedule, publish, crisis -----------------------------------------------------------------


def test_schedule_from_the_post_page_in_the_persons_time_zone(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    User.objects.filter(pk=comms_reviewer.pk).update(timezone="America/New_York")
    post = approved_post(sme, account, comms_reviewer)
    tomorrow = timezone.localdate() + timedelta(days=2)
    response = _client(comms_reviewer).post(
        reverse("post_schedule", args=[post.pk]),
        {"scheduled_at": f"{tomorrow:%Y-%m-%d}T09:30"},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    local = timezone.localtime(
        post.scheduled_at, timezone=__import__("zoneinfo").ZoneInfo("America/New_York")
    )
    assert (local.date(), local.hour, local.minute) == (tomorrow, 9, 30)


def test_schedule_by_someone_without_publish_permission_is_403(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    when = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = _client(sme).post(reverse("post_schedule", args=[post.pk]), {"scheduled_at": when})
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.state == PostState.APPROVED


def test_schedule_with_a_bad_time_is_400(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    client = _client(comms_reviewer)
    for value in ("tomorrow-ish", "2001-01-01T10:00"):
        response = client.post(reverse("post_schedule", args=[post.pk]), {"scheduled_at": value})
        assert response.status_code == 400
    post.refresh_from_db()
    assert post.state == PostState.APPROVED


def test_publish_now_and_unschedule_buttons(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = scheduled_post(sme, account, comms_reviewer)
    client = _client(comms_reviewer)
    assert client.post(reverse("post_unschedule", args=[post.pk])).status_code == 302
    assert client.post(reverse("post_publish_now", args=[post.pk])).status_code == 302
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHING


def test_the_crisis_banner_shows_on_every_page_and_scheduling_is_refused(
    sme: User, account: BrandAccount, comms_reviewer: User, org_admin: User
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    response = _client(org_admin).post(
        reverse("crisis_pause_list"), {"brand_account": "", "reason": "Data incident"}
    )
    assert response.status_code == 302
    for url in (reverse("home"), reverse("post_list"), reverse("post_detail", args=[post.pk])):
        html = _client(sme).get(url).content.decode()
        assert "Publishing is paused across the organisation: Data incident" in html

    when = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = _client(comms_reviewer).post(
        reverse("post_schedule", args=[post.pk]), {"scheduled_at": when}
    )
    assert refused.status_code == 403
    assert "Nothing can be scheduled or published" in refused.content.decode()
    post.refresh_from_db()
    assert post.state == PostState.APPROVED


def test_an_sme_cannot_pause_and_a_pause_needs_a_reason(sme: User, org_admin: User) -> None:
    assert _client(sme).post(reverse("crisis_pause_list"), {"reason": "Because"}).status_code == 403
    assert _client(org_admin).post(reverse("crisis_pause_list"), {"reason": ""}).status_code == 400
    assert not CrisisPause.objects.exists()


def test_lifting_a_pause_from_its_page(org_admin: User, comms_reviewer: User) -> None:
    pause = services.crisis_pause_set(actor=org_admin, reason="Incident")
    response = _client(comms_reviewer).post(
        reverse("crisis_pause_lift", args=[pause.pk]), {"note": "Over"}
    )
    assert response.status_code == 302
    pause.refresh_from_db()
    assert pause.lifted_by == comms_reviewer
    assert (
        _client(comms_reviewer).post(reverse("crisis_pause_lift", args=[pause.pk])).status_code
        == 409
    )


# --- Lists ---------------------------------------------------------------------------------------


def test_my_posts_by_state(sme: User, account: BrandAccount, comms_reviewer: User) -> None:
    make_post(sme, account, "draft one")
    submitted_post(sme, account, "in review one")
    client = _client(sme)
    html = client.get(reverse("post_list")).content.decode()
    assert "draft one" in html
    assert "in review one" in html
    only_drafts = client.get(reverse("post_list") + "?state=draft").content.decode()
    assert "draft one" in only_drafts
    assert "in review one" not in only_drafts


def test_the_queue_lists_across_departments_oldest_first(
    sme: User,
    outsider: User,
    account: BrandAccount,
    rnd: Department,
    comms_reviewer: User,
    comms_department: Department,
) -> None:
    lab = make_account(rnd, drafters=[rnd], reviewers=[comms_department])
    first = submitted_post(sme, account, "Sales first")
    second = submitted_post(outsider, lab, "R&D second")
    Post.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(days=4))

    html = _client(comms_reviewer).get(reverse("review_queue")).content.decode()

    assert html.index("Sales first") < html.index("R&amp;D second")
    assert "R&amp;D" in html
    assert "Sales" in html
    assert 'class="badge bad">4' in html  # late: shown as such
    assert f'href="/posts/{second.pk}/review/"' in html


def test_the_queue_is_for_reviewers(sme: User) -> None:
    response = _client(sme).get(reverse("review_queue"))
    assert response.status_code == 403
    assert "for comms and legal reviewers" in response.content.decode()


def test_the_calendar_places_posts_on_their_local_day(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    when = timezone.now() + timedelta(days=1)
    post = scheduled_post(sme, account, comms_reviewer, at=when, body="Calendar entry")
    client = _client(sme)
    week = client.get(reverse("content_calendar") + f"?date={when.date():%Y-%m-%d}")
    html = week.content.decode()
    assert week.status_code == 200
    assert "Calendar entry" in html
    assert f'href="/posts/{post.pk}/"' in html
    month = client.get(
        reverse("content_calendar") + f"?view=month&date={when.date():%Y-%m-%d}"
    ).content.decode()
    assert "Calendar entry" in month
    other_department = client.get(
        reverse("content_calendar") + f"?date={when.date():%Y-%m-%d}&department=nowhere"
    ).content.decode()
    assert "Calendar entry" not in other_department


def test_notifications_page_and_mark_read(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    services.post_request_changes(post=post, actor=comms_reviewer, note="Shorter")
    client = _client(sme)
    html = client.get(reverse("notification_list")).content.decode()
    assert "Colin Comms requested changes to your post" in html
    assert 'Notifications <span class="badge"' in client.get(reverse("home")).content.decode()
    client.post(reverse("notifications_read"))
    assert not Notification.objects.filter(recipient=sme, read_at__isnull=True).exists()


@pytest.mark.parametrize(
    "name",
    [
        "post_list",
        "post_create",
        "review_queue",
        "content_calendar",
        "crisis_pause_list",
        "notification_list",
    ],
)
def test_pages_need_a_login(client: Client, name: str, db: None) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_home_page_shows_my_posts_comments_to_answer_and_the_queue(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    make_post(sme, account, "a draft")
    waiting = submitted_post(sme, account)
    services.comment_add(post=waiting, actor=comms_reviewer, body="Shorter?")

    mine = _client(sme).get(reverse("home")).content.decode()
    assert 'href="/posts/?state=draft">Draft</a> <span class="badge">1</span>' in mine
    assert "1</span> open comment on your posts to answer" in mine
    assert "Waiting for your review" not in mine

    theirs = _client(comms_reviewer).get(reverse("home")).content.decode()
    assert "Waiting for your review" in theirs
    assert 'href="/review/">1 post</a>' in theirs


def test_the_post_page_tells_the_story_in_order(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account, "Open at 8.")
    services.comment_add(post=post, actor=comms_reviewer, body="Which days?", quote="Open")
    services.post_request_changes(post=post, actor=comms_reviewer, note="Add the days.")
    services.post_revise(post=post, actor=sme, body="Open at 8 on weekdays.")

    html = _client(sme).get(reverse("post_detail", args=[post.pk])).content.decode()

    story = [
        "saved revision 1",
        "submitted it for review",
        "(Draft → In review)",
        "commented on revision 1: “Open”",
        "changes requested revision 1 — Add the days.",
        "saved revision 2",
    ]
    positions = [html.index(step) for step in story]
    assert positions == sorted(positions)


def test_a_typed_passage_anchors_a_comment_too(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account, "Open at 8. Closed on Sundays.")
    _client(comms_reviewer).post(
        reverse("comment_create", args=[post.pk]),
        {"body": "Holidays?", "quote": "", "quote_typed": "Closed on Sundays"},
    )
    comment = ReviewComment.objects.get()
    assert (comment.quote, comment.quote_start) == ("Closed on Sundays", 11)


def test_the_calendar_with_a_bad_account_filter_is_400(sme: User) -> None:
    response = _client(sme).get(reverse("content_calendar") + "?brand_account=abc")
    assert response.status_code == 400
    assert "Give a whole number from 1 to" in response.content.decode()
