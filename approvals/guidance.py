"""Content guidance: advice while the SME types, the same findings for reviewers, and the hard
checks that block submit. Pure functions over a body, a platform and the word lists.

Each finding names its rule, a severity (hard blocks submit, soft advises), a message that says
what to do, and the span [start, end) of the body it refers to, in Unicode code points (Python
string indices). Sensitive terms also switch on the legal review stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import regex

from approvals.models import GuidanceTerm
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from channels_app.rules import PlatformRules, rules_for
from channels_app.selectors import length_limit


class Severity:
    HARD = "hard"
    SOFT = "soft"


class Rule:
    EMPTY = "empty"
    LENGTH = "length"
    HYPERBOLE = "hyperbole"
    PRESS_RELEASE = "press_release"
    SPONSORED_WITHOUT_DISCLOSURE = "sponsored_without_disclosure"
    SENSITIVE = "sensitive"
    HASHTAGS = "hashtags"
    IMAGE_ALT_TEXT = "image_alt_text"
    IMAGE_COUNT = "image_count"
    # A recruiting post (a job, an opening): advice only; approval rules may add a stage for it.
    RECRUITING = "recruiting"


# More hashtags than this reads as spam on the platform (platforms' own advice: one or two on X,
# a few on LinkedIn and Bluesky; the internal feed and Mastodon tolerate a handful.)
MAX_HASHTAGS: dict[str, int] = {
    Platform.X: 2,
    Platform.BLUESKY: 3,
    Platform.LINKEDIN: 5,
    Platform.FACEBOOK: 3,
    Platform.MASTODON: 5,
    Platform.INTERNAL: 5,
}

# A hashtag: '#' not glued to a word or a URL path, then letters, digits or underscores.
HASHTAG = re.compile(r"(?<![\w/&#])#(\w+)")


@dataclass(frozen=True)
class Term:
    """One word-list entry, detached from the database so checks stay pure and testable."""

    kind: str
    phrase: str
    advice: str = ""


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    start: int
    end: int
    legal: bool = False  # this finding switches on the legal review stage
    image: int | None = None  # the image (1-based) a finding about images refers to

    @property
    def is_hard(self) -> bool:
        return self.severity == Severity.HARD

    def as_dict(self, body: str) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "text": body[self.start : self.end],
            "legal": self.legal,
            "image": self.image,
        }


@dataclass(frozen=True)
class GuidanceResult:
    body: str
    platform: str
    length: int
    max_length: int
    how_counted: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def hard(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_hard)

    @property
    def soft(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.is_hard)

    @property
    def blocks_submit(self) -> bool:
        return bool(self.hard)

    @property
    def requires_legal(self) -> bool:
        return any(f.legal for f in self.findings)

    @property
    def remaining(self) -> int:
        return self.max_length - self.length


# --- Word lists -------------------------------------------------------------------------------


def active_terms() -> list[Term]:
    """The editable word lists, in one query."""
    return [
        Term(kind, phrase, advice)
        for kind, phrase, advice in GuidanceTerm.objects.filter(is_active=True).values_list(
            "kind", "phrase", "advice"
        )
    ]


# Between words: spaces or any hyphen or dash ("world-class" also matches "world class").
_GAP = r"[\s\-\u2010\u2011\u2013]+"


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words, any case; spaces and hyphens interchangeable; a trailing * any ending."""
    phrase = phrase.strip()
    open_ended = phrase.endswith("*")
    words = [w for w in re.split(_GAP, phrase.rstrip("*")) if w]
    body = _GAP.join(re.escape(w) for w in words)
    tail = r"\w*" if open_ended else ""
    return re.compile(rf"(?<!\w){body}{tail}(?!\w)", re.IGNORECASE)


def _matches(body: str, terms: Iterable[Term]) -> list[tuple[int, int, Term]]:
    """Every match, longest first where they overlap ('we are pleased to announce' hides
    'pleased to announce'), in reading order."""
    found: list[tuple[int, int, Term]] = []
    for term in terms:
        if not term.phrase.strip().rstrip("*"):
            continue
        found.extend(
            (m.start(), m.end(), term) for m in _phrase_pattern(term.phrase).finditer(body)
        )
    found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    kept: list[tuple[int, int, Term]] = []
    for start, end, term in found:
        if any(start >= s and end <= e for s, e, _t in kept):
            continue
        kept.append((start, end, term))
    return kept


# --- The rules ---------------------------------------------------------------------------------


def _length_finding(body: str, platform: str, rules: PlatformRules) -> tuple[int, Finding | None]:
    length = rules.length(body)
    if length <= rules.max_length:
        return length, None
    # The span starts where the platform would cut: the longest prefix, on a grapheme boundary,
    # that the platform's own counter still accepts.
    boundaries = [m.end() for m in regex.finditer(r"\X", body)]
    low, high = 0, len(boundaries) - 1
    cut = 0
    while low <= high:
        mid = (low + high) // 2
        if rules.length(body[: boundaries[mid]]) <= rules.max_length:
            cut = boundaries[mid]
            low = mid + 1
        else:
            high = mid - 1
    over = length - rules.max_length
    label = Platform(platform).label
    message = (
        f"Too long for {label}: {length} of {rules.max_length} {rules.how_counted}. "
        f"Cut {over} so it can be submitted."
    )
    return length, Finding(Rule.LENGTH, Severity.HARD, message, cut, len(body))


def _hashtag_finding(body: str, platform: str) -> Finding | None:
    tags = list(HASHTAG.finditer(body))
    limit = MAX_HASHTAGS.get(platform, 3)
    if len(tags) <= limit:
        return None
    label = Platform(platform).label
    message = (
        f"{len(tags)} hashtags: more than {limit} on {label} reads as spam and lowers reach. "
        f"Keep the {limit} that matter most."
    )
    return Finding(Rule.HASHTAGS, Severity.SOFT, message, tags[limit].start(), tags[-1].end())


def _term_findings(body: str, terms: Sequence[Term]) -> list[Finding]:
    by_kind: dict[str, list[Term]] = {}
    for term in terms:
        by_kind.setdefault(term.kind, []).append(term)
    findings: list[Finding] = []
    for start, end, term in _matches(body, by_kind.get(GuidanceTerm.Kind.HYPERBOLE, [])):
        text = body[start:end]
        message = term.advice or (
            f"“{text}” is hyperbole: readers trust specifics. Say what it does, with a number "
            "if you can."
        )
        findings.append(Finding(Rule.HYPERBOLE, Severity.SOFT, message, start, end))
    for start, end, term in _matches(body, by_kind.get(GuidanceTerm.Kind.PRESS_RELEASE, [])):
        text = body[start:end]
        message = term.advice or (
            f"“{text}” sounds like a press release. Lead with the news itself, in your own voice."
        )
        findings.append(Finding(Rule.PRESS_RELEASE, Severity.SOFT, message, start, end))
    cues = _matches(body, by_kind.get(GuidanceTerm.Kind.SPONSORSHIP, []))
    disclosed = _matches(body, by_kind.get(GuidanceTerm.Kind.DISCLOSURE, []))
    if cues and not disclosed:
        start, end, term = cues[0]
        message = term.advice or (
            f"This reads as sponsored content (“{body[start:end]}”) but has no disclosure. "
            "Add #ad or “Paid partnership” at the start."
        )
        findings.append(
            Finding(Rule.SPONSORED_WITHOUT_DISCLOSURE, Severity.HARD, message, start, end)
        )
    recruiting = _matches(body, by_kind.get(GuidanceTerm.Kind.RECRUITING, []))
    if recruiting:
        start, end, term = recruiting[0]
        message = term.advice or (
            f"“{body[start:end]}” makes this a recruiting post: name the role and where to apply."
        )
        findings.append(Finding(Rule.RECRUITING, Severity.SOFT, message, start, end))
    for start, end, term in _matches(body, by_kind.get(GuidanceTerm.Kind.SENSITIVE, [])):
        subject = term.advice or "a sensitive subject"
        message = f"“{body[start:end]}” touches on {subject}: a legal review is added."
        findings.append(Finding(Rule.SENSITIVE, Severity.SOFT, message, start, end, legal=True))
    return findings


def _image_findings(alt_texts: Sequence[str], platform: str, rules: PlatformRules) -> list[Finding]:
    """More images than the platform takes blocks submit; an image without alt text is advice
    (people who use screen readers, and everyone on a slow connection, get nothing from it)."""
    findings: list[Finding] = []
    label = Platform(platform).label
    if len(alt_texts) > rules.max_images:
        over = len(alt_texts) - rules.max_images
        findings.append(
            Finding(
                Rule.IMAGE_COUNT,
                Severity.HARD,
                f"{len(alt_texts)} images: {label} takes at most {rules.max_images}. "
                f"Remove {over} so it can be submitted.",
                0,
                0,
                image=rules.max_images + 1,
            )
        )
    for number, alt_text in enumerate(alt_texts, start=1):
        if not alt_text.strip():
            findings.append(
                Finding(
                    Rule.IMAGE_ALT_TEXT,
                    Severity.SOFT,
                    f"Image {number} has no alt text. Describe what it shows for people who use "
                    "screen readers.",
                    0,
                    0,
                    image=number,
                )
            )
    return findings


def check(
    *,
    body: str,
    platform: str,
    terms: Sequence[Term] | None = None,
    max_length: int | None = None,
    alt_texts: Sequence[str] = (),
) -> GuidanceResult:
    """Every finding for a body on a platform. terms defaults to the active word lists;
    alt_texts are the post's images' alt texts, in order (one entry per image)."""
    if terms is None:
        terms = active_terms()
    rules = rules_for(platform, max_length=max_length)
    findings: list[Finding] = []
    if not body.strip() and not alt_texts:  # images alone make a post
        findings.append(
            Finding(Rule.EMPTY, Severity.HARD, "The post is empty: write something first.", 0, 0)
        )
    length, too_long = _length_finding(body, platform, rules)
    if too_long:
        findings.append(too_long)
    findings.extend(_term_findings(body, terms))
    hashtags = _hashtag_finding(body, platform)
    if hashtags:
        findings.append(hashtags)
    findings.extend(_image_findings(alt_texts, platform, rules))
    findings.sort(key=lambda f: (f.severity != Severity.HARD, f.start, f.end, f.image or 0))
    return GuidanceResult(
        body=body,
        platform=platform,
        length=length,
        max_length=rules.max_length,
        how_counted=rules.how_counted,
        findings=tuple(findings),
    )


def check_for_account(
    *, body: str, account: BrandAccount, alt_texts: Sequence[str] = ()
) -> GuidanceResult:
    """check() for a post on a brand account: the length is counted against the account's own
    limit when its platform announced one on connecting (a Mastodon instance allowing longer
    posts), else against the platform's."""
    return check(
        body=body,
        platform=account.platform,
        max_length=length_limit(account),
        alt_texts=alt_texts,
    )


def marked_segments(body: str, findings: Iterable[Finding]) -> list[tuple[str, Finding | None]]:
    """The body cut into (text, finding or None) pieces, for highlighting findings in a page.

    Overlapping spans keep the earlier finding; zero-width spans are skipped. Joining the texts
    gives the body back unchanged (the review screen anchors comments on it).
    """
    spans = sorted(
        (f for f in findings if f.end > f.start), key=lambda f: (f.start, -(f.end - f.start))
    )
    pieces: list[tuple[str, Finding | None]] = []
    position = 0
    for finding in spans:
        if finding.start < position:
            continue
        if finding.start > position:
            pieces.append((body[position : finding.start], None))
        pieces.append((body[finding.start : finding.end], finding))
        position = finding.end
    if position < len(body):
        pieces.append((body[position:], None))
    return pieces
