"""{% signup_open as open %}: whether people may create their own account (the allauth adapter's
answer, so pages and the sign-up view agree)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def signup_open(context: dict[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and bool(get_adapter(request).is_open_for_signup(request))
