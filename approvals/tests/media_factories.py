"""Images for workflow tests, made with Pillow: plain ones, photos with GPS and camera EXIF,
damaged files, files that are not images, and decompression bombs."""

from __future__ import annotations

import functools
import os
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags
from PIL import Image as PILImage


def picture(
    fmt: str = "PNG", size: tuple[int, int] = (120, 80), seed: int = 0, **save: object
) -> bytes:
    image = PILImage.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, 60))
    image.putpixel((0, 0), (seed % 256, 255, 0))
    out = BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def gps_photo(size: tuple[int, int] = (160, 90)) -> bytes:
    """A JPEG as a phone writes it: camera make and model, GPS position, a rotation to apply
    (orientation 6: turn 90° clockwise to show), and a comment."""
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "AcmePhone"
    exif[ExifTags.Base.Model] = "Pocket 12 Pro"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 22.0, 37.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 53.0, 42.0),
    }
    return picture("JPEG", size, seed=7, exif=exif, comment=b"home address")


def upload(
    data: bytes, name: str = "photo.png", content_type: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def noise(size: tuple[int, int], fmt: str = "PNG") -> bytes:
    """Random pixels: they do not compress, so the file is about 3 bytes a pixel."""
    out = BytesIO()
    PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, format=fmt)
    return out.getvalue()


@functools.cache
def bomb() -> bytes:
    """A small PNG that decodes to 400 million pixels."""
    out = BytesIO()
    PILImage.new("1", (20_000, 20_000)).save(out, format="PNG")
    return out.getvalue()
