"""Defining, changing, archiving and following streams, and sending a match to triage: who
may, what is refused (with the field, nothing written) and what is audited."""

from __future__ import annotations

import pytest

from accounts.models import Department, User
from activity.models import AuditEvent
from channels_app.models import BrandAccount
from core.errors import InvalidInput, NotAllowed, NotFound
from inbox.models import Conversation, InboxItem
from inbox.permissions import visible_conversations
from listening import permissions, services
from listening.models import ListeningStream, StreamTerm
from listening.services import TermInput
from listening.tests.factories import make_matches, make_stream


def _save(actor: User, account: BrandAccount, **changes: object) -> ListeningStream:
    values: dict[str, object] = {
        "name": "Competitors",
        "department": account.department,
        "accounts": [account],
        "terms": [TermInput("handle", "@rival@mastodon.example"), TermInput("hashtag", "#Acme")],
    }
    values.update(changes)
    return services.stream_save(actor=actor, **values)  # type: ignore[arg-type]


def test_a_manager_defines_a_stream_for_their_department(
    manager: User, mastodon: BrandAccount, sales: Department
) -> None:
    stream = _save(manager, mastodon)
    assert stream.department == sales
    assert sorted(str(t) for t in stream.terms.all()) == ["#Acme", "@rival@mastodon.example"]
    assert list(stream.accounts.all()) == [mastodon]
    event = AuditEvent.objects.get(action="listening.stream_created")
    assert event.actor == manager
    assert event.data["terms"] == ["handle:rival@mastodon.example", "hashtag:Acme"]


def test_changing_the_terms_keeps_those_that_stay(manager: User, mastodon: BrandAccount) -> None:
    stream = _save(manager, mastodon)
    kept = stream.terms.get(kind="hashtag")
    services.stream_save(
        actor=manager,
        stream=stream,
        name="Rivals",
        department=stream.department,
        accounts=[mastodon],
        terms=[TermInput("hashtag", "acme"), TermInput("keyword", "acme widgets")],
    )
    assert stream.terms.get(kind="hashtag").pk == kept.pk  # same term: cursors and matches stay
    assert sorted(stream.terms.values_list("value", flat=True)) == ["Acme", "acme widgets"]
    assert AuditEvent.objects.filter(action="listening.stream_changed").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"terms": []}, "terms"),
        ({"terms": [TermInput("hashtag", "two words")]}, "terms"),
        ({"terms": [TermInput("keyword", "x"), TermInput("keyword", "X")]}, "terms"),
        ({"terms": [TermInput("emoji", "x")]}, "terms"),
        ({"terms": [TermInput("keyword", "y" * 201)]}, "terms"),
        ({"accounts": []}, "accounts"),
        ({"department": None}, "department"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(
    manager: User, mastodon: BrandAccount, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _save(manager, mastodon, **changes)
    assert refused.value.field == field
    assert not ListeningStream.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="listening.").exists()


def test_a_platform_that_cannot_search_is_refused_clearly(
    manager: User, mastodon: BrandAccount, linkedin: BrandAccount
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _save(manager, mastodon, accounts=[mastodon, linkedin])
    assert refused.value.field == "accounts"
    assert "LinkedIn offers no search" in refused.value.message
    assert not ListeningStream.objects.exists()


def test_the_same_name_twice_in_a_department_is_refused(
    manager: User, mastodon: BrandAccount
) -> None:
    _save(manager, mastodon)
    with pytest.raises(InvalidInput) as refused:
        _save(manager, mastodon, name="COMPETITORS")
    assert refused.value.field == "name"


def test_who_defines_and_changes_streams(
    manager: User,
    sme: User,
    org_admin: User,
    product_manager: User,
    mastodon: BrandAccount,
    product: Department,
) -> None:
    with pytest.raises(NotAllowed):
        _save(sme, mastodon)
    # A manager defines for a department they manage only, and through accounts they hold.
    with pytest.raises(InvalidInput) as refused:
        _save(product_manager, mastodon, department=product)
    assert refused.value.field == "accounts"
    with pytest.raises(InvalidInput):
        _save(manager, mastodon, department=product)
    org_wide = _save(org_admin, mastodon, department=None)
    with pytest.raises(NotAllowed):
        services.stream_set_active(actor=manager, stream=org_wide, active=False)
    services.stream_set_active(actor=org_admin, stream=org_wide, active=False)
    assert not ListeningStream.objects.get(pk=org_wide.pk).is_active
    assert AuditEvent.objects.filter(action="listening.stream_archived").count() == 1


def test_following_lets_the_department_read_the_stream(
    org_admin: User,
    product_manager: User,
    manager: User,
    mastodon: BrandAccount,
    product: Department,
    outsider: User,
) -> None:
    org_wide = make_stream(mastodon)
    sales_only = make_stream(mastodon, department=mastodon.department)
    # Managers see the organisation's streams (to choose); another department's stay hidden.
    assert set(permissions.visible_streams(product_manager)) == {org_wide}
    assert set(permissions.visible_streams(manager)) == {org_wide, sales_only}
    assert not permissions.visible_streams(outsider).exists()

    services.stream_follow(actor=product_manager, stream=org_wide, follow=True)
    services.stream_follow(actor=product_manager, stream=org_wide, follow=True)  # no change
    assert list(org_wide.followers.all()) == [product]
    assert AuditEvent.objects.filter(action="listening.stream_followed").count() == 1
    with pytest.raises(InvalidInput) as refused:
        services.stream_follow(
            actor=product_manager, stream=org_wide, department=mastodon.department, follow=True
        )
    assert refused.value.field == "department"
    services.stream_follow(actor=org_admin, stream=sales_only, department=product, follow=True)
    assert set(permissions.visible_streams(product_manager)) == {org_wide, sales_only}
    services.stream_follow(actor=product_manager, stream=org_wide, follow=False)
    assert not org_wide.followers.exists()
    assert AuditEvent.objects.filter(action="listening.stream_unfollowed").count() == 1


def test_a_member_reads_only_what_their_department_follows(
    sme: User, mastodon: BrandAccount, sales: Department
) -> None:
    org_wide = make_stream(mastodon)
    assert not permissions.visible_streams(sme).exists()
    org_wide.followers.add(sales)
    assert list(permissions.visible_streams(sme)) == [org_wide]


def test_sending_a_match_to_triage_twice_gives_one_conversation(
    sme: User, mastodon: BrandAccount, sales: Department, triager: User, outsider: User
) -> None:
    stream = make_stream(mastodon, department=sales)
    (match,) = make_matches(stream)
    with pytest.raises(NotFound):
        services.match_send_to_triage(actor=outsider, match=match)

    conversation = services.match_send_to_triage(actor=sme, match=match)
    again = services.match_send_to_triage(actor=sme, match=match)
    assert again == conversation
    assert Conversation.objects.count() == 1
    item = InboxItem.objects.get()
    assert (item.kind, item.platform_item_id, item.text) == (
        "post",
        match.platform_item_id,
        match.text,
    )
    assert conversation.brand_account == mastodon
    assert conversation.state == "new"
    match.refresh_from_db()
    assert (match.conversation, match.sent_by) == (conversation, sme)
    assert AuditEvent.objects.filter(action="listening.match_sent_to_triage").count() == 1
    assert AuditEvent.objects.filter(
        action="inbox.conversation_sent_from_listening", target_id=str(conversation.pk)
    ).exists()
    # Triage sees it like any incoming conversation.
    assert conversation in visible_conversations(triager)


def test_a_match_already_in_the_inbox_joins_its_conversation(
    sme: User, mastodon: BrandAccount, sales: Department
) -> None:
    from inbox.ingestion import store_items
    from listening.tests.factories import found

    stream = make_stream(mastodon, department=sales)
    (match,) = make_matches(stream)
    mention = found()
    object.__setattr__(mention, "platform_item_id", match.platform_item_id)
    object.__setattr__(mention, "thread_key", "thread-of-the-mention")
    store_items(mastodon, [mention])
    conversation = services.match_send_to_triage(actor=sme, match=match)
    assert conversation.thread_key == "thread-of-the-mention"
    assert Conversation.objects.count() == 1


def test_removing_a_term_keeps_its_matches(manager: User, mastodon: BrandAccount) -> None:
    stream = _save(manager, mastodon)
    term = stream.terms.get(kind="hashtag")
    make_matches(stream, 2, term=term)
    services.stream_save(
        actor=manager,
        stream=stream,
        name=stream.name,
        department=stream.department,
        accounts=[mastodon],
        terms=[TermInput("handle", "rival@mastodon.example")],
    )
    assert not StreamTerm.objects.filter(pk=term.pk).exists()
    assert stream.matches.filter(term__isnull=True).count() == 2
