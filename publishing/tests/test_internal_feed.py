"""The internal feed: what internal accounts publish, per department (its members) and for the
whole organisation (every signed-in person, from accounts flagged organisation-wide)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Department, User
from activity.models import AuditEvent
from approvals import services
from approvals.media import images_for_revision, read_stored
from approvals.models import MediaAttachment, Post
from approvals.tests.factories import approved_post, make_account, make_post
from approvals.tests.media_factories import picture
from channels_app.connectors import Image, PermanentError, PostPayload
from channels_app.models import BrandAccount
from publishing import tasks
from publishing.internal_feed import InternalConnector
from publishing.models import FeedEntry, FeedImage


def publish(post: Post, comms: User) -> FeedEntry:
    services.post_publish_now(post=post, actor=comms)
    assert tasks.publish_post(post.pk) == "published"
    post.refresh_from_db()
    return FeedEntry.objects.get(pk=int(post.external_id))


@pytest.fixture
def company_news(comms_department: Department, sales: Department) -> BrandAccount:
    """Communications' organisation-wide internal account; sales may draft on it too."""
    account = make_account(
        comms_department,
        display_name="Company news",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )
    BrandAccount.objects.filter(pk=account.pk).update(org_wide_feed=True)
    account.refresh_from_db()
    return account


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_department_news_reaches_its_members_only(
    sme: User,
    manager: User,
    outsider: User,
    hr_user: User,
    account: BrandAccount,
    comms_reviewer: User,
) -> None:
    entry = publish(
        approved_post(sme, account, comms_reviewer, "Team lunch on Friday."), comms_reviewer
    )
    assert (entry.department.slug, entry.org_wide) == ("sales", False)

    for member in (sme, manager, hr_user):  # members, and HR who looks into every department
        html = client_for(member).get("/feed/sales/").content.decode()
        assert "Team lunch on Friday." in html
        assert client_for(member).get(f"/feed/entries/{entry.pk}/").status_code == 200
    assert client_for(outsider).get("/feed/sales/").status_code == 404
    assert client_for(outsider).get(f"/feed/entries/{entry.pk}/").status_code == 404
    # Comms, who published it, follows the post's link to the entry (not the whole feed).
    assert client_for(comms_reviewer).get(f"/feed/entries/{entry.pk}/").status_code == 200
    assert client_for(comms_reviewer).get("/feed/sales/").status_code == 404
    # Not on the organisation's feed: it is department news.
    assert "Team lunch" not in client_for(sme).get("/feed/").content.decode()


def test_organisation_wide_news_reaches_everyone(
    sme: User, outsider: User, company_news: BrandAccount, comms_reviewer: User
) -> None:
    entry = publish(
        approved_post(sme, company_news, comms_reviewer, "The canteen reopens on Monday."),
        comms_reviewer,
    )
    assert (entry.department.slug, entry.org_wide) == ("communications", True)

    response = client_for(outsider).get("/feed/")
    assert response.status_code == 200
    assert "The canteen reopens on Monday." in response.content.decode()
    assert client_for(outsider).get(f"/feed/entries/{entry.pk}/").status_code == 200
    # ...and it is on its department's feed too, for that department's members.
    assert client_for(outsider).get("/feed/communications/").status_code == 404


def test_the_audience_is_fixed_when_published(
    sme: User, outsider: User, account: BrandAccount, comms_reviewer: User
) -> None:
    entry = publish(approved_post(sme, account, comms_reviewer, "Sales only."), comms_reviewer)
    BrandAccount.objects.filter(pk=account.pk).update(org_wide_feed=True)

    assert client_for(outsider).get(f"/feed/entries/{entry.pk}/").status_code == 404
    assert "Sales only." not in client_for(outsider).get("/feed/").content.decode()


def test_feeds_are_newest_first_and_paged(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    now = timezone.now()
    for number in range(25):
        FeedEntry.objects.create(
            brand_account=account,
            department=account.department,
            text=f"News number {number:02d}",
            idempotency_key=f"k{number}",
            published_at=now - timedelta(minutes=100 - number),
        )
    client = client_for(sme)
    first = client.get("/feed/sales/").content.decode()
    assert first.index("News number 24") < first.index("News number 23")
    assert "News number 04" not in first  # 20 a page
    second = client.get("/feed/sales/?page=2").content.decode()
    assert "News number 04" in second
    assert "News number 24" not in second


def test_signed_out_people_are_sent_to_log_in() -> None:
    response = Client().get("/feed/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_navigation_leads_to_the_feed(sme: User) -> None:
    html = client_for(sme).get("/").content.decode()
    assert 'href="/feed/"' in html
    feed = client_for(sme).get("/feed/").content.decode()
    assert 'href="/feed/sales/"' in feed  # the feeds the person reads
    assert 'href="/feed/rnd/"' not in feed


# Both pages: 1 session, 2 user, 3 organisation roles (navigation), 4 the departments whose
# feeds the person reads, 5 the entries' count (pages), 6 unread notifications and 7 crisis
# pauses (header and banner), 8 the page of entries with their accounts and departments, 9 the
# images of every entry on the page (one prefetch), 10 their comments with who wrote them (one
# prefetch). The department's feed adds 11 the department itself (404 when the person may not
# read it).
@pytest.mark.parametrize(("url", "expected"), [("/feed/", 10), ("/feed/sales/", 11)])
def test_feed_pages_cost_the_same_queries_for_one_or_many(
    url: str,
    expected: int,
    sme: User,
    account: BrandAccount,
    company_news: BrandAccount,
    django_assert_num_queries: Any,
) -> None:
    def add(count: int) -> None:
        for _ in range(count):
            number = FeedEntry.objects.count()
            for acct in (account, company_news):
                entry = FeedEntry.objects.create(
                    brand_account=acct,
                    department=acct.department,
                    org_wide=acct.org_wide_feed,
                    text=f"Entry {number}",
                    idempotency_key=f"{acct.pk}-{number}",
                    published_at=timezone.now(),
                )
                for order in range(2):  # images must not cost a query per entry
                    FeedImage.objects.create(
                        entry=entry,
                        file=f"feed/{entry.pk}/{order}.png",
                        alt_text=f"Picture {order}",
                        order=order,
                        content_type="image/png",
                        checksum="0" * 64,
                    )

    client = client_for(sme)
    add(1)
    client.get(url)  # warm-up
    with django_assert_num_queries(expected):
        html = client.get(url).content.decode()
    assert html.count('class="feed-entry card"') == 1
    assert html.count("data-alt-text") == 2
    add(14)
    with django_assert_num_queries(expected):
        html = client.get(url).content.decode()
    assert html.count('class="feed-entry card"') == 15
    assert html.count("data-alt-text") == 30


# --- The connector -------------------------------------------------------------------------------


def test_the_connector_publishes_once_per_key_and_finds_it_again(account: BrandAccount) -> None:
    connector = InternalConnector()
    credentials = {"brand_account": str(account.pk)}
    payload = PostPayload(text="Hello, colleagues", idempotency_key="socialhub-abc")

    first = connector.publish(credentials, payload)
    again = connector.publish(credentials, payload)

    assert first == again
    assert FeedEntry.objects.count() == 1
    assert connector.find_existing(credentials, payload) == first
    missing = PostPayload(text="Hello, colleagues", idempotency_key="socialhub-other")
    assert connector.find_existing(credentials, missing) is None
    identity = connector.verify(credentials)
    assert (identity.handle, identity.url) == (account.handle, "/feed/sales/")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's setting"
)
@pytest.mark.django_db(transaction=True)
def test_the_entry_alone_commits_without_waiting_for_the_disk(account: BrandAccount) -> None:
    """Its own one-statement transaction only (publishing/internal_feed.py says why that keeps
    exactly once): the connection's setting is untouched afterwards, and an entry written in a
    caller's transaction leaves that transaction's commit alone."""
    connector = InternalConnector()
    credentials = {"brand_account": str(account.pk)}

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()[0])

    before = setting()
    with CaptureQueriesContext(connection) as alone:
        result = connector.publish(credentials, PostPayload(text="Hi", idempotency_key="k-1"))
    assert setting() == before
    with transaction.atomic(), CaptureQueriesContext(connection) as inside:
        connector.publish(credentials, PostPayload(text="Hi again", idempotency_key="k-2"))
        assert setting() == before

    (statement,) = [q["sql"] for q in alone.captured_queries if "INSERT" in q["sql"]]
    assert "set_config('synchronous_commit', 'off', true)" in statement
    (statement,) = [q["sql"] for q in inside.captured_queries if "INSERT" in q["sql"]]
    assert "synchronous_commit" not in statement
    entry = FeedEntry.objects.get(idempotency_key="k-1")
    assert (str(entry.pk), entry.text) == (result.external_id, "Hi")
    assert FeedEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("credentials", "text", "message"),
    [
        ({"brand_account": "999999"}, "Hi", "no longer exists"),
        ({}, "Hi", "no longer exists"),
        (None, "   ", "empty"),
        (None, "x" * 10_001, "at most"),
    ],
)
def test_the_connector_refuses_what_it_cannot_publish(
    account: BrandAccount, credentials: dict[str, str] | None, text: str, message: str
) -> None:
    given = credentials if credentials is not None else {"brand_account": str(account.pk)}
    with pytest.raises(PermanentError, match=message):
        InternalConnector().publish(given, PostPayload(text=text, idempotency_key="k"))
    assert not FeedEntry.objects.exists()


# --- Images ------------------------------------------------------------------------------------


def _stored_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "feed").rglob("*") if p.is_file())


def test_a_post_with_two_images_reaches_the_feed_with_them_in_order(
    sme: User,
    comms_reviewer: User,
    outsider: User,
    account: BrandAccount,
    media_root: Path,
) -> None:
    post = make_post(sme, account, "Two pictures from the fair")
    services.post_media_add(
        post=post,
        actor=sme,
        uploads=[(picture(seed=1), "lighthouse.png"), (picture("JPEG", seed=2), "team.jpg")],
        alt_texts=["A red lighthouse at dusk", "Our team on stage"],
    )
    services.post_submit(post=Post.objects.get(pk=post.pk), actor=sme)
    services.post_approve(post=Post.objects.get(pk=post.pk), actor=comms_reviewer)

    entry = publish(Post.objects.get(pk=post.pk), comms_reviewer)

    post.refresh_from_db()
    attachments = list(MediaAttachment.objects.filter(revision=post.current_revision))
    images = list(entry.images.order_by("order"))
    assert [(i.order, i.alt_text) for i in images] == [
        (0, "A red lighthouse at dusk"),
        (1, "Our team on stage"),
    ]
    assert [(i.content_type, i.width, i.height) for i in images] == [
        (a.content_type, a.width, a.height) for a in attachments
    ]
    for image, attachment in zip(images, attachments, strict=True):
        assert image.file.name.startswith(f"feed/{entry.pk}/")
        with image.file.open("rb") as handle:
            assert handle.read() == read_stored(attachment.file.name)
    files = _stored_files(media_root)
    assert len(files) == 2

    # A second publish of the same post, by the engine or straight to the connector with the
    # same idempotency key, makes nothing new.
    assert tasks.publish_post(post.pk) == "skipped"
    assert post.current_revision is not None
    payload = PostPayload(
        text=post.body,
        idempotency_key=post.idempotency_key,
        images=tuple(images_for_revision(post.current_revision)),
    )
    again = InternalConnector().publish({"brand_account": str(account.pk)}, payload)
    assert again.external_id == str(entry.pk)
    assert (FeedEntry.objects.count(), FeedImage.objects.count()) == (1, 2)
    assert _stored_files(media_root) == files

    # The pages show them with their alt text; the files go to readers of the entry only.
    for page in (f"/feed/entries/{entry.pk}/", "/feed/sales/"):
        html = client_for(sme).get(page).content.decode()
        for image in images:
            assert f'src="/feed/entries/{entry.pk}/images/{image.pk}/"' in html
            assert f'alt="{image.alt_text}"' in html
    first = f"/feed/entries/{entry.pk}/images/{images[0].pk}/"
    response = client_for(sme).get(first)
    assert response.status_code == 200
    assert response["Content-Type"] == images[0].content_type
    assert response.getvalue() == read_stored(attachments[0].file.name)
    assert client_for(outsider).get(first).status_code == 404
    assert client_for(outsider).get(f"/feed/entries/{entry.pk}/").status_code == 404
    # An image id of this entry under another entry's address is not found either.
    other = FeedEntry.objects.create(
        brand_account=account,
        department=account.department,
        text="Other",
        idempotency_key="other",
        published_at=timezone.now(),
    )
    assert (
        client_for(sme).get(f"/feed/entries/{other.pk}/images/{images[0].pk}/").status_code == 404
    )
    assert Client().get(first).status_code == 302  # signed out: to the login page


def test_the_connector_refuses_images_it_cannot_show(account: BrandAccount) -> None:
    credentials = {"brand_account": str(account.pk)}
    bad = Image(data=b"not an image", content_type="application/pdf", alt_text="A file")
    with pytest.raises(PermanentError, match="Image 1 is not"):
        InternalConnector().publish(
            credentials, PostPayload(text="Hi", idempotency_key="k", images=(bad,))
        )
    assert not FeedEntry.objects.exists()
    assert not FeedImage.objects.exists()


# --- Flagging an account organisation-wide -------------------------------------------------------


def test_an_org_admin_flags_an_internal_account_organisation_wide(
    api_as: Any, org_admin: User, account: BrandAccount
) -> None:
    response = api_as(org_admin).patch(
        f"/api/v1/brand-accounts/{account.pk}/", {"org_wide_feed": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["org_wide_feed"] is True
    event = AuditEvent.objects.for_target(account).get(action="brand_account.updated")
    assert event.data["changes"] == {"org_wide_feed": [False, True]}


def test_only_internal_accounts_can_be_organisation_wide(
    api_as: Any, org_admin: User, sales: Department
) -> None:
    mastodon = make_account(sales, platform="mastodon")
    response = api_as(org_admin).patch(
        f"/api/v1/brand-accounts/{mastodon.pk}/", {"org_wide_feed": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["org_wide_feed"] == [
        "Only internal feed accounts publish to the organisation's feed."
    ]
    mastodon.refresh_from_db()
    assert mastodon.org_wide_feed is False


def test_the_edit_page_offers_the_flag_for_internal_accounts(
    org_admin: User, account: BrandAccount, sales: Department
) -> None:
    client = client_for(org_admin)
    assert (
        "Organisation-wide feed"
        in client.get(f"/brand-accounts/{account.pk}/edit/").content.decode()
    )
    mastodon = make_account(sales, platform="mastodon")
    assert (
        "Organisation-wide feed"
        not in client.get(f"/brand-accounts/{mastodon.pk}/edit/").content.decode()
    )
    response = client.post(
        f"/brand-accounts/{account.pk}/edit/",
        {
            "display_name": account.display_name,
            "handle": account.handle,
            "department": account.department.slug,
            "org_wide_feed": "on",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.org_wide_feed is True
