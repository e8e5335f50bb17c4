"""Every change to listening: streams defined, changed, archived and restored, followed and
unfollowed, and a match sent to triage. Each checks the rules first, then writes in one
transaction with its audit event. Pages, the API and the admin call these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import authz
from accounts.models import Department, User
from activity.audit import audit_record
from channels_app.connectors import IncomingItem, IncomingKind, SearchKind, connector_for
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import InvalidInput, NotAllowed
from inbox.ingestion import store_items
from inbox.models import Conversation, InboxItem
from inbox.routing import active_rules
from listening import permissions
from listening.models import ListeningStream, StreamMatch, StreamTerm

MAX_TERMS = 50
MAX_ACCOUNTS = 20
_PREFIXES = {SearchKind.HASHTAG: "#", SearchKind.HANDLE: "@"}


@dataclass(frozen=True)
class TermInput:
    kind: str
    value: str


def searches_of(platform: str) -> frozenset[str]:
    """The kinds of term a platform can look for (empty: it offers no search)."""
    try:
        return connector_for(platform).searches
    except LookupError:
        return frozenset()


def eligible_accounts(user: Any) -> Any:
    """Active accounts the person holds a permission on, on platforms that can search."""
    platforms = [p for p in Platform.values if searches_of(p)]
    return (
        BrandAccount.objects.visible_to(user)
        .filter(is_active=True, platform__in=platforms)
        .order_by("display_name", "id")
    )


def _clean_terms(terms: Sequence[TermInput]) -> list[TermInput]:
    cleaned: list[TermInput] = []
    seen: set[tuple[str, str]] = set()
    for term in terms:
        if term.kind not in SearchKind.values:
            raise InvalidInput(
                "Choose what the term looks for: keyword, hashtag or handle.", field="terms"
            )
        value = " ".join(str(term.value or "").split())
        prefix = _PREFIXES.get(SearchKind(term.kind))
        if prefix:
            value = value.lstrip(prefix).strip()
            if " " in value:
                raise InvalidInput(
                    f"A {SearchKind(term.kind).label.lower()} has no spaces: {value!r}.",
                    field="terms",
                )
        if not value:
            raise InvalidInput("Give each term a value.", field="terms")
        if len(value) > 200:
            raise InvalidInput("A term is at most 200 characters.", field="terms")
        key = (term.kind, value.lower())
        if key in seen:
            raise InvalidInput(f"The term {value!r} is there twice.", field="terms")
        seen.add(key)
        cleaned.append(TermInput(term.kind, value))
    if not cleaned:
        raise InvalidInput("Add at least one term to listen for.", field="terms")
    if len(cleaned) > MAX_TERMS:
        raise InvalidInput(f"A stream has at most {MAX_TERMS} terms.", field="terms")
    return cleaned


def _check_accounts(actor: User, accounts: Sequence[BrandAccount], terms: list[TermInput]) -> None:
    if not accounts:
        raise InvalidInput("Choose the brand accounts that search the platforms.", field="accounts")
    if len(accounts) > MAX_ACCOUNTS:
        raise InvalidInput(f"A stream uses at most {MAX_ACCOUNTS} accounts.", field="accounts")
    for account in accounts:
        if not searches_of(account.platform):
            raise InvalidInput(
                f"{account.get_platform_display()} offers no search of other people's posts: "
                f"{account.display_name} cannot listen. Choose a Mastodon, Bluesky or X account.",
                field="accounts",
            )
    allowed = set(
        eligible_accounts(actor)
        .filter(pk__in=[a.pk for a in accounts])
        .values_list("pk", flat=True)
    )
    for account in accounts:
        if account.pk not in allowed:
            raise InvalidInput(
                f"You may not listen through {account.display_name}.", field="accounts"
            )
    for term in terms:
        if not any(term.kind in searches_of(a.platform) for a in accounts):
            label = SearchKind(term.kind).label.lower()
            raise InvalidInput(
                f"None of the chosen accounts' platforms can look for a {label} ({term.value!r}).",
                field="terms",
            )


def _check_department(actor: User, department: Department | None) -> None:
    if authz.is_org_admin(actor):
        return
    if department is None:
        raise InvalidInput(
            "Only org admins define organisation-wide streams: choose your department.",
            field="department",
        )
    if department.pk not in authz.managed_department_ids(actor):
        raise InvalidInput(
            f"You may define streams only for a department you manage, not {department.name}.",
            field="department",
        )


def default_department(actor: User) -> Department | None:
    """A manager of one department defines that department's streams by default."""
    managed = permissions.following_departments(actor)
    if managed is not None and len(managed) == 1:
        return Department.objects.get(pk=next(iter(managed)))
    return None


def stream_save(
    *,
    actor: User,
    stream: ListeningStream | None = None,
    name: str,
    description: str = "",
    department: Department | None = None,
    accounts: Iterable[BrandAccount],
    terms: Sequence[TermInput],
) -> ListeningStream:
    """Create a stream, or change one (its terms replaced by these: kept terms keep their
    cursors and matches; a removed term's matches stay, without their term)."""
    if stream is None:
        if not permissions.can_define_streams(actor):
            raise NotAllowed("Only org admins and department managers define streams.")
    elif not permissions.can_edit(actor, stream):
        raise NotAllowed("Only org admins and the department's managers change this stream.")
    name = " ".join(str(name or "").split())
    if not name:
        raise InvalidInput("Name the stream.", field="name")
    if len(name) > 120:
        raise InvalidInput("A name is at most 120 characters.", field="name")
    description = str(description or "").strip()
    if len(description) > 2000:
        raise InvalidInput("A description is at most 2,000 characters.", field="description")
    if stream is None or department != stream.department:
        _check_department(actor, department)
    accounts = list(dict.fromkeys(accounts))
    cleaned = _clean_terms(terms)
    _check_accounts(actor, accounts, cleaned)
    taken = ListeningStream.objects.filter(name__iexact=name, department=department)
    if stream is not None:
        taken = taken.exclude(pk=stream.pk)
    if taken.exists():
        raise InvalidInput("Another stream of the department has this name.", field="name")
    try:
        with transaction.atomic():
            created = stream is None
            if stream is None:
                stream = ListeningStream.objects.create(
                    name=name, description=description, department=department, created_by=actor
                )
            else:
                stream.name, stream.description, stream.department = name, description, department
                stream.save(update_fields=["name", "description", "department"])
            stream.accounts.set(accounts)
            _replace_terms(stream, cleaned)
            audit_record(
                actor=actor,
                action="listening.stream_created" if created else "listening.stream_changed",
                target=stream,
                department=department,
                data={
                    "terms": [f"{t.kind}:{t.value}" for t in cleaned],
                    "accounts": [a.pk for a in accounts],
                },
            )
    except IntegrityError as exc:  # a concurrent save took the name meanwhile
        raise InvalidInput("Another stream of the department has this name.", field="name") from exc
    return stream


def _replace_terms(stream: ListeningStream, terms: list[TermInput]) -> None:
    wanted = {(t.kind, t.value.lower()): t for t in terms}
    existing = {(t.kind, t.value.lower()): t for t in stream.terms.all()}
    gone = [t.pk for key, t in existing.items() if key not in wanted]
    if gone:
        StreamTerm.objects.filter(pk__in=gone).delete()
    StreamTerm.objects.bulk_create(
        [
            StreamTerm(stream=stream, kind=t.kind, value=t.value)
            for key, t in wanted.items()
            if key not in existing
        ]
    )


def stream_set_active(*, actor: User, stream: ListeningStream, active: bool) -> ListeningStream:
    """Archive a stream (nothing is read for it any more; its matches stay readable) or
    restore it."""
    if not permissions.can_edit(actor, stream):
        raise NotAllowed("Only org admins and the department's managers archive this stream.")
    if stream.is_active == active:
        return stream
    with transaction.atomic():
        ListeningStream.objects.filter(pk=stream.pk).update(is_active=active)
        stream.is_active = active
        audit_record(
            actor=actor,
            action="listening.stream_restored" if active else "listening.stream_archived",
            target=stream,
            department=stream.department,
        )
    return stream


def _follow_department(actor: User, department: Department | None) -> Department:
    allowed = permissions.following_departments(actor)
    if allowed is not None and not allowed:
        raise NotAllowed(
            "Only department managers and org admins choose what a department follows."
        )
    if department is None:
        if allowed is not None and len(allowed) == 1:
            return Department.objects.get(pk=next(iter(allowed)))
        raise InvalidInput("Choose the department.", field="department")
    if allowed is not None and department.pk not in allowed:
        raise InvalidInput(
            f"You choose what a department follows only for one you manage, not {department.name}.",
            field="department",
        )
    return department


def stream_follow(
    *, actor: User, stream: ListeningStream, department: Department | None = None, follow: bool
) -> Department:
    """The department follows the stream (its members then read it), or stops following it.
    Doing what is already done changes nothing and records nothing."""
    department = _follow_department(actor, department)
    with transaction.atomic():
        through = ListeningStream.followers.through.objects
        exists = through.filter(listeningstream_id=stream.pk, department_id=department.pk)
        if follow == exists.exists():
            return department
        if follow:
            stream.followers.add(department)
        else:
            stream.followers.remove(department)
        audit_record(
            actor=actor,
            action="listening.stream_followed" if follow else "listening.stream_unfollowed",
            target=stream,
            department=department,
            data={"department": department.slug},
        )
    return department


def match_send_to_triage(*, actor: User, match: StreamMatch) -> Conversation:
    """The match becomes an inbox conversation (the inbox's own ingestion: routing rules
    suggest as for any incoming item), which triage then handles like any other. Sending it
    again answers the same conversation and writes nothing. Nothing is answered here."""
    permissions.access_stream(actor, match.stream_id)  # 404 for a stream the person cannot read
    with transaction.atomic():
        match = (
            StreamMatch.objects.select_for_update()
            .select_related("stream", "brand_account")
            .get(pk=match.pk)
        )
        if match.conversation_id is not None:
            conversation = Conversation.objects.filter(pk=match.conversation_id).first()
            if conversation is not None:
                return conversation
        account = match.brand_account
        item = IncomingItem(
            platform_item_id=match.platform_item_id,
            kind=IncomingKind.POST,
            thread_key=match.platform_item_id,
            text=match.text,
            created_at=match.posted_at,
            in_reply_to_platform_id=match.in_reply_to_platform_id,
            author_id=match.author_id,
            author_handle=match.author_handle,
            author_name=match.author_name,
            author_url=match.author_url,
            url=match.url,
            raw_ref=dict(match.raw_ref),
        )
        store_items(account, [item], rules=active_rules())
        # The item may have reached the inbox before (a mention also matched the stream): its
        # conversation, wherever ingestion put it.
        conversation = Conversation.objects.get(
            pk=InboxItem.objects.filter(
                brand_account=account, platform_item_id=match.platform_item_id
            ).values("conversation_id")[:1]
        )
        now = timezone.now()
        match.conversation, match.sent_by, match.sent_at = conversation, actor, now
        match.save(update_fields=["conversation", "sent_by", "sent_at"])
        data = {"stream": match.stream_id, "match": match.pk, "conversation": conversation.pk}
        audit_record(
            actor=actor,
            action="listening.match_sent_to_triage",
            target=match,
            department=match.stream.department,
            data=data,
        )
        audit_record(
            actor=actor,
            action="inbox.conversation_sent_from_listening",
            target=conversation,
            note=f"Sent from the listening stream {match.stream.name}.",
            data=data,
        )
    return conversation
