"""Images on the pages: who may fetch an image, the compose form with and without its script,
the post page, the review screen and the calendar, and constant query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from approvals import media, services
from approvals.models import MediaAttachment, Post
from approvals.tests.factories import make_post
from approvals.tests.media_factories import picture, upload
from channels_app.models import BrandAccount

pytestmark = pytest.mark.django_db


def logged_in(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def with_images(post: Post, author: User, count: int, first_seed: int = 0) -> Post:
    services.post_media_add(
        post=post,
        actor=author,
        uploads=[(picture(seed=first_seed + n), f"{n}.png") for n in range(count)],
        alt_texts=[f"Picture {first_seed + n}" for n in range(count)],
    )
    return Post.objects.get(pk=post.pk)


# --- Who may fetch an image -----------------------------------------------------------------


def test_the_file_goes_to_author_and_reviewer_and_nobody_else(
    sme: User, comms_reviewer: User, outsider: User, account: BrandAccount
) -> None:
    post = with_images(make_post(sme, account), sme, 1)
    image = MediaAttachment.objects.get(revision=post.current_revision)
    url = f"/posts/{post.pk}/media/{image.pk}/"
    thumbnail = f"{url}thumbnail/"

    mine = logged_in(sme).get(url)
    assert mine.status_code == 200
    assert mine["Content-Type"] == "image/png"
    assert "private" in mine["Cache-Control"]
    assert b"".join(mine.streaming_content) == media.read_stored(image.file.name)  # type: ignore[attr-defined]
    assert logged_in(sme).get(thumbnail).status_code == 200
    # A draft in the making is the author's (and the department's) only.
    assert logged_in(comms_reviewer).get(url).status_code == 404

    services.post_submit(post=post, actor=sme)
    assert logged_in(comms_reviewer).get(url).status_code == 200
    assert logged_in(comms_reviewer).get(thumbnail).status_code == 200
    assert logged_in(outsider).get(url).status_code == 404
    assert logged_in(outsider).get(thumbnail).status_code == 404
    anonymous = logged_in(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    # The image's address under another post is no address at all.
    other = make_post(sme, account)
    assert logged_in(sme).get(f"/posts/{other.pk}/media/{image.pk}/").status_code == 404


def test_the_api_file_endpoint_checks_the_same(
    sme: User, outsider: User, account: BrandAccount, api_as: Any
) -> None:
    post = with_images(make_post(sme, account), sme, 1)
    image = MediaAttachment.objects.get(revision=post.current_revision)
    url = f"/api/v1/posts/{post.pk}/media/{image.pk}/file/"

    response = api_as(sme).get(url, HTTP_ACCEPT="image/*")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == media.read_stored(image.file.name)
    assert api_as(outsider).get(url).status_code == 404


def test_stored_files_sit_under_no_public_address(
    sme: User, account: BrandAccount, settings: Any
) -> None:
    post = with_images(make_post(sme, account), sme, 1)
    image = MediaAttachment.objects.get(revision=post.current_revision)

    assert logged_in(sme).get(f"/{settings.MEDIA_URL}{image.file.name}").status_code == 404


# --- Compose and edit -------------------------------------------------------------------------


def test_compose_without_script_uploads_images_with_alt_text(
    sme: User, account: BrandAccount
) -> None:
    response = logged_in(sme).post(
        "/posts/new/",
        {
            "brand_account": account.pk,
            "body": "Our new office",
            "images": [upload(picture(seed=1), "a.png"), upload(picture(seed=2), "b.png")],
            "new_alt": ["The entrance", "The roof garden"],
            "save": "1",
        },
    )

    assert response.status_code == 302
    post = Post.objects.get()
    rows = list(MediaAttachment.objects.filter(revision=post.current_revision).order_by("order"))
    assert [r.alt_text for r in rows] == ["The entrance", "The roof garden"]
    assert post.revision_number == 1


def test_compose_with_script_order_follows_the_page(sme: User, account: BrandAccount) -> None:
    logged_in(sme).post(
        "/posts/new/",
        {
            "brand_account": account.pk,
            "body": "Reordered",
            "images": [upload(picture(seed=1), "a.png"), upload(picture(seed=2), "b.png")],
            "new_alt": ["A", "B"],
            "image_order": "new:1,new:0",
            "save": "1",
        },
    )

    post = Post.objects.get()
    assert list(
        MediaAttachment.objects.filter(revision=post.current_revision)
        .order_by("order")
        .values_list("alt_text", flat=True)
    ) == ["B", "A"]


def test_compose_refusal_shows_the_message_and_writes_nothing(
    sme: User, account: BrandAccount
) -> None:
    response = logged_in(sme).post(
        "/posts/new/",
        {
            "brand_account": account.pk,
            "body": "Broken",
            "images": [upload(b"GIF89a broken", "a.gif", "image/gif")],
            "save": "1",
        },
    )

    assert response.status_code == 400
    assert "damaged" in response.content.decode() or "not a JPEG" in response.content.decode()
    assert not Post.objects.exists()


def test_edit_without_script_changes_alt_text_order_and_removes(
    sme: User, account: BrandAccount
) -> None:
    post = with_images(make_post(sme, account), sme, 3)
    first, second, third = MediaAttachment.objects.filter(revision=post.current_revision).order_by(
        "order"
    )
    page = logged_in(sme).get(f"/posts/{post.pk}/edit/").content.decode()
    assert f'name="alt_{first.checksum}"' in page
    assert 'enctype="multipart/form-data"' in page

    response = logged_in(sme).post(
        f"/posts/{post.pk}/edit/",
        {
            "body": post.body,
            f"alt_{first.checksum}": "Described now",
            f"order_{first.checksum}": "3",
            f"order_{second.checksum}": "1",
            f"order_{third.checksum}": "2",
            f"remove_{third.checksum}": "1",
            "save": "1",
        },
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert list(
        MediaAttachment.objects.filter(revision=post.current_revision)
        .order_by("order")
        .values_list("checksum", "alt_text")
    ) == [(second.checksum, second.alt_text), (first.checksum, "Described now")]


def test_live_guidance_counts_alt_texts_on_the_form(sme: User, account: BrandAccount) -> None:
    post = with_images(make_post(sme, account), sme, 1)
    image = MediaAttachment.objects.get(revision=post.current_revision)

    response = logged_in(sme).post(
        "/posts/check/",
        {"post": post.pk, "body": "Hi", f"alt_{image.checksum}": "", "new_alt": ["x"]},
    )

    html = response.content.decode()
    assert 'data-rule="image_alt_text"' in html
    assert "Image 1 has no alt text" in html


# --- Showing images ---------------------------------------------------------------------------


def test_post_page_and_review_screen_show_images_with_alt_text(
    sme: User, comms_reviewer: User, account: BrandAccount
) -> None:
    post = services.post_submit(post=with_images(make_post(sme, account), sme, 2), actor=sme)
    services.post_media_update(
        post=post,
        actor=sme,
        checksum=MediaAttachment.objects.filter(revision=post.current_revision)
        .get(order=0)
        .checksum,
        alt_text="Updated description",
    )

    detail = logged_in(sme).get(f"/posts/{post.pk}/").content.decode()
    review = logged_in(comms_reviewer).get(f"/posts/{post.pk}/review/").content.decode()

    for html in (detail, review):
        assert "Updated description" in html
        assert "Picture 1" in html
        assert len(re.findall(r'<img src="/posts/\d+/media/\d+/thumbnail/"', html)) == 2
    assert "data-images-changed" in review


def test_calendar_shows_a_thumbnail(sme: User, comms_reviewer: User, account: BrandAccount) -> None:
    post = with_images(make_post(sme, account), sme, 1)
    image = MediaAttachment.objects.get(revision=post.current_revision)
    post = services.post_submit(post=post, actor=sme)
    services.post_approve(post=post, actor=comms_reviewer)
    at = timezone.now() + timedelta(days=1)
    services.post_schedule(post=post, actor=comms_reviewer, scheduled_at=at)

    html = (
        logged_in(sme)
        .get(f"/calendar/?view=week&date={timezone.localdate(at):%Y-%m-%d}")
        .content.decode()
    )

    assert f'src="/posts/{post.pk}/media/{image.pk}/thumbnail/"' in html
    assert 'alt="Picture 0"' in html


# --- Query counts: the same for 1 image as for 8 ------------------------------------------------


def _constant(fetch: Any, add_more: Any, expected: int, django_assert_num_queries: Any) -> Any:
    fetch()  # warm-up
    with CaptureQueriesContext(connection) as queries:
        assert fetch().status_code == 200
    assert len(queries.captured_queries) == expected
    add_more()
    with django_assert_num_queries(expected):
        response = fetch()
    assert response.status_code == 200
    return response


def test_media_list_endpoint_queries_are_constant(
    sme: User, account: BrandAccount, api_as: Any, django_assert_num_queries: Any
) -> None:
    post = with_images(make_post(sme, account), sme, 1)
    client = api_as(sme)

    response = _constant(
        lambda: client.get(f"/api/v1/posts/{post.pk}/media/"),
        lambda: with_images(post, sme, 7, first_seed=10),
        # session, user; roles; memberships (visibility); the post with its relations; the
        # images of its current revision with their revision.
        6,
        django_assert_num_queries,
    )
    assert len(response.json()) == 8


def test_post_page_queries_are_constant(
    sme: User, account: BrandAccount, comms_reviewer: User, django_assert_num_queries: Any
) -> None:
    post = with_images(make_post(sme, account), sme, 1)
    client = logged_in(sme)

    response = _constant(
        lambda: client.get(f"/posts/{post.pk}/"),
        lambda: with_images(post, sme, 7, first_seed=10),
        # session, user; roles; memberships; the post with its relations; THE IMAGES of the
        # current revision (one query for all); guidance terms; the post's publish attempts
        # (added with the publishing engine); the person's grants on the account, direct and
        # through groups, read once for every action button (post_actions); approvals of the
        # revision; revisions, comments, decisions and audit events for the timeline; comment
        # threads; the crisis pause on the account; unread notifications; the pauses for the
        # banner; the quiet periods covering the post.
        20,
        django_assert_num_queries,
    )
    assert len(re.findall(r"/thumbnail/", response.content.decode())) == 8
