"""The listening API: the same rules as the services, 404 for a stream the caller may not read,
400 with the field (nothing written) for bad input, constant queries for the matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Department, User
from activity.models import AuditEvent
from channels_app.models import BrandAccount
from inbox.models import Conversation
from listening.models import ListeningStream
from listening.tests.factories import make_matches, make_stream

ApiAs = Callable[[User | None], Any]


def _body(account: BrandAccount, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Competitors",
        "accounts": [account.pk],
        "terms": [{"kind": "hashtag", "value": "acme"}, {"kind": "handle", "value": "rival"}],
    }
    body.update(changes)
    return body


def test_a_manager_creates_reads_changes_and_archives_a_stream(
    api_as: ApiAs, manager: User, mastodon: BrandAccount
) -> None:
    api = api_as(manager)
    created = api.post("/api/v1/listening/streams/", _body(mastodon), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["department"] == {"slug": "sales", "name": "Sales"}
    assert {(t["kind"], t["value"]) for t in data["terms"]} == {
        ("hashtag", "acme"),
        ("handle", "rival"),
    }
    pk = data["id"]
    assert [s["id"] for s in api.get("/api/v1/listening/streams/").json()["results"]] == [pk]
    changed = api.patch(
        f"/api/v1/listening/streams/{pk}/",
        {"name": "Rivals", "terms": [{"kind": "keyword", "value": "acme widgets"}]},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["name"] == "Rivals"
    assert [t["value"] for t in changed.json()["terms"]] == ["acme widgets"]
    assert api.delete(f"/api/v1/listening/streams/{pk}/").status_code == 204
    assert not ListeningStream.objects.get(pk=pk).is_active
    assert api.get("/api/v1/listening/streams/").json()["results"] == []
    archived = api.get("/api/v1/listening/streams/?status=archived").json()["results"]
    assert [s["id"] for s in archived] == [pk]
    restored = api.patch(f"/api/v1/listening/streams/{pk}/", {"is_active": True}, format="json")
    assert restored.json()["is_active"] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"terms": []}, "terms"),
        ({"terms": [{"kind": "emoji", "value": "x"}]}, "terms"),
        ({"terms": [{"kind": "hashtag", "value": "two words"}]}, "terms"),
        ({"accounts": [2_000_000_000]}, "accounts"),
        ({"accounts": ["x"]}, "accounts"),
        ({"department": "rnd"}, "department"),
        ({"department": ""}, "department"),
    ],
)
def test_bad_input_is_400_with_the_field_and_nothing_is_written(
    api_as: ApiAs,
    manager: User,
    mastodon: BrandAccount,
    rnd: Department,
    changes: dict[str, Any],
    field: str,
) -> None:
    answer = api_as(manager).post(
        "/api/v1/listening/streams/", _body(mastodon, **changes), format="json"
    )
    assert answer.status_code == 400
    assert field in answer.json(), answer.json()
    assert not ListeningStream.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="listening.").exists()


def test_a_platform_without_search_is_a_field_error(
    api_as: ApiAs, manager: User, mastodon: BrandAccount, linkedin: BrandAccount
) -> None:
    answer = api_as(manager).post(
        "/api/v1/listening/streams/",
        _body(mastodon, accounts=[mastodon.pk, linkedin.pk]),
        format="json",
    )
    assert answer.status_code == 400
    assert "offers no search" in answer.json()["accounts"][0]
    assert not ListeningStream.objects.exists()


def test_outsiders_get_404_and_members_403_for_changes(
    api_as: ApiAs, outsider: User, sme: User, mastodon: BrandAccount, sales: Department
) -> None:
    stream = make_stream(mastodon, department=sales)
    (match,) = make_matches(stream)
    api = api_as(outsider)
    for answer in (
        api.get(f"/api/v1/listening/streams/{stream.pk}/"),
        api.get(f"/api/v1/listening/streams/{stream.pk}/matches/"),
        api.post(f"/api/v1/listening/streams/{stream.pk}/follow/", {}, format="json"),
        api.post(f"/api/v1/listening/matches/{match.pk}/send-to-triage/"),
    ):
        assert answer.status_code == 404
    member = api_as(sme)
    assert member.get(f"/api/v1/listening/streams/{stream.pk}/").status_code == 200
    refused = member.patch(f"/api/v1/listening/streams/{stream.pk}/", {"name": "X"}, format="json")
    assert refused.status_code == 403
    assert (
        member.post("/api/v1/listening/streams/", _body(mastodon), format="json").status_code == 403
    )
    assert ListeningStream.objects.get(pk=stream.pk).name == stream.name


def test_follow_and_unfollow(
    api_as: ApiAs, product_manager: User, mastodon: BrandAccount, product: Department
) -> None:
    stream = make_stream(mastodon)
    api = api_as(product_manager)
    followed = api.post(f"/api/v1/listening/streams/{stream.pk}/follow/", {}, format="json")
    assert followed.status_code == 200, followed.json()
    assert followed.json()["followers"] == [{"slug": "product", "name": "Product"}]
    refused = api.post(
        f"/api/v1/listening/streams/{stream.pk}/follow/", {"department": "sales"}, format="json"
    )
    assert refused.status_code == 400
    assert "department" in refused.json()
    gone = api.delete(f"/api/v1/listening/streams/{stream.pk}/follow/?department=product")
    assert gone.status_code == 200
    assert gone.json()["followers"] == []


def test_matches_are_paginated_filtered_and_sent_to_triage_once(
    api_as: ApiAs, sme: User, mastodon: BrandAccount, sales: Department
) -> None:
    stream = make_stream(mastodon, department=sales)
    hashtag, keyword = stream.terms.order_by("kind")
    make_matches(stream, 3, term=hashtag)
    (other,) = make_matches(stream, 1, term=keyword)
    api = api_as(sme)
    url = f"/api/v1/listening/streams/{stream.pk}/matches/"
    page = api.get(url, {"limit": 2}).json()
    assert page["count"] == 4
    assert len(page["results"]) == 2
    only = api.get(url, {"term": keyword.pk}).json()["results"]
    assert [m["id"] for m in only] == [other.pk]
    assert only[0]["sent_to_triage"] is None
    assert api.get(url, {"term": "abc"}).status_code == 400
    assert api.get(url, {"platform": "myspace"}).status_code == 400

    first = api.post(f"/api/v1/listening/matches/{other.pk}/send-to-triage/")
    second = api.post(f"/api/v1/listening/matches/{other.pk}/send-to-triage/")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    conversation = Conversation.objects.get()
    assert first.json()["conversation"] == conversation.pk
    assert first.json()["url"] == f"/inbox/{conversation.pk}/"
    shown = api.get(url, {"term": keyword.pk}).json()["results"][0]["sent_to_triage"]
    assert shown["conversation"] == conversation.pk
    assert shown["sent_by"]["email"] == sme.email


def test_the_matches_endpoint_costs_the_same_for_1_or_30_matches(
    api_as: ApiAs,
    sme: User,
    mastodon: BrandAccount,
    sales: Department,
    django_assert_num_queries: Any,
) -> None:
    stream = make_stream(mastodon, department=sales)
    make_matches(stream, 1)
    api = api_as(sme)
    url = f"/api/v1/listening/streams/{stream.pk}/matches/"
    api.get(url)
    # session, user, organisation roles, memberships, the stream, the count, the page
    with django_assert_num_queries(7):
        assert len(api.get(url).json()["results"]) == 1
    for match in make_matches(stream, 29):
        match.sent_by = sme
        match.save()
    with django_assert_num_queries(7):
        assert len(api.get(url).json()["results"]) == 30
