"""The two-way internal feed: employees comment on entries and ask questions under them; the
internal platform's connector reads those comments as incoming items and publishes the brand's
answer, once, as a comment under the one it answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from activity.models import AuditEvent
from approvals import replies, services
from approvals.models import Post, PostState
from approvals.tests.factories import make_account
from channels_app.connectors import IncomingKind, PostPayload, ReplyTarget
from channels_app.models import BrandAccount
from publishing import tasks
from publishing.feed_comments import feed_comment_add
from publishing.internal_feed import InternalConnector, comment_item_id
from publishing.models import FeedComment, FeedEntry


def _entry(account: BrandAccount, text: str = "The canteen opens at 8.") -> FeedEntry:
    number = FeedEntry.objects.count()
    return FeedEntry.objects.create(
        brand_account=account,
        department=account.department,
        org_wide=account.org_wide_feed,
        text=text,
        idempotency_key=f"entry-{account.pk}-{number}",
        published_at=timezone.now(),
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _credentials(account: BrandAccount) -> dict[str, str]:
    return {"brand_account": str(account.pk)}


# --- Pages ----------------------------------------------------------------------------------


def test_a_member_comments_under_an_entry_with_htmx_and_it_shows_on_the_feed(
    sme: User, account: BrandAccount
) -> None:
    entry = _entry(account)
    client = _client(sme)

    answer = client.post(
        f"/feed/entries/{entry.pk}/comments/",
        {"text": "Is there coffee before 8?"},
        HTTP_HX_REQUEST="true",
    )

    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'id="entry-{entry.pk}-comments"' in html
    assert "Is there coffee before 8?" in html
    (comment,) = FeedComment.objects.all()
    assert (comment.entry, comment.author, comment.parent) == (entry, sme, None)
    assert AuditEvent.objects.filter(action="feed.comment_added").count() == 1
    feed = client.get(f"/feed/{account.department.slug}/").content.decode()
    assert "Is there coffee before 8?" in feed


def test_a_plain_form_post_goes_back_to_the_entry(sme: User, account: BrandAccount) -> None:
    entry = _entry(account)
    response = _client(sme).post(f"/feed/entries/{entry.pk}/comments/", {"text": "Thanks!"})
    comment = FeedComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/feed/entries/{entry.pk}/#comment-{comment.pk}"


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_a_bad_comment_is_400_with_its_message_and_nothing_written(
    sme: User, account: BrandAccount, text: str
) -> None:
    entry = _entry(account)
    for headers in ({"HX-Request": "true"}, {}):
        response = _client(sme).post(
            f"/feed/entries/{entry.pk}/comments/", {"text": text}, headers=headers
        )
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
    assert not FeedComment.objects.exists()
    assert not AuditEvent.objects.filter(action="feed.comment_added").exists()


def test_a_parent_of_another_entry_is_404(sme: User, account: BrandAccount) -> None:
    entry, other = _entry(account), _entry(account, "Other news")
    elsewhere = feed_comment_add(actor=sme, entry=other, text="Hello")
    response = _client(sme).post(
        f"/feed/entries/{entry.pk}/comments/", {"text": "Hi", "parent": elsewhere.pk}
    )
    assert response.status_code == 404
    assert FeedComment.objects.count() == 1


def test_someone_who_does_not_read_the_entry_gets_404_and_writes_nothing(
    outsider: User, account: BrandAccount
) -> None:
    entry = _entry(account)  # sales news, for sales members
    response = _client(outsider).post(f"/feed/entries/{entry.pk}/comments/", {"text": "Hi"})
    missing = _client(outsider).post("/feed/entries/999999/comments/", {"text": "Hi"})
    assert response.status_code == missing.status_code == 404
    assert not FeedComment.objects.exists()
    assert _client(outsider).get(f"/feed/entries/{entry.pk}/").status_code == 404


def test_comments_cost_one_query_per_feed_page(
    sme: User, account: BrandAccount, django_assert_num_queries: Any
) -> None:
    url = f"/feed/{account.department.slug}/"
    client = _client(sme)

    def add(count: int) -> None:
        for number in range(count):
            entry = _entry(account, f"News {number}")
            question = feed_comment_add(actor=sme, entry=entry, text=f"Question {number}")
            FeedComment.objects.create(
                entry=entry, parent=question, brand_account=account, text=f"Answer {number}"
            )

    add(1)
    client.get(url)
    # As the feed page's own test counts them (test_internal_feed), with the comments: 11.
    with django_assert_num_queries(11):
        html = client.get(url).content.decode()
    assert html.count('class="feed-comment answer from-brand"') == 1
    add(5)
    with django_assert_num_queries(11):
        html = client.get(url).content.decode()
    assert html.count('class="feed-comment answer from-brand"') == 6


# --- The connector: reading comments ----------------------------------------------------------


def test_comments_arrive_as_incoming_items_paged_by_the_last_comment_id(
    sme: User, manager: User, account: BrandAccount, sales: Department, comms_department: Department
) -> None:
    connector = InternalConnector()
    entry = _entry(account)
    other_account = make_account(sales, display_name="Other")
    elsewhere = _entry(other_account)
    first = feed_comment_add(actor=sme, entry=entry, text="When does it open?")

    page = connector.fetch_incoming(_credentials(account), cursor=None)

    (item,) = page.items
    assert page.cursor == str(first.pk)
    assert item.platform_item_id == comment_item_id(first)
    assert item.kind == IncomingKind.COMMENT
    assert item.thread_key == str(entry.pk)
    assert item.in_reply_to_platform_id == str(entry.pk)  # the entry's external id
    assert (item.author_id, item.author_handle, item.author_name) == (
        str(sme.pk),
        sme.email,
        sme.full_name,
    )
    assert item.url.endswith(f"/feed/entries/{entry.pk}/#comment-{first.pk}")
    assert dict(item.raw_ref) == {"comment": str(first.pk), "entry": str(entry.pk)}
    assert not item.is_private

    feed_comment_add(actor=manager, entry=elsewhere, text="Not this account's")
    more = [feed_comment_add(actor=manager, entry=entry, text=f"Me too {n}") for n in range(3)]
    follow_up = feed_comment_add(actor=sme, entry=entry, text="Thanks", parent=first.pk)
    page = connector.fetch_incoming(_credentials(account), cursor=page.cursor, limit=2)
    assert [i.text for i in page.items] == ["Me too 0", "Me too 1"]
    assert page.more
    page = connector.fetch_incoming(_credentials(account), cursor=page.cursor, limit=2)
    assert [i.platform_item_id for i in page.items] == [
        comment_item_id(more[2]),
        comment_item_id(follow_up),
    ]
    assert page.items[1].in_reply_to_platform_id == comment_item_id(first)
    assert not page.more
    again = connector.fetch_incoming(_credentials(account), cursor=page.cursor)
    assert (again.items, again.cursor, again.more) == ((), page.cursor, False)


def test_a_first_poll_takes_the_newest_page_only(sme: User, account: BrandAccount) -> None:
    entry = _entry(account)
    comments = [feed_comment_add(actor=sme, entry=entry, text=f"Q{n}") for n in range(5)]
    page = InternalConnector().fetch_incoming(_credentials(account), cursor=None, limit=2)
    assert [i.text for i in page.items] == ["Q3", "Q4"]
    assert page.cursor == str(comments[-1].pk)
    empty = InternalConnector().fetch_incoming(
        _credentials(make_account(account.department)), cursor=None
    )
    assert (empty.items, empty.cursor) == ((), None)


def test_the_brands_answers_are_not_incoming(sme: User, account: BrandAccount) -> None:
    entry = _entry(account)
    question = feed_comment_add(actor=sme, entry=entry, text="Q")
    FeedComment.objects.create(entry=entry, parent=question, brand_account=account, text="A")
    page = InternalConnector().fetch_incoming(_credentials(account), cursor="0")
    assert [i.text for i in page.items] == ["Q"]


# --- The connector and the engine: answering ---------------------------------------------------


def test_an_answer_is_published_once_under_the_comment(sme: User, account: BrandAccount) -> None:
    connector = InternalConnector()
    entry = _entry(account)
    question = feed_comment_add(actor=sme, entry=entry, text="Is there parking?")
    payload = PostPayload(
        text="Yes, behind building B.",
        idempotency_key="socialhub-answer-1",
        reply_to=ReplyTarget(platform_item_id=comment_item_id(question)),
    )

    assert connector.find_existing(_credentials(account), payload) is None
    first = connector.publish(_credentials(account), payload)
    again = connector.publish(_credentials(account), payload)

    assert again == first
    assert connector.find_existing(_credentials(account), payload) == first
    answer = FeedComment.objects.get(parent=question)
    assert first.external_id == comment_item_id(answer)
    assert (answer.brand_account, answer.author, answer.entry) == (account, None, entry)
    assert FeedEntry.objects.count() == 1  # an answer is no new entry


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (ReplyTarget(platform_item_id="comment-999999"), "not under one of this account"),
        (ReplyTarget(platform_item_id="12"), "not under one of this account"),
        (ReplyTarget(platform_item_id="comment-1", private=True), "no private replies"),
    ],
)
def test_answers_the_feed_cannot_take_are_refused(
    account: BrandAccount, target: ReplyTarget, message: str
) -> None:
    payload = PostPayload(text="Hi", idempotency_key="socialhub-x", reply_to=target)
    with pytest.raises(Exception, match=message):
        InternalConnector().publish(_credentials(account), payload)
    assert not FeedComment.objects.exists()


def test_a_reply_post_answers_an_employees_question_through_the_engine(
    sme: User, manager: User, account: BrandAccount, comms_reviewer: User
) -> None:
    entry = _entry(account)
    feed_comment_add(actor=manager, entry=entry, text="Which floor is the new lab on?")
    (item,) = InternalConnector().fetch_incoming(_credentials(account), cursor=None).items
    post = replies.reply_post_create(
        actor=sme,
        brand_account=account,
        text="The third floor.",
        reply_to_item_id=item.platform_item_id,
        raw_ref=dict(item.raw_ref),
        submit=True,
    )
    services.post_approve(post=post, actor=comms_reviewer)
    services.post_publish_now(post=Post.objects.get(pk=post.pk), actor=comms_reviewer)

    assert tasks.publish_post(post.pk) == "published"
    assert tasks.publish_post(post.pk) == "skipped"
    post.refresh_from_db()

    answer = FeedComment.objects.get(brand_account=account)
    assert post.state == PostState.PUBLISHED
    assert post.external_id == comment_item_id(answer)
    assert answer.parent is not None
    assert answer.parent.text == "Which floor is the new lab on?"
    assert answer.text == "The third floor."
    page = _client(manager).get(f"/feed/entries/{entry.pk}/").content.decode()
    assert "The third floor." in page
    # The answer itself is no incoming item; a follow-up under it answers our reply.
    follow = feed_comment_add(actor=manager, entry=entry, text="Thanks!", parent=answer.pk)
    (next_item,) = (
        InternalConnector().fetch_incoming(_credentials(account), cursor=item.raw_ref["comment"])
    ).items
    assert next_item.platform_item_id == comment_item_id(follow)
    assert next_item.in_reply_to_platform_id == post.external_id


def test_a_bad_cursor_is_refused(account: BrandAccount) -> None:
    with pytest.raises(Exception, match="cursor is a comment id"):
        InternalConnector().fetch_incoming(_credentials(account), cursor="abc")


def test_a_pre_approved_saved_reply_answers_through_the_same_engine(
    manager: User, comms_department: Department
) -> None:
    support = DepartmentFactory.create(name="Support", slug="support")
    agent = UserFactory.create(email="agent@example.test")
    add_member(agent, support)
    helpdesk = make_account(support, display_name="IT help", drafters=[support])
    BrandAccount.objects.filter(pk=helpdesk.pk).update(customer_service_replies_preapproved=True)
    helpdesk.refresh_from_db()
    entry = _entry(helpdesk, "New laptops arrive on Monday.")
    feed_comment_add(actor=agent, entry=entry, text="Do I keep my old one?")
    (item,) = InternalConnector().fetch_incoming(_credentials(helpdesk), cursor=None).items
    saved = "Yes: bring it to the help desk when the new one is set up."
    post = replies.reply_post_create(
        actor=agent,
        brand_account=helpdesk,
        text=saved,
        reply_to_item_id=item.platform_item_id,
        raw_ref=dict(item.raw_ref),
    )

    replies.reply_post_publish_preapproved(actor=agent, post=post, saved_reply_text=saved)
    assert tasks.publish_post(post.pk) == "published"

    post.refresh_from_db()
    answer = FeedComment.objects.get(brand_account=helpdesk)
    assert post.state == PostState.PUBLISHED
    assert post.external_id == comment_item_id(answer)
    assert answer.text == saved
