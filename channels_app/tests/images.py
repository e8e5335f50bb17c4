"""Small real images for connector tests, made with Pillow (no files checked in)."""

from __future__ import annotations

import uuid
from io import BytesIO

from PIL import Image as PILImage

from channels_app.connectors import Image, PostPayload


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """An image whose pixels differ by seed, so two seeds never share a checksum."""
    picture = PILImage.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, 120))
    picture.putpixel((0, 0), (seed % 256, 0, 0))
    out = BytesIO()
    picture.save(out, format=fmt)
    return out.getvalue()


def image(alt_text: str = "", *, seed: int = 0, fmt: str = "PNG") -> Image:
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}.get(
        fmt, "image/webp"
    )
    return Image(
        data=image_bytes(fmt, seed=seed),
        content_type=content_type,
        alt_text=alt_text,
        width=64,
        height=48,
    )


def payload_with_images(text: str, *images: Image, **extra: object) -> PostPayload:
    return PostPayload(
        text=text,
        idempotency_key=f"post-{uuid.uuid4()}",
        images=tuple(images),
        **extra,  # type: ignore[arg-type]
    )
