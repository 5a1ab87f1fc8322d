"""`flask seed-demo` adds the demo programs, course and angkatan, and running it twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.courses import demo, permissions
from lms.courses.models import (
    Angkatan,
    Course,
    CourseStatus,
    Enrolment,
    Lesson,
    LessonKind,
    Module,
    Program,
)
from lms.extensions import db

TABLES = (Program, Course, Module, Lesson, Angkatan, Enrolment)


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in TABLES)


def test_seed_demo_twice_changes_nothing(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    first = _counts()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert _counts() == first

    programs = {p.code: p for p in db.session.scalars(select(Program))}
    assert {"PKN-II", "PKA", "PKP", "LATSAR"} <= set(programs)
    assert programs["PKP"].project_label == "aksi perubahan"
    assert programs["PKN-II"].project_label == "proyek perubahan"
    assert programs["LATSAR"].project_label == "aktualisasi"

    course = db.session.scalar(select(Course).where(Course.slug == demo.COURSE_SLUG))
    assert course.status == CourseStatus.PUBLISHED and course.jp > 0
    assert len(course.modules) >= 2 and all(m.published for m in course.modules)
    kinds = {lesson.kind for m in course.modules for lesson in m.lessons}
    assert {LessonKind.TEXT, LessonKind.VIDEO, LessonKind.LINK} <= kinds
    assert all(lesson.body_html for m in course.modules for lesson in m.lessons)

    angkatan = db.session.scalar(select(Angkatan).where(Angkatan.name == demo.ANGKATAN_NAME))
    assert angkatan.program.code == "PKP"
    enrolments = {e.user.username: e for e in angkatan.enrolments}
    assert {u: e.ndh for u, e in enrolments.items()} == {"peserta1": 1, "peserta2": 2}
    for e in enrolments.values():
        assert (e.mentor.username, e.coach.username) == ("mentor", "coach")
        assert permissions.can_access_course(e.user, course)
