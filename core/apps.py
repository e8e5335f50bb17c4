from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "SocialHub core"

    def ready(self) -> None:
        _refuse_numbers_as_text()


def _refuse_numbers_as_text() -> None:
    """The API's text fields take text only. DRF's CharField turns 0 into "0" and 1.5 into
    "1.5"; SocialHub answers 400 ("Not a valid string.") instead, as its schema says, so a
    client's bug shows at once rather than as a post or a reason reading "0". One place for
    every text field (SlugField, EmailField, RegexField and URLField are CharFields too), rather
    than a subclass repeated in every serializer."""
    from rest_framework import serializers

    lenient = serializers.CharField.to_internal_value
    if getattr(lenient, "refuses_numbers", False):
        return

    def to_internal_value(self: serializers.CharField, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient(self, data)  # type: ignore[no-any-return]

    to_internal_value.refuses_numbers = True  # type: ignore[attr-defined]
    serializers.CharField.to_internal_value = to_internal_value  # type: ignore[method-assign,assignment]
