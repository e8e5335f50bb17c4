"""Models of this app (see DESIGN §2)."""

from __future__ import annotations
