"""The satisfaction survey (evaluasi penyelenggaraan): Likert items and a comment.

Responses carry no user id and a random key, and only the date; a separate participation row
(angkatan or course, user) stops a second answer. Reports therefore cannot name who said what.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models_base import Repr

_ONE_SUBJECT = "(angkatan_id IS NULL) != (course_id IS NULL)"


class SurveyItem(db.Model):
    """One Likert statement (1 = sangat tidak setuju ... 5 = sangat setuju)."""

    __tablename__ = "survey_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<SurveyItem {self.id} {self.text[:30]!r}>"


class SurveyResponse(Repr, db.Model):
    """One anonymous response about an angkatan or a self-paced course."""

    __tablename__ = "survey_responses"
    __table_args__ = (CheckConstraint(_ONE_SUBJECT, name="one_subject"),)

    # A random key, not a sequence, so the order of responses cannot be matched to participations.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    angkatan_id: Mapped[int | None] = mapped_column(ForeignKey("angkatan.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_on: Mapped[date] = mapped_column(Date)

    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    __repr_format__ = "{0.id}"


class SurveyAnswer(Repr, db.Model):
    """The value given to one item in one response."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "item_id"),
        CheckConstraint("value >= 1 AND value <= 5", name="likert_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[str] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("survey_items.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(Integer)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")

    __repr_format__ = "item={0.item_id} {0.value}"


class SurveyParticipation(db.Model):
    """That a person has answered the survey of an angkatan or course (not what they answered)."""

    __tablename__ = "survey_participations"
    __table_args__ = (
        UniqueConstraint("angkatan_id", "user_id"),
        UniqueConstraint("course_id", "user_id"),
        CheckConstraint(_ONE_SUBJECT, name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    angkatan_id: Mapped[int | None] = mapped_column(ForeignKey("angkatan.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    def __repr__(self) -> str:
        return (
            f"<SurveyParticipation user={self.user_id} angkatan={self.angkatan_id} course={self.course_id}>"
        )
