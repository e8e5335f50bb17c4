"""What changed between two revisions, word by word, for the review screen."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Words, runs of whitespace and single punctuation marks: a diff in units a reader notices.
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class DiffPiece:
    op: str  # "equal", "insert" or "delete"
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def word_diff(old: str, new: str) -> list[DiffPiece]:
    """Pieces that, read in order, show old turned into new (deletions before insertions)."""
    before, after = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    pieces: list[DiffPiece] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(DiffPiece("equal", "".join(before[a1:a2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(DiffPiece("delete", "".join(before[a1:a2])))
        if op in ("insert", "replace"):
            pieces.append(DiffPiece("insert", "".join(after[b1:b2])))
    return [piece for piece in pieces if piece.text]


def has_changes(pieces: list[DiffPiece]) -> bool:
    return any(piece.op != "equal" for piece in pieces)
