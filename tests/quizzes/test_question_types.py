"""Every question type's grading, including partial credit, penalties and the wildcard."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from lms.config import ROOT
from lms.quizzes import question_types as qt
from lms.quizzes.question_types import gift_syntax

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


def test_every_type_has_its_template_and_reads_back_what_it_writes_in_gift():
    samples = {
        "single": SINGLE,
        "multi": MULTI,
        "truefalse": {"correct": False, "feedback_true": "Keliru", "feedback_false": "Tepat"},
        "short": {"answers": [{"text": "Ombudsman*", "fraction": 1.0, "feedback": "Ya"}]},
        "numeric": {
            "answers": [{"mode": "range", "min": 1.0, "max": 2.0, "fraction": 1.0, "feedback": ""}],
            "wrong_feedback": "Hitung lagi",
        },
        "matching": {
            "pairs": [{"id": "1", "left": "a", "right": "b"}, {"id": "2", "left": "c", "right": "d"}]
        },
        "essay": {},
    }
    assert set(samples) == set(qt.QUESTION_TYPES)
    for key, kind in qt.QUESTION_TYPES.items():
        assert (ROOT / "templates" / kind.template).is_file(), kind.template
        block = kind.write_gift(samples[key], "")
        answer = gift_syntax.protect(block[1:-1])
        assert qt.gift_type_for(answer) is kind, (key, block)
        again = kind.read_gift(answer, lambda _pos: 1)
        assert kind.write_gift(again, "") == block


def test_types_own_their_feedback_html_shuffling_and_item_analysis():
    rendered = qt.get_type("single").render_data(SINGLE, lambda s: f"<b>{s}</b>")
    assert rendered["options"][1]["feedback_html"] == "<b>Bukan</b>"
    assert qt.get_type("single").feedback_html(rendered, {"choice": "2"}) == ["<b>Bukan</b>"]
    assert {"html", "feedback_html", "left_html", "wrong_feedback_html"} <= qt.RENDERED_KEYS
    numeric = qt.get_type("numeric").render_data(
        {
            "answers": [{"mode": "tolerance", "value": 4, "tolerance": 0, "fraction": 1.0}],
            "wrong_feedback": "x",
        },
        lambda s: s.upper(),
    )
    assert qt.get_type("numeric").feedback_html(numeric, {"text": "5"}) == ["X"]
    order = qt.get_type("multi").attempt_order(MULTI, random.Random(3))
    assert sorted(order) == ["1", "2", "3", "4"]
    assert qt.get_type("truefalse").attempt_order({"correct": True}, random.Random(3)) == []
    assert qt.get_type("multi").attempt_order(MULTI, None) == ["1", "2", "3", "4"]
    stats = qt.get_type("truefalse").analysis_options({"correct": True}, Counter({"true": 3, "false": 1}))
    assert [(count, right) for _label, count, right in stats] == [(3, True), (1, False)]
    assert not qt.get_type("essay").shows_correct_answer and qt.get_type("short").shows_correct_answer
    assert qt.aiken_type().key == "single"


def test_no_branch_on_the_question_type_outside_the_registry():
    """Services, importers, views and templates dispatch to the type (ARCHITECTURE.md: a registry
    owns everything about its kind)."""
    branch = re.compile(r"qtype\s*(==|!=|in\s*[(\[]|not\s+in\b)")
    registry = ROOT / "lms" / "quizzes" / "question_types"
    files = [p for p in (ROOT / "lms").rglob("*.py") if registry not in p.parents]
    files += list((ROOT / "templates").rglob("*.html"))
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in files
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if branch.search(line)
    ]
    assert not found, found
    assert branch.search("if aq.qtype in ('single', 'multi'):")  # the check itself can fail
