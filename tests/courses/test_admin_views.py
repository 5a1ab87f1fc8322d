"""Authoring pages through the client: role gate, course/module/lesson forms with preview and
errors that keep the text, reordering, publishing, packages, angkatan and enrolment."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from lms.courses.models import (
    Angkatan,
    Course,
    CourseStatus,
    Enrolment,
    Lesson,
    LessonAttachment,
    Module,
    Program,
)
from lms.extensions import db
from tests.courses.test_services import PDF, PNG
from tests.factories import enrol_user, make_angkatan, make_course, make_program, make_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin_client(app, client, login_as):
    login_as(make_user(roles=("admin",)))
    return client


ADMIN_PAGES = [
    "/admin/kursus/",
    "/admin/kursus/baru",
    "/admin/kursus/impor",
    "/admin/program/",
    "/admin/program/baru",
    "/admin/angkatan/",
    "/admin/angkatan/baru",
]


def test_admin_pages_are_404_for_everyone_else(client, login_as, app):
    course = make_course()
    angkatan = make_angkatan(course=course)
    login_as(make_user(roles=("mentor", "coach", "pimpinan")))
    urls = [
        *ADMIN_PAGES,
        f"/admin/kursus/{course.id}",
        f"/admin/kursus/{course.id}/ekspor",
        f"/admin/modul/{course.modules[0].id}",
        f"/admin/pelajaran/{course.modules[0].lessons[0].id}",
        f"/admin/angkatan/{angkatan.id}",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/kursus/{course.id}/status", data={"status": "draft"}).status_code == 404
    assert db.session.get(Course, course.id).status == CourseStatus.PUBLISHED


def test_admin_pages_render(admin_client):
    course = make_course()
    make_angkatan(course=course)
    make_program()
    for url in ADMIN_PAGES:
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(f"/admin/kursus/{course.id}").status_code == 200


def test_create_course_module_lessons_and_publish(admin_client):
    response = admin_client.post(
        "/admin/kursus/baru",
        data={"title": "Manajemen Risiko", "summary": "Ringkas.", "jp": "4", "description_md": "Teks"},
    )
    assert response.status_code == 302
    course = db.session.scalar(select(Course))
    assert (course.slug, course.status, course.jp) == ("manajemen-risiko", CourseStatus.DRAFT, 4)
    page = _text(admin_client.get(f"/admin/kursus/{course.id}/modul/baru"))
    assert 'checked id="published"' in page  # a draft course's new module is published by default
    admin_client.post(f"/admin/kursus/{course.id}/modul/baru", data={"title": "Modul 1", "published": "y"})
    module = db.session.scalar(select(Module))
    for title in ("Satu", "Dua"):
        response = admin_client.post(
            f"/admin/modul/{module.id}/pelajaran/baru",
            data={"title": title, "kind": "text", "body_md": f"Isi **{title}**", "required": "y"},
        )
        assert response.status_code == 302
    response = admin_client.post(f"/admin/kursus/{course.id}/status", data={"status": "published"})
    assert response.status_code == 302
    db.session.expire_all()
    assert course.status == CourseStatus.PUBLISHED
    assert [lesson.body_html for lesson in module.lessons] == [
        "<p>Isi <strong>Satu</strong></p>",
        "<p>Isi <strong>Dua</strong></p>",
    ]


def test_publishing_an_empty_course_explains_why(admin_client):
    course = make_course(status="draft", modules=0)
    response = admin_client.post(
        f"/admin/kursus/{course.id}/status", data={"status": "published"}, follow_redirects=True
    )
    assert "belum dapat diterbitkan" in _text(response)
    assert db.session.get(Course, course.id).status == CourseStatus.DRAFT


def test_preview_renders_without_saving_and_keeps_the_text(admin_client):
    module = make_course(lessons=0).modules[0]
    response = admin_client.post(
        f"/admin/modul/{module.id}/pelajaran/baru",
        data={
            "title": "Draf",
            "kind": "text",
            "body_md": "## Sub\n\n<script>x()</script>Teks",
            "preview": "Pratinjau",
        },
    )
    page = _text(response)
    assert response.status_code == 200 and "<h2>Sub</h2>" in page and "<script>x()" not in page
    assert "## Sub" in page  # the textarea keeps what was typed
    assert _count(Lesson) == 0


def test_markdown_over_the_cap_is_refused_keeping_the_text(make_app, login_as):
    app = make_app(MARKDOWN_MAX_CHARS=50)
    with app.app_context():
        client = app.test_client()
        login_as(make_user(roles=("admin",)), on=client)
        module = make_course(lessons=0).modules[0]
        body = "kata " * 20
        response = client.post(
            f"/admin/modul/{module.id}/pelajaran/baru",
            data={"title": "Panjang", "kind": "text", "body_md": body},
        )
        page = _text(response)
        assert response.status_code == 400 and "terlalu panjang" in page and body.strip() in page
        assert _count(Lesson) == 0


def test_bad_lesson_input_is_400_with_a_message(admin_client):
    module = make_course(lessons=0).modules[0]
    response = admin_client.post(
        f"/admin/modul/{module.id}/pelajaran/baru",
        data={"title": "Video", "kind": "video", "video_url": "https://contoh.test/v", "body_md": "alt"},
    )
    assert (
        response.status_code == 400
        and "YouTube" in _text(response)
        and "https://contoh.test/v" in _text(response)
    )


def test_stale_lesson_edit_is_refused_with_409(admin_client):
    course = make_course(lessons=1)
    lesson = course.modules[0].lessons[0]
    old_version = lesson.version
    admin_client.post(
        f"/admin/pelajaran/{lesson.id}",
        data={"title": "Versi A", "kind": "text", "body_md": "A", "version": str(old_version)},
    )
    response = admin_client.post(
        f"/admin/pelajaran/{lesson.id}",
        data={"title": "Versi B", "kind": "text", "body_md": "B", "version": str(old_version)},
    )
    assert response.status_code == 409 and "sudah diubah orang lain" in _text(response)
    db.session.expire_all()
    assert lesson.title == "Versi A"


def test_file_lesson_and_attachment_upload(admin_client, app):
    module = make_course(lessons=0).modules[0]
    response = admin_client.post(
        f"/admin/modul/{module.id}/pelajaran/baru",
        data={
            "title": "Panduan",
            "kind": "file",
            "file": (io.BytesIO(PDF), "panduan.pdf"),
            "body_md": "Baca",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    lesson = db.session.scalar(select(Lesson))
    assert lesson.file_name == "panduan.pdf"
    response = admin_client.post(
        f"/admin/pelajaran/{lesson.id}/lampiran",
        data={"file": (io.BytesIO(b"MZ not allowed"), "virus.exe")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "tidak diizinkan" in _text(response) and _count(LessonAttachment) == 0
    admin_client.post(
        f"/admin/pelajaran/{lesson.id}/lampiran",
        data={"file": (io.BytesIO(PNG), "bagan.png")},
        content_type="multipart/form-data",
    )
    attachment = db.session.scalar(select(LessonAttachment))
    assert attachment.name == "bagan.png"
    assert "Hapus lampiran bagan.png?" in _text(admin_client.get(f"/admin/lampiran/{attachment.id}/hapus"))
    admin_client.post(f"/admin/lampiran/{attachment.id}/hapus")
    assert _count(LessonAttachment) == 0


def test_reorder_without_and_with_javascript(admin_client):
    course = make_course(lessons=3)
    a, b, c = (lesson.id for lesson in course.modules[0].lessons)
    response = admin_client.post(f"/admin/pelajaran/{a}/pindah", data={"direction": "down"})
    assert response.status_code == 302
    response = admin_client.post(
        f"/admin/pelajaran/{c}/pindah", data={"direction": "up"}, headers={"X-Requested-With": "fetch"}
    )
    assert response.status_code == 204
    db.session.expire_all()
    assert [lesson.id for lesson in db.session.get(Module, course.modules[0].id).lessons] == [b, c, a]
    assert (
        admin_client.post(f"/admin/pelajaran/{a}/pindah", data={"direction": "sideways"}).status_code == 400
    )


def test_delete_needs_a_confirmation_page(admin_client):
    course = make_course(lessons=1)
    module = course.modules[0]
    response = admin_client.get(f"/admin/modul/{module.id}/hapus")
    assert response.status_code == 200 and "Ya, lanjutkan" in _text(response)
    assert _count(Module) == 1
    admin_client.post(f"/admin/modul/{module.id}/hapus")
    assert _count(Module) == 0 and _count(Lesson) == 0


def test_a_used_course_cannot_be_deleted(admin_client):
    course = make_course()
    make_angkatan(course=course)
    response = admin_client.post(f"/admin/kursus/{course.id}/hapus", follow_redirects=True)
    assert "arsipkan" in _text(response) and _count(Course) == 1


def test_package_export_and_upload(admin_client):
    course = make_course(title="Kursus Paket")
    response = admin_client.get(f"/admin/kursus/{course.id}/ekspor")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    package = response.data
    response = admin_client.post(
        "/admin/kursus/impor",
        data={"file": (io.BytesIO(package), "kursus.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "course.yaml, baris 3" in _text(response)
    assert _count(Course) == 1
    response = admin_client.post(
        "/admin/kursus/impor",
        data={"file": (io.BytesIO(package), "kursus.zip"), "slug": "kursus-paket-2"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    copy = db.session.scalar(select(Course).where(Course.slug == "kursus-paket-2"))
    assert copy.title == "Kursus Paket" and copy.status == CourseStatus.DRAFT
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(
            "course.yaml",
            "title: X\nmodules:\n  - title: M\n    lessons:\n      - title: L\n        kind: podcast\n",
        )
    bad.seek(0)
    response = admin_client.post(
        "/admin/kursus/impor", data={"file": (bad, "buruk.zip")}, content_type="multipart/form-data"
    )
    assert (
        response.status_code == 400
        and "course.yaml, baris 6" in _text(response)
        and "podcast" in _text(response)
    )
    assert _count(Course) == 2


# --- programs and angkatan -------------------------------------------------------------------


def test_program_crud(admin_client):
    response = admin_client.post(
        "/admin/program/baru",
        data={
            "code": "PKA",
            "name": "Pelatihan Kepemimpinan Administrator",
            "kind": "kepemimpinan",
            "jp": "908",
            "project_label": "aksi perubahan",
        },
    )
    assert response.status_code == 302
    program = db.session.scalar(select(Program))
    response = admin_client.post(
        "/admin/program/baru", data={"code": "pka", "name": "Duplikat", "kind": "teknis", "jp": "1"}
    )
    assert response.status_code == 400 and "sudah dipakai" in _text(response)
    response = admin_client.post(
        f"/admin/program/{program.id}",
        data={
            "code": "PKA",
            "name": "PKA 2026",
            "kind": "kepemimpinan",
            "jp": "908",
            "version": str(program.version),
        },
    )
    assert response.status_code == 302 and db.session.get(Program, program.id).name == "PKA 2026"


def test_angkatan_and_enrolment_by_form(admin_client):
    program = make_program(code="PKP")
    response = admin_client.post(
        "/admin/angkatan/baru",
        data={
            "name": "PKP Angkatan IX Tahun 2026",
            "target": f"program:{program.id}",
            "start_date": "2026-03-02",
            "end_date": "2026-02-01",
        },
    )
    assert response.status_code == 400 and "Tanggal selesai" in _text(response)
    response = admin_client.post(
        "/admin/angkatan/baru",
        data={"name": "PKP Angkatan IX Tahun 2026", "target": f"program:{program.id}", "capacity": "30"},
    )
    assert response.status_code == 302
    angkatan = db.session.scalar(select(Angkatan))
    peserta, mentor, coach = make_user(), make_user(roles=("mentor",)), make_user(roles=("coach",))
    response = admin_client.post(
        f"/admin/angkatan/{angkatan.id}/peserta/baru", data={"person": "199901012020011999"}
    )
    assert response.status_code == 400 and "Tidak ada pengguna" in _text(response)
    response = admin_client.post(
        f"/admin/angkatan/{angkatan.id}/peserta/baru",
        data={"person": peserta.nip, "mentor": peserta.nip},
    )
    assert response.status_code == 400 and "mentor bagi dirinya sendiri" in _text(response)
    response = admin_client.post(
        f"/admin/angkatan/{angkatan.id}/peserta/baru",
        data={
            "person": peserta.nip,
            "ndh": "5",
            "mentor": mentor.username,
            "coach": coach.nip,
            "surat_tugas": (io.BytesIO(PDF), "st.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment))
    assert (enrolment.ndh, enrolment.mentor_id, enrolment.coach_id) == (5, mentor.id, coach.id)
    page = _text(admin_client.get(f"/admin/angkatan/{angkatan.id}"))
    assert peserta.full_name in page and mentor.full_name in page and "Surat tugas" in page
    response = admin_client.post(
        f"/admin/peserta/{enrolment.id}", data={"ndh": "6", "mentor": "", "coach": coach.nip}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (enrolment.ndh, enrolment.mentor_id) == (6, None)
    admin_client.post(f"/admin/peserta/{enrolment.id}/status")
    db.session.expire_all()
    assert enrolment.status == "withdrawn"


def test_enrolment_csv_with_an_unknown_nip_imports_nothing(admin_client):
    angkatan = make_angkatan(course=make_course())
    known = make_user()
    csv_text = f"nip,ndh\n{known.nip},1\n199901012020011999,2\n"
    response = admin_client.post(
        f"/admin/angkatan/{angkatan.id}/impor",
        data={"file": (io.BytesIO(csv_text.encode()), "peserta.csv")},
        content_type="multipart/form-data",
    )
    page = _text(response)
    assert response.status_code == 400 and "peserta.csv, baris 3" in page and "199901012020011999" in page
    assert _count(Enrolment) == 0
    response = admin_client.post(
        f"/admin/angkatan/{angkatan.id}/impor",
        data={"file": (io.BytesIO(f"nip,ndh\n{known.nip},1\n".encode()), "peserta.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and _count(Enrolment) == 1


def test_angkatan_list_counts_participants(admin_client):
    angkatan = make_angkatan(course=make_course(), name="Kelas Uji")
    for _ in range(3):
        enrol_user(make_user(), angkatan)
    page = _text(admin_client.get("/admin/angkatan/"))
    assert "Kelas Uji" in page and "<td>3</td>" in page
