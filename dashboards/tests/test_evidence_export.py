"""The evidence export (page, API, command) and the audit chain page: who may use them, what the
ZIP holds, that its manifest sums check out, and that bad input writes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Department, User
from activity.chain import chain_head
from activity.models import AuditEvent
from approvals import services
from approvals.models import MediaAttachment, Post
from approvals.services import approval_rules
from approvals.tests.factories import approved_post, make_account, make_post
from channels_app.models import BrandAccount
from core.errors import NotFound
from dashboards.governance.evidence import (
    evidence_export_start,
    evidence_filters_parse,
    evidence_zip_verify,
)
from publishing.models import PublishAttempt

pytestmark = pytest.mark.django_db

PAGE = "/governance/evidence/"
API = "/api/v1/exports/evidence/"
FILES = {
    "posts.jsonl",
    "revisions.jsonl",
    "images.jsonl",
    "comments.jsonl",
    "decisions.jsonl",
    "publish_attempts.jsonl",
    "audit_events.jsonl",
}


def _range() -> dict[str, str]:
    today = timezone.now().date()
    return {
        "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }


@pytest.fixture
def account(sales: Department, comms_department: Department) -> BrandAccount:
    return make_account(
        sales, reviewers=[comms_department], publishers=[comms_department], display_name="Sales"
    )


@pytest.fixture
def history(sme: User, comms_reviewer: User, account: BrandAccount) -> Post:
    """A post with two revisions, a comment, a request for changes, an approval, an image and a
    published attempt."""
    post = make_post(sme, account, "First words.")
    services.post_submit(post=post, actor=sme)
    services.comment_add(post=post, actor=comms_reviewer, body="Say when.")
    services.post_request_changes(post=post, actor=comms_reviewer, note="Needs the opening hour.")
    post = services.post_revise(post=Post.objects.get(pk=post.pk), actor=sme, body="We open at 8.")
    services.post_submit(post=post, actor=sme)
    services.post_approve(post=post, actor=comms_reviewer, note="Good.")
    post = Post.objects.get(pk=post.pk)
    assert post.current_revision is not None
    MediaAttachment.objects.create(
        post=post,
        revision=post.current_revision,
        file="media/x.png",
        thumbnail="media/x-thumb.png",
        alt_text="A desk",
        order=0,
        width=10,
        height=10,
        bytes=100,
        content_type="image/png",
        checksum="ab" * 32,
        uploaded_by=sme,
    )
    now = timezone.now()
    PublishAttempt.objects.create(
        post=post,
        number=1,
        started_at=now,
        lease_expires_at=now,
        finished_at=now,
        outcome="published",
        external_id="feed-1",
        external_url="https://social.example.test/@sales/1",
    )
    return post


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _zip(response: Any) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]


def _jsonl(archive: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in archive.read(name).decode().splitlines()]


def test_legal_downloads_every_part_of_a_posts_history(
    legal_reviewer: User, history: Post, tmp_path: Path
) -> None:
    client = _client(legal_reviewer)
    assert client.get(PAGE).status_code == 200
    before = AuditEvent.objects.count()
    archive = _zip(client.post(PAGE, _range()))
    assert set(archive.namelist()) == {*FILES, "manifest.json"}
    posts = _jsonl(archive, "posts.jsonl")
    assert [p["id"] for p in posts] == [history.pk]
    assert posts[0]["department_slug"] == "sales"
    assert [r["number"] for r in _jsonl(archive, "revisions.jsonl")] == [1, 2]
    assert _jsonl(archive, "images.jsonl")[0]["checksum"] == "ab" * 32
    assert _jsonl(archive, "comments.jsonl")[0]["body"] == "Say when."
    decisions = _jsonl(archive, "decisions.jsonl")
    assert [(d["stage"], d["verdict"], d["note"], d["reason_slug"]) for d in decisions] == [
        ("comms", "changes", "Needs the opening hour.", "other"),
        ("comms", "approve", "Good.", None),
    ]
    attempt = _jsonl(archive, "publish_attempts.jsonl")[0]
    assert (attempt["external_id"], attempt["external_url"]) == (
        "feed-1",
        "https://social.example.test/@sales/1",
    )
    events = _jsonl(archive, "audit_events.jsonl")
    assert {e["target_id"] for e in events} == {str(history.pk)}
    assert {"post.created", "post.submit", "post.request_changes", "post.approve"} <= {
        e["action"] for e in events
    }
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert all(len(e["hash"]) == 64 for e in events)
    # The export is an audit event itself, and the manifest names the head just after it.
    assert AuditEvent.objects.count() == before + 1
    exported = AuditEvent.objects.get(action="evidence.exported")
    assert exported.actor == legal_reviewer
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["export_event_id"] == exported.pk
    assert manifest["audit_chain_head"] == {"seq": exported.seq, "hash": exported.hash}
    assert manifest["audit_chain_head"]["seq"] == chain_head().seq
    assert set(manifest["files"]) == FILES
    path = tmp_path / "export.zip"
    again = _client(legal_reviewer).post(PAGE, _range())
    path.write_bytes(b"".join(again.streaming_content))  # type: ignore[attr-defined]
    assert evidence_zip_verify(path) == []


def test_a_rule_stage_is_exported_with_its_name_and_the_rules_version(
    legal_reviewer: User,
    org_admin: User,
    hr_user: User,
    sme: User,
    comms_reviewer: User,
    account: BrandAccount,
) -> None:
    approval_rules.approval_rule_create(
        actor=org_admin,
        name="Recruiting posts need HR",
        stage_name="HR",
        content_rules=["recruiting"],
        reviewers=[hr_user],
    )
    post = make_post(sme, account, "We're hiring a sales lead: apply on our careers page.")
    services.post_submit(post=post, actor=sme)
    services.post_approve(post=Post.objects.get(pk=post.pk), actor=comms_reviewer)
    services.post_approve(post=Post.objects.get(pk=post.pk), actor=hr_user)

    archive = _zip(_client(legal_reviewer).post(PAGE, _range()))

    (revision,) = _jsonl(archive, "revisions.jsonl")
    assert revision["rule_set_number"] == 1
    assert [stage["name"] for stage in revision["stages"]] == ["Comms", "HR"]
    decisions = _jsonl(archive, "decisions.jsonl")
    assert [d["stage_name"] for d in decisions][1] == "HR"
    assert decisions[1]["stage"] == revision["stages"][1]["key"]


def test_org_admin_filters_by_department_and_account(
    org_admin: User, history: Post, outsider: User, rnd: Department
) -> None:
    other = make_post(outsider, make_account(rnd), "R&D news.")
    client = _client(org_admin)
    everything = _jsonl(_zip(client.post(PAGE, _range())), "posts.jsonl")
    assert {p["id"] for p in everything} == {history.pk, other.pk}
    by_department = _zip(client.post(PAGE, {**_range(), "department": "rnd"}))
    assert [p["id"] for p in _jsonl(by_department, "posts.jsonl")] == [other.pk]
    assert _jsonl(by_department, "decisions.jsonl") == []
    by_account = _zip(client.post(PAGE, {**_range(), "brand_account": history.brand_account_id}))
    assert [p["id"] for p in _jsonl(by_account, "posts.jsonl")] == [history.pk]
    earlier = timezone.localdate() - timedelta(days=30)
    empty = _zip(
        client.post(
            PAGE,
            {"from": earlier.isoformat(), "to": (earlier + timedelta(days=2)).isoformat()},
        )
    )
    assert _jsonl(empty, "posts.jsonl") == []


@pytest.mark.parametrize("who", ["sme", "comms_reviewer", "hr_user", "manager"])
def test_everyone_else_is_told_the_pages_do_not_exist(
    who: str, request: pytest.FixtureRequest, api_as: Any
) -> None:
    user = request.getfixturevalue(who)
    client = _client(user)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, _range()).status_code == 404
    assert client.get("/governance/audit-chain/").status_code == 404
    assert api_as(user).post(API, _range(), format="json").status_code == 404
    assert api_as(user).get("/api/v1/audit/verify/").status_code == 404
    assert not AuditEvent.objects.filter(action="evidence.exported").exists()


def test_the_service_itself_refuses_everyone_else(sme: User, manager: User) -> None:
    """The rule lives in the service, not only in the page and the API that call it."""
    filters = evidence_filters_parse(_range(), zone=timezone.get_current_timezone())
    before = AuditEvent.objects.count()
    for person in (sme, manager):
        with pytest.raises(NotFound):
            evidence_export_start(actor=person, filters=filters)
    assert AuditEvent.objects.count() == before


def test_signed_out_people_are_sent_to_sign_in(api: Any) -> None:
    assert Client().get(PAGE).status_code == 302
    assert Client().get("/governance/audit-chain/").status_code == 302
    assert api.post(API, _range(), format="json").status_code in (401, 403)


BAD = [
    ({"to": "2030-01-02"}, "from"),
    ({"from": "2030-01-02"}, "to"),
    ({"from": "2030-13-01", "to": "2030-01-02"}, "from"),
    ({"from": "2030-01-01T00:00", "to": "2030-01-02"}, "from"),
    ({"from": "2030-01-05", "to": "2030-01-02"}, "to"),
    ({"from": "2000-01-01", "to": "2030-01-02"}, "to"),
    ({"from": "2030-01-01", "to": "2030-01-02", "department": "nope"}, "department"),
    ({"from": "2030-01-01", "to": "2030-01-02", "department": "sa\x00les"}, "department"),
    ({"from": "2030-01-0\x00", "to": "2030-01-02"}, "from"),
    ({"from": "2030-01-01", "to": "2030-01-02", "brand_account": "x1"}, "brand_account"),
    ({"from": "2030-01-01", "to": "2030-01-02", "brand_account": "999999"}, "brand_account"),
]


@pytest.mark.parametrize(("data", "field"), BAD)
def test_bad_input_is_refused_and_nothing_is_written(
    data: dict[str, str], field: str, legal_reviewer: User, api_as: Any
) -> None:
    before = AuditEvent.objects.count()
    page = _client(legal_reviewer).post(PAGE, data)
    assert page.status_code == 400
    assert b'aria-invalid="true"' in page.content
    response = api_as(legal_reviewer).post(API, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert AuditEvent.objects.count() == before


JSON_ONLY_BAD = [
    ({"from": "2030-01-01", "to": "2030-01-02", "brand_account": {}}, "brand_account"),
    ({"from": "2030-01-01", "to": "2030-01-02", "brand_account": [1]}, "brand_account"),
    ({"from": "2030-01-01", "to": "2030-01-02", "brand_account": True}, "brand_account"),
    ({"from": "2030-01-01", "to": "2030-01-02", "department": {}}, "department"),
    ({"from": {"day": 1}, "to": "2030-01-02"}, "from"),
    ({"from": 20300101, "to": "2030-01-02"}, "from"),
    ({"from": "2030-01-01", "to": "2030-01-02", "department": 7}, "department"),
    ({"from": "2030-01-01", "to": "2030-01-02", "department": ""}, "department"),
    ({"from": "2030-01-01", "to": "2030-01-02", "brand_account": "1"}, "brand_account"),
]


@pytest.mark.parametrize(("data", "field"), JSON_ONLY_BAD)
def test_api_refuses_objects_lists_and_booleans_where_a_value_belongs(
    data: dict[str, Any], field: str, legal_reviewer: User, api_as: Any
) -> None:
    """An empty object is falsy: it must not pass for "no filter" and export everything."""
    before = AuditEvent.objects.count()
    response = api_as(legal_reviewer).post(API, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert AuditEvent.objects.count() == before


def test_api_refuses_a_body_that_is_not_an_object(legal_reviewer: User, api_as: Any) -> None:
    response = api_as(legal_reviewer).post(API, [_range()], format="json")
    assert response.status_code == 400


def test_api_streams_the_same_export(legal_reviewer: User, history: Post, api_as: Any) -> None:
    client = api_as(legal_reviewer)
    assert client.get(API).status_code == 405
    archive = _zip(client.post(API, _range(), format="json"))
    assert [p["id"] for p in _jsonl(archive, "posts.jsonl")] == [history.pk]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["filters"]["department"] is None
    # A number for the account and null for "every department", as the schema documents.
    data = {**_range(), "brand_account": history.brand_account_id, "department": None}
    by_account = _zip(client.post(API, data, format="json"))
    assert [p["id"] for p in _jsonl(by_account, "posts.jsonl")] == [history.pk]
    filters = json.loads(by_account.read("manifest.json"))["filters"]
    assert filters["brand_account"] == history.brand_account_id


def test_export_costs_the_same_queries_for_more_posts(
    legal_reviewer: User,
    history: Post,
    sme: User,
    comms_reviewer: User,
    account: BrandAccount,
    django_assert_num_queries: Any,
) -> None:
    client = _client(legal_reviewer)
    client.get(PAGE)  # session and roles warmed

    def count() -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            _zip(client.post(PAGE, _range()))
        return len(captured.captured_queries)

    first = count()
    for _ in range(5):
        approved_post(sme, account, comms_reviewer)
    # session, user, roles; the audit INSERT (the chain costs nothing more); the head; one
    # query per file (7)
    assert count() == first


def test_the_command_checks_the_manifest_sums(
    legal_reviewer: User, history: Post, tmp_path: Path
) -> None:
    response = _client(legal_reviewer).post(PAGE, _range())
    raw = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    good = tmp_path / "good.zip"
    good.write_bytes(raw)
    out = io.StringIO()
    call_command("evidence_verify", str(good), stdout=out)
    assert "Every file matches its SHA-256 (7 files)" in out.getvalue()

    # Rebuild the archive with one post changed and the manifest untouched.
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "posts.jsonl":
                data = data.replace(b'"state":"published"', b'"state":"rejected"').replace(
                    b'"state": "approved"', b'"state": "rejected"'
                )
                data = data.replace(b"sales", b"SALES")
            dst.writestr(name, data)
    with pytest.raises(CommandError, match=r"posts.jsonl: its SHA-256 does not match"):
        call_command("evidence_verify", str(bad))

    missing = tmp_path / "missing.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(missing, "w") as dst:
        for name in src.namelist():
            if name != "comments.jsonl":
                dst.writestr(name, src.read(name))
    with pytest.raises(CommandError, match=r"comments\.jsonl is in the manifest but not"):
        call_command("evidence_verify", str(missing))

    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="Not a readable ZIP"):
        call_command("evidence_verify", str(junk))


def test_org_admin_verifies_the_chain_and_sees_the_broken_event(
    org_admin: User, history: Post, api_as: Any
) -> None:
    client = _client(org_admin)
    page = client.get("/governance/audit-chain/?verify=1")
    assert page.status_code == 200
    assert b"The chain is intact" in page.content
    assert api_as(org_admin).get("/api/v1/audit/verify/").json()["ok"] is True
    victim = AuditEvent.objects.filter(target_id=str(history.pk)).order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE approvals_auditevent SET to_state = 'published' WHERE id = %s", [victim.pk]
        )
    body = api_as(org_admin).get("/api/v1/audit/verify/").json()
    assert body["ok"] is False
    assert body["first_mismatch"]["event_id"] == victim.pk
    assert body["first_mismatch"]["seq"] == victim.seq
    page = client.get("/governance/audit-chain/?verify=1")
    assert f"Event #{victim.pk} (seq {victim.seq})".encode() in page.content


def test_legal_may_export_but_not_open_the_chain_page(legal_reviewer: User, api_as: Any) -> None:
    assert _client(legal_reviewer).get("/governance/audit-chain/").status_code == 404
    assert api_as(legal_reviewer).get("/api/v1/audit/verify/").status_code == 404


def test_verifying_costs_the_same_queries_for_a_longer_trail(
    org_admin: User, history: Post, sme: User, account: BrandAccount
) -> None:
    from django.test.utils import CaptureQueriesContext

    client = _client(org_admin)
    client.get("/governance/audit-chain/")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/governance/audit-chain/?verify=1").status_code == 200
        return len(captured.captured_queries)

    first = count()
    for _ in range(5):
        make_post(sme, account)
    # session, user, roles; the head; any event outside the chain; the events, in chunks
    assert count() == first
