"""Legal's journey through the real browser: log in, open the evidence export page,
choose a range and a department, download the ZIP, and check it against its manifest."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import PASSWORD
from activity.chain import chain_head
from approvals.tests.factories import make_account, make_post
from dashboards.governance.evidence import evidence_zip_verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def role_groups(transactional_db: None) -> None:
    """The organisation-role groups a data migration makes (emptied after transactional tests)."""
    from django.contrib.auth.models import Group

    from accounts.roles import GROUP_NAMES

    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)


def test_legal_downloads_an_export_that_matches_its_manifest(
    role_groups: None,
    live_server: Any,
    page: Any,
    sales: Department,
    rnd: Department,
    sme: User,
    outsider: User,
    legal_reviewer: User,
) -> None:
    ours = make_post(sme, make_account(sales), "Our desk opens at 8.")
    make_post(outsider, make_account(rnd), "Not in this export.")
    today = timezone.now().date()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", legal_reviewer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/governance/evidence/")
    assert page.get_by_role("heading", level=1).inner_text() == "Evidence export"

    page.get_by_label("From", exact=True).fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("To", exact=True).fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("Department").select_option("sales")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the export").click()
    download = download_info.value
    assert download.suggested_filename.startswith("evidence-")
    assert download.suggested_filename.endswith(".zip")

    path = download.path()
    assert evidence_zip_verify(path) == []
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        posts = [json.loads(line) for line in archive.read("posts.jsonl").splitlines()]
    assert [p["id"] for p in posts] == [ours.pk]
    assert manifest["filters"]["department"] == "sales"
    assert manifest["audit_chain_head"]["seq"] == chain_head().seq
