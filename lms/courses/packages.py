"""Course packages: a course as a zip with ``course.yaml``, one Markdown file per lesson, and the
attachments. Used by `flask lms export-course` / `import-course` and the admin upload form.

An import validates the whole package first (YAML with its line numbers, every referenced file,
lesson kinds, URLs, file types, sizes, paths that try to leave the package) and imports nothing
when anything is wrong: :class:`ImportRejected` names each file and line. Only files that
``course.yaml`` names are read; nothing is ever extracted to disk under a name from the zip.

Layout written by :func:`export_course`::

    course.yaml
    lessons/01-01-pengantar.md
    files/01-02-panduan-skm.pdf
    cover.png
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

import yaml
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import storage
from lms.courses import services
from lms.courses.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonAttachment,
    LessonKind,
    Module,
    Program,
)
from lms.errors import DomainError, ImportRejected, LineError
from lms.extensions import db

FORMAT = "pelita-course/1"
MANIFEST = "course.yaml"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 5000
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_MODULES = 200
MAX_LESSONS = 5000
MAX_ATTACHMENTS_PER_LESSON = 50
# A fixed timestamp makes two exports of the same course byte-identical.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)

COURSE_KEYS = {
    "format",
    "title",
    "slug",
    "summary",
    "description",
    "jp",
    "sequential",
    "program",
    "status",
    "cover",
    "modules",
}
MODULE_KEYS = {"title", "summary", "published", "lessons"}
LESSON_KEYS = {
    "title",
    "kind",
    "body",
    "required",
    "duration_minutes",
    "video_url",
    "link_url",
    "file",
    "file_name",
    "attachments",
}
ATTACHMENT_KEYS = {"path", "name"}


# --- YAML with line numbers ------------------------------------------------------------------


class _Mapping(dict):
    """A YAML mapping that remembers its own line and each key's line (1-based)."""

    line: int = 1
    lines: dict

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    """PyYAML's safe loader, keeping line numbers for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping(loader.construct_pairs(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.lines = {
        key.value: value.start_mark.line + 1 for key, value in node.value if isinstance(key, yaml.ScalarNode)
    }
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --- export ----------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes multi-line text as YAML literal blocks (``|``), readable and diff-friendly."""


def _represent_str(dumper: yaml.SafeDumper, data: str):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def _safe_part(name: str, default: str = "berkas") -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name or "").strip("-.")
    return stem[:60] or default


def _write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def _stored_bytes(key: str, what: str) -> bytes:
    try:
        return storage.path_of(key).read_bytes()
    except FileNotFoundError as exc:
        raise DomainError(
            _("Berkas %(what)s tidak ditemukan di penyimpanan server; ekspor dibatalkan.", what=what)
        ) from exc


def export_course(course: Course, out: BinaryIO) -> None:
    """Write ``course`` as a package into ``out`` (a binary file or buffer)."""
    course = services.course_for_authoring(course.id)
    doc: dict = {
        "format": FORMAT,
        "title": course.title,
        "slug": course.slug,
        "summary": course.summary,
        "description": course.description_md,
        "jp": course.jp,
        "sequential": course.sequential,
        "program": course.program.code if course.program else None,
        "status": course.status.value,
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        if course.cover_key:
            ext = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}.get(
                course.cover_mime or "", "img"
            )
            doc["cover"] = f"cover.{ext}"
            _write(zf, doc["cover"], _stored_bytes(course.cover_key, _("sampul")))
        modules = []
        for mi, module in enumerate(course.modules, start=1):
            lessons = []
            for li, lesson in enumerate(module.lessons, start=1):
                prefix = f"{mi:02d}-{li:02d}"
                body = f"lessons/{prefix}-{_safe_part(services.slugify(lesson.title)[:40], 'pelajaran')}.md"
                _write(zf, body, lesson.body_md.encode("utf-8"))
                item: dict = {"title": lesson.title, "kind": lesson.kind.value, "body": body}
                if not lesson.required:
                    item["required"] = False
                if lesson.duration_minutes is not None:
                    item["duration_minutes"] = lesson.duration_minutes
                if lesson.video_url:
                    item["video_url"] = lesson.video_url
                if lesson.link_url:
                    item["link_url"] = lesson.link_url
                if lesson.file_key:
                    item["file"] = f"files/{prefix}-{_safe_part(lesson.file_name or '')}"
                    item["file_name"] = lesson.file_name
                    _write(zf, item["file"], _stored_bytes(lesson.file_key, lesson.file_name or ""))
                if lesson.attachments:
                    item["attachments"] = []
                    for ai, att in enumerate(lesson.attachments, start=1):
                        path = f"files/{prefix}-a{ai}-{_safe_part(att.name)}"
                        _write(zf, path, _stored_bytes(att.key, att.name))
                        item["attachments"].append({"path": path, "name": att.name})
                lessons.append(item)
            modules.append(
                {
                    "title": module.title,
                    "summary": module.summary,
                    "published": module.published,
                    "lessons": lessons,
                }
            )
        doc["modules"] = modules
        manifest = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        _write(zf, MANIFEST, manifest.encode("utf-8"))


# --- import: reading and validating ----------------------------------------------------------


@dataclass
class _FilePlan:
    path: str
    name: str
    data: bytes


@dataclass
class _LessonPlan:
    title: str
    kind: LessonKind
    body_md: str = ""
    body_html: str = ""
    required: bool = True
    duration_minutes: int | None = None
    video_url: str | None = None
    link_url: str | None = None
    file: _FilePlan | None = None
    attachments: list[_FilePlan] = field(default_factory=list)


@dataclass
class _ModulePlan:
    title: str
    summary: str = ""
    published: bool = False
    lessons: list[_LessonPlan] = field(default_factory=list)


@dataclass
class _CoursePlan:
    title: str = ""
    slug: str = ""
    summary: str = ""
    description_md: str = ""
    description_html: str = ""
    jp: int = 0
    sequential: bool = False
    program_id: int | None = None
    status: CourseStatus = CourseStatus.DRAFT
    status_line: int = 1
    cover: _FilePlan | None = None
    modules: list[_ModulePlan] = field(default_factory=list)


class _Reader:
    """Validates a package, collecting every error before giving up."""

    def __init__(self, zf: zipfile.ZipFile, package_name: str, max_bytes: int):
        self.zf = zf
        self.package_name = package_name
        self.max_bytes = max_bytes
        self.errors: list[LineError] = []
        self.prefix = ""
        self.names: dict[str, zipfile.ZipInfo] = {}

    def error(self, line: int, message: str, file: str | None = MANIFEST) -> None:
        self.errors.append(LineError(line, message, file))

    # -- the zip as a whole --
    def check_entries(self) -> bool:
        infos = self.zf.infolist()
        if len(infos) > MAX_ENTRIES:
            self.error(
                1, _("Paket berisi terlalu banyak berkas (batas %(n)s).", n=MAX_ENTRIES), self.package_name
            )
            return False
        total = 0
        for info in infos:
            name = info.filename
            if _unsafe(name):
                self.error(
                    1,
                    _(
                        "Nama berkas di dalam paket tidak aman (keluar dari folder paket): %(name)s.",
                        name=name,
                    ),
                    name,
                )
                continue
            if info.is_dir():
                continue
            total += info.file_size
            self.names[name] = info
        if total > self.max_bytes:
            self.error(
                1,
                _(
                    "Paket terlalu besar setelah diekstrak (%(mb)s MB; batas %(max)s MB).",
                    mb=total // (1024 * 1024),
                    max=self.max_bytes // (1024 * 1024),
                ),
                self.package_name,
            )
        if self.errors:
            return False
        if MANIFEST not in self.names:
            # Accept one top folder around the package ("pelayanan-publik/course.yaml").
            tops = [n for n in self.names if n.count("/") == 1 and n.endswith("/" + MANIFEST)]
            if len(tops) == 1:
                self.prefix = tops[0][: -len(MANIFEST)]
            else:
                self.error(1, _("Berkas %(name)s tidak ada di paket.", name=MANIFEST), self.package_name)
                return False
        return True

    def read(self, path: str, limit: int) -> bytes | None:
        info = self.names[path]
        if info.file_size > limit:
            return None
        with self.zf.open(info) as handle:
            data = handle.read(limit + 1)
        return None if len(data) > limit else data

    # -- references from course.yaml --
    def ref(self, value, line: int, what: str) -> str | None:
        """Resolve a path named in course.yaml; report missing files and escapes."""
        if not isinstance(value, str) or not value.strip():
            self.error(line, _("%(what)s harus berupa jalur berkas di dalam paket.", what=what))
            return None
        value = value.strip()
        if _unsafe(value):
            self.error(line, _("Jalur %(path)s keluar dari folder paket.", path=value))
            return None
        full = self.prefix + str(PurePosixPath(value))
        if full not in self.names:
            self.error(line, _("Berkas %(path)s tidak ada di paket.", path=value))
            return None
        return full

    def markdown(self, value, line: int) -> tuple[str, str]:
        """(markdown, html) of a lesson's body file; errors name the Markdown file."""
        path = self.ref(value, line, _("body"))
        if path is None:
            return "", ""
        cap = current_app.config.get("MARKDOWN_MAX_CHARS", 200_000)
        data = self.read(path, cap * 4)
        if data is None:
            self.error(1, _("Teks terlalu panjang (batas %(n)s karakter).", n=f"{cap:,}"), path)
            return "", ""
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.error(
                data[: exc.start].count(b"\n") + 1,
                _("Teks bukan UTF-8; simpan ulang berkas sebagai UTF-8."),
                path,
            )
            return "", ""
        text = text.replace("\r\n", "\n")
        try:
            return text, services.render_body(text)
        except DomainError as exc:
            self.error(1, exc.message, path)
            return "", ""

    def binary(self, value, line: int, allowed: set[str], limit: int, what: str) -> bytes | None:
        path = self.ref(value, line, what)
        if path is None:
            return None
        data = self.read(path, limit)
        if data is None:
            self.error(
                1, _("Berkas terlalu besar (batas %(mb)s MB).", mb=max(1, limit // (1024 * 1024))), path
            )
            return None
        if storage.detect_kind(data[:8192]) not in allowed:
            names = ", ".join(sorted(k.upper() for k in allowed))
            self.error(
                1, _("Jenis berkas tidak diizinkan. Jenis yang diterima: %(names)s.", names=names), path
            )
            return None
        return data

    # -- typed values --
    def keys(self, mapping, allowed: set[str], where: str) -> bool:
        if not isinstance(mapping, _Mapping):
            return False
        for key in mapping:
            if key not in allowed:
                self.error(
                    mapping.line_of(key),
                    _(
                        "Kunci %(key)s tidak dikenal di %(where)s. Kunci yang dikenal: %(known)s.",
                        key=key,
                        where=where,
                        known=", ".join(sorted(allowed)),
                    ),
                )
        return True

    def text(self, mapping: _Mapping, key: str, required: bool = False, max_len: int | None = None) -> str:
        value = mapping.get(key)
        if value is None:
            if required:
                self.error(mapping.line, _("%(key)s wajib diisi.", key=key))
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(mapping.line_of(key), _("%(key)s harus berupa teks.", key=key))
            return ""
        value = str(value)
        if required and not value.strip():
            self.error(mapping.line_of(key), _("%(key)s wajib diisi.", key=key))
        if max_len is not None and len(value) > max_len:
            self.error(mapping.line_of(key), _("%(key)s paling panjang %(n)s karakter.", key=key, n=max_len))
        return value

    def integer(self, mapping: _Mapping, key: str, default: int | None, minimum: int = 0) -> int | None:
        value = mapping.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(
                mapping.line_of(key), _("%(key)s harus bilangan bulat ≥ %(min)s.", key=key, min=minimum)
            )
            return default
        return value

    def boolean(self, mapping: _Mapping, key: str, default: bool) -> bool:
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            self.error(mapping.line_of(key), _("%(key)s harus true atau false.", key=key))
            return default
        return value


def _unsafe(name: str) -> bool:
    """A path that could leave the package folder (zip-slip) or is not a plain relative path."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in name.split("/"))


def _plan(reader: _Reader, slug_override: str | None, keep_status: bool) -> _CoursePlan:
    plan = _CoursePlan()
    raw = reader.read(reader.prefix + MANIFEST, MAX_MANIFEST_BYTES)
    if raw is None:
        reader.error(1, _("course.yaml terlalu besar (batas 1 MB)."))
        return plan
    try:
        doc = yaml.load(raw.decode("utf-8-sig"), Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except UnicodeDecodeError:
        reader.error(1, _("course.yaml bukan teks UTF-8."))
        return plan
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        reader.error(mark.line + 1 if mark else 1, _("YAML tidak sah: %(problem)s.", problem=problem))
        return plan
    if not isinstance(doc, _Mapping):
        reader.error(1, _("course.yaml harus berisi pemetaan (title, modules, ...)."))
        return plan
    reader.keys(doc, COURSE_KEYS, "course.yaml")
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT:
        reader.error(
            doc.line_of("format"), _("Format paket %(f)s tidak dikenal (harus %(ok)s).", f=fmt, ok=FORMAT)
        )
    plan.title = reader.text(doc, "title", required=True, max_len=200).strip()
    plan.summary = reader.text(doc, "summary")
    plan.description_md = reader.text(doc, "description")
    try:
        plan.description_html = services.render_body(plan.description_md)
    except DomainError as exc:
        reader.error(doc.line_of("description"), exc.message)
    plan.jp = reader.integer(doc, "jp", 0) or 0
    plan.sequential = reader.boolean(doc, "sequential", False)
    _plan_slug(reader, doc, plan, slug_override)
    code = doc.get("program")
    if code not in (None, ""):
        program_id = db.session.scalar(
            select(Program.id).where(func.lower(Program.code) == str(code).lower())
        )
        if program_id is None:
            reader.error(doc.line_of("program"), _("Program dengan kode %(code)s tidak ada.", code=code))
        plan.program_id = program_id
    status = doc.get("status", "draft")
    if status not in {s.value for s in CourseStatus}:
        reader.error(
            doc.line_of("status"), _("Status %(s)s tidak dikenal (draft, published, archived).", s=status)
        )
    elif keep_status:
        plan.status, plan.status_line = CourseStatus(status), doc.line_of("status")
    if doc.get("cover") is not None:
        data = reader.binary(
            doc["cover"], doc.line_of("cover"), storage.IMAGE_KINDS, services.COVER_MAX_BYTES, _("cover")
        )
        if data is not None:
            plan.cover = _FilePlan(str(doc["cover"]), "cover", data)
    modules = doc.get("modules", [])
    if not isinstance(modules, list):
        reader.error(doc.line_of("modules"), _("modules harus berupa daftar."))
        return plan
    if len(modules) > MAX_MODULES:
        reader.error(doc.line_of("modules"), _("Terlalu banyak modul (batas %(n)s).", n=MAX_MODULES))
        return plan
    lesson_count = 0
    for module_doc in modules:
        if not isinstance(module_doc, _Mapping):
            reader.error(doc.line_of("modules"), _("Setiap modul harus berupa pemetaan (title, lessons)."))
            continue
        module = _plan_module(reader, module_doc)
        lesson_count += len(module.lessons)
        if lesson_count > MAX_LESSONS:
            reader.error(module_doc.line, _("Terlalu banyak pelajaran (batas %(n)s).", n=MAX_LESSONS))
            break
        plan.modules.append(module)
    return plan


def _plan_slug(reader: _Reader, doc: _Mapping, plan: _CoursePlan, slug_override: str | None) -> None:
    line = doc.line_of("slug")
    slug = (slug_override or "").strip().lower() or str(doc.get("slug") or "").strip().lower()
    if not slug:
        plan.slug = services.unique_slug(services.slugify(plan.title or "kursus"))
        return
    if len(slug) > 120 or not services.SLUG_RE.match(slug):
        reader.error(line, _("Slug %(slug)s tidak sah (huruf kecil, angka, tanda hubung).", slug=slug))
    elif db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None:
        reader.error(
            line,
            _(
                "Slug %(slug)s sudah dipakai kursus lain. Isi slug baru pada formulir impor "
                "(atau --slug di baris perintah).",
                slug=slug,
            ),
        )
    plan.slug = slug


def _plan_module(reader: _Reader, doc: _Mapping) -> _ModulePlan:
    reader.keys(doc, MODULE_KEYS, _("modul"))
    module = _ModulePlan(
        title=reader.text(doc, "title", required=True, max_len=200).strip(),
        summary=reader.text(doc, "summary"),
        published=reader.boolean(doc, "published", True),
    )
    lessons = doc.get("lessons", [])
    if not isinstance(lessons, list):
        reader.error(doc.line_of("lessons"), _("lessons harus berupa daftar."))
        return module
    for lesson_doc in lessons[: MAX_LESSONS + 1]:
        if not isinstance(lesson_doc, _Mapping):
            reader.error(
                doc.line_of("lessons"), _("Setiap pelajaran harus berupa pemetaan (title, kind, body).")
            )
            continue
        lesson = _plan_lesson(reader, lesson_doc)
        if lesson is not None:
            module.lessons.append(lesson)
    return module


def _plan_lesson(reader: _Reader, doc: _Mapping) -> _LessonPlan | None:
    reader.keys(doc, LESSON_KEYS, _("pelajaran"))
    title = reader.text(doc, "title", required=True, max_len=200).strip()
    kind_value = doc.get("kind", "text")
    if kind_value not in {k.value for k in LessonKind}:
        reader.error(
            doc.line_of("kind"),
            _("Jenis pelajaran %(kind)s tidak dikenal (text, video, file, link).", kind=kind_value),
        )
        return None
    lesson = _LessonPlan(title=title, kind=LessonKind(kind_value))
    if doc.get("body") is not None:
        lesson.body_md, lesson.body_html = reader.markdown(doc["body"], doc.line_of("body"))
    lesson.required = reader.boolean(doc, "required", True)
    lesson.duration_minutes = reader.integer(doc, "duration_minutes", None)
    if lesson.kind == LessonKind.VIDEO:
        lesson.video_url = reader.text(doc, "video_url", required=True).strip()
        if lesson.video_url and services.video_embed(lesson.video_url) is None:
            reader.error(
                doc.line_of("video_url"), _("Alamat video harus dari YouTube, Vimeo, atau MP4 https.")
            )
    if lesson.kind == LessonKind.LINK:
        lesson.link_url = reader.text(doc, "link_url", required=True).strip()
        if lesson.link_url and not services.valid_link(lesson.link_url):
            reader.error(doc.line_of("link_url"), _("Tautan harus diawali http:// atau https://."))
    max_file = current_app.config["MAX_CONTENT_LENGTH"]
    if lesson.kind == LessonKind.FILE:
        if doc.get("file") is None:
            reader.error(doc.line, _("Pelajaran berkas memerlukan kunci file."))
        else:
            data = reader.binary(doc["file"], doc.line_of("file"), storage.DOCUMENT_KINDS, max_file, "file")
            if data is not None:
                name = str(doc.get("file_name") or PurePosixPath(str(doc["file"])).name)
                lesson.file = _FilePlan(str(doc["file"]), name, data)
    attachments = doc.get("attachments", [])
    if not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS_PER_LESSON:
        reader.error(
            doc.line_of("attachments"),
            _("attachments harus berupa daftar (paling banyak %(n)s).", n=MAX_ATTACHMENTS_PER_LESSON),
        )
        return lesson
    for att in attachments:
        if not reader.keys(att, ATTACHMENT_KEYS, "attachments") or att.get("path") is None:
            reader.error(doc.line_of("attachments"), _("Setiap lampiran perlu path dan name."))
            continue
        data = reader.binary(att["path"], att.line_of("path"), storage.DOCUMENT_KINDS, max_file, "path")
        if data is not None:
            name = str(att.get("name") or PurePosixPath(str(att["path"])).name)
            lesson.attachments.append(_FilePlan(str(att["path"]), name, data))
    return lesson


def _open_zip(source: BinaryIO, package_name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportRejected([LineError(1, _("Berkas ini bukan arsip ZIP yang sah."), package_name)]) from exc


def validate_package(
    source: BinaryIO, package_name: str = "paket.zip", slug: str | None = None, keep_status: bool = False
) -> _CoursePlan:
    """Read and check a package without changing anything; raises :class:`ImportRejected`."""
    max_bytes = current_app.config.get("COURSE_PACKAGE_MAX_BYTES", DEFAULT_MAX_BYTES)
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    if size > max_bytes:
        raise ImportRejected(
            [
                LineError(
                    1,
                    _("Paket terlalu besar (batas %(mb)s MB).", mb=max_bytes // (1024 * 1024)),
                    package_name,
                )
            ]
        )
    with _open_zip(source, package_name) as zf:
        reader = _Reader(zf, package_name, max_bytes)
        plan = _plan(reader, slug, keep_status) if reader.check_entries() else None
    if reader.errors:
        raise ImportRejected(sorted(reader.errors, key=lambda e: (e.file != MANIFEST, e.file or "", e.line)))
    return plan


# --- import: writing -------------------------------------------------------------------------


def import_course(
    source: BinaryIO, package_name: str = "paket.zip", slug: str | None = None, keep_status: bool = False
) -> Course:
    """Import a package as a new course. Everything is checked first; on any problem nothing is
    stored and :class:`ImportRejected` lists the files and lines. The course is a draft unless
    ``keep_status`` keeps the package's status."""
    plan = validate_package(source, package_name, slug, keep_status)
    stored_keys: list[str] = []

    def store(item: _FilePlan, allowed: set[str], limit: int) -> storage.StoredFile:
        stored = storage.save(io.BytesIO(item.data), allowed, limit)
        stored_keys.append(stored.key)
        return stored

    try:
        course = Course(
            title=plan.title,
            slug=plan.slug,
            summary=plan.summary,
            description_md=plan.description_md,
            description_html=plan.description_html,
            jp=plan.jp,
            sequential=plan.sequential,
            program_id=plan.program_id,
            status=CourseStatus.DRAFT,
        )
        if plan.cover is not None:
            stored = store(plan.cover, storage.IMAGE_KINDS, services.COVER_MAX_BYTES)
            course.cover_key, course.cover_mime = stored.key, stored.mime
        db.session.add(course)
        max_file = current_app.config["MAX_CONTENT_LENGTH"]
        for mi, module_plan in enumerate(plan.modules):
            module = Module(
                title=module_plan.title,
                summary=module_plan.summary,
                published=module_plan.published,
                position=mi,
            )
            course.modules.append(module)
            for li, lp in enumerate(module_plan.lessons):
                lesson = Lesson(
                    title=lp.title,
                    kind=lp.kind,
                    position=li,
                    body_md=lp.body_md,
                    body_html=lp.body_html,
                    required=lp.required,
                    duration_minutes=lp.duration_minutes,
                    video_url=lp.video_url,
                    link_url=lp.link_url,
                )
                module.lessons.append(lesson)
                if lp.file is not None:
                    stored = store(lp.file, storage.DOCUMENT_KINDS, max_file)
                    lesson.file_key, lesson.file_mime, lesson.file_size = stored.key, stored.mime, stored.size
                    lesson.file_name = services.clean_filename(lp.file.name)
                for ai, att in enumerate(lp.attachments):
                    stored = store(att, storage.DOCUMENT_KINDS, max_file)
                    lesson.attachments.append(
                        LessonAttachment(
                            key=stored.key,
                            name=services.clean_filename(att.name),
                            mime=stored.mime,
                            size=stored.size,
                            position=ai,
                        )
                    )
        db.session.flush()
        if plan.status != CourseStatus.DRAFT:
            try:
                services.change_course_status(course, plan.status)
            except DomainError as exc:
                raise ImportRejected([LineError(plan.status_line, exc.message, MANIFEST)]) from exc
    except BaseException:
        services.discard_files(stored_keys)
        raise
    return course
