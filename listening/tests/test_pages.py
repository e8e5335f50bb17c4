"""The listening pages: the list, the stream form with its terms, the stream page (volume,
top terms, matches), following and sending to triage; 404 for an outsider, constant queries."""

from __future__ import annotations

from typing import Any

from django.test import Client

from accounts.models import Department, User
from channels_app.models import BrandAccount
from inbox.models import Conversation
from listening.models import ListeningStream
from listening.tests.factories import make_matches, make_stream


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(account: BrandAccount, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Competitors",
        "description": "",
        "department": str(account.department_id),
        "accounts": [str(account.pk)],
        "terms-TOTAL_FORMS": "3",
        "terms-INITIAL_FORMS": "0",
        "terms-0-kind": "hashtag",
        "terms-0-value": "#acme",
        "terms-1-kind": "handle",
        "terms-1-value": "rival@mastodon.example",
        "terms-2-kind": "keyword",
        "terms-2-value": "",
    }
    data.update(changes)
    return data


def test_a_manager_creates_a_stream_with_its_terms(manager: User, mastodon: BrandAccount) -> None:
    client = _client(manager)
    page = client.get("/listening/new/")
    assert page.status_code == 200
    assert "terms-TOTAL_FORMS" in page.content.decode()
    answer = client.post("/listening/new/", _form(mastodon))
    stream = ListeningStream.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/listening/{stream.pk}/"
    assert sorted(str(t) for t in stream.terms.all()) == ["#acme", "@rival@mastodon.example"]
    listed = client.get("/listening/").content.decode()
    assert "Competitors" in listed
    assert "Listening" in listed  # the navigation entry


def test_bad_input_shows_the_field_message_and_writes_nothing(
    manager: User, mastodon: BrandAccount, linkedin: BrandAccount
) -> None:
    client = _client(manager)
    no_terms = client.post(
        "/listening/new/", _form(mastodon, **{"terms-0-value": "", "terms-1-value": ""})
    )
    assert no_terms.status_code == 400
    assert "Add at least one term" in no_terms.content.decode()
    # The LinkedIn account is not even offered; posted anyway, the form refuses it.
    assert "acme-li" not in client.get("/listening/new/").content.decode()
    refused = client.post("/listening/new/", _form(mastodon, accounts=[str(linkedin.pk)]))
    assert refused.status_code == 400
    assert not ListeningStream.objects.exists()


def test_a_member_may_not_define_streams(sme: User) -> None:
    assert _client(sme).get("/listening/new/").status_code == 403


def test_the_stream_page_shows_volume_terms_and_matches(
    sme: User, mastodon: BrandAccount, sales: Department
) -> None:
    stream = make_stream(mastodon, department=sales)
    hashtag, keyword = stream.terms.order_by("kind")
    make_matches(stream, 3, term=hashtag)
    (lone,) = make_matches(stream, 1, term=keyword)
    client = _client(sme)
    page = client.get(f"/listening/{stream.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="img"' in html  # the chart, and its table
    assert "Matches a day" in html
    assert html.count('id="match-') == 4
    assert lone.url in html
    assert "Follow for" not in html  # a member follows nothing
    filtered = client.get(
        f"/listening/{stream.pk}/",
        {"term": str(keyword.pk), "part": "matches"},
        HTTP_HX_REQUEST="true",
    )
    assert filtered.content.decode().count('id="match-') == 1
    assert "<h1>" not in filtered.content.decode()
    assert client.get(f"/listening/{stream.pk}/", {"term": "x"}).status_code == 400


def test_sending_to_triage_from_the_page(
    sme: User, mastodon: BrandAccount, sales: Department
) -> None:
    stream = make_stream(mastodon, department=sales)
    (match,) = make_matches(stream)
    client = _client(sme)
    row = client.post(f"/listening/matches/{match.pk}/send-to-triage/", HTTP_HX_REQUEST="true")
    conversation = Conversation.objects.get()
    assert row.status_code == 200
    assert "sent to triage" in row.content.decode()
    assert f"/inbox/{conversation.pk}/" in row.content.decode()
    again = client.post(f"/listening/matches/{match.pk}/send-to-triage/")
    assert again.status_code == 302
    assert Conversation.objects.count() == 1


def test_a_manager_follows_and_unfollows(
    product_manager: User, mastodon: BrandAccount, product: Department
) -> None:
    stream = make_stream(mastodon)
    client = _client(product_manager)
    assert "Follow for Product" in client.get(f"/listening/{stream.pk}/").content.decode()
    client.post(f"/listening/{stream.pk}/follow/", {"department": product.pk, "follow": "true"})
    assert list(stream.followers.all()) == [product]
    assert "Product follows this stream" in client.get(f"/listening/{stream.pk}/").content.decode()
    client.post(f"/listening/{stream.pk}/follow/", {"department": product.pk, "follow": "false"})
    assert not stream.followers.exists()


def test_an_outsider_gets_404(outsider: User, mastodon: BrandAccount, sales: Department) -> None:
    stream = make_stream(mastodon, department=sales)
    (match,) = make_matches(stream)
    client = _client(outsider)
    assert client.get(f"/listening/{stream.pk}/").status_code == 404
    assert client.post(f"/listening/matches/{match.pk}/send-to-triage/").status_code == 404
    assert not Conversation.objects.exists()


def test_the_stream_page_costs_the_same_for_1_or_30_matches(
    manager: User, mastodon: BrandAccount, sales: Department, django_assert_num_queries: Any
) -> None:
    stream = make_stream(mastodon, department=sales)
    make_matches(stream, 1)
    client = _client(manager)
    url = f"/listening/{stream.pk}/"
    client.get(url)
    # session, user, organisation roles, memberships, the stream, its terms, accounts and
    # followers, the matches' count and page, the volume, the terms' counts, the departments
    # the manager may make follow, the unread notifications, the crisis pauses' banner
    expected = 15
    with django_assert_num_queries(expected):
        assert client.get(url).content.decode().count('id="match-') == 1
    for match in make_matches(stream, 29):
        match.sent_by = manager
        match.save()
    with django_assert_num_queries(expected):
        assert client.get(url).content.decode().count('id="match-') == 30


def test_the_list_costs_the_same_for_1_or_10_streams(
    manager: User, mastodon: BrandAccount, sales: Department, django_assert_num_queries: Any
) -> None:
    make_stream(mastodon, department=sales)
    client = _client(manager)
    client.get("/listening/")
    # session, user, organisation roles, memberships, the count, the page, its terms,
    # accounts and followers, the unread notifications, the crisis pauses' banner
    expected = 11
    with django_assert_num_queries(expected):
        client.get("/listening/")
    for _ in range(9):
        make_stream(mastodon, department=sales)
    with django_assert_num_queries(expected):
        assert client.get("/listening/").content.decode().count('href="/listening/') >= 10
