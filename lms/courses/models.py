"""Catalogue (program -> course -> module -> lesson), angkatan and enrolments, progress; the
course and enrolment life cycles' transition tables next to their enums.

The JP ledger (``JpRecord``, ``JpSource``) lives in ``lms.jp.models``."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from lms.accounts.models import User
from lms.extensions import db
from lms.models_base import CreatedAt, Repr, Timestamps, UpdatedAt, UTCDateTime, Versioned, str_enum, utcnow


class ProgramKind(enum.StrEnum):
    """Kinds of program; leadership programs carry a proyek perubahan."""

    LEADERSHIP = "kepemimpinan"
    LATSAR = "latsar"
    TECHNICAL = "teknis"
    FUNCTIONAL = "fungsional"
    MOOC = "mooc"


class Program(Versioned, CreatedAt, Repr, db.Model):
    """A training program such as PKN Tingkat II, PKA, PKP or Latsar CPNS."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProgramKind] = mapped_column(
        str_enum(ProgramKind, "program_kind", 20), default=ProgramKind.TECHNICAL
    )
    jp: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    # Name of the change project in this program: "proyek perubahan", "aksi perubahan",
    # "aktualisasi"; empty when the program has none.
    project_label: Mapped[str] = mapped_column(String(60), default="")

    courses: Mapped[list[Course]] = relationship(back_populates="program")

    @property
    def has_project(self) -> bool:
        return bool(self.project_label)

    __repr_format__ = "{0.code}"


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


# The course life cycle: ONE table (the shared shape, lms.models_base), ONE function that moves
# state (services.change_course_status, which is given the state to reach).
COURSE_TRANSITIONS: dict[tuple[CourseStatus, str], CourseStatus] = {
    (CourseStatus.DRAFT, "publish"): CourseStatus.PUBLISHED,
    (CourseStatus.DRAFT, "archive"): CourseStatus.ARCHIVED,
    (CourseStatus.PUBLISHED, "unpublish"): CourseStatus.DRAFT,
    (CourseStatus.PUBLISHED, "archive"): CourseStatus.ARCHIVED,
    (CourseStatus.ARCHIVED, "unpublish"): CourseStatus.DRAFT,
    (CourseStatus.ARCHIVED, "publish"): CourseStatus.PUBLISHED,
}


class Course(Versioned, Timestamps, Repr, db.Model):
    """A self-paced (daring) course: ordered modules of lessons, worth some JP."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("status != 'published' OR published_at IS NOT NULL", name="published_has_date"),
        CheckConstraint("jp >= 0", name="jp_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    # A longer introduction in Markdown; ``description_html`` is rendered once, at save time.
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    jp: Mapped[int] = mapped_column(Integer, default=0)
    cover_key: Mapped[str | None] = mapped_column(String(64))
    cover_mime: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[CourseStatus] = mapped_column(
        str_enum(CourseStatus, "course_status", 12), default=CourseStatus.DRAFT, index=True
    )
    # A module opens only when the previous one is done.
    sequential: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    program: Mapped[Program | None] = relationship(back_populates="courses")
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    __repr_format__ = "{0.slug}"


class Module(Versioned, Repr, db.Model):
    """An ordered part of a course, with its own published flag."""

    __tablename__ = "modules"
    __table_args__ = (Index("ix_modules_course_position", "course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[bool] = mapped_column(Boolean, default=False)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )

    __repr_format__ = "{0.id} {0.title!r}"


class LessonKind(enum.StrEnum):
    TEXT = "text"
    VIDEO = "video"
    FILE = "file"
    LINK = "link"


class Lesson(Versioned, UpdatedAt, Repr, db.Model):
    """One lesson: Markdown text, a video with a text alternative, a file, or an external link.

    ``body_html`` is rendered and sanitised once, at save time, from ``body_md``.
    """

    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_module_position", "module_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LessonKind] = mapped_column(str_enum(LessonKind, "lesson_kind", 10), default=LessonKind.TEXT)
    position: Mapped[int] = mapped_column(Integer, default=0)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str | None] = mapped_column(String(500))
    link_url: Mapped[str | None] = mapped_column(String(500))
    file_key: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_mime: Mapped[str | None] = mapped_column(String(120))
    file_size: Mapped[int | None] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)

    module: Mapped[Module] = relationship(back_populates="lessons")
    attachments: Mapped[list[LessonAttachment]] = relationship(
        back_populates="lesson", order_by="LessonAttachment.position", cascade="all, delete-orphan"
    )

    __repr_format__ = "{0.id} {0.title!r}"


class LessonAttachment(CreatedAt, Repr, db.Model):
    """An extra downloadable file on a lesson (a handout, a template), stored through storage.py."""

    __tablename__ = "lesson_attachments"
    __table_args__ = (Index("ix_lesson_attachments_lesson_position", "lesson_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    lesson: Mapped[Lesson] = relationship(back_populates="attachments")

    __repr_format__ = "{0.id} {0.name!r}"


class Angkatan(Versioned, CreatedAt, Repr, db.Model):
    """A cohort: "PKP Angkatan IX Tahun 2024". Runs one program or one course."""

    __tablename__ = "angkatan"
    __table_args__ = (
        CheckConstraint("(program_id IS NULL) != (course_id IS NULL)", name="program_xor_course"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date, index=True)
    end_date: Mapped[date | None] = mapped_column(Date)
    # Participants may enrol themselves (a self-paced course's permanent angkatan).
    enrolment_open: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)

    program: Mapped[Program | None] = relationship()
    course: Mapped[Course | None] = relationship()
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="angkatan", order_by="Enrolment.ndh", passive_deletes=True
    )

    __repr_format__ = "{0.id} {0.name!r}"


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


# The enrolment life cycle: ONE table (the shared shape, lms.models_base), ONE function that
# moves state (services.change_enrolment_status, which is given the state to reach).
ENROLMENT_TRANSITIONS: dict[tuple[EnrolmentStatus, str], EnrolmentStatus] = {
    (EnrolmentStatus.ACTIVE, "complete"): EnrolmentStatus.COMPLETED,
    (EnrolmentStatus.ACTIVE, "withdraw"): EnrolmentStatus.WITHDRAWN,
    (EnrolmentStatus.WITHDRAWN, "reactivate"): EnrolmentStatus.ACTIVE,
    (EnrolmentStatus.COMPLETED, "reopen"): EnrolmentStatus.ACTIVE,
}


class EnrolmentVia(enum.StrEnum):
    """How the enrolment was made (kept for the record)."""

    ADMIN = "admin"
    CSV = "csv"
    SELF = "self"


class Enrolment(Repr, db.Model):
    """A peserta in an angkatan, with NDH and the mentor and coach assigned to them."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("angkatan_id", "user_id"),
        # NDH is the attendance number inside one angkatan (NULLs are allowed to repeat).
        UniqueConstraint("angkatan_id", "ndh"),
        CheckConstraint("ndh IS NULL OR ndh > 0", name="ndh_positive"),
        CheckConstraint("mentor_id IS NULL OR mentor_id != user_id", name="not_own_mentor"),
        CheckConstraint("coach_id IS NULL OR coach_id != user_id", name="not_own_coach"),
        CheckConstraint("status != 'completed' OR completed_at IS NOT NULL", name="completed_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    angkatan_id: Mapped[int] = mapped_column(ForeignKey("angkatan.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    ndh: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, "enrolment_status", 12), default=EnrolmentStatus.ACTIVE, index=True
    )
    via: Mapped[EnrolmentVia] = mapped_column(
        str_enum(EnrolmentVia, "enrolment_via", 8), default=EnrolmentVia.ADMIN
    )
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    surat_tugas_key: Mapped[str | None] = mapped_column(String(64))
    surat_tugas_name: Mapped[str | None] = mapped_column(String(255))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    angkatan: Mapped[Angkatan] = relationship(back_populates="enrolments")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    coach: Mapped[User | None] = relationship(foreign_keys=[coach_id])

    __repr_format__ = "{0.id} user={0.user_id} angkatan={0.angkatan_id}"


class LessonProgress(Repr, db.Model):
    """A learner's progress on one lesson (kept when the lesson is edited)."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __repr_format__ = "user={0.user_id} lesson={0.lesson_id}"


class CourseCompletion(Repr, db.Model):
    """A learner completed a course (recorded once, with its time)."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __repr_format__ = "user={0.user_id} course={0.course_id}"


# --- a course's content stamp ---------------------------------------------------------------
#
# ``courses.updated_at`` also moves whenever one of the course's modules or lessons is added,
# changed or removed, so that it stamps the course's whole outline: services cache a course's
# outline (titles, kinds, order) per process under (course id, updated_at), and every process
# sees the change with the course row it reads anyway. The stamp is written with a plain UPDATE,
# which leaves the course's edit ``version`` alone (an admin's open course form stays valid while
# lessons are edited), and copied onto a loaded ``Course`` without marking it changed.


def touch_courses(session, course_ids, module_ids=()) -> None:
    """Move ``updated_at`` of the given courses, and of the courses of the given modules."""
    connection = session.connection()
    course_ids = set(course_ids)
    module_ids = set(module_ids)
    if module_ids:
        course_ids.update(
            connection.execute(select(Module.course_id).where(Module.id.in_(module_ids))).scalars()
        )
    course_ids.discard(None)
    if not course_ids:
        return
    now = utcnow()
    connection.execute(update(Course).where(Course.id.in_(course_ids)).values(updated_at=now))
    for course_id in course_ids:
        course = session.identity_map.get(identity_key(Course, course_id))
        if course is not None:
            set_committed_value(course, "updated_at", now)


@event.listens_for(Session, "after_flush")
def _stamp_changed_outlines(session, _flush_context) -> None:
    course_ids: set[int] = set()
    module_ids: set[int] = set()
    for group, changed in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for obj in group:
            if isinstance(obj, Module | Lesson) and (
                not changed or session.is_modified(obj, include_collections=False)
            ):
                if isinstance(obj, Module):
                    course_ids.add(obj.course_id)
                else:
                    module_ids.add(obj.module_id)
    if course_ids or module_ids:
        touch_courses(session, course_ids, module_ids)
