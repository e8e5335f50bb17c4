"""Images on posts: checking an upload, cleaning it, storing it, and reading it back.

Every upload is decoded with Pillow and checked from its content (never its name): JPEG, PNG,
GIF or WebP only, within the platform's size and dimension limits (channels_app/rules.py), and
within a pixel budget that stops decompression bombs before anything is decoded. What is stored
is a re-encoded copy without EXIF, XMP, comments or other metadata (GPS position above all), with
the camera's orientation applied and colours moved to sRGB, plus a small thumbnail made once.

Files live in Django's default storage (local under var/media/ or an S3-compatible bucket, see
docs/media.md) under names that are never served by the storage itself: approvals.views.media_file
streams them to people who may see the post.

`images_for_revision(revision)` is what the publishing engine calls to put a revision's images in
the connector payload; `DatabaseMediaUploads` is where it keeps what platforms already accepted,
so a retry never uploads an image twice.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

from approvals.models import MediaAttachment, PlatformMediaUpload, Revision
from channels_app.connectors.base import Image
from channels_app.platforms import Platform
from channels_app.rules import GIF, JPEG, PNG, WEBP, rules_for
from core.errors import InvalidInput

# Pillow format name -> MIME type. Only these decoders are ever tried on an upload.
FORMATS: dict[str, str] = {"JPEG": JPEG, "PNG": PNG, "GIF": GIF, "WEBP": WEBP}
EXTENSIONS: dict[str, str] = {JPEG: "jpg", PNG: "png", GIF: "gif", WEBP: "webp"}
FORMAT_LABELS: dict[str, str] = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WebP"}
# Read at most this much of any upload: more than every platform's limit.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
# Decompression-bomb guard: the header's size is checked against these before any decoding.
MAX_PIXELS = 50_000_000
MAX_FRAMES = 300
MAX_ANIMATION_PIXELS = 200_000_000
THUMBNAIL_SIDE = 400
JPEG_QUALITY = 90
# What survives re-encoding in Image.info: how to draw the image, nothing about where or by whom.
KEPT_INFO = ("transparency", "duration", "loop", "background")


@dataclass(frozen=True)
class CleanImage:
    """An upload that passed every check, re-encoded without metadata, ready to store."""

    data: bytes
    content_type: str
    width: int
    height: int
    checksum: str
    thumbnail: bytes
    thumbnail_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _refuse(name: str, message: str) -> InvalidInput:
    prefix = f"{name}: " if name else ""
    return InvalidInput(prefix + message, field="images", code="invalid_image")


def read_upload(upload: Any, *, name: str = "") -> bytes:
    """The bytes of an uploaded file (Django UploadedFile, a file object or bytes), refusing
    anything larger than MAX_UPLOAD_BYTES without reading it all."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_UPLOAD_BYTES:
            raise _refuse(
                name,
                f"the file is {human_size(size)}; SocialHub takes images up to "
                f"{human_size(MAX_UPLOAD_BYTES)}.",
            )
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(
            name,
            f"the file is too large; SocialHub takes images up to {human_size(MAX_UPLOAD_BYTES)}.",
        )
    if not data:
        raise _refuse(name, "the file is empty.")
    return data


def _open(data: bytes, name: str) -> PILImage.Image:
    """Open with Pillow, trying only our four decoders, turning every failure into a 400."""
    try:
        return PILImage.open(BytesIO(data), formats=list(FORMATS))
    except UnidentifiedImageError:
        raise _refuse(
            name, "this is not a JPEG, PNG, GIF or WebP image (checked from its content)."
        ) from None
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise _refuse(name, "the image has too many pixels to be processed safely.") from None
    except (OSError, ValueError, SyntaxError):
        raise _refuse(name, "the image file is damaged and cannot be read.") from None


def clean_image(upload: Any, *, platform: str, name: str = "") -> CleanImage:
    """Check an upload for the platform and return it re-encoded without metadata.

    Refusals are InvalidInput (400, field "images") with a message naming the file and the
    limit: not an image of an accepted type, damaged, too large, too many pixels.
    """
    rules = rules_for(platform)
    label = Platform(platform).label
    data = read_upload(upload, name=name)
    if len(data) > rules.max_image_bytes:
        raise _refuse(
            name,
            f"the file is {human_size(len(data))}; {label} takes images up to "
            f"{human_size(rules.max_image_bytes)}. Resize or compress it and upload it again.",
        )
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; here it is an error.
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        probe = _open(data, name)
        content_type = FORMATS.get(probe.format or "", "")
        width, height = probe.size
        frames = int(getattr(probe, "n_frames", 1) or 1)
        # Sizes from the header, before a single pixel is decoded.
        if width < 1 or height < 1:
            raise _refuse(name, "the image has no pixels.")
        if width * height > MAX_PIXELS or width * height * frames > MAX_ANIMATION_PIXELS:
            raise _refuse(
                name,
                f"the image is {width} x {height} pixels"
                + (f" in {frames} frames" if frames > 1 else "")
                + "; that is too many pixels to process safely.",
            )
        if max(width, height) > rules.max_image_pixels:
            raise _refuse(
                name,
                f"the image is {width} x {height} pixels; {label} takes images up to "
                f"{rules.max_image_pixels} pixels on the longest side. Resize it and upload it "
                "again.",
            )
        if frames > MAX_FRAMES:
            raise _refuse(name, f"the animation has {frames} frames; keep it under {MAX_FRAMES}.")
        if content_type not in rules.image_types:
            accepted = ", ".join(
                FORMAT_LABELS[t] for t in (JPEG, PNG, GIF, WEBP) if t in rules.image_types
            )
            raise _refuse(
                name,
                f"{label} does not take {FORMAT_LABELS[content_type]} images; use {accepted}.",
            )
        try:
            probe.verify()  # the file's structure and checksums, without decoding
            image = PILImage.open(BytesIO(data), formats=[probe.format or ""])
            image.load()  # every pixel: a truncated file fails here
            cleaned = _reencode(image, content_type)
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
            raise _refuse(name, "the image has too many pixels to be processed safely.") from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise _refuse(name, "the image file is damaged and cannot be read.") from None
    if len(cleaned.data) > rules.max_image_bytes:
        raise _refuse(
            name,
            f"after removing its metadata the image is {human_size(len(cleaned.data))}; "
            f"{label} takes images up to {human_size(rules.max_image_bytes)}. Compress it and "
            "upload it again.",
        )
    return cleaned


def _to_srgb(image: PILImage.Image) -> PILImage.Image:
    """Colours moved into sRGB, so the ICC profile (which can name devices and owners) can go."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        mode = "RGB" if image.mode == "CMYK" else image.mode
        converted = ImageCms.profileToProfile(image, source, srgb, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _bare(image: PILImage.Image, keep: Iterable[str] = KEPT_INFO) -> PILImage.Image:
    """A copy whose metadata is only what drawing it needs."""
    bare = image.copy()
    bare.info = {key: image.info[key] for key in keep if key in image.info}
    return bare


def _reencode(image: PILImage.Image, content_type: str) -> CleanImage:
    fmt = {v: k for k, v in FORMATS.items()}[content_type]
    out = BytesIO()
    animated = bool(getattr(image, "is_animated", False))
    if animated:
        frames: list[PILImage.Image] = []
        durations: list[int] = []
        for frame in ImageSequence.Iterator(image):
            durations.append(int(frame.info.get("duration", 100) or 100))
            frames.append(_bare(frame.convert("RGBA"), keep=()))
        frames[0].save(
            out,
            format=fmt,
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=int(image.info.get("loop", 0) or 0),
            disposal=2 if fmt == "GIF" else 0,
        )
        still = frames[0]
    else:
        still = ImageOps.exif_transpose(image) or image
        still = _to_srgb(still)
        if fmt == "JPEG" and still.mode not in ("RGB", "L"):
            still = still.convert("RGB")
        elif fmt == "WEBP" and still.mode not in ("RGB", "RGBA"):
            still = still.convert(
                "RGBA" if "A" in still.mode or "transparency" in still.info else "RGB"
            )
        still = _bare(still)
        options: dict[str, Any] = {}
        if fmt == "JPEG":
            options = {"quality": JPEG_QUALITY, "optimize": True}
        elif fmt == "WEBP":
            options = {"quality": JPEG_QUALITY}
        elif fmt == "PNG":
            options = {"optimize": True}
        still.save(out, format=fmt, **options)
    data = out.getvalue()
    thumbnail, thumbnail_type = _thumbnail(still)
    return CleanImage(
        data=data,
        content_type=content_type,
        width=still.width,
        height=still.height,
        checksum=hashlib.sha256(data).hexdigest(),
        thumbnail=thumbnail,
        thumbnail_type=thumbnail_type,
    )


def _thumbnail(image: PILImage.Image) -> tuple[bytes, str]:
    """A small preview for lists and the calendar: PNG when it has transparency, else JPEG."""
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = BytesIO()
    if thumb.mode in ("RGBA", "LA", "PA") or "transparency" in thumb.info:
        thumb = _bare(thumb.convert("RGBA"), keep=())
        thumb.save(out, format="PNG", optimize=True)
        return out.getvalue(), PNG
    thumb = _bare(thumb.convert("RGB"), keep=())
    thumb.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue(), JPEG


# --- Storage -------------------------------------------------------------------------------


def store(image: CleanImage, *, post_id: int) -> tuple[str, str]:
    """Save the image and its thumbnail in the default storage; (file name, thumbnail name).

    Names come from the checksum, so an image uploaded twice to one post is stored once.
    """
    base = f"posts/{post_id}/{image.checksum}"
    thumb_ext = EXTENSIONS[image.thumbnail_type]
    return (
        _save(f"{base}.{image.extension}", image.data),
        _save(f"{base}-thumb.{thumb_ext}", image.thumbnail),
    )


def _save(name: str, data: bytes) -> str:
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(data))


def open_stored(name: str) -> IO[bytes]:
    return default_storage.open(name, "rb")


def read_stored(name: str) -> bytes:
    with open_stored(name) as handle:
        return handle.read()


# --- For the publishing engine ---------------------------------------------------------------


def images_for_revision(revision: Revision) -> list[Image]:
    """The revision's images, in order, as connector payload images (bytes, type, alt text).

    The publishing engine calls this with the post's current revision to build
    ``PostPayload(images=tuple(images_for_revision(post.current_revision)), ...)``.
    """
    rows = MediaAttachment.objects.filter(revision=revision).order_by("order")
    return [
        Image(
            data=read_stored(row.file.name),
            content_type=row.content_type,
            alt_text=row.alt_text,
            width=row.width,
            height=row.height,
        )
        for row in rows
    ]


class DatabaseMediaUploads:
    """Remembers what platforms accepted, across processes and retries (connectors'
    ``MediaUploads``). Pass it as ``PostPayload(uploads=DatabaseMediaUploads(), ...)``."""

    def get(self, key: str) -> str | None:
        return (
            PlatformMediaUpload.objects.filter(key=key).values_list("reference", flat=True).first()
        )

    def put(self, key: str, reference: str) -> None:
        platform = key.split(":", 1)[0]
        try:
            with transaction.atomic():
                PlatformMediaUpload.objects.get_or_create(
                    key=key, defaults={"platform": platform, "reference": reference}
                )
        except IntegrityError:  # another worker stored the same upload first
            pass


# Long after any retry: Mastodon discards an unattached upload within a day, and a post whose
# publish still runs after this long was retried by a person (a fresh upload does no harm: an
# image is never a second post).
UPLOAD_MEMORY = timedelta(days=30)


def forget_old_uploads(*, older_than: timedelta = UPLOAD_MEMORY) -> int:
    """Delete remembered platform uploads older than `older_than`; how many went."""
    deleted, _ = PlatformMediaUpload.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
