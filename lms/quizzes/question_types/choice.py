"""The common base of the choice types (single and multi): options with weights and feedback,
shown in the attempt's shuffled order, and their GIFT option lines ``=right ~wrong ~%50%half``."""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes.question_types.base import EPSILON, QuestionType, Render
from lms.quizzes.question_types.gift_syntax import (
    GiftError,
    LineOf,
    escape,
    feedback_text,
    starts_like_choice,
    weight_text,
    weighted_answers,
)


class ChoiceType(QuestionType):
    has_options = True
    shuffles = True
    rendered_keys = frozenset({"html", "feedback_html"})

    def _options(self, data: dict) -> list[dict]:
        return list(data.get("options") or [])

    def _by_id(self, data: dict) -> dict[str, dict]:
        return {str(o["id"]): o for o in self._options(data)}

    def shuffle_ids(self, data: dict) -> list[str]:
        return [str(o["id"]) for o in self._options(data)]

    def _common_checks(self, data: dict) -> list[str]:
        problems = []
        options = self._options(data)
        if len(options) < 2:
            problems.append(str(_l("Soal pilihan memerlukan paling sedikit dua pilihan jawaban.")))
        ids = [str(o.get("id")) for o in options]
        if len(set(ids)) != len(ids):
            problems.append(str(_l("Id pilihan jawaban ganda.")))
        for option in options:
            fraction = option.get("fraction")
            if not isinstance(fraction, int | float) or not -1 - EPSILON <= fraction <= 1 + EPSILON:
                problems.append(str(_l("Bobot pilihan harus antara -100 dan 100 persen.")))
                break
        return problems

    def render_data(self, data: dict, inline: Render) -> dict:
        out = dict(data)
        out["options"] = [
            {**o, "html": inline(o["text"]), "feedback_html": inline(o.get("feedback", ""))}
            for o in data.get("options", [])
        ]
        return out

    def sanitize_data(self, data: dict, clean: Render) -> dict:
        if "options" in data:
            data["options"] = [
                {**item, "text": clean(item["text"]), "feedback": clean(item.get("feedback", ""))}
                for item in data["options"]
            ]
        return data

    def ordered_options(self, data: dict, order: list[str]) -> list[dict]:
        """Options in an attempt's order (the attempt page)."""
        by_id = {str(o["id"]): o for o in data.get("options", [])}
        return [by_id[i] for i in order if i in by_id]

    def chosen_ids(self, response: dict | None) -> set[str]:
        """The ids of the chosen options (checked on the attempt page)."""
        return set(self._chosen(response))

    def analysis_keys(self, data: dict, response: dict | None) -> list[str]:
        return self._chosen(response)

    def analysis_options(self, data: dict, counter: Counter) -> list[tuple[str, int, bool]]:
        return [
            (o["text"], counter.get(str(o["id"]), 0), float(o.get("fraction", 0)) > 0)
            for o in data.get("options", [])
        ]

    def _chosen(self, response: dict | None) -> list[str]:
        raise NotImplementedError

    def feedback(self, data: dict, response: dict | None) -> list[str]:
        by_id = self._by_id(data)
        return [
            by_id[c]["feedback"] for c in self._chosen(response) if c in by_id and by_id[c].get("feedback")
        ]

    def feedback_html(self, data: dict, response: dict | None) -> list[str]:
        by_id = self._by_id(data)
        return [by_id[c].get("feedback_html", "") for c in self._chosen(response) if c in by_id]

    def response_text(self, data: dict, response: dict | None) -> str:
        by_id = self._by_id(data)
        return "; ".join(by_id[c]["text"] for c in self._chosen(response) if c in by_id)

    def read_gift(self, answer: str, line_of: LineOf) -> dict:
        options = []
        for n, marker, line, fraction, option_text, feedback in weighted_answers(answer, "=~", line_of):
            if not option_text:
                raise GiftError(line, _("Pilihan jawaban ke-%(n)s kosong.", n=n))
            if fraction is None:
                fraction = 1.0 if marker == "=" else 0.0
            options.append({"id": str(n), "text": option_text, "fraction": fraction, "feedback": feedback})
        return {"options": options}

    def _gift_marker(self, fraction: float, explicit: bool) -> str:
        """``~`` with the weight unless it is 0 (an explicit weight protects text starting with %)."""
        return "~" + (weight_text(fraction) if fraction or explicit else "")

    def gift_lines(self, data: dict) -> list[str]:
        lines = []
        for option in data["options"]:
            # An explicit weight also protects option text that itself starts with "%".
            explicit = option["text"].startswith("%")
            marker = self._gift_marker(option["fraction"], explicit)
            lines.append(f"\t{marker}{escape(option['text'])}{feedback_text(option.get('feedback', ''))}")
        return lines


def claims_choice(answer: str) -> bool:
    """A block of options: begins with ``=`` or ``~`` and has a wrong (``~``) option."""
    return starts_like_choice(answer) and "~" in answer
