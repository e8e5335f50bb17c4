"""The Content-Security-Policy header, and templates that need nothing it forbids.

The browser test (test_browser_csp.py) proves the pages run under the policy; these checks are
the fast guard: every response carries the policy, and no template has an inline script, an
inline event handler or a style attribute, even on a page the browser walk does not reach.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def directives(header: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in header.split(";")
        if " " in part.strip()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/api/v1/me/", "/"])
def test_every_response_carries_the_policy(path: str) -> None:
    response = Client().get(path)
    policy = directives(response["Content-Security-Policy"])
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data: blob:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_script_or_style(template: Path) -> None:
    text = template.read_text()
    found = [
        f"{name}: {match.group(0)[:80]}"
        for name, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("event handler", EVENT_HANDLER),
            ("style attribute", STYLE_ATTRIBUTE),
            ("style element", STYLE_ELEMENT),
        )
        for match in pattern.finditer(text)
    ]
    assert found == []


def test_the_guard_finds_what_it_looks_for() -> None:
    bad = '<p style="color:red" onclick="go()"><script>alert(1)</script><style>p{}</style>'
    assert INLINE_SCRIPT.search(bad)
    assert EVENT_HANDLER.search(bad)
    assert STYLE_ATTRIBUTE.search(bad)
    assert STYLE_ELEMENT.search(bad)
    good = '<script src="/static/x.js" defer></script><script type="application/json">{}</script>'
    assert not INLINE_SCRIPT.search(good)
    assert not EVENT_HANDLER.search('<button data-on="x" hx-on="">')


@pytest.mark.django_db
def test_the_api_docs_page_runs_from_files_only(sme: User) -> None:
    client = Client()
    client.force_login(sme)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not STYLE_ELEMENT.search(html)
    assert not STYLE_ATTRIBUTE.search(html)
    assert "swagger-ui-dist" in html  # served by drf-spectacular-sidecar, from our static files
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts
    assert all(src.startswith("/") for src in scripts)


def test_sso_adds_its_provider_to_form_action(tmp_path: Path) -> None:
    """The SSO button's form redirects to the identity provider; browsers check that redirect
    against form-action."""
    from core.tests.test_settings import PRODUCTION, run_manage

    env = {
        **PRODUCTION,
        "SOCIALHUB_VAR_DIR": str(tmp_path),
        "SOCIALHUB_OIDC_SERVER_URL": "https://login.example.com/realms/acme",
        "SOCIALHUB_OIDC_CLIENT_ID": "socialhub",
        "SOCIALHUB_OIDC_CLIENT_SECRET": "not-a-real-secret",
        "SOCIALHUB_CSP_FORM_ACTION": "https://idp-2.example.net",
    }
    code = (
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "[\"'self'\", 'https://idp-2.example.net', 'https://login.example.com']"
    )
