"""Checking submitted answers against a course's quiz and scoring them: pure functions, no
database, so every rule (unknown ids, single choice, partial answers) is tested directly.

A question counts as correct only when the chosen set equals the set of correct choices: a
multiple-choice question half answered earns nothing, and an unanswered one counts as wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import InvalidInput


@dataclass(frozen=True)
class QuestionKey:
    id: int
    kind: str  # "single" or "multiple"
    choice_ids: frozenset[int]
    correct_ids: frozenset[int]


@dataclass(frozen=True)
class Score:
    correct_count: int
    question_count: int
    percent: int  # rounded down, so a score never looks higher than it is
    passed: bool
    results: list[dict[str, Any]] = field(default_factory=list)


def _as_id(raw: Any, *, what: str) -> int:
    # bool is an int in Python; true/false are not ids.
    if isinstance(raw, bool):
        raise InvalidInput(f"{what} {raw!r} is not an id.", field="answers")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    raise InvalidInput(f"{what} {raw!r} is not an id.", field="answers")


def parse_answers(raw: Any, questions: Iterable[QuestionKey]) -> dict[int, list[int]]:
    """{question id: sorted choice ids} from {"<question id>": [<choice id>, ...]}, or 400.

    Every question id must belong to this course and every choice id to its question; a
    single-choice question takes at most one choice. Questions left out count as unanswered.
    """
    by_id = {q.id: q for q in questions}
    if not isinstance(raw, Mapping):
        raise InvalidInput(
            'Send answers as {"<question id>": [<choice id>, ...]}.', field="answers"
        )
    parsed: dict[int, list[int]] = {}
    for raw_question, raw_choices in raw.items():
        question_id = _as_id(raw_question, what="Question")
        question = by_id.get(question_id)
        if question is None:
            raise InvalidInput(
                f"Question {question_id} is not part of this course.", field="answers"
            )
        if isinstance(raw_choices, int | str) and not isinstance(raw_choices, bool):
            raw_choices = [raw_choices]
        if not isinstance(raw_choices, list | tuple):
            raise InvalidInput(
                f"Answer question {question_id} with a list of choice ids.", field="answers"
            )
        choices = sorted({_as_id(c, what="Choice") for c in raw_choices})
        unknown = [c for c in choices if c not in question.choice_ids]
        if unknown:
            raise InvalidInput(
                f"Choice {unknown[0]} is not a choice of question {question_id}.",
                field="answers",
            )
        if question.kind == "single" and len(choices) > 1:
            raise InvalidInput(f"Question {question_id} takes a single choice.", field="answers")
        parsed[question_id] = choices
    return parsed


def require_every_answer(parsed: Mapping[int, list[int]], questions: Iterable[QuestionKey]) -> None:
    """400 (code unanswered) naming the questions left without a choice, by their number in the
    quiz: a quiz is scored only once every question has an answer, so a slip of the mouse (an
    empty or half-filled form sent) neither records a score nor locks the retake."""
    missing = [
        number for number, question in enumerate(questions, start=1) if not parsed.get(question.id)
    ]
    if not missing:
        return
    if len(missing) == 1:
        what = f"question {missing[0]} has no answer yet"
    else:
        listed = ", ".join(str(n) for n in missing[:-1]) + f" and {missing[-1]}"
        what = f"questions {listed} have no answer yet"
    raise InvalidInput(
        f"Answer every question before submitting: {what}. Nothing was scored.",
        field="answers",
        code="unanswered",
    )


def score(
    questions: Iterable[QuestionKey], answers: Mapping[int, list[int]], *, pass_mark: int
) -> Score:
    keys = list(questions)
    results = []
    correct = 0
    for question in keys:
        selected = sorted(answers.get(question.id, []))
        is_correct = bool(selected) and set(selected) == question.correct_ids
        correct += is_correct
        results.append(
            {
                "question": question.id,
                "correct": is_correct,
                "selected": selected,
                "correct_choices": sorted(question.correct_ids),
            }
        )
    total = len(keys)
    # Integer arithmetic: 4 of 5 at an 80 % pass mark passes, with no float rounding at the edge.
    passed = total > 0 and correct * 100 >= pass_mark * total
    percent = (correct * 100) // total if total else 0
    return Score(correct, total, percent, passed, results)
