from __future__ import annotations

from django.apps import AppConfig


class SocialhubConfig(AppConfig):
    name = "socialhub"
    verbose_name = "SocialHub"
