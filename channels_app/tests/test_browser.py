"""In a real browser: an org admin gives the R&D department draft rights on an account through
the access page; an R&D SME then finds it in their brand-account list. An org admin connects an
account: the platform (the local Mastodon peer) refuses a wrong token, accepts the right one,
and the page shows who the credentials speak as."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Department, User
from accounts.tests.factories import PASSWORD
from channels_app.models import BrandAccount
from channels_app.tests.peers.fixtures import MastodonPeer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/")


def _log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_org_admin_grants_rnd_draft_rights_and_an_rnd_sme_sees_the_account(
    page: Any,
    live_server: Any,
    org_admin: User,
    outsider: User,
    rnd: Department,
    sales_account: BrandAccount,
) -> None:
    base = live_server.url
    page.set_default_timeout(15_000)

    # The R&D SME holds nothing on the account yet.
    _log_in(page, base, outsider.email)
    page.goto(f"{base}/brand-accounts/")
    assert page.get_by_role("link", name="Sales on Mastodon").count() == 0
    _log_out(page)

    _log_in(page, base, org_admin.email)
    # Less used entries sit under the navigation's "More" menu.
    page.get_by_role("navigation", name="Main").get_by_role("button", name="More").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Brand accounts").click()
    page.get_by_role("link", name="Sales on Mastodon").click()
    page.get_by_role("link", name="Manage access").click()
    add = page.locator("section[aria-labelledby=add-heading]")
    add.get_by_label("Department").select_option(label="R&D")
    add.get_by_label("Draft").check()
    add.get_by_role("button", name="Give access").click()
    page.get_by_text("R&D now holds: Draft.").wait_for()
    # The grants table now lists R&D with Draft.
    row = page.locator("table tr", has_text="R&D").first
    assert row.get_by_label("Draft").is_checked()
    _log_out(page)

    _log_in(page, base, outsider.email)
    page.goto(f"{base}/brand-accounts/")
    row = page.locator("tbody tr", has_text="Sales on Mastodon")
    row.wait_for()
    assert row.locator(".perm-badges").inner_text().split() == ["Draft"]
    row.get_by_role("link", name="Sales on Mastodon").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sales on Mastodon"


def test_org_admin_connects_an_account_and_sees_who_it_speaks_as(
    page: Any,
    live_server: Any,
    org_admin: User,
    sales_account: BrandAccount,
    mastodon_peer: MastodonPeer,
) -> None:
    base = live_server.url
    page.set_default_timeout(15_000)
    _log_in(page, base, org_admin.email)
    page.goto(f"{base}/brand-accounts/{sales_account.pk}/")
    page.get_by_role("link", name="Connect").click()

    # A token the instance never issued: refused with the platform's message, nothing stored.
    page.get_by_label("Instance URL").fill(mastodon_peer.url)
    page.get_by_label("Access token").fill("a-token-the-instance-never-issued")
    page.get_by_role("button", name="Check and save credentials").click()
    page.get_by_text("Mastodon did not accept these credentials").wait_for()
    assert page.get_by_label("Access token").input_value() == ""  # never rendered back

    page.get_by_label("Instance URL").fill(mastodon_peer.url)
    page.get_by_label("Access token").fill(mastodon_peer.credentials("sales")["access_token"])
    page.get_by_role("button", name="Check and save credentials").click()
    page.get_by_text("Mastodon accepted the credentials").wait_for()
    identity = page.locator("#connected-identity")
    assert "Sales on Mastodon (@sales@mastodon.example)" in " ".join(identity.inner_text().split())
    assert "500 characters" in identity.inner_text()

    page.get_by_role("button", name="Check connection").click()
    page.locator(".message.success", has_text="Mastodon accepts the credentials").wait_for()
    # The history records both: stored, then checked.
    history = page.locator("section[aria-labelledby=audit-heading]").inner_text()
    assert "Stored the connection credentials; Mastodon accepted them for" in history
    assert "Checked the connection: Mastodon accepts the credentials" in history
