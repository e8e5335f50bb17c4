"""The internal feed: what internal accounts publish, per department (its members) and for the
whole organisation (every signed-in person, from accounts flagged organisation-wide)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Department, User
from approvals import services, tasks
from approvals.internal_feed import InternalConnector
from approvals.models import AuditEvent, FeedEntry, Post
from approvals.tests.factories import approved_post, make_account
from channels_app.connectors import PermanentError, PostPayload
from channels_app.models import BrandAccount


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
# pauses (header and banner), 8 the page of entries with their accounts and departments. The
# department's feed adds 9 the department itself (404 when the person may not read it).
@pytest.mark.parametrize(("url", "expected"), [("/feed/", 8), ("/feed/sales/", 9)])
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
                FeedEntry.objects.create(
                    brand_account=acct,
                    department=acct.department,
                    org_wide=acct.org_wide_feed,
                    text=f"Entry {number}",
                    idempotency_key=f"{acct.pk}-{number}",
                    published_at=timezone.now(),
                )

    client = client_for(sme)
    add(1)
    client.get(url)  # warm-up
    with django_assert_num_queries(expected):
        html = client.get(url).content.decode()
    assert html.count('class="feed-entry card"') == 1
    add(14)
    with django_assert_num_queries(expected):
        html = client.get(url).content.decode()
    assert html.count('class="feed-entry card"') == 15


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
