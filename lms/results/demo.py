"""Demo data for `flask seed-demo`: peserta2 completed the self-paced course "Etika dan
Integritas ASN" and holds its certificate of completion, so the verify page and "JP Saya" show
real data. Idempotent: the course and its angkatan are found again by slug and name next time.
(The courses demo's "Pelayanan Publik Prima" belongs to the PKP program, whose participants get
one STTP for the whole program rather than a certificate per course.)
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.models import (
    Angkatan,
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
    Module,
)
from lms.extensions import db
from lms.jp import services as jp_services
from lms.jp.models import JpSource
from lms.markdown import render_markdown
from lms.models_base import utcnow
from lms.results import services
from lms.results.models import Certificate, CertificateStatus
from lms.results.services.numbering import DEFAULT_COMPLETION_FORMAT, DEFAULT_STTP_FORMAT

COURSE_SLUG = "etika-integritas-asn"
COURSE_TITLE = "Etika dan Integritas ASN"
ANGKATAN_NAME = "Kelas Mandiri Etika dan Integritas ASN"
COURSE_JP = 20
LESSON_MD = (
    "Integritas berarti **satunya kata dan perbuatan**: ASN bekerja jujur, menolak gratifikasi, "
    "dan menjaga kepercayaan publik.\n\n"
    "1. Kenali nilai dasar ASN BerAKHLAK.\n2. Laporkan gratifikasi dalam 30 hari kerja.\n"
    "3. Hindari benturan kepentingan dalam setiap keputusan."
)
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def _course() -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == COURSE_SLUG))
    if course is not None:
        return course
    now = utcnow()
    course = Course(
        title=COURSE_TITLE,
        slug=COURSE_SLUG,
        summary="Nilai dasar ASN BerAKHLAK, gratifikasi, dan benturan kepentingan.",
        jp=COURSE_JP,
        status=CourseStatus.PUBLISHED,
        published_at=now,
    )
    module = Module(title="Integritas dalam tugas sehari-hari", position=1, published=True)
    module.lessons = [
        Lesson(
            title="Apa itu integritas",
            kind=LessonKind.TEXT,
            position=1,
            body_md=LESSON_MD,
            body_html=render_markdown(LESSON_MD, 10_000),
            required=True,
        )
    ]
    course.modules = [module]
    db.session.add(course)
    db.session.flush()
    return course


def _angkatan(course: Course) -> Angkatan:
    angkatan = db.session.scalar(
        select(Angkatan).where(Angkatan.course_id == course.id).order_by(Angkatan.id).limit(1)
    )
    if angkatan is not None:
        return angkatan
    today = utcnow().date()
    angkatan = Angkatan(
        name=f"{ANGKATAN_NAME} Tahun {today.year}",
        course_id=course.id,
        start_date=today - timedelta(days=40),
        end_date=today - timedelta(days=10),
    )
    db.session.add(angkatan)
    db.session.flush()
    return angkatan


def _complete(user: User, course: Course, angkatan: Angkatan) -> CourseCompletion:
    completion = db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
        )
    )
    done_at = utcnow() - timedelta(days=10)
    if completion is None:
        completion = CourseCompletion(user_id=user.id, course_id=course.id, completed_at=done_at)
        db.session.add(completion)
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.angkatan_id == angkatan.id, Enrolment.user_id == user.id)
    )
    if enrolment is None:
        db.session.add(
            Enrolment(
                angkatan_id=angkatan.id,
                user_id=user.id,
                ndh=1,
                status=EnrolmentStatus.COMPLETED,
                completed_at=completion.completed_at,
            )
        )
    lesson_ids = db.session.scalars(
        select(Lesson.id).join(Module, Module.id == Lesson.module_id).where(Module.course_id == course.id)
    ).all()
    seen = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(lesson_ids)
            )
        )
    )
    for lesson_id in lesson_ids:
        if lesson_id not in seen:
            db.session.add(
                LessonProgress(user_id=user.id, lesson_id=lesson_id, completed_at=completion.completed_at)
            )
    db.session.flush()
    jp_services.credit_jp(user, JpSource.COURSE, course.id, course.title, course.jp, completion.completed_at)
    return completion


def _settings(admin: User | None) -> None:
    if services.certificate_settings().id is not None:
        return
    services.save_certificate_settings(
        institution_name=current_app.config.get("INSTITUTION_NAME", "BPSDM Provinsi Demo"),
        place="Palangka Raya",
        signatory_name="Dr. Ir. Rahmat Hidayat, M.Si.",
        signatory_title="Kepala BPSDM Provinsi",
        signatory_nip="197001011995031001",
        sttp_number_format=DEFAULT_STTP_FORMAT,
        completion_number_format=DEFAULT_COMPLETION_FORMAT,
        by=admin,
    )


def seed(base_url: str | None = None) -> Certificate | None:
    """Give peserta2 a completed demo course, its JP and its certificate (once)."""
    users = {
        u.username: u
        for u in db.session.scalars(select(User).where(User.username.in_(["admin", "peserta2"])))
    }
    peserta = users.get("peserta2")
    if peserta is None:
        return None
    admin = users.get("admin")
    _settings(admin)
    course = _course()
    angkatan = _angkatan(course)
    completion = _complete(peserta, course, angkatan)
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.course_completion_id == completion.id, Certificate.status == CertificateStatus.ISSUED
        )
    )
    if existing is not None:
        return existing
    url = base_url or current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL
    return services.issue_completion_certificate(completion, admin, url)
