"""Drafting: a new post, its numbered revisions (text and images) and the image edits that each
save one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from activity.audit import audit_record
from approvals import guidance, notifications, review_stages
from approvals.models import Decision, MediaAttachment, Post, PostState, Revision, Verdict
from approvals.services import approval_rules
from approvals.services.checks import (
    _choose_department,
    _clean_body,
    _lock,
    _require_active_account,
    _require_author,
    _require_draft_permission,
    _require_state,
)
from approvals.services.images import (
    ImageChoice,
    ImagePlan,
    _choices,
    _copy_images,
    _plan_images,
    _PlannedImage,
    _prepare_uploads,
    _same_images,
    current_images,
)
from approvals.services.scheduling import clean_schedule_time
from approvals.state_machine import Action, perform_transition
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from accounts.models import User


# post_revise's requested_at when the call leaves the requested time as it is.
UNCHANGED: Any = object()


def clean_requested_time(requested_at: datetime | None) -> datetime | None:
    """The time an author asks for, in UTC: None (no wish), or a time with its zone that lies
    ahead within the year, as a schedule would need."""
    if requested_at is None:
        return None
    try:
        return clean_schedule_time(requested_at)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="requested_at") from exc


def post_create(
    *,
    actor: User,
    brand_account: BrandAccount,
    body: str,
    uploads: Sequence[tuple[Any, str]] = (),
    alt_texts: Sequence[str] = (),
    requested_at: datetime | None = None,
) -> Post:
    """A new draft with its first revision (and its images: uploads are (file, name) pairs,
    alt_texts their alt texts in the same order), and the time the author would like it out."""
    _require_draft_permission(actor, brand_account)
    _require_active_account(brand_account)
    body = _clean_body(body)
    requested_at = clean_requested_time(requested_at)
    platform = brand_account.platform
    cleaned = _prepare_uploads(uploads, platform) if uploads else []
    choices = [
        ImageChoice(new=index, alt_text=alt_texts[index] if index < len(alt_texts) else "")
        for index in range(len(cleaned))
    ]
    planned = _plan_images(choices, [], cleaned, platform)
    department = _choose_department(actor, brand_account)
    with transaction.atomic():
        return _new_draft(
            actor=actor,
            account=brand_account,
            department=department,
            body=body,
            planned=planned,
            requested_at=requested_at,
        )


def _new_draft(
    *,
    actor: User,
    account: BrandAccount,
    department: Any,
    body: str,
    planned: list[_PlannedImage] | None = None,
    source: Post | None = None,
    requested_at: datetime | None = None,
) -> Post:
    """A new post with its first revision and its images (the planned uploads, or those of the
    source post's current revision), recorded as created. Runs in the caller's transaction."""
    post = Post.objects.create(
        brand_account=account, department=department, author=actor, requested_at=requested_at
    )
    revision = Revision.objects.create(post=post, number=1, body=body, created_by=actor)
    from_revision = source.current_revision if source is not None else None
    rows = _copy_images(post, revision, from_revision, planned, actor)
    Post.objects.filter(pk=post.pk).update(current_revision=revision)
    post.current_revision = revision
    data: dict[str, Any] = {"revision": 1, "brand_account": account.pk, "images": len(rows)}
    if source is not None:
        data["copied_from"] = source.pk
    if requested_at is not None:
        data["requested_at"] = requested_at.isoformat()
    audit_record(
        actor=actor,
        action="post.created",
        target=post,
        department=department,
        to_state=post.state,
        data=data,
    )
    return post


# Closed posts whose author may start again from their text (docs/workflow.md).
COPYABLE_STATES = frozenset({PostState.WITHDRAWN, PostState.REJECTED})


def post_copy_to_draft(*, post: Post, actor: User) -> Post:
    """A new draft with the text and images of the author's withdrawn or rejected post, on the
    same account; the closed post stays as it was. Both posts' trails record the copy."""
    _require_author(actor, post, "copy")
    if post.state not in COPYABLE_STATES:
        raise Conflict(
            "Only a withdrawn or rejected post is copied into a new draft; edit this one instead.",
            code="transition_not_allowed",
        )
    if post.is_reply:
        raise Conflict(
            "A reply is answered again from its inbox conversation, not copied.",
            code="transition_not_allowed",
        )
    account = post.brand_account
    _require_draft_permission(actor, account)
    _require_active_account(account)
    department = _choose_department(actor, account)
    with transaction.atomic():
        source = _lock(post)  # the source cannot change state (it is closed), but stays whole
        copy = _new_draft(
            actor=actor, account=account, department=department, body=source.body, source=source
        )
        audit_record(
            actor=actor,
            action="post.copied_to_draft",
            target=source,
            department=source.department,
            from_state=source.state,
            to_state=source.state,
            data={"revision": source.revision_number, "copy": copy.pk},
        )
    return copy


def post_revise(
    *,
    post: Post,
    actor: User,
    body: str | None = None,
    images: ImagePlan | None = None,
    uploads: Sequence[tuple[Any, str]] = (),
    requested_at: datetime | None = UNCHANGED,
) -> Post:
    """Save the next numbered revision: a new body, new images (their order and alt text), or
    both. Approvals of earlier revisions no longer count; an approved post goes back to review.
    Nothing changed saves nothing.

    body None keeps the text; images None keeps the images. uploads are (file, name) pairs that
    ImageChoice.new points at; each is checked and cleaned before anything is written.
    requested_at (None clears it) changes the time the author asks for; that alone is no new
    revision, so it voids no approval.
    """
    _require_author(actor, post, "edit")
    _require_draft_permission(actor, post.brand_account)
    clean_body = _clean_body(body) if body is not None else None
    new_time = requested_at if requested_at is UNCHANGED else clean_requested_time(requested_at)
    platform = post.brand_account.platform
    cleaned = _prepare_uploads(uploads, platform) if uploads else []
    with transaction.atomic():
        locked = _lock(post)
        _require_state(locked, Action.REVISE)
        new_body = clean_body if clean_body is not None else locked.body
        planned: list[_PlannedImage] | None = None
        if images is not None:
            current = sorted(current_images(locked), key=lambda row: row.order)
            choices = images(current) if callable(images) else images
            planned = _plan_images(choices, current, cleaned, platform)
            if _same_images(planned, current):
                planned = None
        if new_time is not UNCHANGED and new_time != locked.requested_at:
            _set_requested_time(locked, actor=actor, requested_at=new_time)
        if new_body == locked.body and planned is None:
            return locked
        return _save_revision(locked, actor=actor, body=new_body, images=planned)


def _set_requested_time(locked: Post, *, actor: User, requested_at: datetime | None) -> None:
    """Store the author's new wish with its audit event (in the caller's transaction)."""
    previous = locked.requested_at
    Post.objects.filter(pk=locked.pk).update(requested_at=requested_at, updated_at=timezone.now())
    locked.requested_at = requested_at
    audit_record(
        actor=actor,
        action="post.requested_time_set",
        target=locked,
        department=locked.department,
        from_state=locked.state,
        to_state=locked.state,
        data={
            "requested_at": requested_at.isoformat() if requested_at else None,
            "previous": previous.isoformat() if previous else None,
        },
    )


def post_media_add(
    *, post: Post, actor: User, uploads: Sequence[tuple[Any, str]], alt_texts: Sequence[str] = ()
) -> Post:
    """Attach images after the post's current ones: one new revision for all of them."""
    if not uploads:
        raise InvalidInput("Choose at least one image to upload.", field="images")

    def plan(current: list[MediaAttachment]) -> list[ImageChoice]:
        added = [
            ImageChoice(new=index, alt_text=alt_texts[index] if index < len(alt_texts) else "")
            for index in range(len(uploads))
        ]
        return _choices(current) + added

    return post_revise(post=post, actor=actor, images=plan, uploads=uploads)


def post_media_update(
    *,
    post: Post,
    actor: User,
    checksum: str,
    alt_text: str | None = None,
    position: int | None = None,
) -> Post:
    """Change one image's alt text and/or move it to another place (0-based): a new revision."""
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)):
        raise InvalidInput("The order must be a whole number.", field="order")

    def plan(current: list[MediaAttachment]) -> list[ImageChoice]:
        choices = _choices(current)
        index = next((i for i, c in enumerate(choices) if c.checksum == checksum), None)
        if index is None:
            raise Conflict("That image is no longer on the post. Reload it.", code="image_gone")
        choice = choices.pop(index)
        if alt_text is not None:
            choice = ImageChoice(checksum=choice.checksum, alt_text=alt_text)
        target = index if position is None else position
        if not 0 <= target <= len(choices):
            raise InvalidInput(f"The order must be between 0 and {len(choices)}.", field="order")
        choices.insert(target, choice)
        return choices

    return post_revise(post=post, actor=actor, images=plan)


def post_media_remove(*, post: Post, actor: User, checksum: str) -> Post:
    """Take one image off the post: a new revision without it (earlier ones keep it)."""

    def plan(current: list[MediaAttachment]) -> list[ImageChoice]:
        choices = _choices(current)
        remaining = [c for c in choices if c.checksum != checksum]
        if len(remaining) == len(choices):
            raise Conflict("That image is no longer on the post. Reload it.", code="image_gone")
        return remaining

    return post_revise(post=post, actor=actor, images=plan)


def _save_revision(
    locked: Post,
    *,
    actor: User,
    body: str,
    data: dict[str, Any] | None = None,
    images: list[_PlannedImage] | None = None,
) -> Post:
    previous = locked.current_revision
    number = locked.revision_number + 1
    revision = Revision.objects.create(post=locked, number=number, body=body, created_by=actor)
    rows = _copy_images(locked, revision, previous, images, actor)
    # The trail says when the images changed, and how many the revision has then.
    image_data: dict[str, Any] = {"images": len(rows)} if images is not None else {}
    voided = (
        list(
            Decision.objects.filter(revision=previous, verdict=Verdict.APPROVE).values_list(
                "pk", flat=True
            )
        )
        if previous
        else []
    )
    fields: dict[str, Any] = {"current_revision": revision}
    under_review = locked.state in (PostState.IN_REVIEW, PostState.APPROVED)
    if under_review:
        # The stages follow the new text: a sensitive term added or removed switches legal.
        result = guidance.check_for_account(
            body=body,
            account=locked.brand_account,
            alt_texts=[row.alt_text for row in rows],
        )
        fields["legal_required"] = result.requires_legal
        fields["submitted_at"] = timezone.now()
        fields["approved_at"] = None
        # The new text is reviewed under the approval rules the post was submitted under.
        stages = approval_rules.plan_review(
            post=locked,
            revision=revision,
            result=result,
            images=len(rows),
            keep_version_of=previous,
        )
    perform_transition(
        post=locked,
        action=Action.REVISE,
        actor=actor,
        data={"revision": number, "voided_approvals": voided, **image_data, **(data or {})},
        fields=fields,
    )
    if under_review:
        notifications.post_submitted(locked, actor=actor, revised=True)
        progress = review_stages.stage_progress(stages, [])
        opened = approval_rules.record_progress(post=locked, progress=progress, revision=revision)
        notifications.stages_opened(locked, opened, actor=actor)
    return locked
