"""Seed content guidance's word lists with sensible defaults (editable in the admin afterwards).

The lists are frozen here, as a migration's data must be; editing them later happens in the admin.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

HYPERBOLE = (
    "revolutionary", "revolutionise*", "revolutionize*", "world-class", "best-in-class",
    "game-changing", "game changer", "groundbreaking", "cutting-edge", "industry-leading",
    "market-leading", "unparalleled", "unprecedented", "unrivalled", "unrivaled",
    "next-generation", "state-of-the-art", "second to none", "one of a kind", "disruptive",
    "seamless", "synergy", "synergies", "paradigm shift", "best ever", "mind-blowing",
    "incredible", "amazing", "ultimate",
)

PRESS_RELEASE = (
    "we are pleased to announce", "we are excited to announce", "we are thrilled to announce",
    "we are delighted to announce", "we are proud to announce", "pleased to announce",
    "excited to announce", "thrilled to announce", "delighted to announce", "proud to announce",
    "today announced", "for immediate release", "leading provider of", "leading global provider",
    "strategic partnership", "press release", "is proud to",
)

# (phrase, the subject legal looks at)
SENSITIVE = (
    ("forward-looking", "forward-looking statements"),
    ("guidance", "forward-looking statements"),
    ("we expect", "forward-looking statements"),
    ("we anticipate", "forward-looking statements"),
    ("forecast*", "forward-looking statements"),
    ("outlook", "forward-looking statements"),
    ("projected", "forward-looking statements"),
    ("earnings", "financial results"),
    ("quarterly results", "financial results"),
    ("annual results", "financial results"),
    ("financial results", "financial results"),
    ("revenue*", "financial results"),
    ("profit*", "financial results"),
    ("EBITDA", "financial results"),
    ("dividend*", "financial results"),
    ("share price", "financial results"),
    ("stock price", "financial results"),
    ("acqui*", "acquisitions and mergers"),
    ("merger*", "acquisitions and mergers"),
    ("takeover", "acquisitions and mergers"),
    ("buyout", "acquisitions and mergers"),
    ("divest*", "acquisitions and mergers"),
    ("cure*", "health claims"),
    ("clinically proven", "health claims"),
    ("heals", "health claims"),
    ("prevents disease", "health claims"),
    ("boosts immunity", "health claims"),
    ("FDA approved", "health claims"),
    ("medical grade", "health claims"),
    ("lawsuit*", "litigation"),
    ("litigation", "litigation"),
    ("settlement", "litigation"),
    ("layoff*", "employment matters"),
    ("redundanc*", "employment matters"),
    ("insider", "confidential information"),
    ("confidential", "confidential information"),
)

SPONSORSHIP = (
    "promo code", "discount code", "use code", "affiliate", "affiliate link",
    "in partnership with", "partnered with", "gifted", "free sample", "thanks to our sponsor",
    "brand ambassador", "commission",
)

DISCLOSURE = (
    "#ad", "#sponsored", "#advert", "#advertisement", "#paidpartnership", "#partner",
    "paid partnership", "sponsored by", "advertisement", "ad:",
)


def seed(apps: Any, schema_editor: Any) -> None:
    term = apps.get_model("approvals", "GuidanceTerm")
    rows = [("hyperbole", phrase, "") for phrase in HYPERBOLE]
    rows += [("press_release", phrase, "") for phrase in PRESS_RELEASE]
    rows += [("sensitive", phrase, subject) for phrase, subject in SENSITIVE]
    rows += [("sponsorship", phrase, "") for phrase in SPONSORSHIP]
    rows += [("disclosure", phrase, "") for phrase in DISCLOSURE]
    for kind, phrase, advice in rows:
        if not term.objects.filter(kind=kind, phrase__iexact=phrase).exists():
            term.objects.create(kind=kind, phrase=phrase, advice=advice)


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("approvals", "GuidanceTerm").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("approvals", "0002_workflow")]

    operations = [migrations.RunPython(seed, unseed)]
