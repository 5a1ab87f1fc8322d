"""The common base of the typed-answer types (short and numeric): accepted answers, each with a
weight and a feedback, matched against what the learner typed (the best weight wins), and a
feedback for any other answer (``wrong_feedback``)."""

from __future__ import annotations

from lms.quizzes.question_types.base import QuestionType, Render, clamp


class TypedAnswerType(QuestionType):
    rendered_keys = frozenset({"feedback_html", "wrong_feedback_html"})

    def _answers(self, data: dict) -> list[dict]:
        return list(data.get("answers") or [])

    def _match(self, data: dict, response: dict | None) -> dict | None:
        """The accepted answer with the best weight that the response matches."""
        raise NotImplementedError

    def render_data(self, data: dict, inline: Render) -> dict:
        out = dict(data)
        out["answers"] = [
            {**a, "feedback_html": inline(a.get("feedback", ""))} for a in data.get("answers", [])
        ]
        if data.get("wrong_feedback"):
            out["wrong_feedback_html"] = inline(data["wrong_feedback"])
        return out

    def sanitize_data(self, data: dict, clean: Render) -> dict:
        if "answers" in data:
            data["answers"] = [
                {**item, "feedback": clean(item.get("feedback", ""))} for item in data["answers"]
            ]
        if data.get("wrong_feedback"):
            data["wrong_feedback"] = clean(data["wrong_feedback"])
        return data

    def grade(self, data: dict, response: dict | None) -> float:
        match = self._match(data, response)
        return clamp(float(match.get("fraction", 0))) if match else 0.0

    def feedback(self, data: dict, response: dict | None) -> list[str]:
        match = self._match(data, response)
        return [match["feedback"]] if match and match.get("feedback") else []

    def feedback_html(self, data: dict, response: dict | None) -> list[str]:
        out = []
        match = self._match(data, response)
        if match:
            out = [match.get("feedback_html", "")]
        if (not match or not match.get("fraction")) and data.get("wrong_feedback_html"):
            out.append(data["wrong_feedback_html"])
        return out
