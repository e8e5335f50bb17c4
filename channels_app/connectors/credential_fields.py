"""The credentials each platform needs: which fields, which are required, which are secret, and
the help text the credentials form shows."""

from __future__ import annotations

from dataclasses import dataclass

from channels_app.platforms import Platform


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool
    required: bool = True
    help_text: str = ""


CREDENTIAL_FIELDS: dict[str, tuple[CredentialField, ...]] = {
    Platform.MASTODON: (
        CredentialField(
            "instance_url",
            "Instance URL",
            secret=False,
            help_text="e.g. https://mastodon.social",
        ),
        CredentialField(
            "access_token",
            "Access token",
            secret=True,
            help_text="Preferences → Development → New application (scopes read, write:statuses)",
        ),
    ),
    Platform.BLUESKY: (
        CredentialField(
            "pds_url",
            "PDS URL",
            secret=False,
            help_text="https://bsky.social for accounts hosted by Bluesky",
        ),
        CredentialField("handle", "Handle", secret=False, help_text="e.g. acme.bsky.social"),
        CredentialField(
            "app_password",
            "App password",
            secret=True,
            help_text="Settings → Privacy and security → App passwords (never the main password)",
        ),
    ),
    Platform.LINKEDIN: (
        CredentialField("access_token", "Access token", secret=True),
        CredentialField("refresh_token", "Refresh token", secret=True),
        CredentialField(
            "expires_at",
            "Access token expires at",
            secret=False,
            help_text="ISO 8601 time or Unix seconds",
        ),
        CredentialField(
            "organization_id",
            "Organization id",
            secret=False,
            help_text="the number in urn:li:organization:<id>",
        ),
        CredentialField(
            "client_id",
            "Client id",
            secret=False,
            required=False,
            help_text="the LinkedIn app's; needed to refresh the access token",
        ),
        CredentialField(
            "client_secret",
            "Client secret",
            secret=True,
            required=False,
            help_text="the LinkedIn app's; needed to refresh the access token",
        ),
    ),
    Platform.X: (
        CredentialField("access_token", "Access token", secret=True),
        CredentialField("refresh_token", "Refresh token", secret=True),
        CredentialField(
            "expires_at",
            "Access token expires at",
            secret=False,
            help_text="ISO 8601 time or Unix seconds",
        ),
        CredentialField("client_id", "OAuth 2.0 client id", secret=False),
        CredentialField(
            "client_secret",
            "OAuth 2.0 client secret",
            secret=True,
            required=False,
            help_text="only for a confidential client",
        ),
    ),
    Platform.FACEBOOK: (
        CredentialField("page_id", "Page id", secret=False),
        CredentialField(
            "page_access_token",
            "Page access token",
            secret=True,
            help_text="a long-lived Page token with pages_manage_posts and pages_read_engagement",
        ),
    ),
}


def required_credential_names(platform: str) -> list[str]:
    return [f.name for f in CREDENTIAL_FIELDS.get(platform, ()) if f.required]


def secret_credential_names(platform: str) -> list[str]:
    return [f.name for f in CREDENTIAL_FIELDS.get(platform, ()) if f.secret]
