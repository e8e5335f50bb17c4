"""Writes for posts, their review and crisis pauses. Pages, the API, tasks and the admin all call
these, so no path skips a rule.

Each service checks first — 404 is the caller's business (it found the post through a scoped
selector), then 403 for a missing permission or a broken rule, 400 for bad input, 409 when the
post's state does not allow the action — and only then writes, in one transaction with its audit
event. State changes go through approvals.state_machine.perform_transition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import authz
from accounts.models import Department
from activity.audit import audit_record
from approvals import guidance, handover, media, notifications, permissions
from approvals.models import (
    CrisisPause,
    Decision,
    MediaAttachment,
    Post,
    PostState,
    ReviewComment,
    Revision,
    Stage,
    Verdict,
)
from approvals.state_machine import Action, perform_transition, refusal_message, target_state
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from channels_app.rules import rules_for
from core.errors import Conflict, InvalidInput, NotAllowed
from training import requirements as training_requirements

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

MAX_BODY_LENGTH = 20_000  # beyond every platform's limit: a guard against pasted novels
MAX_COMMENT_LENGTH = 5_000
MAX_NOTE_LENGTH = 5_000
# Scheduling: at least a minute ahead (a time that passes while the form is sent is refused
# rather than published at once), at most a year ahead.
MIN_SCHEDULE_LEAD = timedelta(minutes=1)
MAX_SCHEDULE_AHEAD = timedelta(days=366)


# --- Shared checks -----------------------------------------------------------------------------


def _clean_body(body: Any) -> str:
    if not isinstance(body, str):
        raise InvalidInput("The body must be text.", field="body")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidInput(
            f"The body is {len(body)} characters long; SocialHub keeps posts under "
            f"{MAX_BODY_LENGTH}.",
            field="body",
        )
    return body


def _clean_note(note: Any, *, required: bool, what: str) -> str:
    note = (note or "").strip() if isinstance(note, str | type(None)) else None
    if note is None:
        raise InvalidInput("The note must be text.", field="note")
    if required and not note:
        raise InvalidInput(f"Add a note: {what}", field="note")
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"Keep the note under {MAX_NOTE_LENGTH} characters.", field="note")
    return note


def _lock(post: Post) -> Post:
    """The post's row, locked until the transaction ends, with what services read from it.

    `of=("self",)`: only the post row is locked (PostgreSQL refuses to lock the nullable side of
    the current revision's outer join).
    """
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("brand_account", "department", "author", "current_revision")
        .get(pk=post.pk)
    )


def _require_state(post: Post, action: str) -> None:
    target_state(post.state, action)


def _require_author(actor: Any, post: Post, doing: str) -> None:
    if not permissions.is_author(actor, post):
        raise NotAllowed(f"Only the author can {doing} this post.", code="not_author")


def _require_draft_permission(actor: Any, account: BrandAccount) -> None:
    if not permissions.can_draft(actor, account):
        raise NotAllowed(
            f"You may not draft on {account.display_name}. Ask your department's manager or an "
            "org admin for access.",
            code="no_draft_permission",
        )


def _require_publish_permission(actor: Any, account: BrandAccount) -> None:
    if not permissions.can_publish(actor, account):
        raise NotAllowed(
            f"You may not publish on {account.display_name}. Ask comms to schedule or publish it.",
            code="no_publish_permission",
        )


def _require_active_account(account: BrandAccount) -> None:
    if not account.is_active:
        raise NotAllowed(
            f"{account.display_name} is switched off. An org admin can switch it back on.",
            code="account_inactive",
        )


def crisis_pause_covering(account: BrandAccount) -> CrisisPause | None:
    """The crisis pause that holds for the account (an org-wide one first), if any."""
    return (
        CrisisPause.objects.filter(
            Q(brand_account__isnull=True) | Q(brand_account=account), lifted_at__isnull=True
        )
        .order_by(F("brand_account").asc(nulls_first=True), "started_at")
        .first()
    )


def _require_no_crisis_pause(account: BrandAccount) -> None:
    pause = crisis_pause_covering(account)
    if pause is not None:
        scope = "across the organisation" if pause.is_org_wide else f"on {account.display_name}"
        raise NotAllowed(
            f"Publishing is paused {scope} ({pause.reason}). Nothing can be scheduled or "
            "published until an org admin or comms lifts the pause.",
            code="crisis_pause",
        )


def _choose_department(author: Any, account: BrandAccount) -> Department:
    """The author's department the post belongs to: the one through which they may draft on the
    account, else the account's own when they belong to it, else their first."""
    memberships = list(author.memberships.select_related("department").order_by("department__name"))
    if not memberships:
        return account.department
    granted = authz.group_ids_holding(permissions.DRAFT_ON, account)
    for membership in memberships:
        if membership.department.group_id in granted:
            return membership.department
    for membership in memberships:
        if membership.department_id == account.department_id:
            return membership.department
    return memberships[0].department


def _by_order(row: MediaAttachment) -> int:
    return row.order


# --- Drafting -----------------------------------------------------------------------------------


def post_create(
    *,
    actor: User,
    brand_account: BrandAccount,
    body: str,
    uploads: Sequence[tuple[Any, str]] = (),
    alt_texts: Sequence[str] = (),
) -> Post:
    """A new draft with its first revision (and its images: uploads are (file, name) pairs,
    alt_texts their alt texts in the same order)."""
    _require_draft_permission(actor, brand_account)
    _require_active_account(brand_account)
    body = _clean_body(body)
    platform = brand_account.platform
    cleaned = _prepare_uploads(uploads, platform) if uploads else []
    choices = [
        ImageChoice(new=index, alt_text=alt_texts[index] if index < len(alt_texts) else "")
        for index in range(len(cleaned))
    ]
    planned = _plan_images(choices, [], cleaned, platform)
    department = _choose_department(actor, brand_account)
    with transaction.atomic():
        post = Post.objects.create(brand_account=brand_account, department=department, author=actor)
        revision = Revision.objects.create(post=post, number=1, body=body, created_by=actor)
        rows = _copy_images(post, revision, None, planned, actor)
        Post.objects.filter(pk=post.pk).update(current_revision=revision)
        post.current_revision = revision
        audit_record(
            actor=actor,
            action="post.created",
            target=post,
            department=department,
            to_state=post.state,
            data={"revision": 1, "brand_account": brand_account.pk, "images": len(rows)},
        )
    return post


@dataclass(frozen=True)
class ImageChoice:
    """One image of the next revision, in its place: an image of the current revision (by its
    checksum) or a new upload (by its index in the uploads given to post_revise)."""

    checksum: str = ""
    new: int | None = None
    alt_text: str = ""


# The images of the next revision: a list, or a function of the current revision's images.
ImagePlan = Sequence[ImageChoice] | Callable[[list[MediaAttachment]], Sequence[ImageChoice]]


@dataclass(frozen=True)
class _PlannedImage:
    alt_text: str
    row: MediaAttachment | None = None  # kept from the current revision
    clean: media.CleanImage | None = None  # or uploaded now


def current_images(post: Post) -> list[MediaAttachment]:
    if post.current_revision_id is None:
        return []
    return list(MediaAttachment.objects.filter(revision_id=post.current_revision_id))


def _clean_alt_text(alt_text: Any, platform: str, number: int) -> str:
    if not isinstance(alt_text, str | type(None)):
        raise InvalidInput("Alt text must be text.", field="alt_text")
    alt_text = (alt_text or "").replace("\r\n", "\n").strip()
    limit = rules_for(platform).max_alt_text
    if len(alt_text) > limit:
        raise InvalidInput(
            f"The alt text of image {number} is {len(alt_text)} characters long; "
            f"{Platform(platform).label} takes up to {limit}.",
            field="alt_text",
        )
    return alt_text


def _prepare_uploads(uploads: Sequence[tuple[Any, str]], platform: str) -> list[media.CleanImage]:
    """Every upload checked and cleaned (Pillow) before any lock is taken or anything stored."""
    return [media.clean_image(file, platform=platform, name=name) for file, name in uploads]


def _plan_images(
    choices: Sequence[ImageChoice],
    current: list[MediaAttachment],
    cleaned: list[media.CleanImage],
    platform: str,
) -> list[_PlannedImage]:
    rules = rules_for(platform)
    label = Platform(platform).label
    if len(choices) > rules.max_images:
        raise InvalidInput(
            f"{label} takes at most {rules.max_images} images; this post would have "
            f"{len(choices)}. Remove {len(choices) - rules.max_images}.",
            field="images",
            code="too_many_images",
        )
    by_checksum = {row.checksum: row for row in current}
    planned: list[_PlannedImage] = []
    seen: set[str] = set()
    for number, choice in enumerate(choices, start=1):
        alt_text = _clean_alt_text(choice.alt_text, platform, number)
        if choice.new is not None:
            if not 0 <= choice.new < len(cleaned):
                raise InvalidInput("An image refers to no upload.", field="images")
            clean = cleaned[choice.new]
            checksum = clean.checksum
            item = _PlannedImage(alt_text=alt_text, clean=clean)
        else:
            row = by_checksum.get(choice.checksum)
            if row is None:
                raise Conflict(
                    "That image is no longer on the post (someone changed it). Reload the page.",
                    code="image_gone",
                )
            checksum = row.checksum
            item = _PlannedImage(alt_text=alt_text, row=row)
        if checksum in seen:
            raise InvalidInput(
                f"Image {number} is already on this post; each image appears once.",
                field="images",
                code="duplicate_image",
            )
        seen.add(checksum)
        planned.append(item)
    return planned


def _same_images(planned: list[_PlannedImage], current: list[MediaAttachment]) -> bool:
    if len(planned) != len(current):
        return False
    ordered = sorted(current, key=lambda row: row.order)
    return all(
        item.row is not None and item.row.pk == row.pk and item.alt_text == row.alt_text
        for item, row in zip(planned, ordered, strict=True)
    )


def post_revise(
    *,
    post: Post,
    actor: User,
    body: str | None = None,
    images: ImagePlan | None = None,
    uploads: Sequence[tuple[Any, str]] = (),
) -> Post:
    """Save the next numbered revision: a new body, new images (their order and alt text), or
    both. Approvals of earlier revisions no longer count; an approved post goes back to review.
    Nothing changed saves nothing.

    body None keeps the text; images None keeps the images. uploads are (file, name) pairs that
    ImageChoice.new points at; each is checked and cleaned before anything is written.
    """
    _require_author(actor, post, "edit")
    _require_draft_permission(actor, post.brand_account)
    clean_body = _clean_body(body) if body is not None else None
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
        if new_body == locked.body and planned is None:
            return locked
        return _save_revision(locked, actor=actor, body=new_body, images=planned)


def _choices(current: list[MediaAttachment]) -> list[ImageChoice]:
    return [ImageChoice(checksum=row.checksum, alt_text=row.alt_text) for row in current]


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


def _copy_images(
    locked: Post,
    revision: Revision,
    previous: Revision | None,
    planned: list[_PlannedImage] | None,
    actor: User,
) -> list[MediaAttachment]:
    """The new revision's image rows: planned ones (files of new uploads stored now, after every
    check passed), or else the previous revision's, carried over as they were."""
    if planned is None:
        kept = MediaAttachment.objects.filter(revision=previous) if previous else []
        planned = [_PlannedImage(alt_text=row.alt_text, row=row) for row in kept]
    rows = []
    for order, item in enumerate(planned):
        if item.row is not None:
            source = item.row
            rows.append(
                MediaAttachment(
                    post=locked,
                    revision=revision,
                    file=source.file.name,
                    thumbnail=source.thumbnail.name,
                    alt_text=item.alt_text,
                    order=order,
                    width=source.width,
                    height=source.height,
                    bytes=source.bytes,
                    content_type=source.content_type,
                    checksum=source.checksum,
                    uploaded_by_id=source.uploaded_by_id,
                )
            )
        elif item.clean is not None:
            file_name, thumbnail_name = media.store(item.clean, post_id=locked.pk)
            rows.append(
                MediaAttachment(
                    post=locked,
                    revision=revision,
                    file=file_name,
                    thumbnail=thumbnail_name,
                    alt_text=item.alt_text,
                    order=order,
                    width=item.clean.width,
                    height=item.clean.height,
                    bytes=len(item.clean.data),
                    content_type=item.clean.content_type,
                    checksum=item.clean.checksum,
                    uploaded_by=actor,
                )
            )
    return MediaAttachment.objects.bulk_create(rows)


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
    perform_transition(
        post=locked,
        action=Action.REVISE,
        actor=actor,
        data={"revision": number, "voided_approvals": voided, **image_data, **(data or {})},
        fields=fields,
    )
    if under_review:
        notifications.post_submitted(locked, actor=actor, revised=True)
    return locked


def post_submit(*, post: Post, actor: User) -> Post:
    """Send the draft (or the revised post) to review: comms always, legal when flagged."""
    _require_author(actor, post, "submit")
    with transaction.atomic():
        locked = _lock(post)
        _require_state(locked, Action.SUBMIT)
        account = locked.brand_account
        _require_draft_permission(actor, account)
        _require_active_account(account)
        missing = training_requirements.missing_requirements(actor, account)
        if missing:
            raise NotAllowed(
                "Before you can submit: " + " ".join(item.message for item in missing),
                code="requirements_missing",
            )
        result = guidance.check_for_account(
            body=locked.body,
            account=account,
            alt_texts=[row.alt_text for row in sorted(current_images(locked), key=_by_order)],
        )
        if result.blocks_submit:
            raise NotAllowed(
                "Fix this before submitting: " + " ".join(f.message for f in result.hard),
                field="body",
                code="guidance",
            )
        now = timezone.now()
        perform_transition(
            post=locked,
            action=Action.SUBMIT,
            actor=actor,
            data={
                "legal_required": result.requires_legal,
                "advice": [finding.rule for finding in result.soft],
            },
            fields={
                "submitted_at": now,
                "first_submitted_at": locked.first_submitted_at or now,
                "legal_required": result.requires_legal,
                "notice": "",
            },
        )
        notifications.post_submitted(locked, actor=actor)
    return locked


# --- Review decisions ---------------------------------------------------------------------------


def _pick_stage(
    *,
    actor_stages: list[str],
    required: tuple[str, ...],
    approved: dict[str, Decision],
    verdict: str,
    requested: str | None,
) -> str:
    if requested:
        if requested not in Stage.values:
            raise InvalidInput("Choose the comms or the legal stage.", field="stage")
        if requested not in actor_stages:
            raise NotAllowed(
                f"You are not a {Stage(requested).label.lower()} reviewer.", code="wrong_stage"
            )
        if requested not in required:
            raise NotAllowed(
                f"This post needs no {Stage(requested).label.lower()} review.", code="wrong_stage"
            )
        return requested
    candidates = [stage for stage in actor_stages if stage in required]
    if not candidates:
        raise NotAllowed(
            "This post needs no legal review; comms decides on it.", code="wrong_stage"
        )
    if verdict == Verdict.APPROVE:
        open_stages = [stage for stage in candidates if stage not in approved]
        return open_stages[0] if open_stages else candidates[0]
    return candidates[0]


def _decide(
    *,
    post: Post,
    actor: User,
    verdict: str,
    note: str,
    revision: int | None,
    stage: str | None,
) -> Decision:
    account = post.brand_account
    if not permissions.can_review(actor, account):
        raise NotAllowed(
            f"You do not review posts on {account.display_name}.", code="no_review_permission"
        )
    actor_stages = permissions.reviewer_stages(actor)
    if not actor_stages:
        raise NotAllowed("Only comms and legal reviewers decide on posts.", code="not_reviewer")
    if permissions.is_author(actor, post):
        raise NotAllowed(
            "You wrote this post, so another reviewer must decide on it (separation of duties).",
            code="separation_of_duties",
        )
    why = {
        Verdict.CHANGES: "tell the author what to change.",
        Verdict.REJECT: "tell the author why the post is rejected.",
        Verdict.APPROVE: "",
    }[Verdict(verdict)]
    note = _clean_note(note, required=verdict != Verdict.APPROVE, what=why)
    action = {
        Verdict.APPROVE: Action.APPROVE,
        Verdict.CHANGES: Action.REQUEST_CHANGES,
        Verdict.REJECT: Action.REJECT,
    }[Verdict(verdict)]
    with transaction.atomic():
        locked = _lock(post)
        if locked.state != PostState.IN_REVIEW:
            raise Conflict(refusal_message(locked.state, action), code="transition_not_allowed")
        current = locked.current_revision
        if current is None:  # every post has its first revision from creation on
            raise Conflict("This post has no text yet.")
        if revision is not None and revision != current.number:
            raise Conflict(
                f"The author changed the post since you opened it: revision {current.number} is "
                "current. Review it again before deciding.",
                code="stale_revision",
            )
        required = locked.required_stages()
        approved = {
            d.stage: d for d in Decision.objects.filter(revision=current, verdict=Verdict.APPROVE)
        }
        chosen = _pick_stage(
            actor_stages=actor_stages,
            required=required,
            approved=approved,
            verdict=verdict,
            requested=stage,
        )
        if verdict == Verdict.APPROVE:
            if chosen in approved:
                raise Conflict(
                    f"The {Stage(chosen).label.lower()} stage already approved revision "
                    f"{current.number}.",
                    code="already_approved",
                )
            if any(d.reviewer_id == actor.pk for d in approved.values()):
                raise NotAllowed(
                    "You approved another stage of this revision; a different person must "
                    "approve this one.",
                    code="separation_of_duties",
                )
        decision = Decision.objects.create(
            post=locked,
            revision=current,
            stage=chosen,
            verdict=verdict,
            reviewer=actor,
            note=note,
        )
        fields: dict[str, Any] = {}
        complete = False
        if verdict == Verdict.APPROVE:
            remaining = [s for s in required if s not in approved and s != chosen]
            complete = not remaining
            action = Action.APPROVE if complete else Action.APPROVE_STAGE
            if complete:
                fields["approved_at"] = timezone.now()
        perform_transition(
            post=locked,
            action=action,
            actor=actor,
            note=note,
            data={"stage": chosen, "verdict": verdict, "decision": decision.pk},
            fields=fields,
        )
        notifications.decision_made(locked, decision, complete=complete)
    return decision


def post_approve(
    *,
    post: Post,
    actor: User,
    note: str = "",
    revision: int | None = None,
    stage: str | None = None,
) -> Decision:
    """Approve the current revision for the reviewer's stage; the post is approved once every
    required stage approved that revision. `revision`: the number the reviewer looked at."""
    return _decide(
        post=post, actor=actor, verdict=Verdict.APPROVE, note=note, revision=revision, stage=stage
    )


def post_request_changes(
    *, post: Post, actor: User, note: str, revision: int | None = None, stage: str | None = None
) -> Decision:
    return _decide(
        post=post, actor=actor, verdict=Verdict.CHANGES, note=note, revision=revision, stage=stage
    )


def post_reject(
    *, post: Post, actor: User, note: str, revision: int | None = None, stage: str | None = None
) -> Decision:
    return _decide(
        post=post, actor=actor, verdict=Verdict.REJECT, note=note, revision=revision, stage=stage
    )


def post_withdraw(*, post: Post, actor: User, note: str = "") -> Post:
    """Take the post out of the workflow for good, before it is published."""
    if not permissions.can_withdraw(actor, post):
        raise NotAllowed("Only the author or comms can withdraw a post.", code="not_allowed")
    note = _clean_note(note, required=False, what="")
    with transaction.atomic():
        locked = _lock(post)
        perform_transition(post=locked, action=Action.WITHDRAW, actor=actor, note=note)
        if not permissions.is_author(actor, locked):
            notifications.post_withdrawn(locked, actor=actor)
    return locked


# --- Scheduling and publishing ------------------------------------------------------------------


def _hand_over(post_id: int) -> Any:
    # Looked up at call time, so the publishing engine's replacement is the one that runs.
    return lambda: handover.hand_over_for_publishing(post_id)


def post_schedule(*, post: Post, actor: User, scheduled_at: datetime | None) -> Post:
    """Schedule an approved post. The time must carry its zone; it is stored in UTC."""
    _require_publish_permission(actor, post.brand_account)
    if scheduled_at is None or timezone.is_naive(scheduled_at):
        raise InvalidInput(
            "Give the date and time with its time zone (e.g. 2030-05-01T09:00:00+02:00).",
            field="scheduled_at",
        )
    now = timezone.now()
    if scheduled_at < now + MIN_SCHEDULE_LEAD:
        raise InvalidInput("Pick a time in the future.", field="scheduled_at")
    if scheduled_at > now + MAX_SCHEDULE_AHEAD:
        raise InvalidInput("Pick a time within the next year.", field="scheduled_at")
    when = scheduled_at.astimezone(UTC)
    with transaction.atomic():
        locked = _lock(post)
        _require_state(locked, Action.SCHEDULE)
        _require_active_account(locked.brand_account)
        _require_no_crisis_pause(locked.brand_account)
        perform_transition(
            post=locked,
            action=Action.SCHEDULE,
            actor=actor,
            data={"scheduled_at": when.isoformat()},
            fields={
                "scheduled_at": when,
                "scheduled_by": actor,
                "notice": "",
                "next_attempt_at": None,
            },
            on_commit=[lambda: handover.hand_over_scheduled(locked.pk, when)],
        )
    return locked


def post_unschedule(*, post: Post, actor: User) -> Post:
    _require_publish_permission(actor, post.brand_account)
    with transaction.atomic():
        locked = _lock(post)
        previous = locked.scheduled_at
        perform_transition(
            post=locked,
            action=Action.UNSCHEDULE,
            actor=actor,
            data={"scheduled_at": previous.isoformat() if previous else None},
            fields={"scheduled_at": None, "scheduled_by": None, "next_attempt_at": None},
        )
    return locked


def post_publish_now(*, post: Post, actor: User) -> Post:
    """Hand an approved post to the publishing engine at once."""
    _require_publish_permission(actor, post.brand_account)
    with transaction.atomic():
        locked = _lock(post)
        _require_state(locked, Action.PUBLISH_NOW)
        _require_active_account(locked.brand_account)
        _require_no_crisis_pause(locked.brand_account)
        perform_transition(
            post=locked,
            action=Action.PUBLISH_NOW,
            actor=actor,
            fields={"notice": ""},
            on_commit=[_hand_over(locked.pk)],
        )
    return locked


def post_retry(*, post: Post, actor: User) -> Post:
    """Send a failed post again (docs/design.md §3: failed → publishing, publish permission)."""
    _require_publish_permission(actor, post.brand_account)
    with transaction.atomic():
        locked = _lock(post)
        _require_state(locked, Action.RETRY)
        _require_active_account(locked.brand_account)
        _require_no_crisis_pause(locked.brand_account)
        perform_transition(
            post=locked,
            action=Action.RETRY,
            actor=actor,
            data={"last_error": locked.last_error},
            on_commit=[_hand_over(locked.pk)],
        )
    return locked


# --- The publishing engine's side ---------------------------------------------------------------


def _lock_by_id(post_id: int) -> Post | None:
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("brand_account", "department", "author", "current_revision", "scheduled_by")
        .filter(pk=post_id)
        .first()
    )


def post_release_due(
    *, post_id: int, now: datetime | None = None, hand_over: bool = True
) -> Post | None:
    """A scheduled post's time came: hand it over, or — under a crisis pause — send it back to
    approved with a notice. Idempotent: a post not (or no longer) due is left alone (None).

    hand_over=False: the publishing engine releases the post itself, inside its own claim, and
    needs no further task for it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None:
            return None
        return post_release_due_locked(post=locked, now=now, hand_over=hand_over)


def post_release_due_locked(*, post: Post, now: datetime, hand_over: bool = True) -> Post | None:
    """post_release_due for a post whose row the caller locked in its open transaction (the
    publishing engine's claim)."""
    if post.state != PostState.SCHEDULED or post.scheduled_at is None or post.scheduled_at > now:
        return None
    pause = crisis_pause_covering(post.brand_account)
    if pause is not None:
        return _hold(post, pause)
    return perform_transition(
        post=post,
        action=Action.RELEASE,
        actor=None,
        data={"scheduled_at": post.scheduled_at.isoformat()},
        fields={"next_attempt_at": None},
        on_commit=[_hand_over(post.pk)] if hand_over else [],
    )


def post_hold_for_crisis(*, post_id: int) -> Post | None:
    """The engine found a due post under a crisis pause: back to approved, with a notice, to be
    rescheduled. None when the post is not scheduled or no pause covers it."""
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None or locked.state != PostState.SCHEDULED:
            return None
        pause = crisis_pause_covering(locked.brand_account)
        if pause is None:
            return None
        return _hold(locked, pause)


def _hold(locked: Post, pause: CrisisPause) -> Post:
    missed = locked.scheduled_at
    missed_text = missed.astimezone(UTC).strftime("%d %b %Y %H:%M UTC") if missed else ""
    notice = (
        f"Not published: its scheduled time ({missed_text}) came during a crisis pause "
        f"({pause.reason}). Reschedule it once publishing resumes."
    )
    notifications.schedule_missed(locked, reason=pause.reason)
    return perform_transition(
        post=locked,
        action=Action.HOLD_FOR_CRISIS,
        actor=None,
        note=notice,
        data={
            "crisis_pause": pause.pk,
            "missed_scheduled_at": missed.isoformat() if missed else None,
        },
        fields={
            "scheduled_at": None,
            "scheduled_by": None,
            "notice": notice,
            "next_attempt_at": None,
        },
    )


def posts_release_due(*, now: datetime | None = None, limit: int | None = None) -> list[Post]:
    """Every scheduled post whose time came, one transaction each (one bad row stops nothing)."""
    now = now or timezone.now()
    due = (
        Post.objects.filter(state=PostState.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )
    if limit is not None:
        due = due[:limit]
    released = []
    for post_id in list(due):
        try:
            post = post_release_due(post_id=post_id, now=now)
        except Conflict:  # another worker took it in the meantime
            continue
        except Exception:  # logged; the next sweep tries this post again
            logger.exception("Could not release post %s at its scheduled time.", post_id)
            continue
        if post is not None:
            released.append(post)
    return released


def post_mark_published(
    *,
    post_id: int,
    external_id: str,
    external_url: str = "",
    published_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Post:
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None:
            raise Conflict("This post does not exist.")
        return post_mark_published_locked(
            post=locked,
            external_id=external_id,
            external_url=external_url,
            published_at=published_at,
            data=data,
        )


def post_mark_published_locked(
    *,
    post: Post,
    external_id: str,
    external_url: str = "",
    published_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Post:
    """post_mark_published for a post the caller locked (the engine's outcome record)."""
    return perform_transition(
        post=post,
        action=Action.MARK_PUBLISHED,
        actor=None,
        data={"external_id": external_id, "external_url": external_url, **(data or {})},
        fields={
            "external_id": external_id,
            "external_url": external_url,
            "published_at": published_at or timezone.now(),
            "last_error": "",
            "next_attempt_at": None,
        },
    )


def post_mark_failed(*, post_id: int, error: str, data: dict[str, Any] | None = None) -> Post:
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None:
            raise Conflict("This post does not exist.")
        return post_mark_failed_locked(post=locked, error=error, data=data)


def post_mark_failed_locked(*, post: Post, error: str, data: dict[str, Any] | None = None) -> Post:
    """post_mark_failed for a post the caller locked (the engine's outcome record)."""
    return perform_transition(
        post=post,
        action=Action.MARK_FAILED,
        actor=None,
        note=error,
        data=data,
        fields={"last_error": error, "next_attempt_at": None},
    )


def post_mark_unconfirmed(
    *, post_id: int, note: str = "", data: dict[str, Any] | None = None
) -> Post:
    with transaction.atomic():
        locked = _lock_by_id(post_id)
        if locked is None:
            raise Conflict("This post does not exist.")
        return perform_transition(
            post=locked, action=Action.MARK_UNCONFIRMED, actor=None, note=note, data=data
        )


# --- Comments -----------------------------------------------------------------------------------


def _nth_occurrence(text: str, part: str, n: int) -> int:
    position = -1
    for _ in range(max(n, 0) + 1):
        position = text.find(part, position + 1)
        if position < 0:
            return -1
    return position


def comment_add(
    *,
    post: Post,
    actor: User,
    body: str,
    quote: str = "",
    quote_occurrence: int = 0,
    parent: ReviewComment | None = None,
    suggestion: str = "",
) -> ReviewComment:
    """Comment on the post's current revision, optionally on a quoted passage of it (the n-th
    occurrence of the quote, counting from 0), optionally proposing replacement text."""
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body:
        raise InvalidInput("Write a comment first.", field="body")
    if len(body) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"Keep a comment under {MAX_COMMENT_LENGTH} characters.", field="body")
    quote = (quote or "").replace("\r\n", "\n") if isinstance(quote, str) else ""
    suggestion = (suggestion or "").replace("\r\n", "\n") if isinstance(suggestion, str) else ""
    if parent is not None:
        if parent.post_id != post.pk:
            raise InvalidInput("Reply to a comment of this post.", field="parent")
        # One level of threads: a reply to a reply joins its thread.
        if parent.parent_id is not None:
            parent = parent.parent
        quote, suggestion = "", ""
    revision = post.current_revision
    if revision is None:
        raise Conflict("This post has no text yet.")
    quote_start: int | None = None
    if quote.strip():
        quote_start = _nth_occurrence(revision.body, quote, quote_occurrence)
        if quote_start < 0:
            raise InvalidInput(
                f"That passage is not in revision {revision.number}. Select text of the current "
                "version.",
                field="quote",
            )
    else:
        quote = ""
    if suggestion and not quote:
        raise InvalidInput("Select the passage your suggestion replaces.", field="suggestion")
    if len(suggestion) > MAX_BODY_LENGTH:
        raise InvalidInput("The suggestion is too long.", field="suggestion")
    with transaction.atomic():
        comment = ReviewComment.objects.create(
            post=post,
            revision=revision,
            parent=parent,
            author=actor,
            body=body,
            quote=quote,
            quote_start=quote_start,
            suggestion=suggestion,
        )
        audit_record(
            actor=actor,
            action="post.commented",
            target=post,
            department=post.department,
            data={"revision": revision.number, "comment": comment.pk},
        )
        notifications.comment_added(comment)
    return comment


def _may_resolve(actor: Any, comment: ReviewComment) -> bool:
    post = comment.post
    return (
        comment.author_id == actor.pk
        or permissions.is_author(actor, post)
        or permissions.can_review(actor, post.brand_account)
    )


def comment_resolve(*, comment: ReviewComment, actor: User, resolved: bool = True) -> ReviewComment:
    if not _may_resolve(actor, comment):
        raise NotAllowed(
            "Only the post's author, the comment's author or a reviewer can resolve comments.",
            code="not_allowed",
        )
    if comment.resolved == resolved:
        return comment
    with transaction.atomic():
        updated = ReviewComment.objects.filter(pk=comment.pk, resolved=not resolved).update(
            resolved=resolved,
            resolved_by=actor if resolved else None,
            resolved_at=timezone.now() if resolved else None,
        )
        if updated != 1:
            raise Conflict("Someone else changed this comment. Reload the page.")
        audit_record(
            actor=actor,
            action="post.comment_resolved" if resolved else "post.comment_reopened",
            target=comment.post,
            department=comment.post.department,
            data={"comment": comment.pk, "revision": comment.revision.number},
        )
    comment.refresh_from_db()
    return comment


def comment_apply_suggestion(*, comment: ReviewComment, actor: User) -> Post:
    """The author takes a reviewer's suggested wording: a new revision with the passage replaced,
    and the comment resolved."""
    post = comment.post
    if not comment.suggestion:
        raise InvalidInput("This comment suggests no replacement text.", field="suggestion")
    _require_author(actor, post, "apply suggestions to")
    _require_draft_permission(actor, post.brand_account)
    with transaction.atomic():
        locked = _lock(post)
        _require_state(locked, Action.REVISE)
        body = locked.body
        start = comment.quote_start
        if start is None or body[start : start + len(comment.quote)] != comment.quote:
            start = body.find(comment.quote)
        if start < 0 or not comment.quote:
            raise Conflict(
                "The passage this suggestion replaces is no longer in the post. Edit it by hand.",
                code="passage_gone",
            )
        new_body = body[:start] + comment.suggestion + body[start + len(comment.quote) :]
        result = _save_revision(
            locked, actor=actor, body=new_body, data={"applied_suggestion": comment.pk}
        )
        comment_resolve(comment=comment, actor=actor)
    return result


# --- Crisis pause -------------------------------------------------------------------------------


def crisis_pause_set(
    *, actor: User, reason: str, brand_account: BrandAccount | None = None
) -> CrisisPause:
    """Stop all scheduling and publishing, org-wide or on one account, until lifted."""
    if not permissions.can_manage_crisis(actor):
        raise NotAllowed(
            "Only org admins and comms reviewers can pause publishing.", code="not_allowed"
        )
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput(
            "Give the reason: everyone sees it in the banner while the pause holds.",
            field="reason",
        )
    if len(reason) > 500:
        raise InvalidInput("Keep the reason under 500 characters.", field="reason")
    scope = f"on {brand_account.display_name}" if brand_account else "across the organisation"
    already = CrisisPause.objects.filter(lifted_at__isnull=True, brand_account=brand_account)
    if already.exists():
        raise Conflict(f"Publishing is already paused {scope}.", code="already_paused")
    with transaction.atomic():
        try:
            with transaction.atomic():
                pause = CrisisPause.objects.create(
                    brand_account=brand_account, reason=reason, set_by=actor
                )
        except IntegrityError as exc:  # a concurrent request paused the same scope
            raise Conflict(f"Publishing is already paused {scope}.", code="already_paused") from exc
        audit_record(
            actor=actor,
            action="crisis_pause.set",
            target=pause,
            department=brand_account.department if brand_account else None,
            to_state="paused",
            note=reason,
            data={"brand_account": brand_account.pk if brand_account else None},
        )
    return pause


def crisis_pause_lift(*, pause: CrisisPause, actor: User, note: str = "") -> CrisisPause:
    """Resume publishing. Posts held back during the pause stay approved until rescheduled."""
    if not permissions.can_manage_crisis(actor):
        raise NotAllowed(
            "Only org admins and comms reviewers can lift a pause.", code="not_allowed"
        )
    note = _clean_note(note, required=False, what="")
    with transaction.atomic():
        updated = CrisisPause.objects.filter(pk=pause.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=actor, lift_note=note
        )
        if updated != 1:
            raise Conflict("This pause was already lifted.", code="already_lifted")
        pause.refresh_from_db()
        audit_record(
            actor=actor,
            action="crisis_pause.lifted",
            target=pause,
            department=pause.brand_account.department if pause.brand_account else None,
            from_state="paused",
            to_state="lifted",
            note=note,
            data={"brand_account": pause.brand_account_id},
        )
    return pause
