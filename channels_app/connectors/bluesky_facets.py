"""Bluesky rich text: links, mentions and hashtags as facets over UTF-8 byte ranges.

The same detection rules as the official client (``@atproto/api`` RichText.detectFacets):
a mention is ``@handle`` after a space, an opening bracket or the start; a link is an
``http(s)://`` address with trailing punctuation and unmatched brackets left out; a hashtag
is ``#tag`` of at most 64 characters that is not only digits. Offsets count UTF-8 bytes, as
the lexicon requires, so an emoji or an accented letter before a link moves it by its byte
length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

MENTION = regex.compile(r"(^|\s|\()(@)([a-zA-Z0-9.-]+)(\b)")
LINK = regex.compile(r"(^|\s|\()(https?://\S+)", regex.IGNORECASE)
_TAG_STOP = r"\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2"
TAG = regex.compile(
    rf"(^|\s)[#\uFF03]((?!\ufe0f)[^{_TAG_STOP}]*[^\d\p{{P}}{_TAG_STOP}]+[^{_TAG_STOP}]*)?"
)
TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
HANDLE = regex.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
MAX_TAG_LENGTH = 64


@dataclass(frozen=True)
class DetectedFacet:
    kind: str  # "link", "mention" or "tag"
    start: int  # in characters of the Python string
    end: int
    value: str  # the URI, the handle (not yet a DID) or the tag without "#"


def detect(text: str) -> list[DetectedFacet]:
    found: list[DetectedFacet] = []
    for match in MENTION.finditer(text):
        handle = match.group(3)
        if not HANDLE.match(handle):
            continue  # "@5pm" or "@foo": not a handle
        start = match.start(2)
        found.append(DetectedFacet("mention", start, match.end(3), handle.lower()))
    for match in LINK.finditer(text):
        uri = match.group(2)
        start, end = match.start(2), match.end(2)
        if regex.search(r"[.,;:!?]$", uri):
            uri, end = uri[:-1], end - 1
        # A closing bracket belongs to the link only when the link opened one.
        while uri.endswith(")") and uri.count(")") > uri.count("("):
            uri, end = uri[:-1], end - 1
        found.append(DetectedFacet("link", start, end, uri))
    for match in TAG.finditer(text):
        tag = match.group(2)
        if not tag:
            continue
        tag = TRAILING_PUNCTUATION.sub("", tag.strip())
        if not tag or len(tag) > MAX_TAG_LENGTH:
            continue
        start = match.start() + len(match.group(1))
        found.append(DetectedFacet("tag", start, start + 1 + len(tag), tag))
    return sorted(found, key=lambda facet: facet.start)


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def as_record_facets(text: str, facets: list[DetectedFacet], dids: dict[str, str]) -> list[Any]:
    """Facets for an ``app.bsky.feed.post`` record. Mentions whose handle did not resolve to a
    DID are left as plain text, as the official client does."""
    out: list[Any] = []
    for facet in facets:
        if facet.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": facet.value}
        elif facet.kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": facet.value}
        else:
            did = dids.get(facet.value)
            if not did:
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        out.append(
            {
                "index": {
                    "byteStart": byte_offset(text, facet.start),
                    "byteEnd": byte_offset(text, facet.end),
                },
                "features": [feature],
            }
        )
    return out
