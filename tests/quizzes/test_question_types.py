"""Every question type's grading, including partial credit, penalties and the wildcard."""

from __future__ import annotations

import pytest

from lms.quizzes import question_types as qt

SINGLE = {
    "options": [
        {"id": "1", "text": "Jakarta", "fraction": 1.0},
        {"id": "2", "text": "Bandung", "fraction": 0.0, "feedback": "Bukan"},
        {"id": "3", "text": "Hampir", "fraction": 0.5},
        {"id": "4", "text": "Salah besar", "fraction": -0.5},
    ]
}
MULTI = {
    "options": [
        {"id": "1", "text": "2", "fraction": 0.5},
        {"id": "2", "text": "4", "fraction": 0.5},
        {"id": "3", "text": "3", "fraction": -1.0},
        {"id": "4", "text": "5", "fraction": -0.25},
    ]
}


def form(values: dict):
    return lambda name: values.get(name, [])


@pytest.mark.parametrize(
    "choice, expected", [("1", 1.0), ("2", 0.0), ("3", 0.5), ("4", 0.0), ("9", 0.0), (None, 0.0)]
)
def test_single_choice_weights_and_penalty_floor(choice, expected):
    response = {"choice": choice} if choice else {}
    assert qt.get_type("single").grade(SINGLE, response) == expected


def test_single_choice_parses_only_known_options():
    kind = qt.get_type("single")
    assert kind.parse_form(SINGLE, "q1", form({"q1": ["3"]})) == {"choice": "3"}
    assert kind.parse_form(SINGLE, "q1", form({"q1": ["x"]})) == {}
    assert kind.feedback(SINGLE, {"choice": "2"}) == ["Bukan"]


@pytest.mark.parametrize(
    "choices, expected",
    [
        (["1", "2"], 1.0),
        (["1"], 0.5),
        (["1", "3"], 0.0),  # 0.5 - 1.0 clamps at 0
        (["1", "2", "4"], 0.75),
        (["1", "2", "3", "4"], 0.0),  # choosing everything does not pay
        ([], 0.0),
    ],
)
def test_multiple_response_partial_credit_with_negative_weights(choices, expected):
    assert qt.get_type("multi").grade(MULTI, {"choices": choices}) == pytest.approx(expected)


def test_multiple_response_counts_a_choice_once():
    assert qt.get_type("multi").grade(MULTI, {"choices": ["1", "1", "1"]}) == 0.5
    assert qt.get_type("multi").parse_form(MULTI, "q", form({"q": ["2", "1", "zz", "1"]})) == {
        "choices": ["1", "2"]
    }


def test_multiple_response_validation_needs_positive_weights_to_reach_100():
    bad = {"options": [{"id": "1", "text": "a", "fraction": 0.5}, {"id": "2", "text": "b", "fraction": 0.3}]}
    assert qt.get_type("multi").validate(bad)
    assert qt.get_type("multi").validate(MULTI) == []


def test_true_false_and_its_feedback():
    data = {"correct": False, "feedback_true": "Keliru", "feedback_false": "Tepat"}
    kind = qt.get_type("truefalse")
    assert kind.grade(data, {"value": False}) == 1.0
    assert kind.grade(data, {"value": True}) == 0.0
    assert kind.grade(data, {}) == 0.0
    assert kind.feedback(data, {"value": True}) == ["Keliru"]
    assert kind.parse_form(data, "q", form({"q": ["false"]})) == {"value": False}


SHORT = {
    "answers": [
        {"text": "Ombudsman Republik Indonesia", "fraction": 1.0},
        {"text": "ORI", "fraction": 1.0},
        {"text": "ombuds*", "fraction": 0.5, "feedback": "Lengkapi namanya"},
        {"text": "2\\*3", "fraction": 1.0},
    ]
}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ombudsman Republik Indonesia", 1.0),
        ("  ombudsman   republik  INDONESIA ", 1.0),  # case and spacing ignored
        ("ori", 1.0),
        ("Ombudsman", 0.5),  # wildcard
        ("ombudsman ri", 0.5),
        ("Komisi", 0.0),
        ("2*3", 1.0),  # an escaped star is literal
        ("2x3", 0.0),
        ("", 0.0),
    ],
)
def test_short_answer_several_answers_case_spacing_and_wildcard(text, expected):
    assert qt.get_type("short").grade(SHORT, {"text": text}) == expected


def test_short_answer_best_match_wins_and_gives_its_feedback():
    kind = qt.get_type("short")
    assert kind.feedback(SHORT, {"text": "Ombudsmen"}) == ["Lengkapi namanya"]


NUMERIC = {
    "answers": [
        {"mode": "tolerance", "value": 3.14, "tolerance": 0.01, "fraction": 1.0},
        {"mode": "range", "min": 3.0, "max": 3.3, "fraction": 0.5},
    ]
}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3.14", 1.0),
        ("3,15", 1.0),  # Indonesian decimal comma, edge of the tolerance
        ("3.13", 1.0),
        ("3.2", 0.5),
        ("3.3", 0.5),
        ("3.31", 0.0),
        ("tiga", 0.0),
        ("", 0.0),
    ],
)
def test_numeric_tolerance_and_range(text, expected):
    assert qt.get_type("numeric").grade(NUMERIC, {"text": text}) == expected


def test_parse_number_accepts_common_notations():
    assert qt.parse_number("1.250,75") == 1250.75
    assert qt.parse_number("1,250.75") == 1250.75
    assert qt.parse_number(" 2 ") == 2
    assert qt.parse_number("inf") is None
    assert qt.parse_number("abc") is None


MATCHING = {
    "pairs": [
        {"id": "1", "left": "Jawa Barat", "right": "Bandung"},
        {"id": "2", "left": "Bali", "right": "Denpasar"},
        {"id": "3", "left": "Banten", "right": "Serang"},
        {"id": "4", "left": "", "right": "Medan"},  # a distractor
    ]
}


def test_matching_partial_credit_per_pair():
    kind = qt.get_type("matching")
    assert kind.grade(MATCHING, {"pairs": {"1": "Bandung", "2": "Denpasar", "3": "Serang"}}) == 1.0
    assert kind.grade(MATCHING, {"pairs": {"1": "Bandung", "2": "Medan"}}) == pytest.approx(1 / 3)
    assert kind.grade(MATCHING, {}) == 0.0
    assert kind.choices(MATCHING) == ["Bandung", "Denpasar", "Serang", "Medan"]
    parsed = kind.parse_form(MATCHING, "q", form({"q_1": ["Bandung"], "q_2": ["Bukan pilihan"]}))
    assert parsed == {"pairs": {"1": "Bandung"}}


def test_essay_is_graded_by_a_person():
    kind = qt.get_type("essay")
    assert kind.manual
    assert kind.grade({}, {"text": "jawaban"}) is None
    assert kind.is_answered({"text": "  "}) is False


def test_registry_has_one_class_per_type():
    assert set(qt.QUESTION_TYPES) == {"single", "multi", "truefalse", "short", "numeric", "matching", "essay"}
    assert len({type(t) for t in qt.QUESTION_TYPES.values()}) == 7
