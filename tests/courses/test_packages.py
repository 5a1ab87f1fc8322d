"""Course packages: export then import gives the same course; bad packages import nothing."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import storage
from lms.courses import packages, services
from lms.courses.models import Course, Lesson, LessonAttachment, Module
from lms.errors import ImportRejected
from lms.extensions import db
from tests.courses.test_services import PDF, PNG
from tests.factories import make_program


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _uploads(app) -> list[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(os.listdir(folder)) if folder.exists() else []


def _build_course() -> Course:
    program = make_program(code="PKP")
    course = services.create_course(
        services.CourseData(
            title="Pelayanan Publik Prima",
            summary="Ringkasan.",
            description_md="# Tentang\n\nKursus **singkat**.",
            jp=8,
            program_id=program.id,
            sequential=True,
        ),
        cover=services.Upload(io.BytesIO(PNG), "sampul.png"),
    )
    m1 = services.add_module(course, "Standar Pelayanan", "Dasar-dasar", published=True)
    m2 = services.add_module(course, "Inovasi", published=False)
    text = services.add_lesson(
        m1, services.LessonData(title="Pengantar", body_md="Teks *satu*.", duration_minutes=10)
    )
    services.add_attachment(text, services.Upload(io.BytesIO(PDF), "Lembar Kerja.pdf"))
    services.add_lesson(
        m1,
        services.LessonData(
            title="Video SKM",
            kind="video",
            video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            body_md="Transkrip video.",
        ),
    )
    services.add_lesson(
        m2,
        services.LessonData(title="Panduan", kind="file", body_md="Baca panduan.", required=False),
        file=services.Upload(io.BytesIO(PDF + b"panduan"), "Panduan SKM 2026.pdf"),
    )
    services.add_lesson(
        m2, services.LessonData(title="Portal JDIH", kind="link", link_url="https://jdih.menpan.go.id/")
    )
    services.set_module_published(m1, True)
    services.change_course_status(course, "published")
    db.session.commit()
    return course


def _snapshot(course: Course) -> dict:
    course = services.course_for_authoring(course.id)

    def data(key):
        return storage.path_of(key).read_bytes() if key else None

    return {
        "title": course.title,
        "summary": course.summary,
        "description": (course.description_md, course.description_html),
        "jp": course.jp,
        "sequential": course.sequential,
        "program": course.program.code if course.program else None,
        "status": course.status,
        "cover": (course.cover_mime, data(course.cover_key)),
        "modules": [
            (
                m.title,
                m.summary,
                m.published,
                [
                    (
                        le.title,
                        le.kind,
                        le.body_md,
                        le.body_html,
                        le.required,
                        le.duration_minutes,
                        le.video_url,
                        le.link_url,
                        le.file_name,
                        le.file_mime,
                        data(le.file_key),
                        [(a.name, a.mime, data(a.key)) for a in le.attachments],
                    )
                    for le in m.lessons
                ],
            )
            for m in course.modules
        ],
    }


def _export(course) -> bytes:
    buffer = io.BytesIO()
    packages.export_course(course, buffer)
    return buffer.getvalue()


def test_export_then_import_gives_the_same_course(app):
    course = _build_course()
    before = _snapshot(course)
    package = _export(course)
    copy = packages.import_course(io.BytesIO(package), "p.zip", slug="salinan", keep_status=True)
    db.session.commit()
    assert copy.slug == "salinan"
    assert _snapshot(copy) == before
    # Exporting the copy writes the same package (apart from the slug).
    again = _export(copy)
    with zipfile.ZipFile(io.BytesIO(package)) as a, zipfile.ZipFile(io.BytesIO(again)) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "course.yaml":
                assert a.read(name) == b.read(name), name
        assert a.read("course.yaml").replace(b"pelayanan-publik-prima", b"salinan") == b.read("course.yaml")


def test_import_is_a_draft_unless_asked_to_keep_the_status(app):
    course = _build_course()
    copy = packages.import_course(io.BytesIO(_export(course)), "p.zip", slug="draf")
    assert copy.status == "draft" and copy.published_at is None


def test_import_refuses_a_taken_slug_naming_the_line(app):
    course = _build_course()
    with pytest.raises(ImportRejected) as info:
        packages.import_course(io.BytesIO(_export(course)), "p.zip")
    (error,) = info.value.errors
    assert error.file == "course.yaml" and error.line == 3 and "sudah dipakai" in error.message


def _zip(files: dict[str, bytes | str]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data.encode() if isinstance(data, str) else data)
    buffer.seek(0)
    return buffer


GOOD_YAML = """\
format: pelita-course/1
title: Kursus Uji
slug: kursus-uji
jp: 2
modules:
  - title: Modul 1
    lessons:
      - title: Satu
        kind: text
        body: lessons/satu.md
      - title: Dua
        kind: file
        body: lessons/dua.md
        file: files/dua.pdf
"""
GOOD_FILES = {"lessons/satu.md": "Satu.", "lessons/dua.md": "Dua.", "files/dua.pdf": PDF}


def test_a_good_hand_written_package_imports(app):
    course = packages.import_course(_zip({"course.yaml": GOOD_YAML, **GOOD_FILES}), "p.zip")
    db.session.commit()
    assert [le.title for le in course.modules[0].lessons] == ["Satu", "Dua"]
    assert course.modules[0].published and course.modules[0].lessons[1].file_name == "dua.pdf"


def test_a_package_inside_one_folder_imports(app):
    files = {f"kursus/{k}": v for k, v in {"course.yaml": GOOD_YAML, **GOOD_FILES}.items()}
    course = packages.import_course(_zip(files), "p.zip")
    assert len(course.modules[0].lessons) == 2


@pytest.mark.parametrize(
    "yaml_text,files,expected",
    [
        # a referenced file is missing
        (GOOD_YAML, {"lessons/satu.md": "Satu.", "files/dua.pdf": PDF}, [("course.yaml", 13, "tidak ada")]),
        # bad YAML, with the line where the parser stops (the flow list opened on line 6)
        (
            GOOD_YAML.replace("  - title: Modul 1", "  - title: [Modul 1"),
            GOOD_FILES,
            [("course.yaml", 7, "YAML")],
        ),
        # unknown lesson kind
        (GOOD_YAML.replace("kind: text", "kind: kuis"), GOOD_FILES, [("course.yaml", 9, "kuis")]),
        # a path that escapes the folder
        (
            GOOD_YAML.replace("lessons/satu.md", "../../etc/passwd"),
            GOOD_FILES,
            [("course.yaml", 10, "keluar")],
        ),
        # the file lesson's file is not a document
        (
            GOOD_YAML,
            {**GOOD_FILES, "files/dua.pdf": b"MZ\x90\x00 not a pdf"},
            [("files/dua.pdf", 1, "Jenis")],
        ),
        # several problems at once, each named
        (
            GOOD_YAML.replace("jp: 2", "jp: -1").replace("kind: file", "kind: file\n        warna: merah"),
            GOOD_FILES,
            [("course.yaml", 4, "jp"), ("course.yaml", 13, "warna")],
        ),
        # Markdown that is not UTF-8, with its line
        (
            GOOD_YAML,
            {**GOOD_FILES, "lessons/satu.md": b"baris 1\nbaris 2 \xff\n"},
            [("lessons/satu.md", 2, "UTF-8")],
        ),
    ],
    ids=["missing-file", "bad-yaml", "unknown-kind", "path-escape", "bad-file-type", "several", "not-utf8"],
)
def test_bad_packages_name_file_and_line_and_import_nothing(app, yaml_text, files, expected):
    before = _uploads(app)
    with pytest.raises(ImportRejected) as info:
        packages.import_course(_zip({"course.yaml": yaml_text, **files}), "p.zip")
    got = [(e.file, e.line) for e in info.value.errors]
    assert got == [(f, line) for f, line, _m in expected], [str(e) for e in info.value.errors]
    for error, (_f, _l, words) in zip(info.value.errors, expected, strict=True):
        assert words in error.message
    db.session.rollback()
    assert _count(Course) == _count(Module) == _count(Lesson) == _count(LessonAttachment) == 0
    assert _uploads(app) == before


def test_zip_slip_member_names_are_refused(app):
    with pytest.raises(ImportRejected) as info:
        packages.import_course(_zip({"course.yaml": GOOD_YAML, **GOOD_FILES, "../../evil.sh": "x"}), "p.zip")
    (error,) = info.value.errors
    assert error.file == "../../evil.sh" and "tidak aman" in error.message
    assert _count(Course) == 0


def test_too_big_and_not_a_zip_are_refused(make_app):
    app = make_app(COURSE_PACKAGE_MAX_BYTES=2000)
    with app.app_context():
        big = {"course.yaml": GOOD_YAML, **GOOD_FILES, "files/besar.pdf": PDF + b"0" * 50_000}
        with pytest.raises(ImportRejected) as info:
            packages.import_course(_zip(big), "besar.zip")
        assert info.value.errors[0].file == "besar.zip" and "terlalu besar" in info.value.errors[0].message
        with pytest.raises(ImportRejected) as info:
            packages.import_course(io.BytesIO(b"bukan zip"), "x.zip")
        assert "ZIP" in info.value.errors[0].message
        assert _count(Course) == 0


def test_a_missing_manifest_is_named(app):
    with pytest.raises(ImportRejected) as info:
        packages.import_course(_zip(GOOD_FILES), "p.zip")
    assert "course.yaml" in info.value.errors[0].message


def test_cli_export_and_import(app, runner, tmp_path):
    course = _build_course()
    out = tmp_path / "kursus.zip"
    result = runner.invoke(args=["lms", "export-course", course.slug, str(out)])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out)
    result = runner.invoke(args=["lms", "import-course", str(out)])
    assert result.exit_code == 1 and "sudah dipakai" in result.output
    result = runner.invoke(args=["lms", "import-course", str(out), "--slug", "salinan-cli", "--keep-status"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    copy = db.session.scalar(select(Course).where(Course.slug == "salinan-cli"))
    assert copy is not None and copy.status == "published"
    result = runner.invoke(args=["lms", "export-course", "tidak-ada", str(out)])
    assert result.exit_code == 1
