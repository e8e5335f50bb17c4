"""The Content-Security-Policy holds on every main page, for every demo role, in a real browser.

Each role logs in and walks the pages its menu offers and the pages those link to (one of each
kind: one post, one course, …). Every page must carry the policy, and Chromium must report no
violation: no inline script, inline event handler or style attribute, nothing from elsewhere.
Then the pieces that run script are exercised: htmx's live guidance on the compose page, the
image preview (a blob: URL), the TOTP QR code (a data: image) and Swagger UI at /api/docs/.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FilePayload, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "socialhub-demo"
ROLES = ("admin", "comms", "legal", "hr", "manager.sales", "sme.sales", "sme.rnd")

# Recorded in the page before any of its own script runs (Playwright's init scripts are not
# subject to the page's policy).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile || location.pathname}:${event.lineNumber})`
  );
});
"""

# Not pages to look at: downloads, files, actions, and the admin's own depths.
SKIP = re.compile(
    r"format=csv|\.csv|/export|/file/|/images/\d+/|/media/\d+/|/logout/|/admin/.+/.+/|/accounts/(?!2fa/$)"
)


def shape(path: str) -> str:
    """One page of each kind: /posts/19/ and /posts/20/, /departments/sales/ and
    /departments/hr/, ?from=…&to=… with any dates are the same page to the policy."""
    path = re.sub(r"(/(?:departments|feed|reports/departments)/)[\w-]+/", r"\1S/", path)
    path = re.sub(r"=[^&]*", "=", path)
    return re.sub(r"\d+", "N", path)


@pytest.fixture
def demo(transactional_db: None) -> None:
    from django.contrib.auth.models import Group

    from accounts.roles import GROUP_NAMES

    for name in GROUP_NAMES.values():  # emptied by the previous transactional test
        Group.objects.get_or_create(name=name)
    call_command("seed_demo", verbosity=0)


class Watch:
    """Collects violations (the DOM event and Chromium's console) and checks the header."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.missing_header: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.request.resource_type != "document" or response.status >= 300:
            return
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "frame-ancestors 'none'" not in policy:
            self.missing_header.append(response.url)

    def violations(self) -> list[str]:
        try:
            found = self.page.evaluate("window.__cspViolations || []")
        except PlaywrightError:  # a page navigating away: its events are in the console
            found = []
        return [f"{self.page.url}: {v}" for v in found]


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def walk(page: Page, watch: Watch, base: str) -> tuple[list[str], list[str]]:
    """Visit the menu's pages and one page of each kind they link to. Returns (visited,
    violations)."""
    host = urlsplit(base).netloc
    page.goto(f"{base}/")
    menu = [
        a.get_attribute("href") or ""
        for a in page.locator("header a[href]").all()
        if a.get_attribute("href")
    ]
    queue = [*menu, "/accounts/2fa/"]
    seen: set[str] = set()
    visited: list[str] = []
    problems: list[str] = []
    depth = dict.fromkeys(queue, 0)
    while queue:
        path = queue.pop(0)
        if SKIP.search(path) or shape(path) in seen:
            continue
        seen.add(shape(path))
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        visited.append(path)
        problems.extend(watch.violations())
        if depth[path] >= 2:
            continue
        for link in page.locator("main a[href]").all():
            href = link.get_attribute("href") or ""
            parts = urlsplit(href)
            if parts.netloc and parts.netloc != host:
                continue
            if not parts.path.startswith("/") or link.get_attribute("download") is not None:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in depth:
                depth[target] = depth[path] + 1
                queue.append(target)
    return visited, problems


def test_admin_forms_keep_to_the_policy(demo: None, live_server: Any, page: Page) -> None:
    """The Django admin (org admins) under the same policy: lists and forms, including the
    periodic-task form whose script django-celery-beat ships inline (moved to a file)."""
    from django_celery_beat.models import CrontabSchedule

    from accounts.models import User

    CrontabSchedule.objects.create(minute="0", hour="7")
    base = live_server.url
    watch = Watch(page)
    log_in(page, base, "admin@demo.socialhub.test")
    person = User.objects.get(email="sme.sales@demo.socialhub.test").pk
    for path in (
        "/admin/accounts/user/",
        f"/admin/accounts/user/{person}/change/",
        "/admin/channels_app/brandaccount/",
        "/admin/training/course/add/",
        "/admin/accounts/apitoken/",
        "/admin/django_celery_beat/periodictask/add/",
    ):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        expect(page.locator("#content")).to_be_visible()
    page.select_option("#id_crontab", index=1)
    expect(page.locator(".field-crontab .help")).to_contain_text("Translation:")
    assert watch.missing_header == []
    assert watch.violations() + watch.console == []


@pytest.mark.parametrize("role", ROLES)
def test_no_page_breaks_the_policy(demo: None, live_server: Any, page: Page, role: str) -> None:
    watch = Watch(page)
    log_in(page, live_server.url, f"{role}@demo.socialhub.test")
    visited, problems = walk(page, watch, live_server.url)
    assert len(visited) >= 8, visited  # the walk really went through the site
    assert watch.missing_header == []
    assert problems + watch.console == []


def test_scripts_still_work_under_the_policy(demo: None, live_server: Any, page: Page) -> None:
    from approvals.tests.media_factories import picture

    base = live_server.url
    watch = Watch(page)
    log_in(page, base, "sme.sales@demo.socialhub.test")

    # htmx: the guidance panel follows the text as it is typed.
    page.goto(f"{base}/posts/new/")
    page.select_option("#id_brand_account", index=1)
    page.fill("#id_body", "We are pleased to announce a revolutionary product.")
    expect(page.locator("#guidance")).to_contain_text(re.compile("revolutionary", re.I))
    # An image chosen for upload is previewed from a blob: URL before it is sent.
    page.set_input_files(
        "#id_images", [FilePayload(name="chart.png", mimeType="image/png", buffer=picture())]
    )
    preview = page.locator("img[src^='blob:']").first
    expect(preview).to_be_visible()

    # allauth's TOTP set-up shows its QR code as a data: image.
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    if page.get_by_role("heading", name="Confirm Access").is_visible():
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    qr = page.locator("img[src^='data:']").first
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0

    # Swagger UI, served from our own files, loads the schema and lists the operations.
    page.goto(f"{base}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("/api/v1/auth/token/").first).to_be_visible()

    assert watch.missing_header == []
    assert watch.violations() + watch.console == []
