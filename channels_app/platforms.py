"""The platforms SocialHub publishes to. Their rules table lives beside the connectors."""

from __future__ import annotations

from django.db import models


class Platform(models.TextChoices):
    INTERNAL = "internal", "Internal feed"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    LINKEDIN = "linkedin", "LinkedIn"
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook Page"
