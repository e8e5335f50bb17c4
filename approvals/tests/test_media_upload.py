"""Uploading images to a post (API and services): every refusal is a 400 with a message and
nothing stored; what is stored has no metadata; attachments change only by new revisions."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags
from PIL import Image as PILImage

from accounts.models import Department, User
from activity.models import AuditEvent
from approvals import guidance, media, services
from approvals.models import Decision, MediaAttachment, Post, PostState, Verdict
from approvals.tests.factories import approved_post, make_account, make_post
from approvals.tests.media_factories import bomb, gps_photo, noise, picture, upload
from channels_app.models import BrandAccount

pytestmark = pytest.mark.django_db


def media_url(post: Post) -> str:
    return f"/api/v1/posts/{post.pk}/media/"


def send(client: Any, post: Post, *files: Any, alt: tuple[str, ...] = ()) -> Any:
    data: dict[str, Any] = {"images": list(files)}
    if alt:
        data["alt_text"] = list(alt)
    return client.post(media_url(post), data, format="multipart")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def account_on(platform: str, sales: Department, comms_department: Department) -> BrandAccount:
    return make_account(
        sales,
        platform=platform,
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )


# --- Refusals: 400, a message naming the file and the limit, nothing stored ---------------------


REFUSALS = [
    ("internal", lambda: upload(b"just some text", "notes.jpg", "image/jpeg"), "not a JPEG"),
    ("internal", lambda: upload(picture("BMP"), "scan.png"), "not a JPEG, PNG, GIF or WebP"),
    ("internal", lambda: upload(gps_photo()[:400], "cut.jpg", "image/jpeg"), "damaged"),
    ("internal", lambda: upload(b"", "empty.png"), "empty"),
    ("bluesky", lambda: upload(noise((800, 800)), "big.png"), "Bluesky takes images up to"),
    ("bluesky", lambda: upload(picture(size=(2500, 20)), "wide.png"), "2000 pixels"),
    ("internal", lambda: upload(bomb(), "bomb.png"), "too many pixels"),
    ("linkedin", lambda: upload(picture("WEBP"), "x.webp", "image/webp"), "does not take WebP"),
]


@pytest.mark.parametrize(("platform", "make_file", "message"), REFUSALS)
def test_each_refusal_is_a_400_and_nothing_is_stored(
    platform: str,
    make_file: Any,
    message: str,
    sme: User,
    sales: Department,
    comms_department: Department,
    api_as: Any,
    media_root: Path,
) -> None:
    post = make_post(sme, account_on(platform, sales, comms_department))

    response = send(api_as(sme), post, make_file())

    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["images"])
    assert not MediaAttachment.objects.exists()
    assert Post.objects.get(pk=post.pk).revision_number == 1
    assert stored_files(media_root) == []


def test_more_images_than_the_platform_takes_is_refused(
    sme: User, sales: Department, comms_department: Department, api_as: Any, media_root: Path
) -> None:
    post = make_post(sme, account_on("mastodon", sales, comms_department))
    client = api_as(sme)

    too_many = send(client, post, *[upload(picture(seed=n), f"{n}.png") for n in range(5)])
    assert too_many.status_code == 400
    assert "Mastodon takes at most 4 images" in too_many.json()["images"][0]
    assert stored_files(media_root) == []

    assert (
        send(client, post, *[upload(picture(seed=n), f"{n}.png") for n in range(4)]).status_code
        == 201
    )
    one_more = send(client, post, upload(picture(seed=9), "9.png"))
    assert one_more.status_code == 400
    assert MediaAttachment.objects.filter(revision__number=3).count() == 0


def test_the_same_image_twice_is_refused(sme: User, account: BrandAccount, api_as: Any) -> None:
    post = make_post(sme, account)
    data = picture(seed=3)

    response = send(api_as(sme), post, upload(data, "a.png"), upload(data, "b.png"))

    assert response.status_code == 400
    assert "already on this post" in response.json()["images"][0]


def test_alt_text_longer_than_the_platform_takes_is_refused(
    sme: User, sales: Department, comms_department: Department, api_as: Any
) -> None:
    post = make_post(sme, account_on("x", sales, comms_department))

    response = send(api_as(sme), post, upload(picture(), "a.png"), alt=("a" * 1001,))

    assert response.status_code == 400
    assert "X takes up to 1000" in response.json()["alt_text"][0]
    assert not MediaAttachment.objects.exists()


# --- Privacy: no metadata survives ----------------------------------------------------------


def test_gps_and_camera_exif_are_stripped_and_the_orientation_applied(
    sme: User, account: BrandAccount, api_as: Any
) -> None:
    original = gps_photo(size=(160, 90))
    assert PILImage.open(BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    post = make_post(sme, account)

    response = send(api_as(sme), post, upload(original, "IMG_0001.jpg", "image/jpeg"))

    assert response.status_code == 201, response.content
    row = MediaAttachment.objects.get()
    stored = media.read_stored(row.file.name)
    image = PILImage.open(BytesIO(stored))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
    for secret in (b"AcmePhone", b"Pocket 12 Pro", b"home address", b"Exif"):
        assert secret not in stored
    # Orientation 6 applied: the 160 x 90 landscape shows (and is stored) as 90 x 160.
    assert image.size == (90, 160)
    assert (row.width, row.height) == (90, 160)
    assert response.json()[0]["width"] == 90
    thumbnail = media.read_stored(row.thumbnail.name)
    assert b"AcmePhone" not in thumbnail
    assert max(PILImage.open(BytesIO(thumbnail)).size) <= media.THUMBNAIL_SIDE


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_exif_is_stripped_from_png_and_webp(
    fmt: str, sme: User, account: BrandAccount, api_as: Any
) -> None:
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "AcmePhone"
    post = make_post(sme, account)

    response = send(api_as(sme), post, upload(picture(fmt, exif=exif), f"a.{fmt.lower()}"))

    assert response.status_code == 201
    stored = media.read_stored(MediaAttachment.objects.get().file.name)
    assert b"AcmePhone" not in stored
    assert dict(PILImage.open(BytesIO(stored)).getexif()) == {}


# --- Attachments belong to revisions --------------------------------------------------------


def test_attaching_makes_a_new_revision_and_voids_approvals(
    sme: User, comms_reviewer: User, account: BrandAccount, api_as: Any
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    approval = Decision.objects.get(post=post, verdict=Verdict.APPROVE)

    response = send(api_as(sme), post, upload(picture(), "a.png"), alt=("A chart",))

    assert response.status_code == 201
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW
    assert post.revision_number == 2
    assert response.json()[0]["revision"] == 2
    assert not MediaAttachment.objects.filter(revision__number=1).exists()
    event = AuditEvent.objects.for_target(post).get(action="post.revise")
    assert event.data["voided_approvals"] == [approval.pk]
    assert event.data["images"] == 1


def test_alt_text_order_and_removal_each_make_a_revision_and_history_stays(
    sme: User, account: BrandAccount, api_as: Any, media_root: Path
) -> None:
    post = make_post(sme, account)
    client = api_as(sme)
    first, second = send(
        client, post, upload(picture(seed=1), "1.png"), upload(picture(seed=2), "2.png")
    ).json()

    patched = client.patch(
        f"{media_url(post)}{first['id']}/", {"alt_text": "Our stand"}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["alt_text"] == "Our stand"
    assert patched.json()["revision"] == 3
    assert patched.json()["checksum"] == first["checksum"]

    # The id of an earlier revision's row still names the image.
    moved = client.patch(f"{media_url(post)}{second['id']}/", {"order": 0}, format="json")
    assert moved.status_code == 200
    listed = client.get(media_url(post)).json()
    assert [i["checksum"] for i in listed] == [second["checksum"], first["checksum"]]
    assert [i["alt_text"] for i in listed] == ["", "Our stand"]

    removed = client.delete(f"{media_url(post)}{listed[1]['id']}/")
    assert removed.status_code == 204
    assert [i["checksum"] for i in client.get(media_url(post)).json()] == [second["checksum"]]
    post.refresh_from_db()
    assert post.revision_number == 5
    # Earlier revisions keep their images, alt text and order; files are never deleted.
    by_revision = {
        n: list(
            MediaAttachment.objects.filter(post=post, revision__number=n)
            .order_by("order")
            .values_list("checksum", "alt_text")
        )
        for n in (2, 3, 4, 5)
    }
    assert by_revision[2] == [(first["checksum"], ""), (second["checksum"], "")]
    assert by_revision[3] == [(first["checksum"], "Our stand"), (second["checksum"], "")]
    assert by_revision[5] == [(second["checksum"], "")]
    assert len(stored_files(media_root)) == 4  # two images, two thumbnails


def test_an_unchanged_alt_text_saves_nothing(sme: User, account: BrandAccount, api_as: Any) -> None:
    post = make_post(sme, account)
    client = api_as(sme)
    [row] = send(client, post, upload(picture(), "a.png"), alt=("Same",)).json()

    response = client.patch(f"{media_url(post)}{row['id']}/", {"alt_text": "Same"}, format="json")

    assert response.status_code == 200
    assert Post.objects.get(pk=post.pk).revision_number == 2


def test_a_text_edit_carries_the_images_over(sme: User, account: BrandAccount) -> None:
    post = make_post(sme, account)
    services.post_media_add(post=post, actor=sme, uploads=[(picture(), "a.png")], alt_texts=["A"])

    services.post_revise(post=post, actor=sme, body="New words")

    post.refresh_from_db()
    assert post.revision_number == 3
    assert list(
        MediaAttachment.objects.filter(revision=post.current_revision).values_list("alt_text")
    ) == [("A",)]


def test_who_may_change_images(
    sme: User,
    manager: User,
    comms_reviewer: User,
    outsider: User,
    account: BrandAccount,
    api_as: Any,
) -> None:
    post = services.post_submit(post=make_post(sme, account), actor=sme)
    [row] = send(api_as(sme), post, upload(picture(), "a.png")).json()

    # A manager of the department sees the post but is not its author: 403, nothing written.
    assert send(api_as(manager), post, upload(picture(seed=5), "b.png")).status_code == 403
    assert api_as(comms_reviewer).delete(f"{media_url(post)}{row['id']}/").status_code == 403
    # Someone who may not see the post: 404 for the list, the upload and the image.
    outside = api_as(outsider)
    assert outside.get(media_url(post)).status_code == 404
    assert send(outside, post, upload(picture(seed=6), "c.png")).status_code == 404
    assert outside.patch(f"{media_url(post)}{row['id']}/", {"alt_text": "x"}).status_code == 404
    assert MediaAttachment.objects.count() == 1
    assert api_as(None).get(media_url(post)).status_code in (401, 403)


def test_patch_needs_something_to_change(sme: User, account: BrandAccount, api_as: Any) -> None:
    post = make_post(sme, account)
    [row] = send(api_as(sme), post, upload(picture(), "a.png")).json()

    response = api_as(sme).patch(f"{media_url(post)}{row['id']}/", {}, format="json")

    assert response.status_code == 400
    bad_order = api_as(sme).patch(f"{media_url(post)}{row['id']}/", {"order": 5}, format="json")
    assert bad_order.status_code == 400
    assert "order" in bad_order.json()


def test_an_image_of_another_post_is_not_found(
    sme: User, account: BrandAccount, api_as: Any
) -> None:
    one, other = make_post(sme, account), make_post(sme, account)
    [row] = send(api_as(sme), one, upload(picture(), "a.png")).json()

    response = api_as(sme).delete(f"{media_url(other)}{row['id']}/")

    assert response.status_code == 404


# --- Guidance ---------------------------------------------------------------------------------


def test_guidance_findings_for_images() -> None:
    result = guidance.check(body="Look", platform="mastodon", terms=[], alt_texts=["", "Chart"])
    [finding] = result.findings
    assert (finding.rule, finding.severity, finding.image) == ("image_alt_text", "soft", 1)
    assert not result.blocks_submit

    five = guidance.check(body="Look", platform="mastodon", terms=[], alt_texts=["a"] * 5)
    assert [f.rule for f in five.hard] == ["image_count"]
    assert "Mastodon takes at most 4" in five.hard[0].message

    images_only = guidance.check(body="", platform="bluesky", terms=[], alt_texts=["A map"])
    assert images_only.findings == ()


def test_submit_with_an_undescribed_image_is_allowed_and_advised(
    sme: User, account: BrandAccount, api_as: Any, comms_reviewer: User
) -> None:
    post = make_post(sme, account)
    services.post_media_add(post=post, actor=sme, uploads=[(picture(), "a.png")])

    submitted = api_as(sme).post(f"/api/v1/posts/{post.pk}/submit/")

    assert submitted.status_code == 200
    page = api_as(comms_reviewer).get(f"/posts/{post.pk}/review/")
    assert 'data-rule="image_alt_text"' in page.content.decode()


def test_check_endpoint_reports_image_findings(
    sme: User, account: BrandAccount, api_as: Any
) -> None:
    response = api_as(sme).post(
        "/api/v1/posts/check/",
        {"platform": "x", "body": "Hi", "alt_texts": ["", "", "", "", "e"]},
        format="json",
    )

    rules = [(f["rule"], f["image"]) for f in response.json()["findings"]]
    assert ("image_count", 5) in rules
    assert ("image_alt_text", 1) in rules
    assert response.json()["blocks_submit"] is True


# --- What the publishing engine reads ---------------------------------------------------------


def test_images_for_revision_gives_the_stored_bytes_and_alt_text(
    sme: User, account: BrandAccount
) -> None:
    post = make_post(sme, account)
    services.post_media_add(
        post=post,
        actor=sme,
        uploads=[(picture(seed=1), "a.png"), (picture("JPEG", seed=2), "b.jpg")],
        alt_texts=["First", "Second"],
    )
    post.refresh_from_db()

    images = media.images_for_revision(post.current_revision)  # type: ignore[arg-type]

    rows = list(MediaAttachment.objects.filter(revision=post.current_revision).order_by("order"))
    assert [i.alt_text for i in images] == ["First", "Second"]
    assert [i.content_type for i in images] == ["image/png", "image/jpeg"]
    assert [i.data for i in images] == [media.read_stored(r.file.name) for r in rows]
    assert [i.checksum for i in images] == [r.checksum for r in rows]
    assert (images[0].width, images[0].height) == (120, 80)


def test_database_media_uploads_remember_once() -> None:
    store = media.DatabaseMediaUploads()
    assert store.get("mastodon:abc") is None

    store.put("mastodon:abc", "109")
    store.put("mastodon:abc", "110")  # a racing worker: the first stays

    assert store.get("mastodon:abc") == "109"
