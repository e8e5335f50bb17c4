"""Every page and API endpoint that names an object answers 404 alike for an object the caller
may not see (another department's, another person's, a draft) and for an id that does not
exist: same status, same content type, byte-identical body. Nothing tells them apart.

The endpoints come from the URL configuration: one that names an object and has no case here
fails test_every_object_endpoint_has_a_case, so a new endpoint cannot skip the check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, Department, Invitation, Membership, User
from accounts.tests.factories import UserFactory, add_member
from approvals import services as post_services
from approvals.models import (
    ApprovalRule,
    MediaAttachment,
    Post,
    QuietPeriod,
    ReviewComment,
    ReviewReason,
)
from approvals.tests.factories import make_account, make_post
from approvals.tests.media_factories import picture, upload
from channels_app.models import BrandAccount
from channels_app.tests.factories import grant_user
from inbox.models import Conversation, Outcome, RoutingRule, SavedReply
from inbox.tests.factories import make_conversation
from listening.models import ListeningStream, StreamMatch
from listening.tests.factories import make_matches, make_stream
from publishing.models import FeedEntry, FeedImage
from training import services as training_services
from training.models import Assignment, Attempt, Certification, Course, Policy, TrainingNotice
from training.tests.factories import make_course, right_answers

MISSING = 2_147_483_000  # an id no test row reaches
MISSING_SLUG = "no-such-department"
MISSING_GRANT = "department:no-such-department"


@dataclass
class World:
    """Sales' objects, and the outsider: a manager in R&D who works fully on R&D's own account
    (drafts, reviews, publishes, manages) but holds nothing on sales' and no org-wide role."""

    outsider: User
    rnd: Department
    own_account: BrandAccount
    own_post: Post
    own_entry: FeedEntry
    sales: Department
    account: BrandAccount
    post: Post
    comment: ReviewComment
    media: MediaAttachment
    membership: Membership
    invitation: Invitation
    token: ApiToken
    draft_course: Course
    attempt: Attempt
    certification: Certification
    assignment: Assignment
    notice: TrainingNotice
    draft_policy: Policy
    entry: FeedEntry
    image: FeedImage
    conversation: Conversation
    routing_rule: RoutingRule
    saved_reply: SavedReply
    quiet_period: QuietPeriod
    retired_reason: ReviewReason
    approval_rule: ApprovalRule
    stream: ListeningStream
    match: StreamMatch


def _entry(account: BrandAccount, key: str) -> FeedEntry:
    return FeedEntry.objects.create(
        brand_account=account,
        department=account.department,
        text="News.",
        idempotency_key=key,
        published_at=timezone.now(),
    )


@pytest.fixture
def world(db: None, sales: Department, rnd: Department, sme: User, hr_user: User) -> World:
    outsider = UserFactory.create(email="rnd-manager@example.test")
    add_member(outsider, rnd, "manager")
    own_account = make_account(rnd, drafters=[rnd], reviewers=[rnd], publishers=[rnd])
    grant_user(own_account, outsider, "manage")
    own_post = make_post(outsider, own_account)
    post_services.post_media_add(
        post=own_post, actor=outsider, uploads=[(upload(picture(seed=1)), "a.png")]
    )

    account = make_account(sales, drafters=[sales])
    post = make_post(sme, account)
    post_services.post_media_add(post=post, actor=sme, uploads=[(upload(picture(seed=2)), "b.png")])
    post.refresh_from_db()
    comment = post_services.comment_add(post=post, actor=sme, body="Check the opening hours.")

    course = make_course()
    attempt = training_services.attempt_take(
        actor=sme, course=course, answers=right_answers(course)
    )
    entry = _entry(account, "sales-entry")
    image = FeedImage.objects.create(
        entry=entry, file="feed/x.png", order=1, content_type="image/png", checksum="0" * 64
    )
    token, _key = ApiToken.objects.create(user=sme, stamp="x", user_agent="test")
    # A customer-service conversation triaged to sales, on sales' account.
    conversation = make_conversation(account)
    Conversation.objects.filter(pk=conversation.pk).update(
        department=sales, outcome=Outcome.CUSTOMER_SERVICE, state="triaged"
    )
    quiet_period = QuietPeriod.objects.create(
        department=sales,
        reason="Sales results embargo.",
        created_by=hr_user,
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=3),
    )
    # Sales' listening stream, which R&D does not follow, and one of its matches.
    stream = make_stream(account, department=sales)
    (match,) = make_matches(stream)
    # A retired review reason: only org admins still see it (the outsider reads active ones).
    retired_reason = ReviewReason.objects.get(slug="brand")
    ReviewReason.objects.filter(pk=retired_reason.pk).update(is_active=False)
    # An approval rule: org admins' only, so the R&D manager does not see it.
    approval_rule = ApprovalRule.objects.create(name="Sales needs HR", stage_name="HR")
    approval_rule.reviewers.set([hr_user])
    return World(
        retired_reason=retired_reason,
        approval_rule=approval_rule,
        stream=stream,
        match=match,
        quiet_period=quiet_period,
        outsider=outsider,
        rnd=rnd,
        own_account=own_account,
        own_post=own_post,
        own_entry=_entry(own_account, "rnd-entry"),
        sales=sales,
        account=account,
        post=post,
        comment=comment,
        media=MediaAttachment.objects.filter(post=post).first(),  # type: ignore[arg-type]
        membership=Membership.objects.get(user=sme),
        invitation=Invitation.objects.create(
            department=sales,
            email="new@example.test",
            invited_by=hr_user,
            token_hash="h" * 64,
            expires_at=timezone.now() + timedelta(days=7),
        ),
        token=token,
        draft_course=make_course(published=False),
        attempt=attempt,
        certification=Certification.objects.get(user=sme, course=course),
        assignment=Assignment.objects.create(
            course=course,
            department=sales,
            due_on=timezone.localdate() + timedelta(days=9),
            assigned_by=hr_user,
        ),
        notice=TrainingNotice.objects.create(
            user=sme, kind=TrainingNotice.Kind.REVOKED, key="k-1", message="Hello.", course=course
        ),
        draft_policy=training_services.policy_create(
            actor=None, title="Next", body="Draft.", effective_at=timezone.now()
        ),
        entry=entry,
        image=image,
        conversation=conversation,
        routing_rule=RoutingRule.objects.create(
            name="Sales questions", outcome=Outcome.CUSTOMER_SERVICE, department=sales
        ),
        saved_reply=SavedReply.objects.create(
            title="Opening hours", text="We open at nine.", department=sales
        ),
    )


# (url, hidden object's kwargs, missing object's kwargs), as functions of the world.
Kwargs = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    methods: tuple[str, ...]
    hidden: Kwargs | None  # None: everybody signed in sees every such object (reason given)
    missing: Kwargs
    reason: str = ""


def _post(w: World) -> dict[str, Any]:
    return {"pk": w.post.pk}


def _no_post(w: World) -> dict[str, Any]:
    return {"pk": MISSING}


def _account(w: World) -> dict[str, Any]:
    return {"pk": w.account.pk}


def _no_account(w: World) -> dict[str, Any]:
    return {"pk": MISSING}


POST_PAGE = Case(("post",), _post, _no_post)
_stream: tuple[Kwargs, Kwargs] = (lambda w: {"pk": w.stream.pk}, lambda w: {"pk": MISSING})
_match: tuple[Kwargs, Kwargs] = (lambda w: {"pk": w.match.pk}, lambda w: {"pk": MISSING})


def _conversation(w: World) -> dict[str, Any]:
    return {"pk": w.conversation.pk}


def _no_conversation(w: World) -> dict[str, Any]:
    return {"pk": MISSING}


CONVERSATION_PAGE = Case(("post",), _conversation, _no_conversation)
CONVERSATION_API = Case(("post",), _conversation, _no_conversation)
ACCOUNT_PAGE = Case(("post",), _account, _no_account)


def _child(parent: str, key: str, hidden: Callable[[World], Any]) -> tuple[Kwargs, Kwargs]:
    """Another's child object under the caller's own parent, and a missing one there."""
    own = {"pk": lambda w: w.own_post.pk, "slug": lambda w: w.rnd.slug}[parent]
    return (
        lambda w: {("pk" if parent == "pk" else parent): own(w), key: hidden(w)},
        lambda w: {("pk" if parent == "pk" else parent): own(w), key: MISSING},
    )


_media = _child("pk", "media_id", lambda w: w.media.pk)
_comment = _child("pk", "comment_id", lambda w: w.comment.pk)
_membership = _child("slug", "membership_id", lambda w: w.membership.pk)
_invitation = _child("slug", "invitation_id", lambda w: w.invitation.pk)

# An approval rule: only org admins see one.
_rule = (lambda w: {"pk": w.approval_rule.pk}, lambda w: {"pk": MISSING})
# A sales department's quiet period: the R&D outsider does not see it.
_quiet = (lambda w: {"pk": w.quiet_period.pk}, lambda w: {"pk": MISSING})
_quiet_on_post = (
    lambda w: {"pk": w.post.pk, "period_pk": w.quiet_period.pk},
    lambda w: {"pk": MISSING, "period_pk": MISSING},
)

CASES: dict[str, Case] = {
    # accounts
    "department_detail": Case(
        ("get",), lambda w: {"slug": "sales"}, lambda w: {"slug": MISSING_SLUG}
    ),
    "department_invite": Case(
        ("post",), lambda w: {"slug": "sales"}, lambda w: {"slug": MISSING_SLUG}
    ),
    "member_change_role": Case(("post",), *_membership),
    "member_remove": Case(("post",), *_membership),
    "invitation_revoke": Case(("post",), *_invitation),
    "api_token_revoke": Case(
        ("post",), lambda w: {"token_id": w.token.pk}, lambda w: {"token_id": MISSING}
    ),
    "api_token_detail": Case(("delete",), lambda w: {"pk": w.token.pk}, lambda w: {"pk": MISSING}),
    "api_department_detail": Case(
        ("get",), lambda w: {"slug": "sales"}, lambda w: {"slug": MISSING_SLUG}
    ),
    "api_member_list": Case(
        ("get", "post"),
        lambda w: {"department_slug": "sales"},
        lambda w: {"department_slug": MISSING_SLUG},
    ),
    "api_member_detail": Case(
        ("patch", "delete"),
        lambda w: {"department_slug": "rnd", "pk": w.membership.pk},
        lambda w: {"department_slug": "rnd", "pk": MISSING},
    ),
    "api_invitation_list": Case(
        ("get",),
        lambda w: {"department_slug": "sales"},
        lambda w: {"department_slug": MISSING_SLUG},
    ),
    # people: only org admins reach a person (the outsider manages R&D, and is no org admin)
    "person_roles": Case(
        ("post",), lambda w: {"pk": w.membership.user_id}, lambda w: {"pk": MISSING}
    ),
    "api_person_detail": Case(
        ("get", "patch"), lambda w: {"pk": w.membership.user_id}, lambda w: {"pk": MISSING}
    ),
    "api_invitation_detail": Case(
        ("delete",),
        lambda w: {"department_slug": "rnd", "pk": w.invitation.pk},
        lambda w: {"department_slug": "rnd", "pk": MISSING},
    ),
    # channels_app
    "brandaccount_detail": Case(("get",), _account, _no_account),
    "brandaccount_edit": Case(("get", "post"), _account, _no_account),
    "brandaccount_deactivate": ACCOUNT_PAGE,
    "brandaccount_activate": ACCOUNT_PAGE,
    "brandaccount_access": Case(("get",), _account, _no_account),
    "brandaccount_grant_add": ACCOUNT_PAGE,
    "brandaccount_grant_update": Case(
        ("post",),
        lambda w: {"pk": w.account.pk, "grant_id": "department:sales"},
        lambda w: {"pk": w.own_account.pk, "grant_id": MISSING_GRANT},
    ),
    "brandaccount_grant_remove": Case(
        ("post",),
        lambda w: {"pk": w.account.pk, "grant_id": "department:sales"},
        lambda w: {"pk": w.own_account.pk, "grant_id": MISSING_GRANT},
    ),
    "brandaccount_connect": Case(("get", "post"), _account, _no_account),
    "brandaccount_check_connection": ACCOUNT_PAGE,
    "brandaccount_disconnect": ACCOUNT_PAGE,
    "api_brandaccount_detail": Case(("get", "patch"), _account, _no_account),
    "api_brandaccount_deactivate": Case(("post",), _account, _no_account),
    "api_brandaccount_activate": Case(("post",), _account, _no_account),
    "api_brandaccount_verify": Case(("post",), _account, _no_account),
    "api_brandaccount_credential_fields": Case(("get",), _account, _no_account),
    "api_brandaccount_grant_list": Case(
        ("get", "post"), lambda w: {"account_id": w.account.pk}, lambda w: {"account_id": MISSING}
    ),
    "api_brandaccount_grant_detail": Case(
        ("patch", "delete"),
        lambda w: {"account_id": w.account.pk, "grant_id": "department:sales"},
        lambda w: {"account_id": w.own_account.pk, "grant_id": MISSING_GRANT},
    ),
    # approvals
    "post_detail": Case(("get",), _post, _no_post),
    "post_edit": Case(("get", "post"), _post, _no_post),
    "post_review": Case(("get",), _post, _no_post),
    "post_submit": POST_PAGE,
    "post_decide": POST_PAGE,
    "post_withdraw": POST_PAGE,
    "post_copy": POST_PAGE,
    "post_schedule": POST_PAGE,
    "post_unschedule": POST_PAGE,
    "post_reschedule": POST_PAGE,
    "post_publish_now": POST_PAGE,
    "post_retry": POST_PAGE,
    "media_file": Case(("get",), *_media),
    "media_thumbnail": Case(("get",), *_media),
    "comment_create": POST_PAGE,
    "comment_resolve": Case(("post",), *_comment),
    "comment_apply": Case(("post",), *_comment),
    "crisis_pause_lift": Case(
        ("post",), None, lambda w: {"pk": MISSING}, reason="everybody sees crisis pauses"
    ),
    "api_post-detail": Case(("get", "patch"), _post, _no_post),
    "api_post-approve": Case(("post",), _post, _no_post),
    "api_post-audit": Case(("get",), _post, _no_post),
    "api_post-comments": Case(("get", "post"), _post, _no_post),
    "api_post-media": Case(("get", "post"), _post, _no_post),
    "api_post-media-detail": Case(("patch", "delete"), *_media),
    "api_post-media-file": Case(("get",), *_media),
    "api_post-publish-now": Case(("post",), _post, _no_post),
    "api_post-reject": Case(("post",), _post, _no_post),
    "api_post-request-changes": Case(("post",), _post, _no_post),
    "api_post-comment-resolve": Case(("post",), *_comment),
    "api_post-retry": Case(("post",), _post, _no_post),
    "api_post-revisions": Case(("get",), _post, _no_post),
    "api_post-schedule": Case(("post",), _post, _no_post),
    "api_post-submit": Case(("post",), _post, _no_post),
    "api_post-unschedule": Case(("post",), _post, _no_post),
    "api_post-reschedule": Case(("post",), _post, _no_post),
    "api_post-mention-candidates": Case(("get",), _post, _no_post),
    "api_post-withdraw": Case(("post",), _post, _no_post),
    "api_post-copy": Case(("post",), _post, _no_post),
    "api_post-attempts": Case(("get",), _post, _no_post),
    "post_engagement": Case(("get",), _post, _no_post),
    "api_post-engagement": Case(("get",), _post, _no_post),
    "quiet_period_edit": Case(("get", "post"), *_quiet),
    # Review reasons are edited by org admins only: a reason is 404 to everyone else.
    "review_reason_edit": Case(
        ("get", "post"),
        lambda w: {"pk": ReviewReason.objects.get(slug="other").pk},
        lambda w: {"pk": MISSING},
    ),
    "api_review_reason-detail": Case(
        ("get", "patch", "delete"),
        lambda w: {"pk": w.retired_reason.pk},
        lambda w: {"pk": MISSING},
    ),
    "quiet_period_cancel": Case(("post",), *_quiet),
    "quiet_period_exception_grant": Case(("post",), *_quiet_on_post),
    "quiet_period_exception_revoke": Case(("post",), *_quiet_on_post),
    "api_quiet_period-detail": Case(("get", "patch"), *_quiet),
    "api_quiet_period-cancel": Case(("post",), *_quiet),
    "approval_rule_edit": Case(("get", "post"), *_rule),
    "approval_rule_retire": Case(("post",), *_rule),
    "api_approval_rule-detail": Case(("get", "put", "patch", "delete"), *_rule),
    "api_post-quiet-period-exceptions": Case(("post",), _post, _no_post),
    "api_post-quiet-period-exception-revoke": Case(("post",), _post, _no_post),
    "api_crisis_pause-detail": Case(
        ("get",), None, lambda w: {"pk": MISSING}, reason="everybody sees crisis pauses"
    ),
    "api_crisis_pause-lift": Case(
        ("post",), None, lambda w: {"pk": MISSING}, reason="everybody sees crisis pauses"
    ),
    # publishing
    "feed_entry": Case(("get",), lambda w: {"pk": w.entry.pk}, lambda w: {"pk": MISSING}),
    "feed_image": Case(
        ("get",),
        lambda w: {"pk": w.own_entry.pk, "image_id": w.image.pk},
        lambda w: {"pk": w.own_entry.pk, "image_id": MISSING},
    ),
    "department_feed": Case(
        ("get",), lambda w: {"slug": "sales"}, lambda w: {"slug": MISSING_SLUG}
    ),
    "feed_comment_create": Case(("post",), lambda w: {"pk": w.entry.pk}, lambda w: {"pk": MISSING}),
    # inbox: a conversation triaged to sales; sales' routing rule and saved reply
    "inbox:conversation": Case(("get",), _conversation, _no_conversation),
    "inbox:triage": CONVERSATION_PAGE,
    "inbox:claim": CONVERSATION_PAGE,
    "inbox:release": CONVERSATION_PAGE,
    "inbox:close": CONVERSATION_PAGE,
    "inbox:reopen": CONVERSATION_PAGE,
    "inbox:reply": CONVERSATION_PAGE,
    "inbox:case_panel": Case(("get",), _conversation, _no_conversation),
    "inbox:case_create": CONVERSATION_PAGE,
    "inbox:case_retry": CONVERSATION_PAGE,
    "api_inbox_conversation-detail": Case(("get",), _conversation, _no_conversation),
    "api_inbox_conversation-triage": CONVERSATION_API,
    "api_inbox_conversation-claim": CONVERSATION_API,
    "api_inbox_conversation-release": CONVERSATION_API,
    "api_inbox_conversation-close": CONVERSATION_API,
    "api_inbox_conversation-reopen": CONVERSATION_API,
    "api_inbox_conversation-replies": Case(("get", "post"), _conversation, _no_conversation),
    "api_inbox_conversation-case": Case(("get", "post"), _conversation, _no_conversation),
    "api_inbox_conversation-case-retry": CONVERSATION_API,
    "api_inbox_routing_rule-detail": Case(
        ("get", "patch", "delete"),
        lambda w: {"pk": w.routing_rule.pk},
        lambda w: {"pk": MISSING},
    ),
    "api_inbox_saved_reply-detail": Case(
        ("get", "patch", "delete"),
        lambda w: {"pk": w.saved_reply.pk},
        lambda w: {"pk": MISSING},
    ),
    # listening: sales' stream (R&D does not follow it) and one of its matches
    "listening:stream": Case(("get",), *_stream),
    "listening:edit": Case(("get", "post"), *_stream),
    "listening:archive": Case(("post",), *_stream),
    "listening:follow": Case(("post",), *_stream),
    "listening:send_to_triage": Case(("post",), *_match),
    "api_listening_stream-detail": Case(("get", "patch", "delete"), *_stream),
    "api_listening_stream-matches": Case(("get",), *_stream),
    "api_listening_stream-follow": Case(("post", "delete"), *_stream),
    "api_listening_match-send-to-triage": Case(("post",), *_match),
    # training
    "training_notice_dismiss": Case(
        ("post",), lambda w: {"notice_id": w.notice.pk}, lambda w: {"notice_id": MISSING}
    ),
    "training_course": Case(
        ("get",), lambda w: {"course_id": w.draft_course.pk}, lambda w: {"course_id": MISSING}
    ),
    "training_attempt_start": Case(
        ("post",), lambda w: {"course_id": w.draft_course.pk}, lambda w: {"course_id": MISSING}
    ),
    "training_attempt": Case(
        ("get", "post"), lambda w: {"attempt_id": w.attempt.pk}, lambda w: {"attempt_id": MISSING}
    ),
    "training_attempt_result": Case(
        ("get",), lambda w: {"attempt_id": w.attempt.pk}, lambda w: {"attempt_id": MISSING}
    ),
    "training_policy_acknowledge": Case(
        ("post",), lambda w: {"policy_id": w.draft_policy.pk}, lambda w: {"policy_id": MISSING}
    ),
    "training_certification": Case(
        ("get", "post"),
        lambda w: {"certification_id": w.certification.pk},
        lambda w: {"certification_id": MISSING},
    ),
    "training_assignment_cancel": Case(
        ("post",),
        lambda w: {"assignment_id": w.assignment.pk},
        lambda w: {"assignment_id": MISSING},
    ),
    "api_course_detail": Case(
        ("get",), lambda w: {"pk": w.draft_course.pk}, lambda w: {"pk": MISSING}
    ),
    "api_course_attempts": Case(
        ("get", "post"),
        lambda w: {"course_pk": w.draft_course.pk},
        lambda w: {"course_pk": MISSING},
    ),
    "api_certification_detail": Case(
        ("get",), lambda w: {"pk": w.certification.pk}, lambda w: {"pk": MISSING}
    ),
    "api_certification_revoke": Case(
        ("post",), lambda w: {"pk": w.certification.pk}, lambda w: {"pk": MISSING}
    ),
    "api_assignment_detail": Case(
        ("get", "delete"), lambda w: {"pk": w.assignment.pk}, lambda w: {"pk": MISSING}
    ),
    "api_policy_acknowledge": Case(
        ("post",), lambda w: {"pk": w.draft_policy.pk}, lambda w: {"pk": MISSING}
    ),
    # dashboards
    "department_activity": Case(
        ("get",), lambda w: {"slug": "sales"}, lambda w: {"slug": MISSING_SLUG}
    ),
    "department_activity_csv": Case(
        ("get",), lambda w: {"slug": "sales"}, lambda w: {"slug": MISSING_SLUG}
    ),
}

# Addresses that name something other than an object the caller reaches by id.
EXEMPT = {
    "account_confirm_email": "allauth's e-mail confirmation key",
    "account_reset_password_from_key": "allauth's password reset key",
    "invitation_accept": "a secret token, not an id; a wrong one shows the invalid-link page",
}


def _object_routes() -> dict[str, tuple[str, Any]]:
    """{url name: (route, view)} for every address outside the admin site that takes an
    argument from its path."""
    found: dict[str, tuple[str, Any]] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" or str(pattern.pattern).startswith("^admin/"):
                    continue
                space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), space)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith(("admin/", "^admin/")):
                    continue
                if pattern.pattern.converters or "(?P<" in route:
                    name = f"{namespace}{pattern.name}" if pattern.name else route
                    found[name] = (route, pattern.callback)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_object_endpoint_has_a_case() -> None:
    routes = _object_routes()
    assert set(routes) - set(EXEMPT) == set(CASES)
    for name, (_route, view) in routes.items():
        actions = getattr(view, "actions", None)
        if actions and name in CASES:  # a viewset route: its methods are known exactly
            # DRF answers HEAD with the GET action once a request was served; a method the
            # viewset refuses (http_method_names) answers 405 for every id alike.
            served = set(actions) & set(view.cls.http_method_names) - {"head"}
            assert set(CASES[name].methods) == served, name


MATRIX = [(name, method) for name, case in CASES.items() for method in case.methods]


def _client(name: str, user: User) -> Client:
    client: Client = APIClient() if name.startswith("api_") else Client()
    client.force_login(user)
    return client


def _call(client: Client, method: str, url: str) -> Any:
    if method in {"post", "patch"}:
        return getattr(client, method)(url, {}, content_type="application/json")
    return getattr(client, method)(url)


@pytest.mark.parametrize(("name", "method"), MATRIX)
def test_hidden_and_missing_objects_answer_the_same_404(
    world: World, name: str, method: str
) -> None:
    from django.urls import reverse

    case = CASES[name]
    client = _client(name, world.outsider)
    missing = _call(client, method, reverse(name, kwargs=case.missing(world)))
    assert missing.status_code == 404, missing.content[:300]
    if case.hidden is None:
        assert case.reason
        return
    hidden = _call(client, method, reverse(name, kwargs=case.hidden(world)))
    assert hidden.status_code == 404, hidden.content[:300]
    assert hidden["Content-Type"] == missing["Content-Type"]
    assert hidden.content == missing.content
