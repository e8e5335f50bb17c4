"""Small template helpers for the quiz form (re-showing what a person ticked after a 400)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if not isinstance(mapping, dict):
        return []
    return mapping.get(key, [])


@register.simple_tag
def qkey(question: Any) -> str:
    return str(question.pk)
