"""Forms for the catalogue, lessons, authoring, angkatan and enrolment (shape only; the rules live
in services, and views copy their errors onto these forms)."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from lms.courses.models import CourseStatus, LessonKind, ProgramKind

LESSON_KIND_LABELS = {
    LessonKind.TEXT: _l("Teks (Markdown)"),
    LessonKind.VIDEO: _l("Video (YouTube, Vimeo, atau MP4) dengan alternatif teks"),
    LessonKind.FILE: _l("Berkas (PDF atau dokumen Office)"),
    LessonKind.LINK: _l("Tautan ke situs lain"),
}
COURSE_STATUS_LABELS = {
    CourseStatus.DRAFT: _l("Draf"),
    CourseStatus.PUBLISHED: _l("Terbit"),
    CourseStatus.ARCHIVED: _l("Diarsipkan"),
}
PROGRAM_KIND_LABELS = {
    ProgramKind.LEADERSHIP: _l("Kepemimpinan"),
    ProgramKind.LATSAR: _l("Pelatihan Dasar (Latsar)"),
    ProgramKind.TECHNICAL: _l("Teknis"),
    ProgramKind.FUNCTIONAL: _l("Fungsional"),
    ProgramKind.MOOC: _l("Kursus mandiri (MOOC)"),
}
JP_BAND_PAIRS = [
    ("", _l("Semua JP")),
    ("1-10", _l("1-10 JP")),
    ("11-40", _l("11-40 JP")),
    ("41+", _l("Lebih dari 40 JP")),
]


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs; None becomes the empty value."""
    return [SelectChoice(value="" if v is None else str(v), label=label) for v, label in pairs]


def _int_or_none(value):
    if value in (None, "", "0", 0):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- learners ----------------------------------------------------------------------------------


class CatalogueSearchForm(FlaskForm):
    """GET search and filters of the catalogue (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari judul atau ringkasan"), validators=[Optional(), Length(max=100)])
    program = SelectField(_l("Program"), coerce=_int_or_none, validators=[Optional()])
    jp = SelectField(_l("JP"), choices=options(JP_BAND_PAIRS), validators=[Optional()])
    open_only = BooleanField(_l("Hanya yang membuka pendaftaran mandiri"))


class CatalogueSearch(NamedTuple):
    """The catalogue's search as read from the query string (what CatalogueSearchForm reads)."""

    q: str | None
    program: int | None
    jp: str | None
    open_only: bool


JP_BAND_VALUES = frozenset(value for value, _label in JP_BAND_PAIRS)


def read_catalogue_search(args, program_choices) -> tuple[CatalogueSearch, dict[str, list[str]]]:
    """The catalogue's search and its errors by field name, as :class:`CatalogueSearchForm`
    reads and validates them. Building and validating the form costs more than the rest of a
    catalogue page's own work, and a search is nearly always valid: the values are read here and
    the form is built only when one is out of bounds, for its error messages.
    ``program_choices``: (id, name) of every program."""
    q = args.get("q")
    program = _int_or_none(args.get("program"))
    jp = args.get("jp")
    search = CatalogueSearch(q, program, jp, args.get("open_only", "") not in ("", "false"))
    if (
        (q is None or len(q) <= 100)
        and (program is None or any(program == p for p, _name in program_choices))
        and (jp is None or jp in JP_BAND_VALUES)
    ):
        return search, {}
    form = CatalogueSearchForm(args)
    form.program.choices = options([(None, ""), *program_choices])
    form.validate()
    return search, form.errors


class SelfEnrolForm(FlaskForm):
    """A participant enrols themself; the surat tugas is optional."""

    surat_tugas = FileField(_l("Surat tugas (opsional, PDF atau gambar)"))
    submit = SubmitField(_l("Daftar"))


class DoneForm(FlaskForm):
    """Mark a video, file or link lesson as done."""

    submit = SubmitField(_l("Tandai selesai"))


# --- authoring ---------------------------------------------------------------------------------


class CourseForm(FlaskForm):
    """Create or edit a course."""

    title = StringField(_l("Judul kursus"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Slug (alamat)"), validators=[Optional(), Length(max=120)])
    program_id = SelectField(_l("Program"), coerce=_int_or_none, validators=[Optional()])
    summary = TextAreaField(_l("Ringkasan"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})
    description_md = TextAreaField(
        _l("Deskripsi (Markdown)"), validators=[Optional()], render_kw={"rows": 10, "data-markdown": "1"}
    )
    jp = IntegerField(_l("JP (jam pelajaran)"), default=0, validators=[NumberRange(min=0, max=10000)])
    sequential = BooleanField(_l("Berurutan: modul terbuka setelah modul sebelumnya selesai"))
    cover = FileField(_l("Gambar sampul (PNG, JPG, GIF, atau WebP; paling besar 2 MB)"))
    version = HiddenField()
    preview = SubmitField(_l("Pratinjau"))
    submit = SubmitField(_l("Simpan"))


class ModuleForm(FlaskForm):
    """Create or edit a module."""

    title = StringField(_l("Judul modul"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Ringkasan"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})
    published = BooleanField(_l("Terbitkan modul (terlihat oleh peserta bila kursus terbit)"))
    version = HiddenField()
    submit = SubmitField(_l("Simpan"))


class LessonForm(FlaskForm):
    """Create or edit a lesson, with a Markdown preview that needs no JavaScript."""

    title = StringField(_l("Judul pelajaran"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Jenis pelajaran"), choices=options((k.value, label) for k, label in LESSON_KIND_LABELS.items())
    )
    body_md = TextAreaField(
        _l("Isi atau alternatif teks (Markdown)"),
        validators=[Optional()],
        render_kw={"rows": 16, "data-markdown": "1"},
    )
    video_url = StringField(
        _l("Alamat video"),
        validators=[Optional(), Length(max=500)],
        render_kw={"type": "url", "inputmode": "url"},
    )
    link_url = StringField(
        _l("Alamat tautan"),
        validators=[Optional(), Length(max=500)],
        render_kw={"type": "url", "inputmode": "url"},
    )
    file = FileField(_l("Berkas pelajaran (PDF atau dokumen Office)"))
    required = BooleanField(_l("Wajib untuk menyelesaikan kursus"), default=True)
    duration_minutes = IntegerField(
        _l("Perkiraan durasi (menit)"), validators=[Optional(), NumberRange(min=0, max=10000)]
    )
    version = HiddenField()
    preview = SubmitField(_l("Pratinjau"))
    submit = SubmitField(_l("Simpan"))


class AttachmentForm(FlaskForm):
    """Upload a handout to a lesson."""

    file = FileField(_l("Lampiran (PDF, dokumen Office, atau gambar)"), validators=[FileRequired()])
    submit = SubmitField(_l("Unggah lampiran"))


class MoveForm(FlaskForm):
    """Move a module or lesson one place up or down (works without JavaScript)."""

    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class StatusForm(FlaskForm):
    """Publish, unpublish or archive a course."""

    status = HiddenField(validators=[AnyOf([s.value for s in CourseStatus])])


class PackageImportForm(FlaskForm):
    """Upload a course package (zip)."""

    file = FileField(_l("Paket kursus (.zip)"), validators=[FileRequired()])
    slug = StringField(
        _l("Slug baru (opsional; isi bila slug di paket sudah dipakai)"), validators=[Optional()]
    )
    keep_status = BooleanField(_l("Pertahankan status terbit dari paket (bawaan: draf)"))
    submit = SubmitField(_l("Periksa dan impor"))


class AdminCourseSearchForm(FlaskForm):
    """GET search of the admin course list."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari judul atau slug"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=options(
            [("", _l("Semua status"))] + [(s.value, label) for s, label in COURSE_STATUS_LABELS.items()]
        ),
        validators=[Optional()],
    )


class SimpleSearchForm(FlaskForm):
    """GET search box for admin lists."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari"), validators=[Optional()])


# --- programs and angkatan ---------------------------------------------------------------------


class ProgramForm(FlaskForm):
    """Create or edit a program."""

    code = StringField(_l("Kode"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Nama program"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Jenis"), choices=options((k.value, label) for k, label in PROGRAM_KIND_LABELS.items())
    )
    jp = IntegerField(_l("JP"), default=0, validators=[NumberRange(min=0, max=100000)])
    description = TextAreaField(_l("Deskripsi"), validators=[Optional()], render_kw={"rows": 4})
    project_label = StringField(
        _l("Nama proyek (mis. proyek perubahan, aksi perubahan, aktualisasi; kosongkan bila tidak ada)"),
        validators=[Optional(), Length(max=60)],
    )
    version = HiddenField()
    submit = SubmitField(_l("Simpan"))


class AngkatanForm(FlaskForm):
    """Create or edit an angkatan: it runs one program or one course."""

    name = StringField(_l("Nama angkatan"), validators=[DataRequired(), Length(max=200)])
    target = SelectField(_l("Program atau kursus yang dijalankan"), validators=[DataRequired()])
    start_date = DateField(_l("Tanggal mulai"), validators=[Optional()])
    end_date = DateField(_l("Tanggal selesai (batas waktu belajar)"), validators=[Optional()])
    enrolment_open = BooleanField(_l("Pendaftaran mandiri dibuka"))
    capacity = IntegerField(
        _l("Kapasitas (kosongkan bila tanpa batas)"), validators=[Optional(), NumberRange(min=1)]
    )
    version = HiddenField()
    submit = SubmitField(_l("Simpan"))


class EnrolForm(FlaskForm):
    """An admin enrols one participant."""

    person = StringField(_l("NIP atau nama pengguna peserta"), validators=[DataRequired(), Length(max=64)])
    ndh = IntegerField(
        _l("NDH (kosongkan untuk nomor berikutnya)"), validators=[Optional(), NumberRange(min=1)]
    )
    mentor = StringField(
        _l("NIP atau nama pengguna mentor (opsional)"), validators=[Optional(), Length(max=64)]
    )
    coach = StringField(
        _l("NIP atau nama pengguna coach (opsional)"), validators=[Optional(), Length(max=64)]
    )
    surat_tugas = FileField(_l("Surat tugas (opsional)"))
    submit = SubmitField(_l("Daftarkan"))


class EnrolmentForm(FlaskForm):
    """Edit a participant's NDH, mentor and coach, or replace the surat tugas."""

    ndh = IntegerField(_l("NDH"), validators=[Optional(), NumberRange(min=1)])
    mentor = StringField(_l("NIP atau nama pengguna mentor"), validators=[Optional(), Length(max=64)])
    coach = StringField(_l("NIP atau nama pengguna coach"), validators=[Optional(), Length(max=64)])
    surat_tugas = FileField(_l("Ganti surat tugas (opsional)"))
    submit = SubmitField(_l("Simpan"))


class EnrolCsvForm(FlaskForm):
    """Upload a CSV of participants."""

    file = FileField(_l("Berkas CSV"), validators=[FileRequired()])
    submit = SubmitField(_l("Periksa dan impor"))
