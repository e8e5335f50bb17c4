"""Which images a revision carries: the plan for the next revision's images (kept ones and new
uploads, in order, with their alt text), checked against the platform's rules, and the rows
copied or stored for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approvals import media
from approvals.models import MediaAttachment, Post, Revision
from channels_app.platforms import Platform
from channels_app.rules import rules_for
from core.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from accounts.models import User


def _by_order(row: MediaAttachment) -> int:
    return row.order


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


def _choices(current: list[MediaAttachment]) -> list[ImageChoice]:
    return [ImageChoice(checksum=row.checksum, alt_text=row.alt_text) for row in current]


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
