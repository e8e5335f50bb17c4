"""The API's base viewset keeps every queryset scoped: a subclass cannot replace the scoping."""

from __future__ import annotations

from typing import Any

import pytest

from core.api import ScopedGenericViewSet


def test_a_viewset_that_overrides_get_queryset_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="visible_queryset"):

        class Leaky(ScopedGenericViewSet):
            def get_queryset(self) -> Any:  # the mistake the base class exists to prevent
                return []


def test_a_viewset_that_implements_visible_queryset_is_accepted() -> None:
    class Scoped(ScopedGenericViewSet):
        def visible_queryset(self) -> Any:
            return ["only what the caller may see"]

    view = Scoped()
    assert view.get_queryset() == ["only what the caller may see"]


def test_a_subclass_of_an_accepted_viewset_is_checked_too() -> None:
    class Scoped(ScopedGenericViewSet):
        def visible_queryset(self) -> Any:
            return []

    with pytest.raises(TypeError, match="Sneaky overrides get_queryset"):

        class Sneaky(Scoped):
            def get_queryset(self) -> Any:
                return []
