"""Forms of the quizzes feature (shape only; the rules live in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.quizzes.models import GradingMethod, QuizKind, ReviewTiming
from lms.quizzes.question_types import type_choices

KIND_LABELS = {
    QuizKind.PRACTICE: _l("Latihan"),
    QuizKind.PRE_TEST: _l("Pre-test"),
    QuizKind.POST_TEST: _l("Post-test"),
    QuizKind.EXAM: _l("Ujian"),
}
GRADING_LABELS = {GradingMethod.HIGHEST: _l("Nilai tertinggi"), GradingMethod.LAST: _l("Percobaan terakhir")}
REVIEW_LABELS = {
    ReviewTiming.IMMEDIATELY: _l("Segera setelah dikumpulkan"),
    ReviewTiming.AFTER_CLOSE: _l("Setelah kuis ditutup"),
    ReviewTiming.NEVER: _l("Tidak pernah"),
}


class StartForm(FlaskForm):
    submit = SubmitField(_l("Mulai mengerjakan"))


class ImportQuestionsForm(FlaskForm):
    """Upload a GIFT or Aiken file into a course's bank."""

    file = FileField(_l("Berkas soal (.gift, .txt)"), validators=[FileRequired(_l("Pilih berkas."))])
    fmt = SelectField(
        _l("Format"),
        choices=[("gift", _l("GIFT (Moodle)")), ("aiken", _l("Aiken"))],
        default="gift",
    )
    category = StringField(
        _l("Kategori bila berkas tidak menyebutkan ($CATEGORY:)"), validators=[Optional(), Length(max=255)]
    )
    submit = SubmitField(_l("Impor soal"))


class QuestionForm(FlaskForm):
    """One question written in GIFT, with its category, tags and mark."""

    source = TextAreaField(_l("Soal dalam format GIFT"), validators=[DataRequired(), Length(max=100_000)])
    category = StringField(_l("Kategori"), validators=[Optional(), Length(max=255)])
    tags = StringField(_l("Tag (pisahkan dengan koma)"), validators=[Optional(), Length(max=500)])
    default_mark = DecimalField(
        _l("Bobot nilai"), places=2, default=1, validators=[DataRequired(), NumberRange(min=0.01, max=1000)]
    )
    version = HiddenField()
    submit = SubmitField(_l("Simpan soal"))


class QuestionFilterForm(FlaskForm):
    """Search the bank (GET; no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari teks soal"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Kategori"), choices=[], validate_choice=False)
    tag = SelectField(_l("Tag"), choices=[], validate_choice=False)
    qtype = SelectField(_l("Jenis"), choices=[], validate_choice=False)

    def fill(self, categories, tags):
        self.category.choices = [("", _l("Semua kategori"))] + [(str(c.id), c.path) for c, _n in categories]
        self.tag.choices = [("", _l("Semua tag"))] + [(t, t) for t in tags]
        self.qtype.choices = [("", _l("Semua jenis"))] + list(type_choices())


class QuizForm(FlaskForm):
    """A quiz's settings."""

    title = StringField(_l("Judul kuis"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Petunjuk (Markdown)"), validators=[Optional(), Length(max=20000)])
    kind = SelectField(_l("Jenis kuis"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    module_id = SelectField(_l("Penempatan"), choices=[], validate_choice=False)
    pre_test_id = SelectField(_l("Pasangan pre-test (untuk post-test)"), choices=[], validate_choice=False)
    shuffle_questions = BooleanField(_l("Acak urutan soal"))
    shuffle_options = BooleanField(_l("Acak urutan pilihan jawaban"), default=True)
    questions_per_page = IntegerField(
        _l("Soal per halaman (0 = semua di satu halaman)"),
        default=10,
        validators=[NumberRange(min=0, max=200)],
    )
    time_limit_minutes = IntegerField(
        _l("Batas waktu (menit, kosongkan bila tanpa batas)"),
        validators=[Optional(), NumberRange(min=1, max=1440)],
    )
    open_at = DateTimeLocalField(_l("Dibuka"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    close_at = DateTimeLocalField(_l("Ditutup"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    max_attempts = IntegerField(
        _l("Jumlah kesempatan (kosongkan bila tak terbatas)"),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    grading_method = SelectField(
        _l("Nilai yang dihitung"), choices=[(k.value, v) for k, v in GRADING_LABELS.items()]
    )
    passing_grade = DecimalField(
        _l("Nilai lulus (0–100)"),
        places=2,
        default=60,
        validators=[DataRequired(), NumberRange(min=0, max=100)],
    )
    review = SelectField(
        _l("Kunci jawaban ditampilkan"), choices=[(k.value, v) for k, v in REVIEW_LABELS.items()]
    )
    required_for_completion = BooleanField(_l("Wajib lulus untuk menyelesaikan kursus"))
    published = BooleanField(_l("Terbitkan (terlihat oleh peserta)"))
    version = HiddenField()
    submit = SubmitField(_l("Simpan kuis"))


class AddQuestionsForm(FlaskForm):
    """Add chosen bank questions to a quiz (checkbox values come from the request)."""

    mark = DecimalField(
        _l("Bobot per soal (kosongkan: bobot soal)"), places=2, validators=[Optional(), NumberRange(min=0.01)]
    )
    submit = SubmitField(_l("Tambahkan soal terpilih"))


class RandomSlotForm(FlaskForm):
    """Draw questions from a category for each attempt."""

    category_id = SelectField(_l("Kategori"), choices=[], validate_choice=False)
    count = IntegerField(
        _l("Jumlah soal acak"), default=5, validators=[DataRequired(), NumberRange(min=1, max=500)]
    )
    mark = DecimalField(
        _l("Bobot per soal (kosongkan: bobot soal)"), places=2, validators=[Optional(), NumberRange(min=0.01)]
    )
    submit = SubmitField(_l("Tambahkan soal acak"))


class GradeFilterForm(FlaskForm):
    class Meta:
        csrf = False

    mine = BooleanField(_l("Hanya peserta bimbingan saya"))
