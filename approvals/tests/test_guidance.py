"""Content guidance, rule by rule, against the seeded default word lists."""

from __future__ import annotations

import pytest

from approvals import guidance
from approvals.guidance import Rule, Severity
from approvals.models import GuidanceTerm

pytestmark = pytest.mark.django_db

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme, seven code points
URL = "https://example.com/" + "a-very-long-path/" * 5 + "index.html"


def _rules(result: guidance.GuidanceResult) -> list[str]:
    return [f.rule for f in result.findings]


def test_a_plain_post_has_no_findings() -> None:
    result = guidance.check(body="Our support desk opens at 8 tomorrow.", platform="mastodon")
    assert result.findings == ()
    assert result.blocks_submit is False
    assert result.requires_legal is False


# --- Empty ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_an_empty_body_is_a_hard_finding(body: str) -> None:
    result = guidance.check(body=body, platform="internal")
    assert _rules(result) == [Rule.EMPTY]
    assert result.blocks_submit


# --- Length per platform -----------------------------------------------------------------------


def test_bluesky_counts_graphemes_not_code_points() -> None:
    body = FAMILY * 300  # 300 graphemes, 2100 code points
    result = guidance.check(body=body, platform="bluesky")
    assert (result.length, result.max_length) == (300, 300)
    assert Rule.LENGTH not in _rules(result)

    too_long = guidance.check(body=body + FAMILY, platform="bluesky")
    (finding,) = [f for f in too_long.findings if f.rule == Rule.LENGTH]
    assert finding.severity == Severity.HARD
    assert "301 of 300 graphemes" in finding.message
    assert "Cut 1" in finding.message
    # The span is the one family that does not fit, whole (never half a grapheme).
    assert (finding.start, finding.end) == (len(body), len(body) + len(FAMILY))


def test_x_counts_every_url_as_23() -> None:
    body = " ".join([URL] * 11)  # 11 times 23 + 10 spaces = 263, though over 1,000 characters
    assert len(body) > 1000
    result = guidance.check(body=body, platform="x")
    assert result.length == 263
    assert Rule.LENGTH not in _rules(result)

    longer = " ".join([URL] * 12)  # 12 times 23 + 11 = 287
    too_long = guidance.check(body=longer, platform="x")
    (finding,) = [f for f in too_long.findings if f.rule == Rule.LENGTH]
    assert "287 of 280 weighted characters" in finding.message
    # Everything before the span fits; the span starts within or at the 12th URL.
    assert guidance.check(body=longer[: finding.start], platform="x").length <= 280
    assert finding.start > longer.rindex(URL) - 1
    assert finding.end == len(longer)


def test_mastodon_counts_characters() -> None:
    result = guidance.check(body="é" * 501, platform="mastodon")
    (finding,) = result.hard
    assert finding.rule == Rule.LENGTH
    assert (finding.start, finding.end) == (500, 501)


# --- Word lists -------------------------------------------------------------------------------


def test_hyperbole_is_soft_advice_with_its_span() -> None:
    body = "Our world class, revolutionary desk."
    result = guidance.check(body=body, platform="linkedin")
    hyperbole = [f for f in result.findings if f.rule == Rule.HYPERBOLE]
    assert [body[f.start : f.end] for f in hyperbole] == ["world class", "revolutionary"]
    assert all(f.severity == Severity.SOFT for f in hyperbole)
    assert not result.blocks_submit


def test_press_release_language_keeps_the_longest_phrase_only() -> None:
    body = "We are pleased to announce our new desk."
    result = guidance.check(body=body, platform="linkedin")
    (finding,) = result.findings
    assert finding.rule == Rule.PRESS_RELEASE
    assert body[finding.start : finding.end] == "We are pleased to announce"
    assert "sounds like a press release" in finding.message


def test_words_match_whole_words_only() -> None:
    result = guidance.check(body="Amazingly, the curé reads the outlookers list.", platform="x")
    assert result.findings == ()


def test_sponsored_content_without_disclosure_blocks_submit() -> None:
    body = "Use code SPRING20 for 20% off our partner's shoes."
    result = guidance.check(body=body, platform="x")
    (finding,) = result.hard
    assert finding.rule == Rule.SPONSORED_WITHOUT_DISCLOSURE
    assert body[finding.start : finding.end] == "Use code"
    assert "#ad" in finding.message


@pytest.mark.parametrize("disclosure", ["#ad", "Paid partnership:", "#Sponsored"])
def test_a_disclosure_satisfies_the_sponsored_rule(disclosure: str) -> None:
    body = f"{disclosure} Use code SPRING20 for 20% off."
    result = guidance.check(body=body, platform="x")
    assert Rule.SPONSORED_WITHOUT_DISCLOSURE not in _rules(result)


def test_hashtag_lookalikes_are_not_disclosures() -> None:
    result = guidance.check(body="#adventure awaits: use code TRAIL for 10% off.", platform="x")
    assert Rule.SPONSORED_WITHOUT_DISCLOSURE in _rules(result)


@pytest.mark.parametrize(
    ("body", "subject"),
    [
        ("Our Q3 earnings are in.", "financial results"),
        ("We expect strong growth next year.", "forward-looking statements"),
        ("We updated our guidance for 2027.", "forward-looking statements"),
        ("Our acquisition of Initech closed today.", "acquisitions and mergers"),
        ("This supplement cures headaches.", "health claims"),
        ("Clinically proven to help.", "health claims"),
    ],
)
def test_sensitive_terms_switch_on_the_legal_stage(body: str, subject: str) -> None:
    result = guidance.check(body=body, platform="linkedin")
    sensitive = [f for f in result.findings if f.rule == Rule.SENSITIVE]
    assert sensitive
    assert all(f.legal and f.severity == Severity.SOFT for f in sensitive)
    assert subject in sensitive[0].message
    assert "legal review is added" in sensitive[0].message
    assert result.requires_legal
    assert not result.blocks_submit


def test_too_many_hashtags_is_soft_and_spans_the_extra_ones() -> None:
    body = "Join us #one #two #three and https://example.com/#anchor"
    result = guidance.check(body=body, platform="x")  # X: two hashtags at most
    (finding,) = result.findings
    assert (finding.rule, finding.severity) == (Rule.HASHTAGS, Severity.SOFT)
    assert body[finding.start : finding.end] == "#three"
    assert "3 hashtags" in finding.message
    assert guidance.check(body=body, platform="linkedin").findings == ()


# --- The word list is editable -----------------------------------------------------------------


def test_the_defaults_are_seeded_by_a_migration() -> None:
    kinds = set(GuidanceTerm.objects.values_list("kind", flat=True))
    assert kinds == set(GuidanceTerm.Kind.values)
    assert GuidanceTerm.objects.filter(kind="hyperbole", phrase="revolutionary").exists()


def test_an_added_term_is_used_and_a_switched_off_one_is_not() -> None:
    GuidanceTerm.objects.create(
        kind=GuidanceTerm.Kind.SENSITIVE, phrase="Project Falcon", advice="unannounced products"
    )
    GuidanceTerm.objects.filter(phrase="revolutionary").update(is_active=False)

    result = guidance.check(body="A revolutionary peek at project   falcon.", platform="x")

    (finding,) = result.findings
    assert finding.rule == Rule.SENSITIVE
    assert "unannounced products" in finding.message


def test_an_open_ended_term_matches_any_ending() -> None:
    result = guidance.check(body="Acquiring and acquisitions.", platform="x")
    texts = [result.body[f.start : f.end] for f in result.findings]
    assert texts == ["Acquiring", "acquisitions"]


def test_custom_advice_replaces_the_default_message() -> None:
    GuidanceTerm.objects.filter(phrase="seamless").update(advice="Say how long setup takes.")
    (finding,) = guidance.check(body="A seamless setup.", platform="x").findings
    assert finding.message == "Say how long setup takes."


# --- Highlighting ------------------------------------------------------------------------------


def test_marked_segments_give_the_body_back_unchanged() -> None:
    body = "We are pleased to announce a revolutionary, world-class desk #a #b #c #d"
    result = guidance.check(body=body, platform="x")
    segments = guidance.marked_segments(body, result.findings)
    assert "".join(text for text, _finding in segments) == body
    marked = [text for text, finding in segments if finding is not None]
    assert marked[:3] == ["We are pleased to announce", "revolutionary", "world-class"]
